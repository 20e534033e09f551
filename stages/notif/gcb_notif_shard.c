/*
 * The notification source under group coordination (docs/multihost.md):
 * the topic set is cut into shards, shard = FNV-1a(entity id) mod N, N the
 * partitions of the coordination topic; this instance subscribes only to
 * the topics of the shards the group gave it. A shard's state record:
 *
 *   {"live_until":T,"gaps":[[start,end],...]}
 *
 * T: every message of the shard that arrived before T is in Kafka (the
 * arrival time of the last acknowledged message, or the time of the last
 * socket read when everything read is acknowledged). gaps: this owner's
 * gaps not yet backfilled (end 0: still open). A new owner opens a gap
 * from T until its channels carry the shard, and re-records the gaps, so
 * the time nobody owned the shard, and whatever its last owner had not
 * backfilled, is backfilled.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_shm_coord.h"
#include "lib/gcb_log.h"

#define STATE_GAPS_MAX 32
#define DRAIN_STEP_MS  10

/* 1 when s is a Genesys id (8-4-4-4-12 hex): the entity a topic names. */
static int is_uuid(const char *s, size_t len)
{
	if (len != 36)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return 0;
		}
	}
	return 1;
}

unsigned gcb_notif_shard_of(const char *topic, unsigned n_shards)
{
	const char *key = topic, *p = topic;
	size_t klen = strlen(topic);
	uint64_t h = 0xcbf29ce484222325ull;

	/* The first id segment: every topic of one user (or queue) lands in
	 * one shard, whatever the family. No id: the whole name. */
	while (*p != '\0') {
		const char *e = strchr(p, '.');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
		const char *q = memchr(p, '?', len);

		if (q != NULL)
			len = (size_t)(q - p);
		if (is_uuid(p, len)) {
			key = p;
			klen = len;
			break;
		}
		if (e == NULL)
			break;
		p = e + 1;
	}
	for (size_t i = 0; i < klen; i++) {
		h ^= (unsigned char)key[i];
		h *= 0x100000001b3ull;
	}
	return n_shards > 0 ? (unsigned)(h % n_shards) : 0;
}

void gcb_notif_shard_filter(gcb_notif_t *n, gcb_notif_topics_t *t)
{
	unsigned k = 0;

	if (n->coord == NULL)
		return;
	for (unsigned i = 0; i < t->n; i++) {
		if (n->shards_owned & (UINT64_C(1) << gcb_notif_shard_of(t->v[i], n->n_shards)))
			t->v[k++] = t->v[i];
		else
			free(t->v[i]);
	}
	t->n = k;
}

/* The pending gaps as [[start,end],...] (at most STATE_GAPS_MAX, newest kept). */
static cJSON *gaps_json(const gcb_notif_t *n)
{
	cJSON *a = cJSON_CreateArray();
	unsigned from = n->gaps.n > STATE_GAPS_MAX ? n->gaps.n - STATE_GAPS_MAX : 0;

	for (unsigned i = from; a != NULL && i < n->gaps.n; i++) {
		cJSON *g = cJSON_CreateArray();

		if (g == NULL)
			break;
		cJSON_AddItemToArray(g, cJSON_CreateNumber((double)n->gaps.v[i].start_unix_ms));
		cJSON_AddItemToArray(g, cJSON_CreateNumber((double)n->gaps.v[i].end_unix_ms));
		cJSON_AddItemToArray(a, g);
	}
	return a;
}

static int put_state(gcb_notif_t *n, unsigned s, uint64_t live_until)
{
	cJSON *o = cJSON_CreateObject();
	char *txt;
	int rc = -ENOMEM;

	if (o != NULL && cJSON_AddNumberToObject(o, "live_until", (double)live_until) != NULL) {
		cJSON_AddItemToObject(o, "gaps", gaps_json(n));
		if ((txt = cJSON_PrintUnformatted(o)) != NULL) {
			rc = gcb_coord_state_put(n->coord, s, txt);
			free(txt);
		}
	}
	cJSON_Delete(o);
	if (rc == 0)
		n->shard_live_until[s] = live_until;
	else if (rc == -ESTALE)
		gcb_log_warn("shard %u: a newer generation owns it: state not written", s);
	else if (rc != -EPERM)
		gcb_log_error("shard %u: state not written: %s", s, strerror(-rc));
	return rc;
}

/* Everything read from the sockets so far is acknowledged by Kafka. */
static int all_acked(const gcb_notif_t *n)
{
	gcb_spool_stats_t st;
	const gcb_shm_pipeline_t *p = n->src.pipe;

	gcb_spool_stats(n->spool, &st);
	return st.unread_records == 0 && n->batch.n_events == 0 &&
	       atomic_load_explicit(&p->acked_batch_seq, memory_order_acquire) >=
		   atomic_load_explicit(&p->fetched_batch_seq, memory_order_relaxed);
}

/* Before this time every message read is in Kafka (0: unknown). */
static uint64_t acked_until(const gcb_notif_t *n)
{
	uint64_t ck = atomic_load_explicit(&n->src.pipe->checkpoint_batch_seq, memory_order_acquire);
	unsigned slot = (unsigned)(ck % GCB_SHM_CURSOR_SLOTS);

	if (all_acked(n))
		return n->read_unix_ms;
	if (ck != 0 && n->arrival_seq[slot] == ck)
		return n->arrival_ms[slot];
	return 0;
}

void gcb_notif_shard_batch(gcb_notif_t *n, uint64_t batch_seq, uint64_t arrival_unix_ms)
{
	unsigned slot = (unsigned)(batch_seq % GCB_SHM_CURSOR_SLOTS);

	n->arrival_seq[slot] = batch_seq;
	n->arrival_ms[slot] = arrival_unix_ms;
}

static void on_assigned(void *arg, unsigned s)
{
	gcb_notif_t *n = arg;
	char state[GCB_COORD_VALUE_MAX], writer[GCB_COORD_WRITER_MAX];
	uint64_t now = gcb_clock_real_ms(), since = now;
	int32_t gen = 0;
	cJSON *root = NULL;

	if (gcb_coord_state_get(n->coord, s, state, sizeof(state), &gen, writer, sizeof(writer)) ==
		0 &&
	    (root = cJSON_Parse(state)) != NULL) {
		const cJSON *lu = cJSON_GetObjectItemCaseSensitive(root, "live_until");
		const cJSON *gaps = cJSON_GetObjectItemCaseSensitive(root, "gaps");
		const cJSON *g;

		if (cJSON_IsNumber(lu) && lu->valuedouble > 0)
			since = (uint64_t)lu->valuedouble;
		cJSON_ArrayForEach(g, gaps)
		{
			const cJSON *a = cJSON_GetArrayItem(g, 0), *b = cJSON_GetArrayItem(g, 1);
			uint64_t id;

			if (!cJSON_IsNumber(a) || !cJSON_IsNumber(b) || a->valuedouble <= 0)
				continue;
			/* The previous owner's unfinished work is ours now. */
			id = gcb_notif_gap_open(n, (uint64_t)a->valuedouble, "handover", "");
			gcb_notif_gap_close(n, &id,
					    b->valuedouble > 0 ? (uint64_t)b->valuedouble : now);
		}
		cJSON_Delete(root);
		gcb_log_info("shard %u taken over: live until %llu by %s (generation %d)", s,
			     (unsigned long long)since, writer, gen);
	} else {
		gcb_log_info("shard %u assigned: no state yet (the group's first run)", s);
	}
	n->shards_owned |= UINT64_C(1) << s;
	n->shards_changed = 1;
	n->resolve_mono_ms = 0;
	if (since < now) {
		char what[32];

		snprintf(what, sizeof(what), "shard %u", s);
		n->shard_gap[s] = gcb_notif_gap_open(n, since, "takeover", what);
	}
	/* The claim: our generation is in the state topic from now on. */
	(void)put_state(n, s, since);
}

static void drain(gcb_notif_t *n)
{
	uint64_t end =
	    gcb_clock_mono_ns() + (uint64_t)n->conf->coord.drain_timeout_ms * UINT64_C(1000000);
	const struct timespec step = {0, DRAIN_STEP_MS * 1000000L};

	while (!all_acked(n) && gcb_clock_mono_ns() < end) {
		(void)gcb_notif_feed(n);
		gcb_stage_heartbeat(n->src.ctx);
		nanosleep(&step, NULL);
	}
}

static void on_revoked(void *arg, unsigned s, int lost)
{
	gcb_notif_t *n = arg;
	uint64_t until;

	if (!lost) {
		/* Sockets are not read meanwhile: what was read goes to Kafka,
		 * the rest is the next owner's gap. */
		drain(n);
		gcb_source_checkpoint(&n->src, 1);
		until = n->shard_gap[s] != 0 ? n->shard_live_until[s] : acked_until(n);
		if (until < n->shard_live_until[s])
			until = n->shard_live_until[s];
		(void)put_state(n, s, until);
		gcb_log_info("shard %u handed over (live until %llu)", s,
			     (unsigned long long)until);
	} else {
		gcb_log_warn("shard %u lost to another instance: unsubscribing its topics", s);
	}
	n->shards_owned &= ~(UINT64_C(1) << s);
	n->shards_changed = 1;
	n->resolve_mono_ms = 0;
	n->shard_gap[s] = 0; /* stays in the gap log (and the state): backfilled here too */
}

int gcb_notif_shard_setup(gcb_notif_t *n)
{
	const gcb_coord_hooks_t hooks = {.arg = n, .assigned = on_assigned, .revoked = on_revoked};
	char err[512];
	int rc;

	if (n->conf->coord.group == NULL || n->conf->coord.group[0] == '\0')
		return 0;
	rc = gcb_coord_new(&n->coord, &n->conf->coord, &hooks, gcb_shm_coord(n->src.ctx->shm->hdr),
			   err, sizeof(err));
	if (rc != 0) {
		gcb_log_error("coordination: %s", err);
		return rc == -EINVAL ? -EINVAL : -EIO;
	}
	n->n_shards = gcb_coord_units(n->coord);
	gcb_log_info("notification topics cut into %u shards", n->n_shards);
	return 0;
}

void gcb_notif_shard_fini(gcb_notif_t *n)
{
	gcb_coord_destroy(n->coord); /* drains and hands every shard over */
	n->coord = NULL;
}

/* Every used channel is connected and carries its current share. */
static int channels_settled(const gcb_notif_t *n)
{
	for (unsigned i = 0; i < n->n_chans; i++)
		if (n->chans[i].used && (n->chans[i].ws == NULL || n->chans[i].dirty))
			return 0;
	return 1;
}

void gcb_notif_shard_turn(gcb_notif_t *n)
{
	uint64_t ck, until, now;

	if (n->coord == NULL)
		return;
	gcb_coord_poll(n->coord);
	now = gcb_clock_real_ms();
	if (!n->shards_changed && channels_settled(n)) {
		for (unsigned s = 0; s < n->n_shards; s++)
			if (n->shard_gap[s] != 0) {
				/* Our channels carry the shard: the takeover gap ends. */
				gcb_notif_gap_close(n, &n->shard_gap[s], now);
				n->shard_live_until[s] = now;
			}
	}
	ck = atomic_load_explicit(&n->src.pipe->checkpoint_batch_seq, memory_order_acquire);
	if (ck == n->shard_put_seq && !all_acked(n))
		return;
	if (gcb_clock_mono_ms() < n->shard_put_mono_ms)
		return;
	n->shard_put_seq = ck;
	n->shard_put_mono_ms =
	    gcb_clock_mono_ms() + (n->conf->checkpoint_interval_ms > 0
						 ? n->conf->checkpoint_interval_ms
						 : GCB_SOURCE_TICK_MS);
	until = acked_until(n);
	for (unsigned s = 0; s < n->n_shards; s++) {
		if (!(n->shards_owned & (UINT64_C(1) << s)) || n->shard_gap[s] != 0)
			continue;
		if (until > n->shard_live_until[s])
			(void)put_state(n, s, until);
	}
}

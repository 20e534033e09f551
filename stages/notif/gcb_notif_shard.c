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
#define STATE_RETRY_MIN_MS 1000
#define STATE_RETRY_MAX_MS 16000

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
	else if (rc != -EPERM && rc != -EAGAIN) /* -EAGAIN: resting, logged at the failure */
		gcb_log_error("shard %u: state not written: %s", s, strerror(-rc));
	return rc;
}

/*
 * Takes shard s over from the state its previous owner stored: a takeover
 * gap from its live_until, its unfinished gaps re-recorded as ours, and our
 * claim. 0, or -EAGAIN when the state topic cannot be read now: then
 * nothing is known of the previous owner, not even whether there was one,
 * and starting without a gap would lose what it did not deliver.
 */
static int take_over(gcb_notif_t *n, unsigned s)
{
	char state[GCB_COORD_VALUE_MAX], writer[GCB_COORD_WRITER_MAX];
	uint64_t now = gcb_clock_real_ms(), since = now;
	int32_t gen = 0;
	cJSON *root = NULL;
	int rc;

	rc = gcb_coord_state_get(n->coord, s, state, sizeof(state), &gen, writer, sizeof(writer));
	if (rc == -EIO)
		return -EAGAIN;
	if (rc == 0 && (root = cJSON_Parse(state)) != NULL) {
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
	} else if (rc == -ENOENT) {
		gcb_log_info("shard %u assigned: no state yet (the group's first run)", s);
	} else {
		/* Not one of ours (only a foreign writer makes this): where the
		 * previous owner stopped is unknown and cannot be learnt. */
		gcb_log_error("shard %u: its state record is unusable (%s): taken over without "
			      "a takeover gap",
			      s, rc != 0 ? strerror(-rc) : "not JSON");
	}
	if (since < now) {
		char what[32];

		snprintf(what, sizeof(what), "shard %u", s);
		n->shard_gap[s] = gcb_notif_gap_open(n, since, "takeover", what);
	}
	/* The claim: our generation is in the state topic from now on. */
	(void)put_state(n, s, since);
	return 0;
}

static void on_assigned(void *arg, unsigned s)
{
	gcb_notif_t *n = arg;

	/* Subscribed at once either way; the gap is opened once its start is known. */
	n->shards_owned |= UINT64_C(1) << s;
	n->shards_changed = 1;
	n->resolve_mono_ms = 0;
	if (take_over(n, s) == -EAGAIN) {
		n->shards_unread |= UINT64_C(1) << s;
		n->shard_read_wait_ms = STATE_RETRY_MIN_MS;
		n->shard_read_mono_ms = gcb_clock_mono_ms() + n->shard_read_wait_ms;
		gcb_log_warn("shard %u assigned, but the state topic cannot be read: its topics "
			     "are subscribed, the takeover gap is opened once the previous "
			     "owner's state is read",
			     s);
	}
}

/* Shards whose state could not be read at their assignment: try again,
 * less and less often (a try that fails blocks the loop for seconds). */
static void read_unread(gcb_notif_t *n)
{
	if (n->shards_unread == 0 || gcb_clock_mono_ms() < n->shard_read_mono_ms)
		return;
	for (unsigned s = 0; s < n->n_shards; s++) {
		if (!(n->shards_unread & (UINT64_C(1) << s)))
			continue;
		if (take_over(n, s) != 0)
			break;
		n->shards_unread &= ~(UINT64_C(1) << s);
		gcb_stage_heartbeat(n->src.ctx);
	}
	gcb_stage_heartbeat(n->src.ctx);
	if (n->shard_read_wait_ms < STATE_RETRY_MAX_MS)
		n->shard_read_wait_ms *= 2;
	n->shard_read_mono_ms = gcb_clock_mono_ms() + n->shard_read_wait_ms;
}

static void drain(gcb_notif_t *n)
{
	uint64_t end =
	    gcb_clock_mono_ns() + (uint64_t)n->conf->coord.drain_timeout_ms * UINT64_C(1000000);
	const struct timespec step = {0, DRAIN_STEP_MS * 1000000L};

	while (!gcb_notif_all_acked(n) && gcb_clock_mono_ns() < end) {
		(void)gcb_notif_feed(n);
		gcb_stage_heartbeat(n->src.ctx);
		nanosleep(&step, NULL);
	}
}

static void on_revoked(void *arg, unsigned s, int lost)
{
	gcb_notif_t *n = arg;
	uint64_t bit = UINT64_C(1) << s, until;

	if (n->shards_unread & bit) {
		/* We never learnt where the previous owner stopped: the next owner
		 * starts from its record, which covers our time too. */
		gcb_log_warn("shard %u %s before its state was read: no state written", s,
			     lost ? "lost" : "handed over");
	} else if (!lost) {
		/* Sockets are not read meanwhile: what was read goes to Kafka,
		 * the rest is the next owner's gap. */
		drain(n);
		gcb_source_checkpoint(&n->src, 1);
		until = n->shard_gap[s] != 0 ? n->shard_live_until[s] : gcb_notif_acked_until(n);
		if (until < n->shard_live_until[s])
			until = n->shard_live_until[s];
		(void)put_state(n, s, until);
		gcb_log_info("shard %u handed over (live until %llu)", s,
			     (unsigned long long)until);
	} else {
		gcb_log_warn("shard %u lost to another instance: unsubscribing its topics", s);
	}
	/* A takeover gap still open ends now and stays ours to backfill (the
	 * next owner's gap starts at its start, or at our last state). */
	gcb_notif_gap_close(n, &n->shard_gap[s], gcb_clock_real_ms());
	n->shards_owned &= ~bit;
	n->shards_unread &= ~bit;
	n->shards_changed = 1;
	n->resolve_mono_ms = 0;
}

/* A state read or write waits for Kafka: the watchdog must not take it for a hang. */
static void on_waiting(void *arg)
{
	const gcb_notif_t *n = arg;

	gcb_stage_heartbeat(n->src.ctx);
}

int gcb_notif_shard_setup(gcb_notif_t *n)
{
	const gcb_coord_hooks_t hooks = {
	    .arg = n, .assigned = on_assigned, .revoked = on_revoked, .waiting = on_waiting};
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
	read_unread(n);
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
	if (ck == n->shard_put_seq && !gcb_notif_all_acked(n))
		return;
	if (gcb_clock_mono_ms() < n->shard_put_mono_ms)
		return;
	n->shard_put_seq = ck;
	n->shard_put_mono_ms =
	    gcb_clock_mono_ms() + (n->conf->checkpoint_interval_ms > 0
						 ? n->conf->checkpoint_interval_ms
						 : GCB_SOURCE_TICK_MS);
	until = gcb_notif_acked_until(n);
	for (unsigned s = 0; s < n->n_shards; s++) {
		if (!(n->shards_owned & (UINT64_C(1) << s)) || n->shard_gap[s] != 0 ||
		    (n->shards_unread & (UINT64_C(1) << s)))
			continue;
		if (until > n->shard_live_until[s])
			(void)put_state(n, s, until);
	}
}

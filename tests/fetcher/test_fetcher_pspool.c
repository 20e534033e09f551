/*
 * Unit tests for the poll source's spool (stages/fetcher/gcb_fetcher_spool.c)
 * over a real segment and a real spool directory: answers appended and fed
 * to the ring in order with their cursors, complete answers merged into
 * batches of at most half a ring, an answer split over batches, a
 * restart from shared memory (also once the feed had caught up) and one
 * from the checkpoint (replay from the
 * first unacknowledged answer, polling on after the last whole one), an
 * answer cut short dropped, an unknown resume cursor replaying everything,
 * the last whole answer found in an older segment (fed while the cut answer
 * after it waits), and a full spool.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "shm/gcb_counters_fetcher.h"
#include "shm/gcb_shm_cursor.h"
#include "shm/gcb_shm_source.h"
#include "stages/fetcher/gcb_fetcher_int.h"
#include "stages/fetcher/gcb_fetcher_spoolrec.h"

#define RING_CAP  65536u
#define MAX_SEEN  512
#define EVENT_MAX 2048

struct fx {
	gcb_shm_t shm;
	char instance[64];
	char dir[256];
	gcb_stage_ctx_t ctx, vctx;
	gcb_ring_t out[GCB_STAGE_MAX_RINGS], in[GCB_STAGE_MAX_RINGS];
	gcb_source_conf_t conf;
	gcb_fetcher_t *f;
	/* what the consumer saw */
	unsigned n_seen;
	char seen[MAX_SEEN][32];
	char seen_cursor[MAX_SEEN][32];
	uint64_t seen_batch[MAX_SEEN];
};

static int abort_wait(void *arg, int why)
{
	(void)arg;
	(void)why;
	return 1;
}

static gcb_fetcher_t *fetcher_new(struct fx *x)
{
	gcb_fetcher_t *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->src.conf = &x->conf;
	f->src.ctx = &x->ctx;
	f->src.counters = x->ctx.slot->counters;
	f->src.pipe = gcb_shm_pipeline(&x->shm);
	f->retention_ms = x->conf.retention_ms;
	snprintf(f->src.stream_id, sizeof(f->src.stream_id), "s1");
	gcb_batch_writer_init(&f->src.writer, x->out, 1, f->src.pipe, f->src.stream_id,
			      x->conf.max_event_bytes, f->src.counters);
	f->src.writer.wait = abort_wait;
	f->src.writer.wait_arg = f;
	gcb_poll_result_init(&f->poll);
	assert_int_equal(gcb_fetcher_pspool_open(f), 0);
	return f;
}

/* What a SIGKILL leaves: the spool synced to disk, nothing fed or stored at exit. */
static void fetcher_crash(gcb_fetcher_t *f)
{
	assert_int_equal(gcb_spool_sync(f->ps->spool), 0);
	gcb_spool_close(f->ps->spool);
	f->ps->spool = NULL;
	gcb_fetcher_pspool_close(f);
	gcb_poll_result_fini(&f->poll);
	free(f);
}

static void fetcher_stop(gcb_fetcher_t *f)
{
	gcb_fetcher_pspool_close(f);
	gcb_poll_result_fini(&f->poll);
	free(f);
}

static int setup(void **state)
{
	static int n;
	struct fx *x = calloc(1, sizeof(*x));
	const gcb_shm_stage_spec_t stages[] = {
	    {"fetcher", GCB_STAGE_KIND_FETCHER, 0},
	    {"validator-0", GCB_STAGE_KIND_VALIDATOR, 0},
	    {"producer", GCB_STAGE_KIND_PRODUCER, 0},
	};
	const gcb_shm_ring_spec_t rings[] = {{"fetch-0", RING_CAP, 0, 0, 1},
					     {"out-0", RING_CAP, 0, 1, 2}};
	unsigned n_in, n_out;
	char err[256];

	assert_non_null(x);
	snprintf(x->instance, sizeof(x->instance), "test-pspool-%d-%d", (int)getpid(), ++n);
	snprintf(x->dir, sizeof(x->dir), "%s/gcb-test-pspool-%d-%d.spool",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid(), n);
	if (gcb_shm_create(&x->shm, x->instance, stages, 3, rings, 2, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcb_shm_create() failed: %s\n", err);
		return -1;
	}
	x->ctx = (gcb_stage_ctx_t){.shm = &x->shm, .slot = gcb_shm_stage(&x->shm, 0)};
	x->vctx =
	    (gcb_stage_ctx_t){.shm = &x->shm, .slot = gcb_shm_stage(&x->shm, 1), .stage_index = 1};
	assert_int_equal(gcb_stage_attach_rings(&x->ctx, x->in, &n_in, x->out, &n_out), 0);
	assert_int_equal(n_out, 1);
	assert_int_equal(gcb_stage_attach_rings(&x->vctx, x->in, &n_in, x->out + 1, &n_out), 0);
	assert_int_equal(n_in, 1);
	x->conf.spool.poll = 1;
	x->conf.spool.dir = x->dir;
	x->conf.spool.segment_bytes = 4096;
	x->conf.spool.max_bytes = 1u << 20;
	x->conf.spool.sync_interval_ms = 0;
	x->conf.max_event_bytes = EVENT_MAX;
	x->conf.n_validators = 1;
	x->conf.retention_ms = 3600000;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	char cmd[512];

	gcb_shm_detach(&x->shm);
	gcb_shm_unlink(x->instance);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", x->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", x->dir);
	free(x);
	return 0;
}

/* Reads everything the ring holds (the validator's side) and releases it. */
static void consume(struct fx *x)
{
	const gcb_ring_rec_t *rec;

	while (gcb_ring_read(&x->in[0], &rec) == 0) {
		const gcb_rec_event_t *ev = (const gcb_rec_event_t *)rec->payload;
		char cursor[GCB_SHM_CURSOR_MAX];
		size_t len;

		assert_true(x->n_seen < MAX_SEEN);
		snprintf(x->seen[x->n_seen], sizeof(x->seen[0]), "%.*s",
			 (int)ev->fields[GCB_EVF_JSON].len,
			 gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]));
		/* The batch's cursor is in its slot: still there, the batch is
		 * not checkpointed yet. */
		if (gcb_shm_cursor_read(gcb_shm_pipeline(&x->shm), ev->batch_seq, cursor,
					sizeof(cursor), &len) != 0)
			cursor[0] = '\0';
		snprintf(x->seen_cursor[x->n_seen], sizeof(x->seen_cursor[0]), "%s", cursor);
		x->seen_batch[x->n_seen] = ev->batch_seq;
		x->n_seen++;
	}
	gcb_ring_release_all(&x->in[0]);
}

/* Kafka acknowledged and the checkpoint stored everything fetched so far. */
static void ack_all(struct fx *x)
{
	gcb_shm_pipeline_t *p = gcb_shm_pipeline(&x->shm);
	uint64_t b = atomic_load(&p->fetched_batch_seq);

	atomic_store(&p->acked_batch_seq, b);
	atomic_store(&p->checkpoint_batch_seq, b);
}

/*
 * One poll answer of n events "<tag>-<i>" (each pad bytes of padding) with
 * next cursor next, appended as the fetcher does after a 200.
 */
static int answer(gcb_fetcher_t *f, const char *tag, int n, size_t pad, const char *next)
{
	static char body[65536];
	char err[128];
	size_t k = 0;
	int rc;

	k += (size_t)snprintf(body + k, sizeof(body) - k, "{\"events\":[");
	for (int i = 0; i < n; i++) {
		k += (size_t)snprintf(body + k, sizeof(body) - k, "%s{\"id\":\"%s-%d\",\"p\":\"",
				      i ? "," : "", tag, i);
		memset(body + k, 'x', pad);
		k += pad;
		k += (size_t)snprintf(body + k, sizeof(body) - k, "\"}");
	}
	k += (size_t)snprintf(body + k, sizeof(body) - k, "],\"cursor\":\"%s\",\"hasMore\":false}",
			      next);
	assert_int_equal(gcb_poll_parse(&f->poll, body, k, err, sizeof(err)), 0);
	rc = gcb_fetcher_pspool_append(f, body, 1000);
	if (rc == 0)
		snprintf(f->src.cursor, sizeof(f->src.cursor), "%s", next);
	return rc;
}

/* Answers "a<first>".."a<last>" of n events each, answer a with next cursor "c<a>". */
static void answers(gcb_fetcher_t *f, int first, int last, int n, size_t pad)
{
	for (int a = first; a <= last; a++) {
		char tag[8], next[8];

		snprintf(tag, sizeof(tag), "a%d", a);
		snprintf(next, sizeof(next), "c%d", a);
		assert_int_equal(answer(f, tag, n, pad, next), 0);
	}
}

/* Feeds until nothing moves (spool writes complete asynchronously). */
static void feed(struct fx *x, gcb_fetcher_t *f)
{
	for (int i = 0; i < 50; i++) {
		assert_int_equal(gcb_spool_flush(f->ps->spool, gcb_clock_mono_ns() / 1000000, 1),
				 0);
		assert_int_equal(gcb_fetcher_pspool_service(f), 0);
		consume(x);
		if (gcb_fetcher_pspool_drained(f))
			break;
		usleep(1000);
	}
}

/* The id of event i of the answer tag, as seen. */
static void assert_seen(struct fx *x, unsigned at, const char *tag, int i)
{
	char id[32];

	snprintf(id, sizeof(id), "%s-%d", tag, i);
	assert_true(at < x->n_seen);
	assert_non_null(strstr(x->seen[at], id));
}

static void test_feed_order(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);
	char tag[8];

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	assert_string_equal(f->src.cursor, "");
	answers(f, 1, 5, 3, 10);
	feed(x, f);
	assert_int_equal(x->n_seen, 15);
	/* Five complete answers readable at once go as one batch with the
	 * last one's cursor. */
	for (int a = 1; a <= 5; a++)
		for (int i = 0; i < 3; i++) {
			snprintf(tag, sizeof(tag), "a%d", a);
			assert_seen(x, (unsigned)((a - 1) * 3 + i), tag, i);
			assert_string_equal(x->seen_cursor[(a - 1) * 3 + i], "c5");
			assert_int_equal(x->seen_batch[(a - 1) * 3 + i], x->seen_batch[0]);
		}
	assert_int_equal(atomic_load(&f->src.counters[GCB_SC_SPOOL_APPENDS]), 5 * 5);
	assert_int_equal(atomic_load(&f->src.counters[GCB_FC_SPOOL_EVENTS]), 0);
	fetcher_stop(f);
}

static void test_split(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);
	unsigned first_part = 0;

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	assert_int_equal(answer(f, "a1", 2, 10, "c1"), 0);
	/* 40 events of ~1 KiB: more than half the 64 KiB ring in records. */
	assert_int_equal(answer(f, "big", 40, 1000, "c2"), 0);
	feed(x, f);
	assert_int_equal(x->n_seen, 42);
	for (unsigned i = 2; i < 42; i++) {
		assert_seen(x, i, "big", (int)i - 2);
		if (strcmp(x->seen_cursor[i], "c1") == 0)
			first_part++;
		else
			assert_string_equal(x->seen_cursor[i], "c2");
	}
	/* All parts but the last carry the cursor a re-poll gets the answer at. */
	assert_true(first_part > 0 && first_part < 40);
	assert_string_equal(x->seen_cursor[41], "c2");
	fetcher_stop(f);
}

/* The answer number of seen event at ("a<n>-<i>"). */
static int seen_answer(struct fx *x, unsigned at)
{
	const char *p = strstr(x->seen[at], "\"id\":\"a");
	int a = 0;

	assert_non_null(p);
	assert_int_equal(sscanf(p + 7, "%d-", &a), 1);
	return a;
}

/*
 * A backlog of small answers goes in batches of several answers, each at
 * most half a ring; a batch's cursor never passes an event a later batch
 * carries (a checkpoint at any batch loses nothing), and the order holds.
 */
static void test_backlog_merged(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);
	unsigned batches = 1;

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	answers(f, 1, 60, 3, 1000);
	feed(x, f);
	assert_int_equal(x->n_seen, 180);
	for (unsigned i = 0; i < 180; i++) {
		int a = seen_answer(x, i), k = 0;

		assert_int_equal(a, (int)i / 3 + 1);
		assert_int_equal(sscanf(x->seen_cursor[i], "c%d", &k), 1);
		/* Resuming at c<k> polls answer k+1 on: nothing of answers up to k
		 * may come in a later batch. */
		for (unsigned j = i + 1; j < 180; j++)
			if (x->seen_batch[j] != x->seen_batch[i])
				assert_true(seen_answer(x, j) > k);
		if (i > 0 && x->seen_batch[i] != x->seen_batch[i - 1])
			batches++;
	}
	/* ~3 KiB an answer, half the 64 KiB ring a batch. */
	assert_true(batches > 1 && batches < 20);
	assert_int_equal(atomic_load(&f->src.counters[GCB_FC_SPOOL_EVENTS]), 0);
	fetcher_stop(f);
}

/* A fetcher that fed two answers of 3 events ("a1", "a2"; cursors c1, c2). */
static gcb_fetcher_t *fetcher_two_fed(struct fx *x)
{
	gcb_fetcher_t *f = fetcher_new(x);

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	assert_int_equal(answer(f, "a1", 3, 10, "c1"), 0);
	assert_int_equal(answer(f, "a2", 3, 10, "c2"), 0);
	feed(x, f);
	assert_int_equal(x->n_seen, 6);
	return f;
}

/* A new fetcher resumed as after a crash with the segment alive: from the
 * cursor of the last batch in the rings, which must be last. */
static gcb_fetcher_t *fetcher_resumed_from_shm(struct fx *x, const char *last)
{
	gcb_fetcher_t *f = fetcher_new(x);
	char cursor[GCB_POLL_CURSOR_MAX];
	size_t len;

	assert_int_equal(gcb_batch_last_cursor(f->src.pipe, cursor, sizeof(cursor), &len), 0);
	assert_string_equal(cursor, last);
	assert_int_equal(gcb_fetcher_pspool_resume(f, cursor, 0), 0);
	return f;
}

static void test_restart_from_shm(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_two_fed(x);

	/* Kafka is down: these stay in the spool; then the fetcher is killed. */
	assert_int_equal(answer(f, "a3", 3, 10, "c3"), 0);
	assert_int_equal(answer(f, "a4", 3, 10, "c4"), 0);
	assert_int_equal(answer(f, "a5", 3, 10, "c5"), 0);
	fetcher_crash(f);

	f = fetcher_resumed_from_shm(x, "c2");
	assert_string_equal(f->src.cursor,
			    "c5"); /* polling goes on after the last spooled answer */
	feed(x, f);
	assert_int_equal(x->n_seen, 15); /* a3..a5 once each, nothing again */
	assert_seen(x, 6, "a3", 0);
	assert_seen(x, 14, "a5", 2);
	/* The chain goes on: the next answer begins where a5 ended. */
	assert_int_equal(answer(f, "a6", 1, 10, "c6"), 0);
	feed(x, f);
	assert_int_equal(x->n_seen, 16);
	fetcher_stop(f);
}

/*
 * The feed had caught up: the last batch in the rings ends with the last
 * spooled answer, so no begin marker names its cursor. A restart replays
 * nothing (the end marker names it), and an answer polled after empty ones
 * (not spooled, so its begin marker names a later cursor) is found too.
 */
static void test_restart_caught_up(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_two_fed(x);

	fetcher_crash(f);

	f = fetcher_resumed_from_shm(x, "c2");
	assert_string_equal(f->src.cursor, "c2");
	feed(x, f);
	assert_int_equal(x->n_seen, 6); /* nothing again */
	/* Empty answers moved the cursor to c4 without spooling anything. */
	gcb_fetcher_pspool_passed(f, "c4");
	snprintf(f->src.cursor, sizeof(f->src.cursor), "c4");
	assert_int_equal(answer(f, "a5", 2, 10, "c5"), 0);
	fetcher_crash(f);

	f = fetcher_new(x);
	assert_int_equal(gcb_fetcher_pspool_resume(f, "c2", 0), 0);
	assert_string_equal(f->src.cursor, "c5");
	feed(x, f);
	assert_int_equal(x->n_seen, 8); /* a5 once */
	assert_seen(x, 6, "a5", 0);
	fetcher_stop(f);
}

static void test_restart_from_checkpoint(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);
	gcb_spool_stats_t st;

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	answers(f, 1, 12, 3, 600);
	feed(x, f);
	assert_int_equal(x->n_seen, 36);
	fetcher_crash(f);

	/* A cold start (the segment lost): the checkpoint says c4. */
	f = fetcher_new(x);
	assert_int_equal(gcb_fetcher_pspool_resume(f, "c4", 1), 0);
	assert_string_equal(f->src.cursor, "c12");
	gcb_spool_stats(f->ps->spool, &st);
	x->n_seen = 0;
	feed(x, f);
	assert_int_equal(x->n_seen, 24); /* a5..a12 replayed */
	assert_seen(x, 0, "a5", 0);
	assert_seen(x, 23, "a12", 2);
	/* Segments before the checkpointed answer were released at once. */
	assert_true(gcb_spool_oldest(f->ps->spool).seg > 1);
	fetcher_stop(f);
}

static void test_cut_answer_dropped(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);
	unsigned char rec[64];
	size_t h;

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	assert_int_equal(answer(f, "a1", 2, 10, "c1"), 0);
	/* What a crash mid-append leaves: a begin marker and one event. */
	h = gcb_spoolrec_header(GCB_SPOOLREC_BEGIN, 0, rec);
	memcpy(rec + h, "c1", 2);
	assert_int_equal(gcb_spool_append(f->ps->spool, 1000, rec, (uint32_t)(h + 2)), 0);
	h = gcb_spoolrec_header(GCB_SPOOLREC_EVENT, 0, rec);
	memcpy(rec + h, "{\"id\":\"torn\"}", 13);
	assert_int_equal(gcb_spool_append(f->ps->spool, 1000, rec, (uint32_t)(h + 13)), 0);
	/* The same answer polled again, whole. */
	assert_int_equal(answer(f, "a2", 2, 10, "c2"), 0);
	feed(x, f);
	assert_int_equal(x->n_seen, 4);
	for (unsigned i = 0; i < x->n_seen; i++)
		assert_null(strstr(x->seen[i], "torn"));
	assert_seen(x, 2, "a2", 0);
	fetcher_stop(f);
}

static void test_unknown_cursor_replays_all(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	assert_int_equal(answer(f, "a1", 2, 10, "c1"), 0);
	assert_int_equal(answer(f, "a2", 2, 10, "c2"), 0);
	fetcher_crash(f);

	f = fetcher_new(x);
	assert_int_equal(gcb_fetcher_pspool_resume(f, "elsewhere", 1), 0);
	assert_string_equal(f->src.cursor, "c2");
	feed(x, f);
	assert_int_equal(x->n_seen, 4); /* duplicates rather than a loss */
	fetcher_stop(f);
}

static void test_last_end_in_older_segment(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f = fetcher_new(x);
	unsigned char rec[EVENT_MAX];
	size_t h;

	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	assert_int_equal(answer(f, "a1", 2, 10, "c1"), 0);
	assert_int_equal(answer(f, "a2", 2, 10, "c2"), 0);
	/* An answer cut short that spans three 4 KiB segments: no end marker
	 * in the newest segments. */
	h = gcb_spoolrec_header(GCB_SPOOLREC_BEGIN, 0, rec);
	memcpy(rec + h, "c2", 2);
	assert_int_equal(gcb_spool_append(f->ps->spool, 1000, rec, (uint32_t)(h + 2)), 0);
	h = gcb_spoolrec_header(GCB_SPOOLREC_EVENT, 0, rec);
	memset(rec + h, 'e', 1500);
	for (int i = 0; i < 8; i++)
		assert_int_equal(gcb_spool_append(f->ps->spool, 1000, rec, (uint32_t)(h + 1500)),
				 0);
	assert_true(gcb_spool_end(f->ps->spool).seg >= 3);
	fetcher_crash(f);

	f = fetcher_new(x);
	assert_int_equal(gcb_fetcher_pspool_resume(f, "c1", 1), 0);
	assert_string_equal(f->src.cursor, "c2");
	feed(x, f);
	assert_int_equal(x->n_seen, 2); /* a2; the cut answer is polled again */
	assert_seen(x, 0, "a2", 0);
	fetcher_stop(f);
}

static void test_full(void **state)
{
	struct fx *x = *state;
	gcb_fetcher_t *f;
	int a, rc = 0;

	x->conf.spool.max_bytes = 16384;
	f = fetcher_new(x);
	assert_int_equal(gcb_fetcher_pspool_resume(f, "", 1), 0);
	for (a = 1; a < 100 && rc == 0; a++) {
		char tag[8], next[8];

		snprintf(tag, sizeof(tag), "a%d", a);
		snprintf(next, sizeof(next), "c%d", a);
		rc = answer(f, tag, 2, 500, next);
	}
	assert_int_equal(rc, -ENOSPC);
	/* The refused answer is not taken: the cursor stays before it. */
	{
		char want[16];

		snprintf(want, sizeof(want), "c%d", a - 2);
		assert_string_equal(f->src.cursor, want);
		assert_string_equal(f->ps->chain, want);
	}
	assert_true(gcb_fetcher_pspool_is_full(f));
	assert_int_equal(atomic_load(&f->src.counters[GCB_FC_SPOOL_FULL_NOW]), 1);
	assert_int_equal(atomic_load(&f->src.counters[GCB_SC_SPOOL_FULL]), 1);
	assert_true(atomic_load(&f->src.counters[GCB_FC_RETENTION_DEADLINE_UNIX_MS]) >
		    gcb_clock_real_ms() + 3500000);
	{
		gcb_source_health_t h;

		/* The source's report: what /readyz and gcb-ringstat read. */
		gcb_shm_source_read(&f->src.pipe->source, &h);
		assert_true(h.stalled);
		assert_true(strncmp(h.reason, "spool full", 10) == 0);
	}
	/* Kafka takes it all and the checkpoint moves: below 3/4, polling again. */
	for (int i = 0; i < 20 && gcb_fetcher_pspool_is_full(f); i++) {
		feed(x, f);
		ack_all(x);
		assert_int_equal(gcb_fetcher_pspool_service(f), 0);
	}
	assert_false(gcb_fetcher_pspool_is_full(f));
	assert_int_equal(atomic_load(&f->src.counters[GCB_FC_SPOOL_FULL_NOW]), 0);
	assert_int_equal(x->n_seen, (unsigned)(2 * (a - 2)));
	fetcher_stop(f);
	x->conf.spool.max_bytes = 1u << 20;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_feed_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backlog_merged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart_caught_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart_from_shm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_restart_from_checkpoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cut_answer_dropped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_cursor_replays_all, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_last_end_in_older_segment, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

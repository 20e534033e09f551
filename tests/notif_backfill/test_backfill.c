/*
 * Unit tests for stages/notif/gcb_backfill's step logic with scripted
 * answers (the HTTP path itself is covered by the integration tests): one
 * request per step at most, delays for 429 / other 4xx / throttling, the
 * message shape, -ENOSPC holding a page, and the disabled mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shm/gcb_counters_notif.h"
#include "stages/notif/gcb_backfill.h"
#include "lib/gcb_log.h"

#define T0     UINT64_C(1795000000000)
#define MAX_Q  16
#define MAX_EM 64

struct fx {
	char dir[128];
	gcb_ckpt_t store;
	gcb_gaps_t gaps;
	gcb_backfill_t *b;
	_Atomic uint64_t counters[GCB_NC_END];
	/* scripted answers */
	gcb_http_resp_t q[MAX_Q];
	unsigned nq, calls;
	char req[MAX_Q][512];
	/* emitted */
	char *em[MAX_EM];
	unsigned nem, emit_calls, enospc_at, syncs;
};

static int io_call(void *arg, const char *method, const char *path, const char *body,
		   size_t body_len, const gcb_http_resp_t **resp)
{
	struct fx *f = arg;

	(void)body_len;
	assert_true(f->calls < f->nq);
	snprintf(f->req[f->calls], sizeof(f->req[0]), "%s %s %s", method, path, body ? body : "");
	*resp = &f->q[f->calls++];
	return 0;
}

static int io_emit(void *arg, const char *msg, size_t len)
{
	struct fx *f = arg;

	f->emit_calls++;
	if (f->enospc_at && f->emit_calls == f->enospc_at)
		return -ENOSPC;
	assert_true(f->nem < MAX_EM);
	assert_int_equal(strlen(msg), len);
	f->em[f->nem++] = strdup(msg);
	return 0;
}

static int io_sync(void *arg)
{
	((struct fx *)arg)->syncs++;
	return 0;
}

static void answer(struct fx *f, long status, const char *body, int64_t retry_after_ms)
{
	gcb_http_resp_t *r = &f->q[f->nq++];

	memset(r, 0, sizeof(*r));
	r->status = status;
	r->body = (char *)body;
	r->body_len = strlen(body);
	r->retry_after_ms = retry_after_ms;
	r->rl_allowed = r->rl_count = r->rl_reset_s = r->rl_remaining = -1;
	strcpy(r->correlation_id, "corr-1");
}

/* The data-availability watermark, well past every gap of these tests. */
#define WM_OK "{\"dataAvailabilityDate\":\"2030-01-01T00:00:00.000Z\"}"

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void start(struct fx *f, int enabled)
{
	gcb_backfill_conf_t conf = {.enabled = enabled,
				    .pad_ms = 60000,
				    .poll_interval_ms = 500,
				    .backoff_base_ms = 100,
				    .backoff_cap_ms = 10000};
	gcb_backfill_io_t io = {.call = io_call, .emit = io_emit, .sync = io_sync, .arg = f};
	char err[256];

	assert_int_equal(gcb_backfill_new(&f->b, &conf, &f->gaps, &f->store, "inst", &io,
					  f->counters, err, sizeof(err)),
			 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];
	uint64_t id;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/gcb-test-backfill-%d-XXXXXX", (int)getpid());
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(gcb_ckpt_init(&f->store, f->dir, "inst", err, sizeof(err)), 0);
	assert_int_equal(gcb_gaps_load(&f->gaps, &f->store, "inst", err, sizeof(err)), 0);
	id = gcb_gaps_open(&f->gaps, T0, "heartbeat", "v2.users.u1.presence");
	assert_int_equal(id, 1);
	assert_int_equal(gcb_gaps_close(&f->gaps, id, T0 + 30000), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	gcb_backfill_free(f->b);
	gcb_gaps_fini(&f->gaps);
	gcb_ckpt_fini(&f->store);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	for (unsigned i = 0; i < f->nem; i++)
		free(f->em[i]);
	free(f);
	return 0;
}

/* Steps until the next request is made (or nothing waits); returns the last delay. */
static int64_t step_to_call(struct fx *f, uint64_t *now)
{
	unsigned calls = f->calls;
	int64_t d = 0;

	for (int i = 0; i < 100 && f->calls == calls; i++) {
		d = gcb_backfill_step(f->b, *now);
		assert_true(f->calls <= calls + 1); /* at most one request per step */
		if (d < 0)
			break;
		if (f->calls == calls)
			*now += (uint64_t)d;
	}
	return d;
}

/* Steps (advancing time) until nothing waits; no request may be needed. */
static void drain(struct fx *f, uint64_t *now)
{
	unsigned calls = f->calls;
	int64_t d;

	for (int i = 0; i < 100; i++) {
		if ((d = gcb_backfill_step(f->b, *now)) < 0)
			return;
		*now += (uint64_t)d;
	}
	fail_msg("backfill did not finish (%u requests made)", f->calls - calls);
}

static void test_complete_gap(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;
	int64_t d;
	struct stat st;
	char path[256];

	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"job-1\"}", -1);
	answer(f, 200, "{\"state\":\"PENDING\"}", -1);
	answer(f, 200, "{\"state\":\"FULFILLED\"}", -1);
	answer(f, 200,
	       "{\"conversations\":[{\"conversationId\":\"c1\",\"n\":1.5},"
	       "{\"conversationId\":\"c2\",\"s\":\"\\\"q\\\"\"}],\"cursor\":\"a b/+\"}",
	       -1);
	answer(f, 200, "{\"conversations\":[{\"conversationId\":\"c3\"}]}", -1);
	start(f, 1);

	d = step_to_call(f, &now);
	assert_int_equal(d, 0); /* the watermark is past the gap: submit at once */
	assert_string_equal(f->req[0],
			    "GET /api/v2/analytics/conversations/details/jobs/availability ");
	d = step_to_call(f, &now);
	assert_int_equal(d, 500); /* the poll interval after the submit */
	assert_string_equal(f->req[1], "POST /api/v2/analytics/conversations/details/jobs "
				       "{\"interval\":\"2026-11-18T11:05:40.000Z/"
				       "2026-11-18T11:08:10.000Z\",\"order\":\"asc\","
				       "\"orderBy\":\"conversationStart\"}");
	snprintf(path, sizeof(path), "%s/inst.backfill", f->dir);
	assert_int_equal(stat(path, &st), 0); /* persisted before polling */
	assert_int_equal(st.st_mode & 0777, 0600);
	d = step_to_call(f, &now);
	assert_int_equal(d, 500); /* PENDING: again after the interval */
	assert_string_equal(f->req[2], "GET /api/v2/analytics/conversations/details/jobs/job-1 ");
	step_to_call(f, &now);
	step_to_call(f, &now);
	assert_string_equal(f->req[4],
			    "GET /api/v2/analytics/conversations/details/jobs/job-1/results ");
	step_to_call(f, &now);
	assert_string_equal(f->req[5], "GET /api/v2/analytics/conversations/details/jobs/job-1/"
				       "results?cursor=a%20b%2F%2B ");
	drain(f, &now);
	assert_int_equal(f->calls, 6);
	assert_int_equal(f->nem, 3);
	assert_string_equal(
	    f->em[0],
	    "{\"topicName\":\"gcbridge.backfill.conversation\",\"version\":\"2\",\"eventBody\":"
	    "{\"conversationId\":\"c1\",\"n\":1.5},\"metadata\":{\"CorrelationId\":"
	    "\"backfill-1-1\"},\"backfill\":{\"gapId\":\"1\",\"gapStart\":"
	    "\"2026-11-18T11:06:40.000Z\",\"gapEnd\":\"2026-11-18T11:07:10.000Z\",\"jobId\":"
	    "\"job-1\",\"reason\":\"heartbeat\"}}");
	assert_non_null(strstr(f->em[1], "{\"conversationId\":\"c2\",\"s\":\"\\\"q\\\"\"}"));
	assert_non_null(strstr(f->em[2], "\"CorrelationId\":\"backfill-1-3\""));
	assert_int_equal(f->syncs, 2);
	assert_int_equal(gcb_gaps_pending(&f->gaps), 0);
	assert_int_not_equal(stat(path, &st), 0); /* job state removed */
	assert_int_equal(f->counters[GCB_NC_BACKFILL_EVENTS], 3);
	assert_int_equal(f->counters[GCB_NC_BACKFILL_JOBS], 1);
	assert_int_equal(f->counters[GCB_NC_GAPS_BACKFILLED], 1);
	assert_int_equal(f->counters[GCB_NC_GAPS_PENDING], 0);
}

static void test_enospc_holds_page(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;
	int64_t d;

	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"j\"}", -1);
	answer(f, 200, "{\"state\":\"FULFILLED\"}", -1);
	answer(f, 200,
	       "{\"conversations\":[{\"conversationId\":\"c1\"},{\"conversationId\":\"c2\"},"
	       "{\"conversationId\":\"c3\"}]}",
	       -1);
	f->enospc_at = 2;
	start(f, 1);
	step_to_call(f, &now);
	step_to_call(f, &now);
	step_to_call(f, &now);
	step_to_call(f, &now);		  /* results */
	d = gcb_backfill_step(f->b, now); /* c1 emitted, c2 refused */
	assert_true(d > 0);
	assert_int_equal(f->nem, 1);
	assert_int_equal(f->syncs, 0);
	assert_int_equal(gcb_backfill_step(f->b, now), d); /* not due yet */
	now += (uint64_t)d;
	drain(f, &now);
	assert_int_equal(f->calls, 4); /* no request for the held page */
	assert_int_equal(f->nem, 3);
	assert_non_null(strstr(f->em[1], "\"c2\""));
	assert_non_null(strstr(f->em[1], "backfill-1-2"));
	assert_non_null(strstr(f->em[2], "\"c3\""));
	assert_int_equal(gcb_gaps_pending(&f->gaps), 0);
}

static void test_retry_delays(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;
	int64_t d;

	answer(f, 429, "{\"code\":\"too.many.requests\"}", 3000);
	answer(f, 503, "", -1);
	answer(f, 400, "{\"message\":\"bad interval\",\"code\":\"bad.request\",\"status\":400}",
	       -1);
	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"j\"}", -1);
	answer(f, 200, "{\"state\":\"FAILED\"}", -1);
	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"j2\"}", -1);
	answer(f, 404, "{}", -1);
	start(f, 1);
	d = step_to_call(f, &now);
	assert_true(d >= 3000); /* at least Retry-After */
	d = step_to_call(f, &now);
	assert_true(d >= 0 && d <= 200); /* 503: exponential backoff, second attempt */
	d = step_to_call(f, &now);
	assert_true(d >= 5000 && d <= 10000); /* other 4xx: at the cap, never dropped */
	step_to_call(f, &now);		      /* the watermark */
	step_to_call(f, &now);		      /* submit */
	d = step_to_call(f, &now);	      /* FAILED: resubmitted after a backoff */
	assert_true(d >= 0);
	step_to_call(f, &now); /* the watermark again */
	step_to_call(f, &now);
	assert_string_equal(f->req[7], "POST /api/v2/analytics/conversations/details/jobs "
				       "{\"interval\":\"2026-11-18T11:05:40.000Z/"
				       "2026-11-18T11:08:10.000Z\",\"order\":\"asc\","
				       "\"orderBy\":\"conversationStart\"}");
	step_to_call(f, &now); /* 404 on the poll: the job is gone, submit again */
	assert_int_equal(f->calls, 9);
	assert_int_equal(f->counters[GCB_SC_HTTP_429], 1);
	assert_int_equal(f->counters[GCB_SC_HTTP_5XX], 1);
	assert_int_equal(f->counters[GCB_SC_HTTP_OTHER], 1);
	assert_int_equal(f->counters[GCB_NC_BACKFILL_JOBS], 2);
	assert_int_equal(gcb_gaps_pending(&f->gaps), 1);
}

static void test_throttle(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;
	int64_t d;

	answer(f, 200, WM_OK, -1);
	f->q[0].rl_allowed = 300;
	f->q[0].rl_count = 299;
	f->q[0].rl_reset_s = 20;
	start(f, 1);
	d = step_to_call(f, &now);
	assert_true(d >= 10000); /* one request left over 20 s */
	assert_int_equal(f->counters[GCB_SC_THROTTLE_WAITS], 1);
}

static void test_disabled(void **state)
{
	struct fx *f = *state;

	start(f, 0);
	assert_int_equal(gcb_backfill_step(f->b, 1000), -1);
	assert_int_equal(gcb_backfill_step(f->b, 2000), -1);
	assert_int_equal(f->calls, 0);
	assert_int_equal(gcb_gaps_pending(&f->gaps), 1);
	assert_int_equal(f->counters[GCB_NC_GAPS_PENDING], 1);
}

static void test_resume(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;

	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"j\"}", -1);
	answer(f, 200, "{\"state\":\"FULFILLED\"}", -1);
	answer(f, 200, "{\"conversations\":[{\"conversationId\":\"c1\"}],\"cursor\":\"p2\"}", -1);
	static char big[40100]; /* a conversation larger than the first buffer */

	snprintf(big, sizeof(big),
		 "{\"conversations\":[{\"conversationId\":\"c2\",\"x\":\"%0*d\"}]}", 40000, 7);
	answer(f, 200, big, -1);
	start(f, 1);
	step_to_call(f, &now);
	step_to_call(f, &now);
	step_to_call(f, &now);
	step_to_call(f, &now);
	gcb_backfill_step(f->b, now); /* emits page 1, saves cursor p2 */
	assert_int_equal(f->nem, 1);
	gcb_backfill_free(f->b); /* "restart" */
	f->b = NULL;
	start(f, 1);
	step_to_call(f, &now);
	assert_string_equal(f->req[4], "GET /api/v2/analytics/conversations/details/jobs/j/"
				       "results?cursor=p2 ");
	drain(f, &now);
	assert_int_equal(f->nem, 2);
	assert_non_null(strstr(f->em[1], "backfill-1-2"));
	assert_true(strlen(f->em[1]) > 40000);
	assert_non_null(strstr(f->em[1], "0007\"},\"metadata\""));
}

/* A recent gap: the lake is complete only up to before the gap's end. No job
 * is submitted, the gap stays pending; once the watermark reaches the gap's
 * end it is, over an interval that stops at the watermark. */
static void test_watermark_waits(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;
	int64_t d;

	/* The gap ends at T0 + 30 s = 2026-11-18T11:07:10.000Z (pad 60 s). */
	answer(f, 200, "{\"dataAvailabilityDate\":\"2026-11-18T11:07:05.500Z\"}", -1);
	answer(f, 200, "{\"dataAvailabilityDate\":\"2026-11-18T11:07:09.999+00:00\"}", -1);
	answer(f, 200, "{}", -1);
	answer(f, 200, "{\"dataAvailabilityDate\":\"2026-11-18T11:07:40.250Z\"}", -1);
	answer(f, 202, "{\"jobId\":\"j\"}", -1);
	start(f, 1);
	d = step_to_call(f, &now);
	assert_int_equal(d, 4500); /* the distance to the gap's end */
	assert_int_equal(f->counters[GCB_NC_BACKFILL_WATERMARK_WAITS], 1);
	d = step_to_call(f, &now);
	assert_int_equal(d, 500); /* never sooner than the poll interval */
	d = step_to_call(f, &now);
	assert_true(d > 0); /* no watermark in the answer: never guessed */
	assert_int_equal(f->counters[GCB_SC_MALFORMED], 1);
	assert_int_equal(f->counters[GCB_NC_BACKFILL_JOBS], 0);
	assert_int_equal(gcb_gaps_pending(&f->gaps), 1);
	step_to_call(f, &now); /* past the gap, inside the pad */
	step_to_call(f, &now);
	assert_int_equal(f->calls, 5);
	assert_string_equal(f->req[4], "POST /api/v2/analytics/conversations/details/jobs "
				       "{\"interval\":\"2026-11-18T11:05:40.000Z/"
				       "2026-11-18T11:07:40.250Z\",\"order\":\"asc\","
				       "\"orderBy\":\"conversationStart\"}");
	assert_int_equal(f->counters[GCB_NC_BACKFILL_JOBS], 1);
	assert_int_equal(f->counters[GCB_NC_BACKFILL_WATERMARK_WAITS], 2);
}

/* A job whose results say the lake was behind the interval is not trusted:
 * the gap is not done, and a new job follows the watermark. */
static void test_results_behind_watermark(void **state)
{
	struct fx *f = *state;
	uint64_t now = 1000;

	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"j\"}", -1);
	answer(f, 200, "{\"state\":\"FULFILLED\"}", -1);
	answer(f, 200,
	       "{\"dataAvailabilityDate\":\"2026-11-18T11:07:00.000Z\",\"conversations\":"
	       "[{\"conversationId\":\"c1\"}]}",
	       -1);
	answer(f, 200, WM_OK, -1);
	answer(f, 202, "{\"jobId\":\"j2\"}", -1);
	answer(f, 200, "{\"state\":\"FULFILLED\"}", -1);
	answer(f, 200,
	       "{\"dataAvailabilityDate\":\"2030-01-01T00:00:00Z\",\"conversations\":"
	       "[{\"conversationId\":\"c1\"},{\"conversationId\":\"c2\"}]}",
	       -1);
	start(f, 1);
	for (int i = 0; i < 5; i++)
		step_to_call(f, &now);
	assert_int_equal(f->nem, 0); /* nothing from the partial page */
	assert_int_equal(gcb_gaps_pending(&f->gaps), 1);
	assert_string_equal(f->req[4],
			    "GET /api/v2/analytics/conversations/details/jobs/availability ");
	drain(f, &now);
	assert_int_equal(f->calls, 8);
	assert_int_equal(f->nem, 2);
	assert_int_equal(gcb_gaps_pending(&f->gaps), 0);
	assert_int_equal(f->counters[GCB_NC_BACKFILL_JOBS], 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_complete_gap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enospc_holds_page, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_retry_delays, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_disabled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_watermark_waits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_results_behind_watermark, setup, teardown),
	};

	gcb_log_setup("test", GCB_LOG_ERROR, GCB_LOG_LOGFMT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

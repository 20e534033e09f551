/* Unit tests for stages/notif/gcb_gaps: the gap log on a real state dir. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/notif/gcb_gaps.h"
#include "lib/gcb_log.h"

#define T0 UINT64_C(1795000000000) /* 2026-11-17T… */

struct fx {
	char dir[128];
	gcb_ckpt_t store;
	char err[512];
};

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/gcb-test-gaps-%d-XXXXXX", (int)getpid());
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(gcb_ckpt_init(&f->store, f->dir, "inst", err, sizeof(err)), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	gcb_ckpt_fini(&f->store);
	nftw(f->dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void put_file(struct fx *f, const char *name, const char *text)
{
	assert_int_equal(gcb_ckpt_write_file(&f->store, name, text, strlen(text)), 0);
}

static void test_empty(void **state)
{
	struct fx *f = *state;
	gcb_gaps_t g;

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_int_equal(gcb_gaps_pending(&g), 0);
	assert_null(gcb_gaps_next_closed(&g));
	assert_int_equal(gcb_gaps_last_alive(&g), 0);
	gcb_gaps_fini(&g);
}

static void test_open_close_done_reload(void **state)
{
	struct fx *f = *state;
	gcb_gaps_t g;
	const gcb_gap_t *gap;
	uint64_t a, b, c;

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	a = gcb_gaps_open(&g, T0, "heartbeat", "v2.users.u1.presence v2.users.u2.presence");
	b = gcb_gaps_open(&g, T0 + 1000, "closed", "v2.routing.queues.q1.conversations");
	assert_true(a > 0 && b > a);
	assert_null(gcb_gaps_next_closed(&g)); /* both open */
	assert_int_equal(gcb_gaps_close(&g, b, T0 + 5000), 0);
	assert_int_equal(gcb_gaps_close(&g, 999, T0), -ENOENT);
	gap = gcb_gaps_next_closed(&g);
	assert_non_null(gap);
	assert_int_equal(gap->id, b);
	assert_int_equal(gcb_gaps_close(&g, a, T0 + 7000), 0);
	assert_int_equal(gcb_gaps_next_closed(&g)->id, a); /* oldest first */
	assert_int_equal(gcb_gaps_pending(&g), 2);
	gcb_gaps_fini(&g);

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_int_equal(gcb_gaps_pending(&g), 2);
	gap = gcb_gaps_next_closed(&g);
	assert_int_equal(gap->id, a);
	assert_int_equal(gap->start_unix_ms, T0);
	assert_int_equal(gap->end_unix_ms, T0 + 7000);
	assert_int_equal(gap->state, GCB_GAP_CLOSED);
	assert_string_equal(gap->reason, "heartbeat");
	assert_string_equal(gap->topics, "v2.users.u1.presence v2.users.u2.presence");
	assert_int_equal(gcb_gaps_done(&g, a), 0);
	assert_int_equal(gcb_gaps_done(&g, a), -ENOENT);
	gcb_gaps_fini(&g);

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_int_equal(gcb_gaps_pending(&g), 1);
	gap = gcb_gaps_next_closed(&g);
	assert_int_equal(gap->id, b);
	assert_string_equal(gap->reason, "closed");
	assert_string_equal(gap->topics, "v2.routing.queues.q1.conversations");
	assert_int_equal(gcb_gaps_done(&g, b), 0);
	/* Ids are never reused, even when the log emptied. */
	c = gcb_gaps_open(&g, T0 + 9000, "not_running", "");
	assert_true(c > b);
	gcb_gaps_fini(&g);

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_int_equal(gcb_gaps_pending(&g), 1);
	assert_string_equal(g.v[0].topics, "");
	assert_int_equal(g.v[0].id, c);
	gcb_gaps_fini(&g);
}

static void test_open_closed_at_alive(void **state)
{
	struct fx *f = *state;
	gcb_gaps_t g;
	const gcb_gap_t *gap;
	uint64_t a, b;

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	gcb_gaps_alive(&g, T0, 1000, 5000);
	a = gcb_gaps_open(&g, T0 + 100, "heartbeat", "t1");
	gcb_gaps_alive(&g, T0 + 2000, 2000, 5000);  /* within the interval: not written */
	gcb_gaps_alive(&g, T0 + 30000, 7000, 5000); /* written */
	assert_int_equal(gcb_gaps_last_alive(&g), T0 + 30000);
	b = gcb_gaps_open(&g, T0 + 40000, "spool_full", "t2"); /* after the last mark */
	assert_true(a > 0 && b > a);
	gcb_gaps_fini(&g); /* a "crash": both still open */

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_int_equal(gcb_gaps_last_alive(&g), T0 + 30000);
	assert_int_equal(gcb_gaps_pending(&g), 2);
	gap = gcb_gaps_next_closed(&g);
	assert_int_equal(gap->id, a);
	assert_int_equal(gap->end_unix_ms, T0 + 30000);
	assert_int_equal(g.v[1].state, GCB_GAP_CLOSED);
	assert_int_equal(g.v[1].end_unix_ms, T0 + 40000); /* never before its start */
	gcb_gaps_fini(&g);

	/* The closing was persisted. */
	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_int_equal(g.v[0].state, GCB_GAP_CLOSED);
	assert_int_equal(g.v[0].end_unix_ms, T0 + 30000);
	gcb_gaps_fini(&g);
}

static void test_mode_0600(void **state)
{
	struct fx *f = *state;
	gcb_gaps_t g;
	struct stat st;
	char path[256];

	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_true(gcb_gaps_open(&g, T0, "heartbeat", "t") > 0);
	gcb_gaps_alive(&g, T0, 1, 1000);
	gcb_gaps_fini(&g);
	snprintf(path, sizeof(path), "%s/inst.gaps", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/inst.alive", f->dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void expect_bad(struct fx *f, const char *text, const char *problem)
{
	gcb_gaps_t g;

	put_file(f, "inst.gaps", text);
	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), -EBADMSG);
	if (strstr(f->err, "inst.gaps") == NULL || strstr(f->err, problem) == NULL)
		fail_msg("error \"%s\" should name the file and \"%s\"", f->err, problem);
}

static void test_malformed(void **state)
{
	struct fx *f = *state;

	expect_bad(f, "not json", "not a JSON object");
	expect_bad(f, "{\"version\":2,\"next_id\":1,\"gaps\":[]}", "version");
	expect_bad(f, "{\"version\":1,\"gaps\":[]}", "next_id");
	expect_bad(f, "{\"version\":1,\"next_id\":3}", "gaps");
	expect_bad(f,
		   "{\"version\":1,\"next_id\":3,\"gaps\":[{\"id\":1,\"state\":\"closed\","
		   "\"end_unix_ms\":5,\"reason\":\"x\",\"topics\":[]}]}",
		   "start_unix_ms");
	expect_bad(f,
		   "{\"version\":1,\"next_id\":3,\"gaps\":[{\"id\":1,\"start_unix_ms\":1,"
		   "\"state\":\"half\",\"reason\":\"x\",\"topics\":[]}]}",
		   "state");
	expect_bad(f,
		   "{\"version\":1,\"next_id\":3,\"gaps\":[{\"id\":1,\"start_unix_ms\":10,"
		   "\"state\":\"closed\",\"end_unix_ms\":5,\"reason\":\"x\",\"topics\":[]}]}",
		   "end_unix_ms");
	expect_bad(f,
		   "{\"version\":1,\"next_id\":2,\"gaps\":[{\"id\":2,\"start_unix_ms\":1,"
		   "\"state\":\"open\",\"reason\":\"x\",\"topics\":[]}]}",
		   "next_id");
	expect_bad(f,
		   "{\"version\":1,\"next_id\":9,\"gaps\":[{\"id\":1,\"start_unix_ms\":1,"
		   "\"state\":\"open\",\"reason\":\"x\",\"topics\":\"a b\"}]}",
		   "topics");
	expect_bad(f,
		   "{\"version\":1,\"next_id\":9,\"gaps\":[{\"id\":2,\"start_unix_ms\":1,"
		   "\"state\":\"open\",\"reason\":\"x\",\"topics\":[]},{\"id\":2,"
		   "\"start_unix_ms\":1,\"state\":\"open\",\"reason\":\"x\",\"topics\":[]}]}",
		   "gap #2");
	/* The bad file is left alone for someone to look at. */
	{
		char buf[512];
		size_t len;

		assert_int_equal(gcb_ckpt_read_file(&f->store, "inst.gaps", buf, sizeof(buf), &len),
				 0);
		assert_non_null(strstr(buf, "\"id\":2"));
	}
}

static void test_malformed_alive(void **state)
{
	struct fx *f = *state;
	gcb_gaps_t g;

	put_file(f, "inst.alive", "{\"version\":1}");
	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), -EBADMSG);
	assert_non_null(strstr(f->err, "inst.alive"));
}

static void test_many_topics(void **state)
{
	struct fx *f = *state;
	size_t n = 20000, at = 0;
	char *topics = malloc(n * 48);
	gcb_gaps_t g;

	assert_non_null(topics);
	for (size_t i = 0; i < n; i++)
		at +=
		    (size_t)sprintf(topics + at, "%sv2.users.%08zx-user.presence", i ? " " : "", i);
	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_true(gcb_gaps_open(&g, T0, "closed", topics) > 0);
	gcb_gaps_fini(&g);
	assert_int_equal(gcb_gaps_load(&g, &f->store, "inst", f->err, sizeof(f->err)), 0);
	assert_string_equal(g.v[0].topics, topics);
	gcb_gaps_fini(&g);
	free(topics);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_close_done_reload, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_closed_at_alive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mode_0600, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed_alive, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_topics, setup, teardown),
	};

	gcb_log_setup("test", GCB_LOG_ERROR, GCB_LOG_LOGFMT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

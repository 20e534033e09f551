/* Unit tests: topic templates, expansion, channel split, subscription body, topicName scan. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stages/notif/gcb_notif_scan.h"
#include "stages/notif/gcb_notif_topics.h"

static void test_load_and_expand(void **state)
{
	gcb_notif_topics_t tmpl, q, u, out;
	char err[512];
	char path[] = "/tmp/test-notif-topics-XXXXXX";
	int fd = mkstemp(path);
	char *s;

	(void)state;
	assert_true(fd >= 0);
	assert_true(
	    write(fd, "# comment\nv2.users.{userId}.presence  # trailing\n\nfixed.b\n", 57) == 57);
	close(fd);
	assert_int_equal(gcb_notif_topics_load(&tmpl,
					       "v2.routing.queues.{queueId}.conversations "
					       " fixed.a fixed.b",
					       path, 1000, 20, err, sizeof(err)),
			 0);
	unlink(path);
	assert_int_equal(tmpl.n, 4);
	assert_true(gcb_notif_topics_need(&tmpl, GCB_NOTIF_PH_QUEUE));
	assert_true(gcb_notif_topics_need(&tmpl, GCB_NOTIF_PH_USER));

	gcb_notif_topics_init(&q);
	gcb_notif_topics_init(&u);
	assert_int_equal(gcb_notif_topics_add(&q, "q2", 2), 0);
	assert_int_equal(gcb_notif_topics_add(&q, "q1", 2), 0);
	assert_int_equal(gcb_notif_topics_add(&u, "u1", 2), 0);
	assert_int_equal(gcb_notif_topics_add(&u, "u1", 2), 0);
	assert_int_equal(gcb_notif_topics_expand(&tmpl, &q, &u, &out), 0);
	assert_int_equal(out.n, 5);
	assert_string_equal(out.v[0], "fixed.a");
	assert_string_equal(out.v[2], "v2.routing.queues.q1.conversations");
	assert_string_equal(out.v[4], "v2.users.u1.presence");
	s = gcb_notif_topics_join(&out, 1, 3);
	assert_string_equal(s, "fixed.b v2.routing.queues.q1.conversations");
	free(s);
	gcb_notif_topics_fini(&out);
	gcb_notif_topics_fini(&q);
	gcb_notif_topics_fini(&u);
	gcb_notif_topics_fini(&tmpl);
}

static void test_refusals(void **state)
{
	gcb_notif_topics_t t;
	char err[512];

	(void)state;
	assert_int_equal(
	    gcb_notif_topics_load(&t, "v2.users.{user}.presence", NULL, 1000, 20, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "genesys.notifications.topics"));
	assert_non_null(strstr(err, "{user}"));
	assert_int_equal(gcb_notif_topics_load(&t, "  ", NULL, 1000, 20, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "no topic"));
	/* 3 fixed topics, 2 per channel, 2 channels of which one is kept free. */
	assert_int_equal(gcb_notif_topics_load(&t, "a b c", NULL, 2, 2, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "genesys.notifications.max_channels"));
	assert_int_equal(gcb_notif_topics_load(&t, "a b", NULL, 2, 2, err, sizeof(err)), 0);
	gcb_notif_topics_fini(&t);
	assert_int_equal(gcb_notif_topics_channels(1001, 1000), 2);
	assert_int_equal(gcb_notif_topics_channels(1000, 1000), 1);
}

static void test_body(void **state)
{
	size_t len;
	char *b = gcb_notif_topics_body("a.b c\"d", &len);

	(void)state;
	assert_string_equal(b, "[{\"id\":\"a.b\"},{\"id\":\"c\\\"d\"}]");
	assert_int_equal(len, strlen(b));
	free(b);
	b = gcb_notif_topics_body("", &len);
	assert_string_equal(b, "[]");
	free(b);
}

static int scan(const char *m, char *out, size_t size)
{
	return gcb_notif_topic_name(m, strlen(m), out, size);
}

static void test_scan(void **state)
{
	char t[64];

	(void)state;
	assert_int_equal(
	    scan("{\"topicName\":\"channel.metadata\",\"eventBody\":{}}", t, sizeof(t)), 0);
	assert_string_equal(t, "channel.metadata");
	assert_int_equal(scan(" {\"eventBody\":{\"topicName\":\"inner\",\"x\":[1,{\"a\":null}]},"
			      "\"version\":\"2\", \"topicName\" : \"v2.system.socket_closing\"}",
			      t, sizeof(t)),
			 0);
	assert_string_equal(t, "v2.system.socket_closing");
	assert_int_equal(
	    scan("{\"averyveryverylongkeyname\":1,\"topicName\":\"x\\u002ey\"}", t, sizeof(t)), 0);
	assert_string_equal(t, "x.y");
	assert_int_equal(scan("{\"eventBody\":{\"topicName\":\"inner\"}}", t, sizeof(t)), -ENOENT);
	assert_int_equal(scan("{}", t, sizeof(t)), -ENOENT);
	assert_int_equal(scan("[1]", t, sizeof(t)), -EBADMSG);
	assert_int_equal(scan("{\"topicName\":5}", t, sizeof(t)), -EBADMSG);
	assert_int_equal(scan("{\"topicName\":\"0123456789\"}", t, 8), -EBADMSG);
	assert_int_equal(scan("{\"a\":1,", t, sizeof(t)), -EBADMSG);
}

static void set_of(gcb_notif_topics_t *t, const char *joined)
{
	gcb_notif_topics_init(t);
	while (*joined != '\0') {
		size_t len = strcspn(joined, " ");

		assert_int_equal(gcb_notif_topics_add(t, joined, len), 0);
		joined += len + (joined[len] == ' ');
	}
	gcb_notif_topics_dedupe(t);
}

static void spread_of(const char *all_joined, char *const *cur, unsigned n_cur, unsigned per,
		      unsigned slots, gcb_notif_spread_t *sp)
{
	gcb_notif_topics_t all;

	set_of(&all, all_joined);
	assert_int_equal(gcb_notif_topics_spread(&all, cur, n_cur, per, slots, sp), 0);
	gcb_notif_topics_fini(&all);
}

/* A first split fills the slots in order. */
static void test_spread_first(void **state)
{
	gcb_notif_spread_t sp;

	(void)state;
	spread_of("e d c b a", NULL, 0, 2, 3, &sp);
	assert_int_equal(sp.n, 3);
	assert_string_equal(sp.topics[0], "a b");
	assert_string_equal(sp.topics[1], "c d");
	assert_string_equal(sp.topics[2], "e");
	assert_int_equal(sp.count[2], 1);
	gcb_notif_spread_fini(&sp);
}

/* A topic that stays never changes channel, whatever sorts before it: new
 * ones take the room left, then new slots; an emptied slot is freed. */
static void test_spread_keeps_topics(void **state)
{
	char *cur[] = {(char *)"b d", (char *)"f h", (char *)"x"};
	gcb_notif_spread_t sp;

	(void)state;
	/* a, c, e sort before kept ones; x is gone. */
	spread_of("a b c d e f h", cur, 3, 3, 4, &sp);
	assert_int_equal(sp.n, 3);
	assert_string_equal(sp.topics[0], "a b d");
	assert_string_equal(sp.topics[1], "c f h");
	assert_string_equal(sp.topics[2], "e"); /* x's slot, emptied, takes the rest */
	gcb_notif_spread_fini(&sp);

	/* The middle slot empties: it is free, the last one keeps its topics. */
	spread_of("b d x", cur, 3, 3, 4, &sp);
	assert_int_equal(sp.n, 3);
	assert_string_equal(sp.topics[0], "b d");
	assert_null(sp.topics[1]);
	assert_int_equal(sp.count[1], 0);
	assert_string_equal(sp.topics[2], "x");
	gcb_notif_spread_fini(&sp);

	/* Growth beyond the room: a free slot is reused before a new one. */
	{
		char *holes[] = {(char *)"b d", NULL, (char *)"x"};

		spread_of("a b c d e x y", holes, 3, 2, 4, &sp);
		assert_int_equal(sp.n, 4);
		assert_string_equal(sp.topics[0], "b d");
		assert_string_equal(sp.topics[1], "a c");
		assert_string_equal(sp.topics[2], "e x");
		assert_string_equal(sp.topics[3], "y");
		gcb_notif_spread_fini(&sp);
	}
}

/* Every topic placed exactly once, none over the limit; too many refused. */
static void test_spread_limits(void **state)
{
	char *cur[] = {(char *)"a b c", (char *)"a d"};
	gcb_notif_topics_t all;
	gcb_notif_spread_t sp;

	(void)state;
	/* a listed twice (a stale copy): kept on the first slot only. */
	spread_of("a b c d", cur, 2, 3, 2, &sp);
	assert_string_equal(sp.topics[0], "a b c");
	assert_string_equal(sp.topics[1], "d");
	gcb_notif_spread_fini(&sp);

	set_of(&all, "a b c d e");
	assert_int_equal(gcb_notif_topics_spread(&all, NULL, 0, 2, 2, &sp), -E2BIG);
	assert_int_equal(gcb_notif_topics_spread(&all, NULL, 0, 0, 2, &sp), -EINVAL);
	gcb_notif_topics_fini(&all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_and_expand),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_body),
	    cmocka_unit_test(test_scan),
	    cmocka_unit_test(test_spread_first),
	    cmocka_unit_test(test_spread_keeps_topics),
	    cmocka_unit_test(test_spread_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

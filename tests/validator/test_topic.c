/* gcb_topic: segments of notification topic names and their family/id/kind split. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "stages/validator/gcb_topic.h"

#define UID "e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8b"

static int part_is(const char *p, size_t len, const char *want)
{
	if (!want)
		return p == NULL && len == 0;
	return p && len == strlen(want) && memcmp(p, want, len) == 0;
}

static void test_segment(void **state)
{
	size_t len = 99;
	const char *s;

	(void)state;
	s = gcb_topic_segment("v2.users." UID ".presence", 2, &len);
	assert_true(part_is(s, len, UID));
	s = gcb_topic_segment("v2.users." UID ".presence", 0, &len);
	assert_true(part_is(s, len, "v2"));
	s = gcb_topic_segment("v2.users." UID ".presence", 3, &len);
	assert_true(part_is(s, len, "presence"));
	assert_null(gcb_topic_segment("v2.users." UID ".presence", 4, &len));
	assert_null(gcb_topic_segment("v2.users..presence", 2, &len));
	assert_null(gcb_topic_segment("", 0, &len));
	assert_null(gcb_topic_segment("a.", 1, &len));
	assert_int_equal(gcb_topic_nsegments(""), 1);
	assert_int_equal(gcb_topic_nsegments("v2.users.*.presence"), 4);
	assert_int_equal(gcb_topic_nsegments("a..b."), 4);
}

static void split_is(const char *topic, const char *fam, const char *id, const char *kind)
{
	const char *f, *i, *k;
	size_t fl, il, kl;

	gcb_topic_split(topic, &f, &fl, &i, &il, &k, &kl);
	assert_true(part_is(f, fl, fam));
	assert_true(part_is(i, il, id));
	assert_true(part_is(k, kl, kind));
}

static void test_split(void **state)
{
	(void)state;
	split_is("v2.users." UID ".presence", "v2.users", UID, "presence");
	split_is("v2.detail.events.conversation." UID ".customer.start",
		 "v2.detail.events.conversation", UID, "customer.start");
	split_is("v2.routing.queues." UID ".conversations", "v2.routing.queues", UID,
		 "conversations");
	/* upper-case hex is a uuid too; the first uuid wins */
	split_is("v2.users.E5F6A7B8-9C0D-4E1F-8A2B-3C4D5E6F7A8B.x." UID, "v2.users",
		 "E5F6A7B8-9C0D-4E1F-8A2B-3C4D5E6F7A8B", "x." UID);
	split_is(UID ".presence", NULL, UID, "presence");
	split_is("v2.users." UID, "v2.users", UID, NULL);
	/* no uuid: split at the last dot */
	split_is("gcbridge.backfill.conversation", "gcbridge.backfill", NULL, "conversation");
	split_is("channel.metadata", "channel", NULL, "metadata");
	split_is("v2.system.socket_closing", "v2.system", NULL, "socket_closing");
	split_is("v2.users.not-a-uuid.presence", "v2.users.not-a-uuid", NULL, "presence");
	split_is("heartbeat", NULL, NULL, "heartbeat");
	split_is("", NULL, NULL, NULL);
	split_is("v2.users.e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8.presence",
		 "v2.users.e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8", NULL, "presence");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_segment),
	    cmocka_unit_test(test_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

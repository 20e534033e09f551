/*
 * The notification shard function (stages/notif/gcb_notif_shard.c): every
 * instance of a group must cut the topic set the same way, forever, so the
 * hash is pinned here, and the properties the sharding relies on are
 * checked: all topics of one user or queue in one shard, combined topics
 * included; ids spread evenly; topics without an id hashed whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stages/notif/gcb_notif_int.h"

#define USER "4a60e42f-b05c-4074-b233-3596f368cd06"

static void same_entity_same_shard(void **state)
{
	static const char *const fam[] = {
	    "v2.users." USER ".activity",
	    "v2.users." USER ".presence",
	    "v2.users." USER ".routingStatus",
	    "v2.users." USER ".conversations",
	    "v2.users." USER "?presence&routingStatus",
	};
	(void)state;
	for (unsigned n = 1; n <= 64; n++) {
		unsigned s = gcb_notif_shard_of(fam[0], n);

		assert_true(s < n);
		for (size_t i = 1; i < sizeof(fam) / sizeof(fam[0]); i++)
			assert_int_equal(gcb_notif_shard_of(fam[i], n), s);
	}
	/* A queue id in the queue family hashes like the same id anywhere. */
	assert_int_equal(gcb_notif_shard_of("v2.routing.queues." USER ".conversations", 6),
			 gcb_notif_shard_of("v2.users." USER ".activity", 6));
}

/* FNV-1a 64 of the id, mod N: pinned, so a new version cuts like an old one. */
static void pinned(void **state)
{
	uint64_t h = 0xcbf29ce484222325ull;

	(void)state;
	for (const char *p = USER; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ull;
	}
	assert_int_equal(gcb_notif_shard_of("v2.users." USER ".activity", 6), (unsigned)(h % 6));
	assert_int_equal(gcb_notif_shard_of("v2.users." USER ".activity", 7), (unsigned)(h % 7));
}

static void spread(void **state)
{
	unsigned count[6] = {0};
	char topic[128];

	(void)state;
	for (unsigned i = 0; i < 6000; i++) {
		snprintf(topic, sizeof(topic), "v2.users.%08x-%04x-4%03x-a%03x-%012x.activity",
			 i * 2654435761u, i & 0xffff, i & 0xfff, (i * 7) & 0xfff, i * 31u);
		count[gcb_notif_shard_of(topic, 6)]++;
	}
	for (unsigned s = 0; s < 6; s++)
		assert_true(count[s] > 850 && count[s] < 1150);
}

static void no_id(void **state)
{
	(void)state;
	/* Not an id: 35 characters, or not hex. The whole name is hashed. */
	assert_true(gcb_notif_shard_of("v2.analytics.queues.observations", 64) < 64);
	assert_int_equal(gcb_notif_shard_of("v2.users.4a60e42f-b05c-4074-b233-3596f368cd0.a", 1),
			 0);
	assert_int_equal(gcb_notif_shard_of("anything", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(same_entity_same_shard),
	    cmocka_unit_test(pinned),
	    cmocka_unit_test(spread),
	    cmocka_unit_test(no_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

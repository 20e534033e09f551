/*
 * The drained log (stages/notif/gcb_drained.h): the notification source's
 * watermark (a shard's live_until, a spool-full gap's start) comes from it,
 * and a watermark later than the truth loses the messages before it. So
 * every answer is checked against the rule: a record spooled at t follows
 * every message that reached a socket before the start of a drained turn
 * that ended strictly before t; and never answers later than that.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stages/notif/gcb_drained.h"

static gcb_drained_t d;

static int reset(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	return 0;
}

static void empty_knows_nothing(void **state)
{
	(void)state;
	assert_int_equal(gcb_drained_before(&d, 1000), 0);
	assert_int_equal(d.latest_unix_ms, 0);
}

static void turn_covers_what_is_spooled_after_it(void **state)
{
	(void)state;
	gcb_drained_add(&d, 1000, 1005);
	assert_int_equal(d.latest_unix_ms, 1000);
	/* Spooled in the turn itself (same millisecond as its end): unknown. */
	assert_int_equal(gcb_drained_before(&d, 1005), 0);
	assert_int_equal(gcb_drained_before(&d, 1004), 0);
	/* Spooled after it: everything that arrived before 1000 came first. */
	assert_int_equal(gcb_drained_before(&d, 1006), 1000);
	assert_int_equal(gcb_drained_before(&d, 99999), 1000);
}

static void record_maps_to_the_turn_before_it(void **state)
{
	(void)state;
	gcb_drained_add(&d, 1000, 1010);
	gcb_drained_add(&d, 1100, 1110);
	gcb_drained_add(&d, 1200, 1210);
	assert_int_equal(gcb_drained_before(&d, 1105), 1000);
	assert_int_equal(gcb_drained_before(&d, 1110), 1000);
	assert_int_equal(gcb_drained_before(&d, 1111), 1100);
	assert_int_equal(gcb_drained_before(&d, 1300), 1200);
}

/* A cut-short turn is never added: a record spooled after it maps to the
 * last turn that drained, however old. */
static void cut_turns_leave_the_watermark_behind(void **state)
{
	(void)state;
	gcb_drained_add(&d, 1000, 1010);
	/* turns at 1100..5000 were cut short: not added */
	assert_int_equal(gcb_drained_before(&d, 5000), 1000);
	assert_int_equal(d.latest_unix_ms, 1000);
}

static void clock_stepping_back_is_ignored(void **state)
{
	(void)state;
	gcb_drained_add(&d, 5000, 5010);
	gcb_drained_add(&d, 3000, 3010);
	assert_int_equal(d.latest_unix_ms, 5000);
	assert_int_equal(gcb_drained_before(&d, 5011), 5000);
	assert_int_equal(gcb_drained_before(&d, 3011), 0);
}

/* Turns every millisecond for a minute: the log stays bounded, and every
 * answer is a drained turn's start no later than the exact one. */
static void dense_turns_answer_early_never_late(void **state)
{
	uint64_t t0 = 1000000;

	(void)state;
	for (uint64_t t = t0; t < t0 + 60000; t += 2)
		gcb_drained_add(&d, t, t + 1);
	assert_true(d.n <= GCB_DRAINED_LOG);
	for (uint64_t s = t0 + 60000 - 12000; s < t0 + 60000; s += 7) {
		uint64_t exact = ((s - 2 - t0) / 2) * 2 + t0; /* newest turn that ended before s */
		uint64_t got = gcb_drained_before(&d, s);

		assert_true(got != 0);
		assert_true(got <= exact);
		assert_true(exact - got <= 100); /* within two log steps */
	}
	/* Older than the log: not known, rather than a guess. */
	assert_int_equal(gcb_drained_before(&d, t0 + 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(empty_knows_nothing, reset),
	    cmocka_unit_test_setup(turn_covers_what_is_spooled_after_it, reset),
	    cmocka_unit_test_setup(record_maps_to_the_turn_before_it, reset),
	    cmocka_unit_test_setup(cut_turns_leave_the_watermark_behind, reset),
	    cmocka_unit_test_setup(clock_stepping_back_is_ignored, reset),
	    cmocka_unit_test_setup(dense_turns_answer_early_never_late, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for stages/notif/gcb_rate (the notification source's shared REST
 * budget): a burst of a tenth of a minute's worth, then one request per
 * 60000/per_minute ms; waits computed, never negative, never spent early.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stages/notif/gcb_rate.h"

static void test_burst_then_pace(void **state)
{
	gcb_rate_t r;
	uint64_t now = 1000, sent = 0;

	(void)state;
	gcb_rate_init(&r, 300, now);
	/* 30 at once (a tenth of the minute), then one each 200 ms. */
	while (gcb_rate_wait_ms(&r, now) == 0) {
		gcb_rate_take(&r, now);
		sent++;
	}
	assert_int_equal(sent, 30);
	assert_int_equal(gcb_rate_wait_ms(&r, now), 201);
	now += 200;
	assert_true(gcb_rate_wait_ms(&r, now) <= 1);
	/* Over one simulated minute from empty: at most 300 + the burst. */
	for (uint64_t t = now; t < now + 60000; t++) {
		while (gcb_rate_wait_ms(&r, t) == 0) {
			gcb_rate_take(&r, t);
			sent++;
		}
	}
	assert_true(sent >= 329 && sent <= 331);
}

static void test_low_rate(void **state)
{
	gcb_rate_t r;

	(void)state;
	gcb_rate_init(&r, 1, 0); /* one a minute: a burst of one */
	assert_int_equal(gcb_rate_wait_ms(&r, 0), 0);
	gcb_rate_take(&r, 0);
	assert_int_equal(gcb_rate_wait_ms(&r, 0), 60001);
	assert_int_equal(gcb_rate_wait_ms(&r, 60001), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_burst_then_pace),
	    cmocka_unit_test(test_low_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for backoff, Retry-After, throttling and token renewal timing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stages/source/gcb_backoff.h"
#include "stages/source/gcb_token.h"

static void test_full_jitter_bounds(void **state)
{
	gcb_backoff_t b;
	uint64_t ceiling = 100, seen_max = 0;

	(void)state;
	gcb_backoff_init(&b, 100, 5000, 42);
	for (int i = 0; i < 12; i++) {
		uint64_t d = gcb_backoff_next(&b, -1);

		assert_true(d <= ceiling);
		if (d > seen_max)
			seen_max = d;
		ceiling = ceiling * 2 > 5000 ? 5000 : ceiling * 2;
	}
	assert_true(seen_max > 0);
	for (int i = 0; i < 1000; i++)
		assert_true(gcb_backoff_next(&b, -1) <= 5000);
	gcb_backoff_reset(&b);
	assert_true(gcb_backoff_next(&b, -1) <= 100);
	/* Never an immediate retry, whatever the seed. */
	for (uint64_t seed = 1; seed < 20000; seed++) {
		gcb_backoff_init(&b, 1, 2, seed);
		assert_true(gcb_backoff_next(&b, -1) >= 1);
	}
}

static void test_retry_after_is_a_floor(void **state)
{
	gcb_backoff_t b;

	(void)state;
	gcb_backoff_init(&b, 100, 1000, 7);
	for (int i = 0; i < 100; i++) {
		uint64_t d = gcb_backoff_next(&b, 3000);

		assert_true(d >= 3000 && d <= 3100);
	}
	assert_true(gcb_backoff_next(&b, INT64_MAX) >= GCB_BACKOFF_RETRY_AFTER_MAX_MS);
	for (int i = 0; i < 100; i++) {
		uint64_t d = gcb_backoff_at_cap(&b);

		assert_true(d >= 500 && d <= 1000);
	}
}

static gcb_http_resp_t resp(int64_t allowed, int64_t count, int64_t reset, int64_t remaining)
{
	gcb_http_resp_t r;

	memset(&r, 0, sizeof(r));
	r.rl_allowed = allowed;
	r.rl_count = count;
	r.rl_reset_s = reset;
	r.rl_remaining = remaining;
	r.retry_after_ms = -1;
	return r;
}

static void test_throttle(void **state)
{
	gcb_http_resp_t r;

	(void)state;
	r = resp(-1, -1, -1, -1);
	assert_int_equal(gcb_throttle_delay_ms(&r), 0);
	r = resp(300, 10, 60, -1);
	assert_int_equal(gcb_throttle_delay_ms(&r), 0);
	r = resp(300, 290, 30, -1); /* 10 left over 30 s */
	assert_int_equal(gcb_throttle_delay_ms(&r), 30000 / 11);
	r = resp(300, 300, 12, -1);
	assert_int_equal(gcb_throttle_delay_ms(&r), 12000);
	r = resp(300, 400, 12, -1);
	assert_int_equal(gcb_throttle_delay_ms(&r), 12000);
	r = resp(-1, -1, 5, 1); /* X-RateLimit-Remaining wins */
	assert_int_equal(gcb_throttle_delay_ms(&r), 2500);
	r = resp(-1, -1, -1, 0);
	assert_int_equal(gcb_throttle_delay_ms(&r), 60000);
	r = resp(-1, -1, -1, 50);
	assert_int_equal(gcb_throttle_delay_ms(&r), 0);
}

static void test_token_renewal_point(void **state)
{
	const uint64_t s = UINT64_C(1000000000);

	(void)state;
	/* 24 h token: renew 300 s early. */
	assert_true(gcb_token_renew_at(0, 86400, 300) == (86400 - 300) * s);
	/* 2 s token: skew clamps to half the lifetime. */
	assert_true(gcb_token_renew_at(5 * s, 2, 300) == 6 * s);
	assert_true(gcb_token_renew_at(0, 600, 300) == 300 * s);
	assert_true(gcb_token_renew_at(0, 601, 300) == 301 * s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_jitter_bounds),
	    cmocka_unit_test(test_retry_after_is_a_floor),
	    cmocka_unit_test(test_throttle),
	    cmocka_unit_test(test_token_renewal_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

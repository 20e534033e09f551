/*
 * Unit tests for lib/gcb_array: the capacity starts at `first` and doubles,
 * contents survive a move, max_items clamps the capacity and refuses a need
 * beyond it, a size that would overflow is refused, and nothing changes on
 * error.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lib/gcb_array.h"

typedef struct pair {
	uint64_t a, b;
} pair_t;

static void test_first_then_doubling(void **state)
{
	pair_t *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 1, 4, 0), 0);
	assert_non_null(v);
	assert_int_equal(cap, 4);
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 4, 4, 0), 0);
	assert_int_equal(cap, 4);
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 5, 4, 0), 0);
	assert_int_equal(cap, 8);
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 33, 4, 0), 0);
	assert_int_equal(cap, 64);
	free(v);
}

static void test_default_first(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 1, 0, 0), 0);
	assert_int_equal(cap, 16);
	free(v);
}

static void test_need_zero(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 0, 8, 0), 0);
	assert_null(v);
	assert_int_equal(cap, 0);
}

static void test_contents_kept(void **state)
{
	pair_t *v = NULL;
	size_t cap = 0, n = 0;

	(void)state;
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(GCB_ARRAY_RESERVE(v, cap, n + 1, 2, 0), 0);
		v[n++] = (pair_t){.a = i, .b = ~i};
	}
	assert_true(cap >= 1000 && cap < 2048);
	for (uint64_t i = 0; i < 1000; i++) {
		assert_int_equal(v[i].a, i);
		assert_int_equal(v[i].b, ~i);
	}
	free(v);
}

static void test_max_clamps_and_refuses(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 9, 8, 10), 0);
	assert_int_equal(cap, 10); /* 16 clamped to the bound */
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 10, 8, 10), 0);
	assert_int_equal(cap, 10);
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 11, 8, 10), -EFBIG);
	assert_int_equal(cap, 10);
	assert_non_null(v);
	free(v);
}

static void test_max_refuses_before_allocating(void **state)
{
	int *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, 5, 8, 4), -EFBIG);
	assert_null(v);
	assert_int_equal(cap, 0);
}

static void test_bytes_overflow(void **state)
{
	pair_t *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, SIZE_MAX / sizeof(pair_t) + 1, 0, 0), -EFBIG);
	assert_int_equal(GCB_ARRAY_RESERVE(v, cap, SIZE_MAX, 0, 0), -EFBIG);
	assert_null(v);
	assert_int_equal(cap, 0);
}

/* A pointer array through the function itself, as a caller without the macro. */
static void test_pointer_elements(void **state)
{
	const char **v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(gcb_array_reserve(&v, &cap, 3, sizeof(*v), 2, 0), 0);
	assert_int_equal(cap, 4);
	v[0] = "a";
	v[3] = "d";
	assert_int_equal(gcb_array_reserve(&v, &cap, 100, sizeof(*v), 2, 0), 0);
	assert_int_equal(cap, 128);
	assert_string_equal(v[0], "a");
	assert_string_equal(v[3], "d");
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_then_doubling),
	    cmocka_unit_test(test_default_first),
	    cmocka_unit_test(test_need_zero),
	    cmocka_unit_test(test_contents_kept),
	    cmocka_unit_test(test_max_clamps_and_refuses),
	    cmocka_unit_test(test_max_refuses_before_allocating),
	    cmocka_unit_test(test_bytes_overflow),
	    cmocka_unit_test(test_pointer_elements),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

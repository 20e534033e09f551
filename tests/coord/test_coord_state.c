/*
 * The readers' rule of the state topic (stages/coord/gcb_coord_state.c,
 * docs/multihost.md "Fencing a deposed owner"): per unit, the record of the
 * highest generation wins, the latest of that generation; a deposed
 * owner's late record (an older generation) never does, whatever the order
 * in which the topic holds them; a newer generation than the one this
 * member holds its unit at takes the unit away. Records are fed as the
 * reader receives them from librdkafka, without a broker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stages/coord/gcb_coord_int.h"

static unsigned revoked_unit, revoked_lost, revoked_calls;

static void on_revoked(void *arg, unsigned unit, int lost)
{
	(void)arg;
	revoked_unit = unit;
	revoked_lost = (unsigned)lost;
	revoked_calls++;
}

static gcb_coord_t *coord_new(unsigned units)
{
	gcb_coord_t *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->units = units;
	c->hooks.revoked = on_revoked;
	revoked_calls = 0;
	return c;
}

/* One record as the reader gets it; value NULL: a tombstone. */
static void take(gcb_coord_t *c, const char *key, const char *value)
{
	rd_kafka_message_t m;

	memset(&m, 0, sizeof(m));
	m.key = (void *)key;
	m.key_len = strlen(key);
	m.payload = (void *)value;
	m.len = value != NULL ? strlen(value) : 0;
	gcb_coord_state_take(c, &m);
}

#define REC(gen, writer, cursor)                                                                   \
	"{\"v\":1,\"unit\":0,\"generation\":" #gen ",\"writer\":\"" writer "\",\"state\":"         \
	"{\"cursor\":\"" cursor "\"}}"

static void highest_generation_wins(void **state)
{
	gcb_coord_t *c = coord_new(1);

	(void)state;
	take(c, "u0/g2", REC(2, "a.1", "c-100"));
	assert_int_equal(c->unit[0].best_gen, 2);
	take(c, "u0/g3", REC(3, "b.2", "c-200"));
	assert_int_equal(c->unit[0].best_gen, 3);
	assert_string_equal(c->unit[0].best_writer, "b.2");
	/* The deposed owner's late record, after the new owner's: it loses. */
	take(c, "u0/g2", REC(2, "a.1", "c-150"));
	assert_int_equal(c->unit[0].best_gen, 3);
	assert_string_equal(c->unit[0].best_writer, "b.2");
	assert_non_null(strstr(c->unit[0].best, "c-200"));
	/* The latest record of the winning generation replaces the earlier. */
	take(c, "u0/g3", REC(3, "b.2", "c-300"));
	assert_non_null(strstr(c->unit[0].best, "c-300"));
	assert_int_equal(c->unit[0].best_len, strlen(c->unit[0].best));
	free(c);
}

static void ignored_records(void **state)
{
	gcb_coord_t *c = coord_new(2);

	(void)state;
	take(c, "u0/g5", REC(5, "b.2", "c-500"));
	take(c, "u0/g4", NULL);			/* tombstone of an older generation */
	take(c, "u0/g6", NULL);			/* a tombstone never wins either */
	take(c, "u7/g9", REC(9, "x.1", "c-1")); /* no such unit */
	take(c, "garbage", REC(9, "x.1", "c-1"));
	take(c, "u0/g0", REC(0, "x.1", "c-1")); /* generation 0 is never valid */
	take(c, "u0/g9x", REC(9, "x.1", "c-1"));
	assert_int_equal(c->unit[0].best_gen, 5);
	assert_non_null(strstr(c->unit[0].best, "c-500"));
	assert_int_equal(c->unit[1].best_gen, 0);
	free(c);
}

static void newer_generation_takes_the_unit(void **state)
{
	gcb_coord_t *c = coord_new(1);

	(void)state;
	c->unit[0].owned = 1;
	c->unit[0].gen = 4;
	take(c, "u0/g4", REC(4, "a.1", "c-400")); /* our own record */
	take(c, "u0/g3", REC(3, "z.1", "c-10"));  /* an older owner's late one */
	assert_true(c->unit[0].owned);
	assert_int_equal(revoked_calls, 0);
	take(c, "u0/g5", REC(5, "b.2", "c-500"));
	assert_false(c->unit[0].owned);
	assert_int_equal(revoked_calls, 1);
	assert_int_equal(revoked_unit, 0);
	assert_int_equal(revoked_lost, 1);
	assert_int_equal(c->unit[0].best_gen, 5);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(highest_generation_wins),
	    cmocka_unit_test(ignored_records),
	    cmocka_unit_test(newer_generation_takes_the_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

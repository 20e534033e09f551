/*
 * The readers' rule of the state topic (stages/coord/gcb_coord_state.c,
 * docs/multihost.md "Fencing a deposed owner"): per unit, the record of the
 * highest generation wins, the latest of that generation; a deposed
 * owner's late record (an older generation) never does, whatever the order
 * in which the topic holds them; a newer generation than the one this
 * member holds its unit at takes the unit away. Records are fed as the
 * reader receives them from librdkafka, without a broker.
 *
 * Writing, against librdkafka's mock cluster in this process: a write the
 * state topic cannot take (its partition has no leader) fails within the
 * writer's message timeout with the waiting hook called throughout, the
 * writes after it rest, and the first one after the rest is stored.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <time.h>

#include "lib/gcb_clock.h"
#include "stages/coord/gcb_coord_int.h"

#include <librdkafka/rdkafka_mock.h> /* after rdkafka.h, which gcb_coord_int.h includes */

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

static unsigned waited;

static void on_waiting(void *arg)
{
	(void)arg;
	waited++;
}

static void write_rests_after_a_failure(void **state)
{
	char err[512], buf[GCB_COORD_VALUE_MAX];
	rd_kafka_conf_t *hc = rd_kafka_conf_new();
	rd_kafka_t *host;
	rd_kafka_mock_cluster_t *mc;
	gcb_coord_t *c = coord_new(1);
	const struct timespec step = {0, 50 * 1000000L};

	(void)state;
	/* The handle only hosts the mock cluster: it connects nowhere. */
	assert_int_equal(rd_kafka_conf_set(hc, "log_level", "0", err, sizeof(err)),
			 RD_KAFKA_CONF_OK);
	host = rd_kafka_new(RD_KAFKA_PRODUCER, hc, err, sizeof(err));
	assert_non_null(host);
	mc = rd_kafka_mock_cluster_new(host, 1);
	assert_non_null(mc);
	assert_int_equal(rd_kafka_mock_topic_create(mc, "st", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
	c->conf.bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
	c->conf.state_topic = "st";
	c->conf.group = "g";
	c->hooks.waiting = on_waiting;
	snprintf(c->writer_id, sizeof(c->writer_id), "test.1");
	assert_int_equal(gcb_coord_state_open(c, err, sizeof(err)), 0);
	c->unit[0].owned = 1;
	c->unit[0].gen = 1;
	assert_int_equal(gcb_coord_state_put(c, 0, "{\"n\":1}"), 0);

	assert_int_equal(rd_kafka_mock_partition_set_leader(mc, "st", 0, -1),
			 RD_KAFKA_RESP_ERR_NO_ERROR);
	waited = 0;
	assert_int_equal(gcb_coord_state_put(c, 0, "{\"n\":2}"), -EIO);
	/* The write waited for its delivery report (up to the message
	 * timeout), feeding the hook every 50 ms poll of the way. */
	assert_true(waited >= 10);
	assert_int_equal(gcb_coord_state_put(c, 0, "{\"n\":3}"), -EAGAIN);
	assert_true(c->put_rest_until_ns > gcb_clock_mono_ns());

	assert_int_equal(rd_kafka_mock_partition_set_leader(mc, "st", 0, 1),
			 RD_KAFKA_RESP_ERR_NO_ERROR);
	while (gcb_clock_mono_ns() < c->put_rest_until_ns)
		nanosleep(&step, NULL);
	assert_int_equal(gcb_coord_state_put(c, 0, "{\"n\":4}"), 0);
	assert_int_equal(c->put_rest_ms, 0);
	assert_int_equal(gcb_coord_state_get(c, 0, buf, sizeof(buf), NULL, NULL, 0), 0);
	assert_string_equal(buf, "{\"n\":4}");

	gcb_coord_state_close(c);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(host);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(highest_generation_wins),
	    cmocka_unit_test(ignored_records),
	    cmocka_unit_test(newer_generation_takes_the_unit),
	    cmocka_unit_test(write_rests_after_a_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

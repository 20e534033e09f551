/* Unit tests for the producer configuration: the safety check and the queue limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stages/producer/gcb_producer_int.h"
#include "lib/gcb_log.h"

static int check_one(const char *key, const char *value, int unsafe)
{
	gcb_producer_kv_t kv = {key, value};
	gcb_producer_conf_t conf;
	char errstr[256] = "";

	gcb_producer_conf_init(&conf);
	conf.kafka = &kv;
	conf.n_kafka = 1;
	conf.unsafe = unsafe;
	return gcb_producer_check_safety(&conf, errstr, sizeof(errstr));
}

static void test_refuses_weak_settings(void **state)
{
	(void)state;
	assert_int_equal(check_one("kafka.acks", "1", 0), -EINVAL);
	assert_int_equal(check_one("acks", "0", 0), -EINVAL);
	assert_int_equal(check_one("kafka.request.required.acks", "1", 0), -EINVAL);
	assert_int_equal(check_one("kafka.enable.idempotence", "false", 0), -EINVAL);
	assert_int_equal(check_one("kafka.max.in.flight.requests.per.connection", "6", 0), -EINVAL);
	assert_int_equal(check_one("kafka.max.in.flight", "100", 0), -EINVAL);
	assert_int_equal(check_one("kafka.transactional.id", "x", 0), -EINVAL);
}

static void test_accepts_safe_settings(void **state)
{
	(void)state;
	assert_int_equal(check_one("kafka.acks", "all", 0), 0);
	assert_int_equal(check_one("kafka.acks", "-1", 0), 0);
	assert_int_equal(check_one("kafka.enable.idempotence", "true", 0), 0);
	assert_int_equal(check_one("kafka.max.in.flight.requests.per.connection", "5", 0), 0);
	assert_int_equal(check_one("kafka.linger.ms", "20", 0), 0);
}

static void test_unsafe_switch_allows(void **state)
{
	(void)state;
	assert_int_equal(check_one("kafka.acks", "1", 1), 0);
	assert_int_equal(check_one("kafka.enable.idempotence", "false", 1), 0);
}

static void expect_prop(rd_kafka_conf_t *kc, const char *key, const char *want)
{
	char buf[128];
	size_t size = sizeof(buf);

	assert_int_equal(rd_kafka_conf_get(kc, key, buf, &size), RD_KAFKA_CONF_OK);
	assert_string_equal(buf, want);
}

static void test_kafka_conf_limits(void **state)
{
	gcb_producer_kv_t kv[] = {
	    {"kafka.linger.ms", "7"},
	    {"kafka.queue.buffering.max.messages", "100"},
	    {"queue.buffering.max.kbytes", "999999"},
	};
	gcb_producer_conf_t conf;
	char errstr[256];
	rd_kafka_conf_t *kc;

	(void)state;
	gcb_producer_conf_init(&conf);
	assert_null(gcb_producer_kafka_conf(&conf, 1000, 64, errstr, sizeof(errstr)));
	conf.bootstrap_servers = "127.0.0.1:9";
	conf.kafka = kv;
	conf.n_kafka = 3;
	kc = gcb_producer_kafka_conf(&conf, 1000, 64, errstr, sizeof(errstr));
	assert_non_null(kc);
	expect_prop(kc, "acks", "-1");
	expect_prop(kc, "enable.idempotence", "true");
	expect_prop(kc, "linger.ms", "7");
	expect_prop(kc, "queue.buffering.max.messages", "100"); /* smaller configured value wins */
	expect_prop(kc, "queue.buffering.max.kbytes", "64");	/* never above the rings */
	rd_kafka_conf_destroy(kc);

	conf.n_kafka = 0; /* the default linger, chosen by measurement */
	kc = gcb_producer_kafka_conf(&conf, 1000, 64, errstr, sizeof(errstr));
	assert_non_null(kc);
	expect_prop(kc, "linger.ms", "2");
	rd_kafka_conf_destroy(kc);
	conf.n_kafka = 3;

	kv[0].key = "kafka.no.such.property";
	assert_null(gcb_producer_kafka_conf(&conf, 1000, 64, errstr, sizeof(errstr)));
	assert_non_null(strstr(errstr, "no.such.property"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refuses_weak_settings),
	    cmocka_unit_test(test_accepts_safe_settings),
	    cmocka_unit_test(test_unsafe_switch_allows),
	    cmocka_unit_test(test_kafka_conf_limits),
	};

	gcb_log_set_level(GCB_LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

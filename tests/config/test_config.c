/* Unit tests for supervisor/gcb_config*: value parsers, the table, loading, checks, reload. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/gcb_config.h"
#include "supervisor/gcb_config_table.h"

#define SECRET "S3cr3t-Value-7f2a"

static char tmpdir[256];

struct capture {
	char text[16384];
	size_t len;
	int errors, warnings, notices;
};

static void capture_fn(void *opaque, gcb_config_severity_t sev, const char *msg)
{
	struct capture *c = opaque;
	const char *tag = sev == GCB_CONFIG_ERROR ? "E " : sev == GCB_CONFIG_WARNING ? "W " : "N ";
	int n;

	if (sev == GCB_CONFIG_ERROR)
		c->errors++;
	else if (sev == GCB_CONFIG_WARNING)
		c->warnings++;
	else
		c->notices++;
	n = snprintf(c->text + c->len, sizeof(c->text) - c->len, "%s%s\n", tag, msg);
	if (n > 0 && c->len + (size_t)n < sizeof(c->text))
		c->len += (size_t)n;
}

/* Writes text to tmpdir/name and returns the path (static buffer per call site). */
static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char paths[8][512];
	static int next;
	char *path = paths[next++ % 8];
	FILE *f;

	snprintf(path, 512, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

/* Loads text as a config file; returns the load result, fills cap and cfg. */
static int load_text(const char *text, gcb_config_t *cfg, struct capture *cap)
{
	const char *path = write_file("t.conf", text, 0600);
	char err[1024];

	memset(cap, 0, sizeof(*cap));
	return gcb_config_load(cfg, path, capture_fn, cap, err, sizeof(err));
}

static void expect_msg(const struct capture *cap, const char *needle)
{
	if (strstr(cap->text, needle) == NULL) {
		print_error("expected \"%s\" in:\n%s", needle, cap->text);
		fail();
	}
}

/* The message for an error at line 'line' of t.conf. */
static void expect_at(const struct capture *cap, unsigned line, const char *rest)
{
	char needle[1024];

	snprintf(needle, sizeof(needle), "E %s/t.conf:%u: %s", tmpdir, line, rest);
	expect_msg(cap, needle);
}

static void expect_error(const char *text, unsigned line, const char *rest)
{
	gcb_config_t cfg;
	struct capture cap;

	assert_int_equal(load_text(text, &cfg, &cap), -EINVAL);
	expect_at(&cap, line, rest);
	gcb_config_fini(&cfg);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gcb-config-test-%d", (int)getpid());
	if (mkdir(tmpdir, 0700) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[512];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- value parsers ---- */

static void test_bool(void **state)
{
	const char *yes[] = {"true", "TRUE", "yes", "on", "1", "On"};
	const char *no[] = {"false", "no", "off", "0", "False"};
	const char *bad[] = {"", "2", "tru", "y", "enabled", " true"};
	char why[128];
	int v;

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		assert_int_equal(gcb_config_parse_bool(yes[i], &v, why, sizeof(why)), 0);
		assert_int_equal(v, 1);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		assert_int_equal(gcb_config_parse_bool(no[i], &v, why, sizeof(why)), 0);
		assert_int_equal(v, 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gcb_config_parse_bool(bad[i], &v, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a boolean"));
}

static void test_int(void **state)
{
	char why[128];
	int64_t v;

	(void)state;
	assert_int_equal(gcb_config_parse_int("0", &v, why, sizeof(why)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(gcb_config_parse_int("-5", &v, why, sizeof(why)), 0);
	assert_int_equal(v, -5);
	assert_int_equal(gcb_config_parse_int("+7", &v, why, sizeof(why)), 0);
	assert_int_equal(v, 7);
	assert_int_equal(gcb_config_parse_int("9223372036854775807", &v, why, sizeof(why)), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(gcb_config_parse_int("9223372036854775808", &v, why, sizeof(why)),
			 -ERANGE);
	assert_int_equal(gcb_config_parse_int("", &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(gcb_config_parse_int("-", &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(gcb_config_parse_int("12a", &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(gcb_config_parse_int("0x10", &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(gcb_config_parse_int("1 ", &v, why, sizeof(why)), -EINVAL);
	assert_int_equal(gcb_config_parse_int("1.0", &v, why, sizeof(why)), -EINVAL);
}

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} ok[] = {
	    {"0", 0},	     {"250", 250},	{"250ms", 250}, {"10s", 10000}, {"5m", 300000},
	    {"1h", 3600000}, {"2d", 172800000}, {"10S", 10000}, {"1MS", 1},	{"0s", 0},
	};
	static const char *const bad[] = {"",	"s",   "1.5s", "-1s", "10 s", "1sec",
					  "1w", "1s2", "ms",   "+1s", "1e3"};
	char why[160];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(gcb_config_parse_duration(ok[i].s, &v, why, sizeof(why)), 0);
		assert_true(v == ok[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gcb_config_parse_duration(bad[i], &v, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a duration"));
	assert_int_equal(gcb_config_parse_duration("999999999999999999d", &v, why, sizeof(why)),
			 -ERANGE);
	assert_int_equal(gcb_config_parse_duration("99999999999999999999", &v, why, sizeof(why)),
			 -ERANGE);
}

static void test_size(void **state)
{
	static const struct {
		const char *s;
		int64_t b;
	} ok[] = {
	    {"0", 0},
	    {"100", 100},
	    {"100B", 100},
	    {"64KiB", 65536},
	    {"16MiB", 16777216},
	    {"1GiB", 1073741824},
	    {"2TiB", INT64_C(2199023255552)},
	    {"1kB", 1000},
	    {"16MB", 16000000},
	    {"1GB", 1000000000},
	    {"1kib", 1024},
	};
	static const char *const bad[] = {"", "MiB", "1.5MiB", "-1", "16 MiB", "1XB", "1Mi", "1K"};
	char why[160];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(gcb_config_parse_size(ok[i].s, &v, why, sizeof(why)), 0);
		assert_true(v == ok[i].b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gcb_config_parse_size(bad[i], &v, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "not a size"));
	assert_int_equal(gcb_config_parse_size("9000000TiB", &v, why, sizeof(why)), -ERANGE);
}

static void test_format(void **state)
{
	static const int64_t ms[] = {0, 1, 250, 1000, 1500, 60000, 90000, 3600000, 86400000};
	static const char *const ms_s[] = {"0ms", "1ms", "250ms", "1s", "1500ms",
					   "1m",  "90s", "1h",	  "1d"};
	static const int64_t b[] = {0, 100, 1024, 1536, 1048576, 1073741824};
	static const char *const b_s[] = {"0", "100", "1KiB", "1536", "1MiB", "1GiB"};
	char buf[32];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		gcb_config_format_duration(ms[i], buf, sizeof(buf));
		assert_string_equal(buf, ms_s[i]);
		assert_int_equal(gcb_config_parse_duration(buf, &v, NULL, 0), 0);
		assert_true(v == ms[i]);
	}
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		gcb_config_format_size(b[i], buf, sizeof(buf));
		assert_string_equal(buf, b_s[i]);
		assert_int_equal(gcb_config_parse_size(buf, &v, NULL, 0), 0);
		assert_true(v == b[i]);
	}
}

static void test_url_addr(void **state)
{
	char why[128];

	(void)state;
	assert_int_equal(gcb_config_check_url("https://api.mypurecloud.ie", why, 128), 0);
	assert_int_equal(gcb_config_check_url("http://127.0.0.1:8080/", why, 128), 0);
	assert_int_equal(gcb_config_check_url("HTTP://h/base/path", why, 128), 0);
	assert_int_equal(gcb_config_check_url("ftp://x", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_url("api.mypurecloud.ie", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_url("https://", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_url("https:///x", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_url("https://a b", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_url("https://x/?q=1", why, 128), -EINVAL);

	assert_int_equal(gcb_config_check_addr("127.0.0.1:9464", why, 128), 0);
	assert_int_equal(gcb_config_check_addr("localhost:0", why, 128), 0);
	assert_int_equal(gcb_config_check_addr("[::1]:9464", why, 128), 0);
	assert_int_equal(gcb_config_check_addr(":9464", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_addr("localhost", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_addr("::1:80", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_addr("h:70000", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_addr("h:-1", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_addr("h:", why, 128), -EINVAL);
	assert_int_equal(gcb_config_check_addr("[::1]", why, 128), -EINVAL);
}

/* ---- the table and defaults ---- */

static void test_table(void **state)
{
	gcb_config_t cfg;
	char buf[256];

	(void)state;
	assert_int_equal(gcb_config_init_defaults(&cfg), 0);
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];

		assert_non_null(p->doc);
		assert_true(strlen(p->doc) > 10);
		assert_ptr_equal(gcb_config_prop_find(p->name), p);
		assert_true(strncmp(p->name, "kafka.", 6) != 0);
		if (p->type == GCB_CONFIG_T_INT || p->type == GCB_CONFIG_T_DURATION ||
		    p->type == GCB_CONFIG_T_SIZE)
			assert_true(p->min <= p->max);
		if (p->type == GCB_CONFIG_T_ENUM)
			assert_non_null(p->values);
		/* A default prints back as its own text (the reference shows it). */
		if (p->def != NULL && p->type != GCB_CONFIG_T_SECRET) {
			gcb_config_prop_format(&cfg, p, buf, sizeof(buf));
			assert_string_equal(buf, p->def);
		}
	}
	assert_null(gcb_config_prop_find("nope"));
	gcb_config_fini(&cfg);
}

static void test_defaults(void **state)
{
	gcb_config_t cfg;
	char err[256];

	(void)state;
	assert_int_equal(gcb_config_load(&cfg, NULL, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.instance.name, "default");
	assert_string_equal(cfg.instance.state_dir, "./state");
	assert_int_equal(cfg.log.level, 2);
	assert_int_equal(cfg.log.format, 0);
	assert_int_equal(cfg.pipeline.validators, 2);
	assert_true(cfg.ring.size == 16 << 20);
	assert_true(cfg.ring.max_record == 1 << 20);
	assert_true(cfg.restart.min_interval_ms == 1000);
	assert_true(cfg.restart.max_backoff_ms == 30000);
	assert_true(cfg.restart.stable_after_ms == 10000);
	assert_true(cfg.watchdog.timeout_ms == 10000);
	assert_true(cfg.watchdog.kill_grace_ms == 5000);
	assert_true(cfg.drain.timeout_ms == 30000);
	assert_int_equal(cfg.genesys.source, GCB_CONFIG_SOURCE_POLL);
	assert_int_equal(cfg.genesys.region, -1);
	assert_true(cfg.genesys.poll_limit == 100);
	assert_true(cfg.genesys.poll_interval_ms == 10000);
	assert_true(cfg.genesys.token_skew_ms == 300000);
	assert_true(cfg.genesys.backoff_base_ms == 500);
	assert_true(cfg.genesys.backoff_cap_ms == 60000);
	assert_int_equal(cfg.genesys.tls_verify, 1);
	assert_null(cfg.genesys.client_secret.value);
	assert_string_equal(cfg.schemas.dir, "./schemas");
	assert_string_equal(cfg.schemas.routes, "./schemas/routes.json");
	assert_string_equal(cfg.schemas.ids_file, "./schemas/schema-ids.json");
	assert_string_equal(cfg.producer.dlq_topic, "genesys.dlq");
	{
		/* Tools outside the daemon read the same defaults from the table. */
		int64_t v = 0;

		assert_int_equal(gcb_config_default_number("event.max_bytes", &v), 0);
		assert_true(v == cfg.event.max_bytes);
		assert_int_equal(gcb_config_default_number("pipeline.validators", &v), 0);
		assert_true(v == cfg.pipeline.validators);
		assert_int_equal(gcb_config_default_number("genesys.poll.interval", &v), 0);
		assert_true(v == cfg.genesys.poll_interval_ms);
		assert_int_equal(gcb_config_default_number("genesys.tls.verify", &v), 0);
		assert_true(v == 1);
		assert_int_equal(gcb_config_default_number("no.such.key", &v), -ENOENT);
		assert_int_equal(gcb_config_default_number("genesys.api_url", &v), -ENOENT);
		assert_int_equal(gcb_config_default_number("producer.dlq_topic", &v), -EINVAL);
	}
	assert_int_equal(cfg.producer.unsafe, 0);
	assert_string_equal(cfg.metrics.listen, "127.0.0.1:9464");
	assert_int_equal(cfg.embedded, GCB_CONFIG_EMBEDDED_AUTO);
	assert_int_equal(cfg.embedded_sim, 1);
	assert_int_equal(cfg.embedded_kafka, 1);
	assert_null(cfg.api_base);
	assert_int_equal(cfg.kafka.count, 0);
	gcb_config_fini(&cfg);
}

/* ---- loading ---- */

static const char *real_conf = "[genesys]\n"
			       "region = mypurecloud.ie\n"
			       "client_id = abc\n"
			       "client_secret = " SECRET "\n"
			       "stream_id = s-1\n"
			       "[kafka]\n"
			       "bootstrap.servers = 127.0.0.1:9092\n";

static void test_sections_and_qualified(void **state)
{
	gcb_config_t cfg;
	struct capture cap;

	(void)state;
	assert_int_equal(load_text("; comment\n# comment\n"
				   "log.level = debug\n"
				   "[genesys.poll]\n"
				   "limit = 500 ; inline comment\n"
				   "[ring]\n"
				   "size = 64MiB\n"
				   "max_record: 2MiB\n"
				   "[]\n"
				   "genesys.poll.interval = 0\n",
				   &cfg, &cap),
			 0);
	assert_int_equal(cap.errors, 0);
	assert_int_equal(cfg.log.level, 3);
	assert_true(cfg.genesys.poll_limit == 500);
	assert_true(cfg.ring.size == 64 << 20);
	assert_true(cfg.ring.max_record == 2 << 20);
	assert_true(cfg.genesys.poll_interval_ms == 0);
	gcb_config_fini(&cfg);
}

static void test_real_endpoints(void **state)
{
	gcb_config_t cfg;
	struct capture cap;

	(void)state;
	assert_int_equal(load_text(real_conf, &cfg, &cap), 0);
	assert_int_equal(cfg.embedded_sim, 0);
	assert_int_equal(cfg.embedded_kafka, 0);
	assert_string_equal(cfg.api_base, "https://api.mypurecloud.ie");
	assert_string_equal(cfg.login_base, "https://login.mypurecloud.ie");
	assert_string_equal(cfg.genesys.client_secret.value, SECRET);
	assert_string_equal(cfg.genesys.client_secret.source, "literal");
	gcb_config_fini(&cfg);

	assert_int_equal(load_text("genesys.api_url = http://127.0.0.1:8080/\n"
				   "genesys.login_url = http://127.0.0.1:8080//\n"
				   "genesys.client_id = a\n"
				   "genesys.client_secret = literal:env:x\n"
				   "genesys.stream_id = s\n",
				   &cfg, &cap),
			 0);
	assert_int_equal(cfg.embedded_sim, 0);
	assert_int_equal(cfg.embedded_kafka, 1);
	assert_string_equal(cfg.api_base, "http://127.0.0.1:8080");
	assert_string_equal(cfg.login_base, "http://127.0.0.1:8080");
	assert_string_equal(cfg.genesys.client_secret.value, "env:x");
	gcb_config_fini(&cfg);
}

static void test_kafka_passthrough(void **state)
{
	gcb_config_t cfg;
	struct capture cap;

	(void)state;
	setenv("GCB_TEST_KAFKA_PW", "kafka-" SECRET, 1);
	assert_int_equal(load_text("kafka.linger.ms = 5\n"
				   "[kafka]\n"
				   "bootstrap.servers = b1:9092,b2:9092\n"
				   "security.protocol = SASL_SSL\n"
				   "sasl.password = env:GCB_TEST_KAFKA_PW\n"
				   "[genesys]\n"
				   "poll.limit = 5\n"
				   "[kafka]\n"
				   "acks = all\n",
				   &cfg, &cap),
			 0);
	assert_int_equal(cfg.kafka.count, 5);
	assert_string_equal(cfg.kafka.props[0].name, "linger.ms");
	assert_string_equal(cfg.kafka.props[0].value, "5");
	assert_string_equal(cfg.kafka.props[1].name, "bootstrap.servers");
	assert_string_equal(cfg.kafka.props[1].value, "b1:9092,b2:9092");
	assert_string_equal(cfg.kafka.props[2].name, "security.protocol");
	assert_string_equal(cfg.kafka.props[3].name, "sasl.password");
	assert_string_equal(cfg.kafka.props[3].value, "kafka-" SECRET);
	assert_int_equal(cfg.kafka.props[3].sensitive, 1);
	assert_string_equal(cfg.kafka.props[4].name, "acks");
	assert_int_equal(cfg.kafka.props[4].line, 9);
	assert_int_equal(cfg.embedded_kafka, 0);
	gcb_config_fini(&cfg);

	/* env: works for any kafka.* value; only credentials are masked. */
	setenv("GCB_TEST_KAFKA_USER", "bridge", 1);
	assert_int_equal(load_text("[ kafka ]\nsasl.username = env:GCB_TEST_KAFKA_USER\n"
				   "sasl.password = literal:env:x\n",
				   &cfg, &cap),
			 0);
	assert_string_equal(cfg.kafka.props[0].value, "bridge");
	assert_int_equal(cfg.kafka.props[0].sensitive, 0);
	assert_string_equal(cfg.kafka.props[1].value, "env:x");
	gcb_config_fini(&cfg);
	unsetenv("GCB_TEST_KAFKA_USER");
	expect_error("kafka.sasl.username = env:GCB_TEST_UNSET_USER\n", 1,
		     "kafka.sasl.username: environment variable GCB_TEST_UNSET_USER is not set");
	unsetenv("GCB_TEST_KAFKA_PW");

	expect_error("kafka.acks = 1\n", 1,
		     "kafka.acks: 1 weakens delivery (gcbridge needs acks=all); set "
		     "producer.unsafe = true to allow it");
	expect_error("kafka.enable.idempotence = false\n", 1,
		     "kafka.enable.idempotence: false allows duplicates");
	expect_error("kafka.client.id = a\nkafka.client.id = b\n", 2,
		     "kafka.client.id: set twice (first on line 1)");
	expect_error("kafka.client.id =\n", 1, "kafka.client.id: must not be empty");
	expect_error("kafka. = x\n", 1, "kafka.: names no librdkafka property");
	{
		assert_int_equal(load_text("producer.unsafe = yes\nkafka.acks = 1\n", &cfg, &cap),
				 0);
		gcb_config_fini(&cfg);
	}
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("\n\ngenesys.poll.limit = 5000\n", 3,
		     "genesys.poll.limit: 5000 is out of range (1..1000)");
	expect_error("[genesys.poll]\nlimit = 0\n", 2,
		     "genesys.poll.limit: 0 is out of range (1..1000)");
	expect_error("genesys.poll.limit = abc\n", 1,
		     "genesys.poll.limit: \"abc\": not an integer");
	expect_error("genesys.poll.timeout = 31s\n", 1,
		     "genesys.poll.timeout: 31s is out of range (0ms..30s)");
	expect_error("genesys.poll.timeout = 10 s\n", 1,
		     "genesys.poll.timeout: \"10 s\": not a duration");
	expect_error("ring.size = 16MB\n", 1,
		     "ring.size: 16MB is not a power of two (e.g. 16MiB, not 16MB)");
	expect_error("ring.size = 32KiB\n", 1, "ring.size: 32KiB is out of range (64KiB..1GiB)");
	expect_error("log.level = loud\n", 1,
		     "log.level: \"loud\" is not one of: error, warn, info, debug");
	expect_error("genesys.region = mypurecloud.xx\n", 1,
		     "genesys.region: \"mypurecloud.xx\" is not one of: mypurecloud.com,");
	expect_error("genesys.tls.verify = maybe\n", 1,
		     "genesys.tls.verify: \"maybe\": not a boolean");
	expect_error("metrics.listen = 9464\n", 1, "metrics.listen: \"9464\": not host:port");
	expect_error("genesys.api_url = api.example.com\n", 1,
		     "genesys.api_url: \"api.example.com\": not a URL");
	expect_error("instance.name = a/b\n", 1,
		     "instance.name: \"a/b\": use 1..48 of A-Z a-z 0-9 . _ -");
	expect_error("instance.name =\n", 1, "instance.name: must not be empty");
	expect_error("pipeline.validators =\n", 1, "pipeline.validators: must not be empty");
	expect_error("genesys.poll.limt = 5\n", 1,
		     "genesys.poll.limt: unknown key (did you mean genesys.poll.limit?)");
	expect_error("[genesys]\nzzzzzz = 1\n", 2, "genesys.zzzzzz: unknown key");
	expect_error("bootstrap.servers = x:9092\n", 1,
		     "bootstrap.servers: unknown key (librdkafka settings take the prefix: "
		     "kafka.bootstrap.servers)");
	expect_error("log.level = info\nlog.level = debug\n", 2,
		     "log.level: set twice (first on line 1)");
	expect_error("log.level = info\n  debug\n", 2,
		     "log.level: indented line taken as a continuation");
	expect_error("log.level = info\n  log.format = json\n", 2,
		     "log.level: indented line taken as a continuation");
	expect_error("log.level = info\n[x]\n  just words\n", 3,
		     "indented line taken as a continuation");
	expect_error("just words\n", 1, "expected \"[section]\", \"key = value\" or a comment");
	expect_error("[genesys\n", 1, "expected \"[section]\"");
	expect_error("= 5\n", 1, "no key before '='");
	expect_error("genesys.stream_definition = /nonexistent/x.json\n", 1,
		     "genesys.stream_definition: cannot open /nonexistent/x.json: No such file");
	expect_error("genesys.tls.ca_path = /tmp\n", 1,
		     "genesys.tls.ca_path: /tmp is not a regular file");
	{
		char longline[400];

		memset(longline, 'x', sizeof(longline));
		memcpy(longline, "instance.name = ", 16);
		longline[sizeof(longline) - 2] = '\n';
		longline[sizeof(longline) - 1] = '\0';
		expect_error(longline, 1, "line is longer than");
	}
}

static void test_collects_all_errors(void **state)
{
	gcb_config_t cfg;
	struct capture cap;
	char err[1024];
	const char *path;

	(void)state;
	path = write_file("t.conf",
			  "genesys.poll.limit = 5000\n"
			  "bogus = 1\n"
			  "log.level = loud\n"
			  "ring.size = 3MiB\n",
			  0600);
	memset(&cap, 0, sizeof(cap));
	assert_int_equal(gcb_config_load(&cfg, path, capture_fn, &cap, err, sizeof(err)), -EINVAL);
	assert_int_equal(cap.errors, 4);
	expect_at(&cap, 1, "genesys.poll.limit");
	expect_at(&cap, 2, "bogus");
	expect_at(&cap, 3, "log.level");
	expect_at(&cap, 4, "ring.size");
	assert_non_null(strstr(err, "genesys.poll.limit: 5000 is out of range (1..1000)"));
	assert_non_null(strstr(err, "(and 3 more errors)"));
	gcb_config_fini(&cfg);

	memset(&cap, 0, sizeof(cap));
	assert_int_equal(
	    gcb_config_load(&cfg, "/nonexistent/gcb.conf", capture_fn, &cap, err, sizeof(err)),
	    -EINVAL);
	expect_msg(&cap, "E /nonexistent/gcb.conf: cannot open: No such file or directory");
	gcb_config_fini(&cfg);
}

static void test_cross_checks(void **state)
{
	gcb_config_t cfg;
	struct capture cap;

	(void)state;
	expect_error("ring.size = 2MiB\nring.max_record = 1MiB\n", 2,
		     "ring.max_record: ring.max_record (1MiB) must be at most ring.size / 2 - 16 "
		     "bytes (ring.size is 2MiB)");
	expect_error("ring.size = 1MiB\n", 1, "ring.size: ring.max_record (1MiB) must be at most");
	expect_error("event.max_bytes = 2MiB\n", 1,
		     "event.max_bytes: event.max_bytes (2MiB) must be at most ring.max_record "
		     "(1MiB)");
	expect_error("ring.max_record = 16KiB\nevent.max_bytes = 16KiB\n", 2,
		     "event.max_bytes: event.max_bytes (16KiB) must be at most ring.max_record "
		     "(16KiB) less ");
	expect_error("restart.min_interval = 1m\n", 1,
		     "restart.min_interval: restart.min_interval must not exceed");
	expect_error("genesys.backoff.base = 2m\n", 1, "genesys.backoff.base: genesys.backoff");
	expect_error("genesys.stream_id = a\ngenesys.stream_definition = /etc/hostname\n", 2,
		     "genesys.stream_definition: set genesys.stream_id or this, not both");
	expect_error("genesys.region = mypurecloud.de\ngenesys.api_url = http://h\n", 2,
		     "genesys.api_url: set genesys.region or explicit URLs, not both");
	expect_error("genesys.api_url = http://h\n", 1,
		     "genesys.login_url: required with genesys.api_url");
	expect_error("schemas.registry.user = u\n", 1,
		     "schemas.registry.password: required with schemas.registry.user");

	/* Not embedded: credentials and a stream are required. */
	assert_int_equal(load_text("genesys.region = mypurecloud.jp\n", &cfg, &cap), -EINVAL);
	expect_msg(&cap, "t.conf: genesys.client_id: required when not embedded");
	expect_msg(&cap, "t.conf: genesys.client_secret: required when not embedded");
	expect_msg(&cap, "t.conf: genesys.stream_id: set genesys.stream_id or "
			 "genesys.stream_definition");
	gcb_config_fini(&cfg);

	assert_int_equal(load_text("embedded = false\n", &cfg, &cap), -EINVAL);
	expect_at(&cap, 1, "kafka.bootstrap.servers: required with embedded = false");
	expect_at(&cap, 1, "genesys.region: required with embedded = false");
	gcb_config_fini(&cfg);

	assert_int_equal(load_text("embedded = true\ngenesys.region = mypurecloud.de\n"
				   "kafka.bootstrap.servers = k:1\n",
				   &cfg, &cap),
			 -EINVAL);
	expect_at(&cap, 2, "genesys.region: must not be set with embedded = true");
	expect_at(&cap, 3, "kafka.bootstrap.servers: must not be set with embedded = true");
	gcb_config_fini(&cfg);

	/* Notifications need no stream. */
	assert_int_equal(load_text("genesys.source = notifications\ngenesys.region = "
				   "mypurecloud.de\ngenesys.client_id = a\n"
				   "genesys.client_secret = b\n",
				   &cfg, &cap),
			 0);
	gcb_config_fini(&cfg);

	/* A warning does not fail the load. */
	assert_int_equal(load_text("genesys.tls.verify = false\n", &cfg, &cap), 0);
	assert_int_equal(cap.warnings, 1);
	expect_msg(&cap, "W ");
	gcb_config_fini(&cfg);
}

/* ---- secrets ---- */

/* With the embedded simulator a secret is unused (and warned about). */
#define REAL_ORG "genesys.region = mypurecloud.com\ngenesys.client_id = id\ngenesys.stream_id = s\n"

/* cred:NAME reads $CREDENTIALS_DIRECTORY/NAME (systemd LoadCredential=);
 * env:NAME, once scrubbed from the environment, still resolves on reload. */
static void test_secret_cred_and_scrub(void **state)
{
	char dir[] = "/tmp/gcb-test-cred.XXXXXX", path[64], text[256];
	gcb_config_t cfg;
	struct capture cap;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/gcb-client", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(SECRET "\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0400), 0);
	snprintf(text, sizeof(text),
		 "genesys.client_secret = cred:gcb-client\n"
		 "genesys.client_id = id\ngenesys.stream_id = s\n");

	unsetenv("CREDENTIALS_DIRECTORY");
	expect_error("genesys.client_secret = cred:gcb-client\n", 1,
		     "genesys.client_secret: cred:gcb-client: $CREDENTIALS_DIRECTORY is not set "
		     "(systemd sets it for a unit with LoadCredential=gcb-client:PATH)");
	expect_error("genesys.client_secret = cred:../etc/passwd\n", 1,
		     "genesys.client_secret: \"cred:../etc/passwd\" does not name a credential");
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_string_equal(cfg.genesys.client_secret.value, SECRET);
	assert_string_equal(cfg.genesys.client_secret.source, "cred:gcb-client");
	gcb_config_fini(&cfg);
	unsetenv("CREDENTIALS_DIRECTORY");
	unlink(path);
	rmdir(dir);

	/* Scrubbed: gone from the environment, still resolved. */
	setenv("GCB_TEST_SCRUB", SECRET, 1);
	snprintf(text, sizeof(text),
		 "genesys.client_secret = env:GCB_TEST_SCRUB\n"
		 "genesys.client_id = id\ngenesys.stream_id = s\n");
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	gcb_config_fini(&cfg);
	gcb_config_secret_scrub_env();
	assert_null(getenv("GCB_TEST_SCRUB"));
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_string_equal(cfg.genesys.client_secret.value, SECRET);
	/* A stage wipes what it does not use, in place. */
	gcb_config_secret_keep_only(&cfg, GCB_CONFIG_KEEP_KAFKA);
	assert_string_equal(cfg.genesys.client_secret.value, "");
	gcb_config_fini(&cfg);
	expect_error("genesys.client_secret = env:GCB_TEST_SCRUB\n", 1,
		     "genesys.client_secret: environment variable GCB_TEST_SCRUB is not set");
}

/* http:// off loopback: an error, or with security.allow_cleartext a
 * warning and the flag /metrics shows. Loopback is always fine. */
static void test_cleartext(void **state)
{
	gcb_config_t cfg;
	struct capture cap;
	const char *base = "genesys.client_id = id\ngenesys.client_secret = s\n"
			   "genesys.stream_id = s\nkafka.bootstrap.servers = k:9092\n";
	char text[512];

	(void)state;
	snprintf(text, sizeof(text),
		 "%sgenesys.api_url = http://127.0.0.1:8080\n"
		 "genesys.login_url = http://localhost:8080\n",
		 base);
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_int_equal(cfg.insecure, 0);
	gcb_config_fini(&cfg);
	snprintf(text, sizeof(text),
		 "%sgenesys.api_url = http://api.example.com\n"
		 "genesys.login_url = https://login.example.com\n",
		 base);
	assert_int_equal(load_text(text, &cfg, &cap), -EINVAL);
	assert_non_null(strstr(cap.text, "genesys.api_url: http:// to a host other than loopback"));
	gcb_config_fini(&cfg);
	snprintf(text, sizeof(text),
		 "%sgenesys.api_url = http://127.0.0.1.example.com\n"
		 "genesys.login_url = https://login.example.com\nsecurity.allow_cleartext = true\n",
		 base);
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_int_equal(cfg.insecure, GCB_CONFIG_INSECURE_CLEARTEXT);
	assert_non_null(strstr(cap.text, "credentials cross the network in clear text"));
	gcb_config_fini(&cfg);
}

static void test_secrets(void **state)
{
	gcb_config_t cfg;
	struct capture cap;
	char text[1024];
	const char *path;

	(void)state;
	setenv("GCB_TEST_SECRET", SECRET, 1);
	snprintf(text, sizeof(text),
		 "genesys.client_secret = env:GCB_TEST_SECRET\n"
		 "genesys.region = mypurecloud.com\n"
		 "genesys.client_id = id\ngenesys.stream_id = s\n");
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_string_equal(cfg.genesys.client_secret.value, SECRET);
	assert_string_equal(cfg.genesys.client_secret.source, "env:GCB_TEST_SECRET");
	gcb_config_fini(&cfg);
	unsetenv("GCB_TEST_SECRET");

	expect_error("genesys.client_secret = env:GCB_TEST_NOT_SET_XYZ\n", 1,
		     "genesys.client_secret: environment variable GCB_TEST_NOT_SET_XYZ is not "
		     "set");
	expect_error("genesys.client_secret = env:1BAD\n", 1,
		     "genesys.client_secret: \"env:1BAD\" does not name an environment variable");
	expect_error("genesys.client_secret = file:/nonexistent/secret\n", 1,
		     "genesys.client_secret: cannot open secret file /nonexistent/secret: No such "
		     "file or directory");
	expect_error("genesys.client_secret = file:/tmp\n", 1,
		     "genesys.client_secret: secret file /tmp is not a regular file");
	expect_error("genesys.client_secret = file:\n", 1,
		     "genesys.client_secret: \"file:\" names no file");
	expect_error("schemas.registry.password = literal:\n", 1,
		     "schemas.registry.password: empty secret");

	/* A private file: no warning; trailing newline dropped. */
	path = write_file("secret", SECRET "\n", 0600);
	snprintf(text, sizeof(text), "genesys.client_secret = file:%s\n" REAL_ORG, path);
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_int_equal(cap.warnings, 0);
	assert_string_equal(cfg.genesys.client_secret.value, SECRET);
	gcb_config_fini(&cfg);

	/* A world-readable file: a warning naming the mode, still loaded. */
	path = write_file("secret-644", SECRET "\n", 0644);
	snprintf(text, sizeof(text), "\ngenesys.client_secret = file:%s\n" REAL_ORG, path);
	assert_int_equal(load_text(text, &cfg, &cap), 0);
	assert_int_equal(cap.warnings, 1);
	expect_msg(&cap, "is accessible by group or others (mode 0644); chmod 600 it");
	expect_msg(&cap, "t.conf:2: genesys.client_secret: secret file");
	gcb_config_fini(&cfg);

	path = write_file("secret-empty", "\n", 0600);
	snprintf(text, sizeof(text), "genesys.client_secret = file:%s\n", path);
	expect_error(text, 1, "genesys.client_secret: secret file ");

	/* Unreadable: only testable when not root (root reads anything). */
	if (geteuid() != 0) {
		path = write_file("secret-000", SECRET, 0000);
		snprintf(text, sizeof(text), "genesys.client_secret = file:%s\n", path);
		expect_error(text, 1, "genesys.client_secret: cannot open secret file ");
	}
}

/* No output or message ever carries a secret's value. */
static void test_secret_never_shown(void **state)
{
	static const char *const bad_confs[] = {
	    "genesys.client_secret = " SECRET "\ngenesys.client_secret = " SECRET "\n",
	    "genesys.client_secret = " SECRET "\ngenesys.poll.limit = " SECRET "\n",
	    "[genesys]\nclient_secret = " SECRET "\n  " SECRET "\n",
	    "kafka.sasl.password = " SECRET "\nkafka.sasl.password = " SECRET "\n",
	    "genesys.client_secret = " SECRET "\nembedded = false\n",
	};
	gcb_config_t cfg;
	struct capture cap;
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_confs) / sizeof(bad_confs[0]); i++) {
		int rc = load_text(bad_confs[i], &cfg, &cap);

		assert_int_equal(rc, -EINVAL);
		if (strstr(cap.text, SECRET) != NULL && i != 1) {
			print_error("secret leaked for conf %zu:\n%s", i, cap.text);
			fail();
		}
		gcb_config_fini(&cfg);
	}

	assert_int_equal(load_text("genesys.client_secret = " SECRET "\n"
				   "schemas.registry.password = " SECRET "\n"
				   "kafka.sasl.password = " SECRET "\n"
				   "kafka.sasl.oauthbearer.client.secret = " SECRET "\n"
				   "kafka.client.id = visible\n",
				   &cfg, &cap),
			 0);
	f = open_memstream(&out, &outlen);
	assert_non_null(f);
	gcb_config_print(&cfg, f);
	fclose(f);
	assert_null(strstr(out, SECRET));
	assert_non_null(strstr(out, "genesys.client_secret = **** ; from literal\n"));
	assert_non_null(strstr(out, "kafka.sasl.password = **** ; from literal\n"));
	assert_non_null(strstr(out, "kafka.client.id = visible\n"));
	free(out);
	gcb_config_fini(&cfg);
}

static void test_secret_in_value_error(void **state)
{
	gcb_config_t cfg;
	struct capture cap;

	/* A non-secret key's bad value is quoted (it is not a secret). */
	(void)state;
	assert_int_equal(load_text("genesys.poll.limit = " SECRET "\n", &cfg, &cap), -EINVAL);
	expect_msg(&cap, SECRET);
	gcb_config_fini(&cfg);
}

/* ---- print and reload ---- */

static void test_print_roundtrip(void **state)
{
	gcb_config_t a, b;
	struct capture cap;
	char *out1 = NULL, *out2 = NULL;
	size_t l1 = 0, l2 = 0;
	char err[512];
	const char *path;
	FILE *f;

	(void)state;
	assert_int_equal(load_text("log.level = warn\nring.size = 256KiB\nring.max_record = 64KiB\n"
				   "event.max_bytes = 10000\ngenesys.poll.timeout = 1500\n"
				   "kafka.bootstrap.servers = k:1\nkafka.linger.ms = 5\n"
				   "metrics.listen =\n",
				   &a, &cap),
			 0);
	f = open_memstream(&out1, &l1);
	gcb_config_print(&a, f);
	fclose(f);
	assert_non_null(strstr(out1, "genesys.poll.timeout = 1500ms\n"));
	assert_non_null(strstr(out1, "ring.size = 256KiB\n"));
	assert_non_null(strstr(out1, "metrics.listen =\n"));
	path = write_file("printed.conf", out1, 0600);
	memset(&cap, 0, sizeof(cap));
	assert_int_equal(gcb_config_load(&b, path, capture_fn, &cap, err, sizeof(err)), 0);
	f = open_memstream(&out2, &l2);
	gcb_config_print(&b, f);
	fclose(f);
	/* Equal after the first line, which names the file. */
	assert_string_equal(strchr(out1, '\n'), strchr(out2, '\n'));
	free(out1);
	free(out2);
	gcb_config_fini(&a);
	gcb_config_fini(&b);
}

static void test_reload(void **state)
{
	gcb_config_t cfg;
	struct capture cap;
	char err[512];
	const char *path;
	int rc;

	(void)state;
	path = write_file("r.conf", "log.level = info\nring.size = 16MiB\n", 0600);
	assert_int_equal(gcb_config_load(&cfg, path, NULL, NULL, err, sizeof(err)), 0);

	path = write_file("r.conf",
			  "log.level = debug\nring.size = 32MiB\nrestart.max_backoff = 1m\n"
			  "kafka.linger.ms = 1\n",
			  0600);
	memset(&cap, 0, sizeof(cap));
	rc = gcb_config_reload(&cfg, path, capture_fn, &cap, err, sizeof(err));
	assert_int_equal(rc, 2);
	assert_int_equal(cfg.log.level, 3);
	assert_true(cfg.restart.max_backoff_ms == 60000);
	assert_true(cfg.ring.size == 16 << 20); /* not reloadable */
	assert_int_equal(cfg.kafka.count, 0);
	expect_msg(&cap, "N ");
	expect_msg(&cap, "log.level: info -> debug (applied)");
	expect_msg(&cap, "ring.size: changed; takes effect when gcbridge restarts");
	expect_msg(&cap, "kafka.*: changed; takes effect when gcbridge restarts");

	/* An invalid file changes nothing. */
	path = write_file("r.conf", "log.level = error\nring.size = nope\n", 0600);
	memset(&cap, 0, sizeof(cap));
	rc = gcb_config_reload(&cfg, path, capture_fn, &cap, err, sizeof(err));
	assert_int_equal(rc, -EINVAL);
	assert_int_equal(cfg.log.level, 3);
	assert_int_equal(cap.errors, 1);
	gcb_config_fini(&cfg);
}

static void test_reference(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&out, &len);
	gcb_config_reference_markdown(f);
	fclose(f);
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		char needle[128];

		snprintf(needle, sizeof(needle), "| `%s` |", gcb_config_props[i].name);
		assert_non_null(strstr(out, needle));
	}
	assert_non_null(strstr(out, "| `kafka.*` | passthrough |"));
	assert_non_null(
	    strstr(out, "| `ring.size` | size | `16MiB` | 64KiB..1GiB, power of two | no |"));
	assert_non_null(strstr(out, "| `log.level` | enum | `info` | `error`, `warn`, `info`, "
				    "`debug` | yes |"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bool),
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_format),
	    cmocka_unit_test(test_url_addr),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_sections_and_qualified),
	    cmocka_unit_test(test_real_endpoints),
	    cmocka_unit_test(test_kafka_passthrough),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_collects_all_errors),
	    cmocka_unit_test(test_cross_checks),
	    cmocka_unit_test(test_secrets),
	    cmocka_unit_test(test_cleartext),
	    cmocka_unit_test(test_secret_cred_and_scrub),
	    cmocka_unit_test(test_secret_never_shown),
	    cmocka_unit_test(test_secret_in_value_error),
	    cmocka_unit_test(test_print_roundtrip),
	    cmocka_unit_test(test_reload),
	    cmocka_unit_test(test_reference),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

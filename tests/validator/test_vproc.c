/*
 * Unit tests for the validator's per-event processing (routing, filters,
 * framing, keys, DLQ records) and for the loader against the shipped
 * schemas and Apache Avro's own test data (tests/fixtures/avro).
 */
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

#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_vproc.h"

static char root[1024];
static char tmpdir[256];

static const char *EV_OK =
    "{\"id\":\"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\",\"entityType\":\"interaction\","
    "\"eventType\":\"created\",\"eventTimestamp\":\"2026-11-27T10:15:30.123Z\","
    "\"entityId\":\"11111111-2222-4333-8444-555555555555\",\"sequence\":7,"
    "\"data\":{\"conversationId\":\"11111111-2222-4333-8444-555555555555\","
    "\"direction\":\"inbound\",\"mediaType\":\"voice\",\"status\":\"completed\","
    "\"disposition\":{\"code\":\"SALE\",\"name\":\"Sale\"},\"durationMs\":1200}}";

static const char *EV_AGENT =
    "{\"id\":\"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5c\",\"entityType\":\"agentstate\","
    "\"eventType\":\"updated\",\"eventTimestamp\":\"2026-11-27T10:15:30.123Z\","
    "\"entityId\":\"21111111-2222-4333-8444-555555555555\",\"sequence\":1,"
    "\"data\":{\"userId\":\"21111111-2222-4333-8444-555555555555\","
    "\"routingStatus\":\"IDLE\",\"presence\":\"On Queue\","
    "\"startTime\":\"2026-11-27T10:00:00Z\"}}";

static gcb_catalog_t *load(const char *routes, const char *ids)
{
	char err[1024];
	gcb_catalog_t *c = NULL;

	if (gcb_catalog_load(&c, routes, ids, err, sizeof(err)) != 0)
		fail_msg("catalog: %s", err);
	return c;
}

static gcb_catalog_t *shipped(void)
{
	char path[1200];

	snprintf(path, sizeof(path), "%s/schemas/routes.json", root);
	return load(path, NULL);
}

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void process(gcb_vproc_t *p, const char *json, gcb_vout_t *o)
{
	gcb_vin_t in = {.json = json,
			.json_len = strlen(json),
			.batch_seq = 9,
			.received_unix_ms = 1764238530000ull,
			.stream = "s1",
			.stream_len = 2};

	gcb_vproc_process(p, &in, o);
}

static int field_is(const gcb_vout_t *o, int f, const char *s)
{
	return o->len[f] == strlen(s) && memcmp(o->f[f], s, o->len[f]) == 0;
}

static void check_serialized(const gcb_vout_t *o)
{
	size_t n = gcb_vout_size(o);
	unsigned char *buf = malloc(n);
	const gcb_rec_out_t *h = (const void *)buf;

	assert_non_null(buf);
	gcb_vout_write(o, buf);
	assert_true(gcb_rec_fields_valid(h->fields, GCB_OUTF_COUNT, sizeof(*h), (uint32_t)n));
	assert_int_equal(h->batch_seq, o->batch_seq);
	for (int i = 0; i < GCB_OUTF_COUNT; i++) {
		assert_int_equal(h->fields[i].len, o->len[i]);
		if (o->len[i])
			assert_memory_equal(gcb_rec_field_ptr(buf, h->fields[i]), o->f[i],
					    o->len[i]);
	}
	free(buf);
}

static void expect_dlq(gcb_vproc_t *p, const char *json, const char *reason, const char *path)
{
	gcb_vout_t o;

	process(p, json, &o);
	if (o.type != GCB_REC_DLQ)
		fail_msg("expected DLQ %s for %s, got type %u", reason, json, o.type);
	if (!field_is(&o, GCB_OUTF_ERROR_REASON, reason))
		fail_msg("expected %s, got %.*s (%.*s)", reason, (int)o.len[GCB_OUTF_ERROR_REASON],
			 o.f[GCB_OUTF_ERROR_REASON], (int)o.len[GCB_OUTF_ERROR_DETAIL],
			 o.f[GCB_OUTF_ERROR_DETAIL]);
	assert_true(field_is(&o, GCB_OUTF_ERROR_FIELD, path));
	assert_true(o.len[GCB_OUTF_ERROR_DETAIL] > 0);
	/* the raw event, unchanged, plus provenance */
	assert_int_equal(o.len[GCB_OUTF_VALUE], strlen(json));
	assert_memory_equal(o.f[GCB_OUTF_VALUE], json, strlen(json));
	assert_true(field_is(&o, GCB_OUTF_STREAM, "s1"));
	/* the producer adds the cursor header from the batch's slot */
	assert_int_equal(o.flags, 0);
	assert_true(field_is(&o, GCB_OUTF_TOPIC, "test.dlq")); /* conf.dlq_topic */
	assert_int_equal(o.batch_seq, 9);
	check_serialized(&o);
}

static void test_valid_events(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 1 << 20};
	gcb_vproc_t *p;
	gcb_vout_t o;
	char err[256];

	(void)state;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	process(p, EV_OK, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	assert_true(field_is(&o, GCB_OUTF_TOPIC, "genesys.interactions"));
	assert_true(field_is(&o, GCB_OUTF_KEY, "11111111-2222-4333-8444-555555555555"));
	assert_true(field_is(&o, GCB_OUTF_SCHEMA, "gcbridge.genesys.InteractionCreated"));
	assert_true(field_is(&o, GCB_OUTF_EVENT_ID, "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"));
	assert_true(field_is(&o, GCB_OUTF_ENTITY_TYPE, "interaction"));
	assert_true(field_is(&o, GCB_OUTF_EVENT_TYPE, "created"));
	assert_int_equal(o.schema_id, 1);
	/* CRC-64-AVRO of the canonical form, as `gcb-schema fingerprint` prints it */
	assert_true(o.schema_fingerprint == UINT64_C(0xae1b33ff04040719));
	assert_int_equal(o.len[GCB_OUTF_ERROR_REASON], 0);
	/* Confluent frame: magic 0, big-endian schema id */
	assert_true(o.len[GCB_OUTF_VALUE] > 5);
	assert_memory_equal(o.f[GCB_OUTF_VALUE], "\0\0\0\0\1", 5);
	assert_int_equal(o.received_unix_ms, 1764238530000ull);
	check_serialized(&o);

	process(p, EV_AGENT, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	assert_true(field_is(&o, GCB_OUTF_TOPIC, "genesys.agentstate"));
	assert_true(field_is(&o, GCB_OUTF_KEY, "21111111-2222-4333-8444-555555555555"));
	assert_memory_equal(o.f[GCB_OUTF_VALUE], "\0\0\0\0\3", 5);
	assert_int_equal(gcb_vproc_stats(p)->avro, 2);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

static char *with(const char *from, const char *to)
{
	static char buf[4096];
	const char *at = strstr(EV_OK, from);

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - EV_OK), EV_OK, to, at + strlen(from));
	return buf;
}

static void test_dlq_reasons(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 2000, .dlq_topic = "test.dlq"};
	gcb_vproc_t *p;
	char err[256], big[3000];

	(void)state;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	expect_dlq(p, "{not json", "bad_json", "");
	expect_dlq(p, "", "bad_json", ""); /* an empty element is not an event */
	expect_dlq(p, "[1,2]", "bad_json", "");
	expect_dlq(p, "\"str\"", "bad_json", "");
	expect_dlq(p, with("SALE", "S\\u0000ALE"), "bad_json", "");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "{}", 2);
	expect_dlq(p, big, "oversized", "");
	expect_dlq(p, "{\"entityType\":\"interaction\",\"eventType\":\"deleted\"}", "unrouted", "");
	expect_dlq(p, "{}", "unrouted", "");
	expect_dlq(p, with("\"conversationId\":\"11111111-2222-4333-8444-555555555555\",", ""),
		   "missing_field", "data.conversationId");
	expect_dlq(p, with("\"sequence\":7,", ""), "missing_field", "sequence");
	expect_dlq(p, with("\"sequence\":7", "\"sequence\":\"7\""), "wrong_type", "sequence");
	expect_dlq(p, with("\"sequence\":7", "\"sequence\":1e17"), "out_of_range", "sequence");
	expect_dlq(p, with("inbound", "sideways"), "bad_enum", "data.direction");
	expect_dlq(p, with("voice", "Voice"), "bad_enum", "data.mediaType");
	expect_dlq(p, with("\"code\":\"SALE\"", "\"code\":5"), "wrong_type",
		   "data.disposition.code");
	expect_dlq(p, with("\"code\":\"SALE\",", ""), "missing_field", "data.disposition.code");
	expect_dlq(p, with("10:15:30.123Z", "10:15:30.123"), "bad_timestamp", "eventTimestamp");
	expect_dlq(p, with("\"id\":\"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b\"", "\"id\":\"x\""),
		   "bad_uuid", "id");
	expect_dlq(p, with("\"durationMs\":1200", "\"durationMs\":12.5"), "wrong_type",
		   "data.durationMs");
	expect_dlq(p, with("\"data\":{", "\"data\":[{"), "bad_json", "");
	/* the routed schema is named in a DLQ record for a mapping failure */
	{
		gcb_vout_t o;

		process(p, with("inbound", "sideways"), &o);
		assert_true(field_is(&o, GCB_OUTF_SCHEMA, "gcbridge.genesys.InteractionCreated"));
		assert_int_equal(o.schema_version, 1);
		assert_true(field_is(&o, GCB_OUTF_KEY, "11111111-2222-4333-8444-555555555555"));
	}
	assert_true(gcb_vproc_stats(p)->dlq >= 20);
	assert_int_equal(gcb_vproc_stats(p)->avro, 0);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

static int has(const gcb_vout_t *o, int f, const char *s)
{
	if (!field_is(o, f, s))
		fail_msg("field %d: expected \"%s\", got \"%.*s\"", f, s, (int)o->len[f], o->f[f]);
	return 1;
}

/* A dead letter always says which event it was, even when it is no document. */
static void test_dlq_identity(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 4096};
	static const char head[] =
	    "{\"id\":\"ev-1\",\"entityType\":\"interaction\",\"eventType\":\"updated\","
	    "\"entityId\":\"conv-1\",\"data\":{\"conversationId\":\"conv-1\",\"x\":";
	size_t levels = 3000, k = 0;
	char *deep = malloc(sizeof(head) + 2 * levels + 8), err[256];
	gcb_vproc_t *p;
	gcb_vout_t o;

	(void)state;
	assert_non_null(deep);
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);

	/* Nested past every parser's limit: bad_json, but named and keyed. */
	k += (size_t)sprintf(deep, "%s", head);
	for (size_t i = 0; i < levels; i++)
		deep[k++] = '[';
	for (size_t i = 0; i < levels; i++)
		deep[k++] = ']';
	k += (size_t)sprintf(deep + k, "}}");
	process(p, deep, &o);
	assert_int_equal(o.type, GCB_REC_DLQ);
	has(&o, GCB_OUTF_EVENT_ID, "ev-1");
	has(&o, GCB_OUTF_ENTITY_TYPE, "interaction");
	has(&o, GCB_OUTF_EVENT_TYPE, "updated");
	has(&o, GCB_OUTF_KEY, "conv-1");
	assert_int_equal(o.len[GCB_OUTF_VALUE], k);

	/* Torn JSON: the identity before the tear is still found. */
	process(p, "{\"id\":\"ev-2\",\"entityId\":\"u-9\",\"data\":{\"a\":[1,", &o);
	has(&o, GCB_OUTF_EVENT_ID, "ev-2");
	has(&o, GCB_OUTF_KEY, "u-9");

	/* A notification that is not JSON: named by CorrelationId and its topic. */
	process(p,
		"{\"topicName\":\"v2.users.6a2f1c3e-1111-4222-8333-444455556666.presence\",\"metadata\":{\"CorrelationId\":"
		"\"corr-3\"},\"eventBody\":{\"x\":tru}}",
		&o);
	has(&o, GCB_OUTF_EVENT_ID, "corr-3");
	has(&o, GCB_OUTF_ENTITY_TYPE, "v2.users");
	has(&o, GCB_OUTF_EVENT_TYPE, "presence");
	has(&o, GCB_OUTF_KEY, "6a2f1c3e-1111-4222-8333-444455556666");

	/* Over max_event_bytes, carried whole: oversized, with size and SHA-256. */
	memset(deep, ' ', 5000);
	memcpy(deep, "{\"id\":\"ev-4\",\"entityId\":\"e-4\"}", 30);
	deep[5000] = '\0';
	process(p, deep, &o);
	has(&o, GCB_OUTF_ERROR_REASON, "oversized");
	has(&o, GCB_OUTF_EVENT_ID, "ev-4");
	assert_int_equal(o.len[GCB_OUTF_EVENT_SHA256], 64);
	assert_int_equal(o.event_len, 5000);
	assert_int_equal(o.len[GCB_OUTF_VALUE], 5000);

	/* Cut by the fetcher: the first part, the whole size, digest and file. */
	{
		gcb_vin_t in = {.json = head,
				.json_len = sizeof(head) - 1,
				.event_len = 9000000,
				.sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
				.sha256_len = 64,
				.kept = "/var/lib/gcbridge/x.event.0123.json",
				.kept_len = 35};

		gcb_vproc_process(p, &in, &o);
		has(&o, GCB_OUTF_ERROR_REASON, "oversized");
		has(&o, GCB_OUTF_EVENT_ID, "ev-1");
		has(&o, GCB_OUTF_KEY, "conv-1");
		has(&o, GCB_OUTF_QUARANTINE, "/var/lib/gcbridge/x.event.0123.json");
		assert_int_equal(o.len[GCB_OUTF_EVENT_SHA256], 64);
		assert_int_equal(o.event_len, 9000000);
		assert_int_equal(o.len[GCB_OUTF_VALUE], sizeof(head) - 1);
		check_serialized(&o);
	}
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
	free(deep);
}

static void test_strict_mode(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = 1, .max_event_bytes = 1 << 20, .dlq_topic = "test.dlq"};
	gcb_vproc_t *p;
	gcb_vout_t o;
	char err[256];

	(void)state;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	process(p, EV_OK, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	expect_dlq(p, with("\"durationMs\":1200", "\"durationMs\":1200,\"wrapupSecs\":3"),
		   "unknown_field", "data.wrapupSecs");
	gcb_vproc_destroy(p);
	conf.strict = 0;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	process(p, with("\"durationMs\":1200", "\"durationMs\":1200,\"wrapupSecs\":3"), &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

static unsigned drift_lines;
static char drift_last[1024];

static void drift_log(const char *line)
{
	drift_lines++;
	snprintf(drift_last, sizeof(drift_last), "%s", line);
}

/* A field the schema lacks: counted at every occurrence, reported once per name. */
static void test_schema_drift(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = 0, .max_event_bytes = 1 << 20, .drift_log = drift_log};
	const gcb_vproc_stats_t *st;
	gcb_vproc_t *p;
	gcb_vout_t o;
	char err[256];

	(void)state;
	drift_lines = 0;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	process(p, EV_OK, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	assert_int_equal(gcb_vproc_stats(p)->drift_fields, 0);
	for (int i = 0; i < 3; i++) {
		process(p, with("\"durationMs\":1200", "\"durationMs\":1200,\"wrapupSecs\":3"), &o);
		assert_int_equal(o.type, GCB_REC_AVRO); /* encoded, the field dropped */
	}
	st = gcb_vproc_stats(p);
	assert_int_equal(st->drift_fields, 3);
	assert_int_equal(st->drift_names, 1);
	assert_int_equal(drift_lines, 1);
	assert_non_null(strstr(drift_last, "field \"wrapupSecs\""));
	assert_non_null(strstr(drift_last, "interaction_created.avsc"));
	assert_non_null(strstr(drift_last, "new field name 1 of this schema"));
	process(p, with("\"durationMs\":1200", "\"durationMs\":1200,\"holdSecs\":1"), &o);
	assert_int_equal(gcb_vproc_stats(p)->drift_names, 2);
	assert_int_equal(drift_lines, 2);
	assert_non_null(strstr(drift_last, "new field name 2 of this schema"));
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

static void test_filter_glob_and_key(void **state)
{
	char routes[8192], rp[1400], ids[1400];
	gcb_catalog_t *c;
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 1 << 20};
	gcb_vproc_t *p;
	gcb_vout_t o;
	char err[256];

	(void)state;
	snprintf(
	    routes, sizeof(routes),
	    "{\"routes\":["
	    "{\"name\":\"ic\",\"match\":{\"entityType\":\"interaction\",\"eventType\":\"created\"},"
	    "\"schema\":\"%s/schemas/interaction_created.avsc\",\"topic\":\"t.ic\","
	    "\"key\":\"data.conversationId\","
	    "\"filter\":\"{\\\"direction\\\": \\\"inbound\\\", \\\"status\\\": [\\\"completed\\\", "
	    "\\\"disconnected\\\"]}\"},"
	    "{\"name\":\"presence\",\"match\":{\"topicName\":{\"glob\":\"v2.users.*.presence\"}},"
	    "\"schema\":\"%s/schemas/"
	    "agentstate_updated.avsc\",\"topic\":\"t.p\",\"key\":\"data.userId\"},"
	    "{\"name\":\"au\",\"match\":{\"entityType\":\"agentstate\"},"
	    "\"schema\":\"%s/schemas/"
	    "agentstate_updated.avsc\",\"topic\":\"t.a\",\"key\":\"sequence\"}]}",
	    root, root, root);
	write_file("routes.json", routes);
	snprintf(rp, sizeof(rp), "%s/routes.json", tmpdir);
	snprintf(ids, sizeof(ids), "%s/schemas/schema-ids.json", root);
	c = load(rp, ids);
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);

	process(p, EV_OK, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	process(p, with("\"status\":\"completed\"", "\"status\":\"disconnected\""), &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	process(p, with("\"status\":\"completed\"", "\"status\":\"connected\""), &o);
	assert_int_equal(o.type, GCB_REC_FILTERED);
	assert_true(field_is(&o, GCB_OUTF_TOPIC, "t.ic"));
	assert_true(field_is(&o, GCB_OUTF_STREAM, "s1"));
	assert_int_equal(o.len[GCB_OUTF_VALUE], 0);
	check_serialized(&o);
	process(p, with("inbound", "outbound"), &o);
	assert_int_equal(o.type, GCB_REC_FILTERED);
	/* a missing filtered field does not match */
	process(p, with("\"direction\":\"inbound\",", ""), &o);
	assert_int_equal(o.type, GCB_REC_FILTERED);
	assert_int_equal(gcb_vproc_stats(p)->filtered, 3);

	{
		cJSON *j = cJSON_Parse("{\"topicName\":\"v2.users.abc.presence\"}");
		const gcb_route_t *r = gcb_catalog_route(c, j);

		assert_non_null(r);
		assert_string_equal(r->name, "presence");
		cJSON_Delete(j);
		j = cJSON_Parse("{\"topicName\":\"v2.users.abc.routingStatus\"}");
		assert_null(gcb_catalog_route(c, j));
		cJSON_Delete(j);
	}
	/* an integer key path */
	process(p, EV_AGENT, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	assert_true(field_is(&o, GCB_OUTF_KEY, "1"));
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

static void test_catalog_errors(void **state)
{
	char rp[1400], ids[1400], err[1024], text[2048];
	gcb_catalog_t *c;

	(void)state;
	snprintf(rp, sizeof(rp), "%s/routes.json", tmpdir);
	snprintf(ids, sizeof(ids), "%s/schemas/schema-ids.json", root);

	write_file("routes.json", "{\"routes\": [");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, rp));

	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"missing.avsc\",\"topic\":\"t\",\"key\":\"k\"}]}");
	assert_true(gcb_catalog_load(&c, rp, ids, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "missing.avsc"));

	write_file("broken.avsc",
		   "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"a\"}]}");
	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"broken.avsc\",\"topic\":\"t\",\"key\":\"k\"}]}");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "broken.avsc: "));

	write_file("ok.avsc", "{\"type\":\"record\",\"name\":\"NoId\",\"fields\":[]}");
	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"ok.avsc\",\"topic\":\"t\",\"key\":\"k\"}]}");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NoId"));

	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"ok.avsc\",\"topic\":\"t\",\"key\":\"k\","
				  "\"filter\":\"{not json\"}]}");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "filter"));

	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"ok.avsc\",\"topic\":\"t\"}]}");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "key"));

	/* The DLQ topic is a configuration key only: the old routing-file key
	 * is refused, naming the key to use instead. */
	write_file("routes.json", "{\"dlq_topic\":\"old.dlq\",\"routes\":[]}");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"dlq_topic\""));
	assert_non_null(strstr(err, "producer.dlq_topic"));
	write_file("routes.json", "{\"strict\":true,\"routes\":[]}");
	assert_int_equal(gcb_catalog_load(&c, rp, ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "schemas.strict"));

	snprintf(text, sizeof(text), "{\"NoId\": {\"id\": 77, \"version\": 4}}");
	write_file("ids.json", text);
	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"ok.avsc\",\"topic\":\"t\",\"key\":\"k\"}]}");
	/* no schema-ids.json next to routes.json */
	assert_int_equal(gcb_catalog_load(&c, rp, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "schema-ids.json"));
}

static void test_catalog_ids(void **state)
{
	char rp[1400], ids[1400];
	gcb_catalog_t *c;

	(void)state;
	write_file("ok.avsc", "{\"type\":\"record\",\"name\":\"NoId\",\"fields\":[]}");
	write_file("ids.json", "{\"NoId\": {\"id\": 77, \"version\": 4}}");
	write_file("routes.json", "{\"routes\":[{\"name\":\"x\",\"match\":{\"a\":\"b\"},"
				  "\"schema\":\"ok.avsc\",\"topic\":\"t\",\"key\":\"k\"}]}");
	snprintf(rp, sizeof(rp), "%s/routes.json", tmpdir);
	snprintf(ids, sizeof(ids), "%s/ids.json", tmpdir);
	c = load(rp, ids);
	assert_int_equal(c->routes[0].schema_id, 77);
	assert_int_equal(c->routes[0].schema_version, 4);
	gcb_catalog_destroy(c);
}

static void test_output_ring_limit(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 4096, .max_out_bytes = 400};
	gcb_vproc_t *p;
	gcb_vout_t o;
	char err[256];

	(void)state;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	/* the encoding does not fit: DLQ, and the DLQ record itself is cut to fit */
	process(p,
		with("\"durationMs\":1200",
		     "\"durationMs\":1200,\"ani\":"
		     "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\""),
		&o);
	assert_int_equal(o.type, GCB_REC_DLQ);
	assert_int_equal(o.reason, GCB_REASON_OVERSIZED);
	assert_true(gcb_vout_size(&o) <= 400);
	/* cut: the message goes without the cursor header, as without the stream */
	assert_int_equal(o.flags, GCB_REC_F_NO_CURSOR);
	assert_int_equal(o.len[GCB_OUTF_STREAM], 0);
	check_serialized(&o);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

/* An event whose cJSON tree outgrows the parse arena is parsed again with malloc. */
static void test_arena_fallback(void **state)
{
	gcb_catalog_t *c = shipped();
	gcb_vproc_conf_t conf = {.strict = -1, .max_event_bytes = 1 << 20};
	gcb_vproc_t *p;
	gcb_vout_t o;
	char err[256], *big;
	size_t n = 300000, off;
	const char *cut = strstr(EV_OK, "\"durationMs\"");

	(void)state;
	assert_int_equal(gcb_vproc_new(&p, &conf, c, err, sizeof(err)), 0);
	big = malloc(2 * n + 4096);
	assert_non_null(big);
	off = (size_t)sprintf(big, "%.*s\"zz\":[", (int)(cut - EV_OK), EV_OK);
	for (size_t i = 0; i < n; i++)
		off += (size_t)sprintf(big + off, "%s1", i ? "," : "");
	sprintf(big + off, "],%s", cut);
	process(p, big, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	big[off] = '}'; /* now a syntax error in the same big event */
	process(p, big, &o);
	assert_int_equal(o.type, GCB_REC_DLQ);
	assert_true(field_is(&o, GCB_OUTF_ERROR_REASON, "bad_json"));
	process(p, EV_OK, &o);
	assert_int_equal(o.type, GCB_REC_AVRO);
	free(big);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(c);
}

/* ---- Apache Avro test data ---- */

/* Apache Avro's test data, part of the repository (tests/fixtures/avro). */
static const char *avro_dir(void)
{
	static char dir[1200];

	snprintf(dir, sizeof(dir), "%s/tests/fixtures/avro", root);
	return dir;
}

static void test_apache_schemas_parse(void **state)
{
	static const char *files[] = {"FooBarSpecificRecord.avsc",
				      "RecordWithRequiredFields.avsc",
				      "fooBar.avsc",
				      "interop.avsc",
				      "reserved.avsc",
				      "weather.avsc"};
	char path[1400], err[512];
	gcb_schema_t *s;

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", avro_dir(), files[i]);
		if (gcb_schema_load_file(&s, path, err, sizeof(err)) != 0)
			fail_msg("%s", err);
		gcb_schema_destroy(s);
	}
}

static int64_t zz_long(const unsigned char *b, size_t len, size_t *pos)
{
	uint64_t v = 0;
	unsigned shift = 0;

	while (*pos < len && shift < 64) {
		unsigned char c = b[(*pos)++];

		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
		shift += 7;
	}
	fail_msg("truncated varint");
	return 0;
}

/* Each weather.json record, mapped and encoded, is byte-identical to the same
 * record in weather.avro (an object container written by Avro's Java code). */
static void test_apache_weather_bytes(void **state)
{
	char path[1400], err[512], *json, *line, *save = NULL;
	unsigned char *file, sync[16], out[1024];
	size_t flen, jlen, pos = 4, records = 0;
	unsigned char *data = NULL;
	size_t dlen = 0, dpos = 0;
	gcb_schema_t *s;
	gcb_mapper_t m;
	avro_writer_t w;

	(void)state;
	snprintf(path, sizeof(path), "%s/weather.avro", avro_dir());
	assert_int_equal(gcb_schema_read_file(path, (char **)&file, &flen), 0);
	assert_memory_equal(file, "Obj\x01", 4);
	for (;;) { /* file metadata: a map of bytes */
		int64_t n = zz_long(file, flen, &pos);

		if (n == 0)
			break;
		if (n < 0) {
			n = -n;
			zz_long(file, flen, &pos);
		}
		for (int64_t i = 0; i < n; i++) {
			int64_t kl = zz_long(file, flen, &pos), vl;
			int codec = kl == 10 && memcmp(file + pos, "avro.codec", 10) == 0;

			pos += (size_t)kl;
			vl = zz_long(file, flen, &pos);
			if (codec)
				assert_memory_equal(file + pos, "null", 4);
			pos += (size_t)vl;
		}
	}
	memcpy(sync, file + pos, 16);
	pos += 16;
	while (pos < flen) { /* blocks: count, size, data, sync */
		int64_t count = zz_long(file, flen, &pos), size = zz_long(file, flen, &pos);

		assert_true(count >= 0 && size >= 0 && pos + (size_t)size + 16 <= flen);
		data = realloc(data, dlen + (size_t)size);
		memcpy(data + dlen, file + pos, (size_t)size);
		dlen += (size_t)size;
		pos += (size_t)size;
		assert_memory_equal(file + pos, sync, 16);
		pos += 16;
	}

	snprintf(path, sizeof(path), "%s/weather.avsc", avro_dir());
	assert_int_equal(gcb_schema_load_file(&s, path, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/weather.json", avro_dir());
	assert_int_equal(gcb_schema_read_file(path, &json, &jlen), 0);
	assert_int_equal(gcb_mapper_init(&m, 64), 0);
	w = avro_writer_memory((char *)out, sizeof(out));
	for (line = strtok_r(json, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(line);
		size_t n;

		assert_non_null(j);
		avro_value_reset(&s->value);
		m.budget = GCB_MAP_BUDGET;
		assert_int_equal(gcb_map_value(&m, s->root, j, &s->value), 0);
		avro_writer_memory_set_dest(w, (char *)out, sizeof(out));
		assert_int_equal(avro_value_write(w, &s->value), 0);
		n = (size_t)avro_writer_tell(w);
		assert_true(dpos + n <= dlen);
		assert_memory_equal(out, data + dpos, n);
		dpos += n;
		records++;
		cJSON_Delete(j);
	}
	assert_int_equal(records, 5);
	assert_int_equal(dpos, dlen); /* every byte of the container's records matched */
	avro_writer_free(w);
	gcb_mapper_fini(&m);
	gcb_schema_destroy(s);
	free(json);
	free(data);
	free(file);
}

static int group_setup(void **state)
{
	const char *r = getenv("GCB_ROOT");

	(void)state;
	snprintf(root, sizeof(root), "%s", r ? r : ".");
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gcb-test-vproc-%d", (int)getpid());
	return mkdir(tmpdir, 0700) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_events),
	    cmocka_unit_test(test_dlq_reasons),
	    cmocka_unit_test(test_dlq_identity),
	    cmocka_unit_test(test_strict_mode),
	    cmocka_unit_test(test_schema_drift),
	    cmocka_unit_test(test_filter_glob_and_key),
	    cmocka_unit_test(test_catalog_errors),
	    cmocka_unit_test(test_catalog_ids),
	    cmocka_unit_test(test_output_ring_limit),
	    cmocka_unit_test(test_arena_fallback),
	    cmocka_unit_test(test_apache_schemas_parse),
	    cmocka_unit_test(test_apache_weather_bytes),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

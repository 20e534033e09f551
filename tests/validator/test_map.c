/* Unit tests for the JSON -> Avro mapper: every type, every rule, every rejection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stages/validator/gcb_map.h"
#include "stages/validator/gcb_schema.h"

typedef struct res {
	int rc;
	int reason;
	char path[GCB_MAP_PATH_MAX];
	char detail[GCB_MAP_DETAIL_MAX];
	char hex[4096];
} res_t;

static res_t R;

static gcb_schema_t *schema(const char *text)
{
	char err[512];
	gcb_schema_t *s = NULL;

	if (gcb_schema_parse(&s, text, strlen(text), "test", err, sizeof(err)) != 0)
		fail_msg("schema rejected: %s", err);
	return s;
}

/* Maps json onto schema text; fills R (hex of the encoding on success). */
static const res_t *run_opts(const char *schema_text, const char *json, int strict)
{
	gcb_schema_t *s = schema(schema_text);
	gcb_mapper_t m;
	cJSON *j = cJSON_Parse(json);
	char buf[2048];
	avro_writer_t w;

	assert_non_null(j);
	assert_int_equal(gcb_mapper_init(&m, 64), 0);
	memset(&R, 0, sizeof(R));
	m.strict = strict;
	m.budget = GCB_MAP_BUDGET;
	avro_value_reset(&s->value);
	R.rc = gcb_map_value(&m, s->root, j, &s->value);
	R.reason = m.reason;
	if (R.rc) {
		snprintf(R.path, sizeof(R.path), "%s", m.path);
		snprintf(R.detail, sizeof(R.detail), "%s", m.detail);
		assert_int_equal(m.nsegs, 0);
		assert_int_equal(m.depth, 0);
	} else {
		w = avro_writer_memory(buf, sizeof(buf));
		assert_int_equal(avro_value_write(w, &s->value), 0);
		for (int64_t i = 0; i < avro_writer_tell(w); i++)
			sprintf(R.hex + 2 * i, "%02x", (unsigned char)buf[i]);
		avro_writer_free(w);
	}
	gcb_mapper_fini(&m);
	cJSON_Delete(j);
	gcb_schema_destroy(s);
	return &R;
}

static const res_t *run(const char *schema_text, const char *json)
{
	return run_opts(schema_text, json, 0);
}

#define OK(schema, json, hexstr)                                                                   \
	do {                                                                                       \
		const res_t *r_ = run(schema, json);                                               \
		if (r_->rc)                                                                        \
			fail_msg("%s rejected: %s at %s: %s", json, gcb_reason_name(r_->reason),   \
				 r_->path, r_->detail);                                            \
		assert_string_equal(r_->hex, hexstr);                                              \
	} while (0)

#define REJECT(schema, json, why, at)                                                              \
	do {                                                                                       \
		const res_t *r_ = run(schema, json);                                               \
		if (r_->rc == 0)                                                                   \
			fail_msg("%s accepted as %s", json, r_->hex);                              \
		assert_string_equal(gcb_reason_name(r_->reason), why);                             \
		assert_string_equal(r_->path, at);                                                 \
		assert_true(r_->detail[0] != '\0');                                                \
	} while (0)

/* A record with one field "f" of the given type, so paths start at "f". */
static char *rec(const char *type)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"f\",\"type\":%s}]}",
		 type);
	return buf;
}

static char *obj(const char *value)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "{\"f\":%s}", value);
	return buf;
}

#define FOK(type, value, hexstr)      OK(rec(type), obj(value), hexstr)
#define FREJECT(type, value, why, at) REJECT(rec(type), obj(value), why, at)

static void test_null_boolean(void **state)
{
	(void)state;
	FOK("\"null\"", "null", "");
	FREJECT("\"null\"", "0", "wrong_type", "f");
	FOK("\"boolean\"", "true", "01");
	FOK("\"boolean\"", "false", "00");
	FREJECT("\"boolean\"", "1", "wrong_type", "f");
	FREJECT("\"boolean\"", "\"true\"", "wrong_type", "f");
}

static void test_int(void **state)
{
	(void)state;
	FOK("\"int\"", "5", "0a");
	FOK("\"int\"", "-2147483648", "ffffffff0f");
	FOK("\"int\"", "2147483647", "feffffff0f");
	FOK("\"int\"", "5.0", "0a"); /* integral numbers are integers */
	FOK("\"int\"", "5e0", "0a");
	FREJECT("\"int\"", "2147483648", "out_of_range", "f");
	FREJECT("\"int\"", "-2147483649", "out_of_range", "f");
	FREJECT("\"int\"", "1.5", "wrong_type", "f");
	FREJECT("\"int\"", "\"5\"", "wrong_type", "f");
	FREJECT("\"int\"", "null", "wrong_type", "f");
}

static void test_long(void **state)
{
	(void)state;
	FOK("\"long\"", "9007199254740991", "feffffffffffff1f");
	FOK("\"long\"", "-1", "01");
	FOK("\"long\"", "1e3", "d00f");
	/* cJSON keeps doubles: beyond 2^53 - 1 the value may already be rounded. */
	FREJECT("\"long\"", "9007199254740992", "out_of_range", "f");
	FREJECT("\"long\"", "-9007199254740993", "out_of_range", "f");
	FREJECT("\"long\"", "1e300", "out_of_range", "f");
	FREJECT("\"long\"", "0.5", "wrong_type", "f");
	FREJECT("\"long\"", "true", "wrong_type", "f");
}

static void test_float_double(void **state)
{
	(void)state;
	FOK("\"float\"", "1.5", "0000c03f");
	FOK("\"float\"", "0", "00000000");
	FREJECT("\"float\"", "3.5e38", "out_of_range", "f");
	FREJECT("\"float\"", "\"1.5\"", "wrong_type", "f");
	FOK("\"double\"", "0.1", "9a9999999999b93f");
	FOK("\"double\"", "3", "0000000000000840");
	FREJECT("\"double\"", "[]", "wrong_type", "f");
}

static void test_string_bytes_fixed(void **state)
{
	(void)state;
	FOK("\"string\"", "\"xy\"", "047879");
	FOK("\"string\"", "\"\"", "00");
	FOK("\"string\"", "\"\\u00e9\"", "04c3a9");
	FREJECT("\"string\"", "\"\xff\"", "bad_utf8", "f");
	FREJECT("\"string\"", "\"\xed\xa0\x80\"", "bad_utf8", "f"); /* surrogate */
	FREJECT("\"string\"", "\"\xc0\xaf\"", "bad_utf8", "f");	    /* overlong */
	FREJECT("\"string\"", "7", "wrong_type", "f");
	FOK("\"bytes\"", "\"\\u00ff\\u0001A\"", "06ff0141");
	FREJECT("\"bytes\"", "\"\\u0100\"", "bad_bytes", "f");
	FREJECT("\"bytes\"", "1", "wrong_type", "f");
	FOK("{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}", "\"ab\"", "6162");
	FREJECT("{\"type\":\"fixed\",\"name\":\"F2\",\"size\":2}", "\"abc\"", "bad_bytes", "f");
}

static void test_enum(void **state)
{
	const char *e = "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"inbound\",\"outbound\"]}";

	(void)state;
	FOK(e, "\"inbound\"", "00");
	FOK(e, "\"outbound\"", "02");
	FREJECT(e, "\"INBOUND\"", "bad_enum", "f");
	FREJECT(e, "0", "wrong_type", "f");
}

static void test_array_map(void **state)
{
	(void)state;
	FOK("{\"type\":\"array\",\"items\":\"int\"}", "[1,2]", "04020400");
	FOK("{\"type\":\"array\",\"items\":\"int\"}", "[]", "00");
	FREJECT("{\"type\":\"array\",\"items\":\"int\"}", "[1,\"x\"]", "wrong_type", "f[1]");
	FREJECT("{\"type\":\"array\",\"items\":\"int\"}", "{}", "wrong_type", "f");
	FOK("{\"type\":\"map\",\"values\":\"int\"}", "{\"k\":1}", "02026b0200");
	FREJECT("{\"type\":\"map\",\"values\":\"int\"}", "{\"k\":\"x\"}", "wrong_type", "f.k");
	FREJECT("{\"type\":\"map\",\"values\":\"int\"}", "[]", "wrong_type", "f");
	/* nested: array of records */
	FREJECT("{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"I\",\"fields\":"
		"[{\"name\":\"code\",\"type\":\"string\"}]}}",
		"[{\"code\":\"a\"},{\"code\":1}]", "wrong_type", "f[1].code");
}

static const char *REC2 = "{\"type\":\"record\",\"name\":\"R\",\"fields\":["
			  "{\"name\":\"a\",\"type\":\"int\"},"
			  "{\"name\":\"b\",\"type\":\"string\",\"default\":\"xy\"}]}";

static void test_record(void **state)
{
	(void)state;
	OK(REC2, "{\"a\":1,\"b\":\"xy\"}", "02047879");
	OK(REC2, "{\"a\":1}", "02047879");			 /* default from the raw schema */
	OK(REC2, "{\"b\":\"xy\",\"a\":1,\"zz\":3}", "02047879"); /* unknown ignored */
	REJECT(REC2, "{\"b\":\"xy\"}", "missing_field", "a");
	REJECT(REC2, "{\"a\":null}", "wrong_type", "a");
	REJECT(REC2, "[1]", "wrong_type", "");
	run_opts(REC2, "{\"a\":1,\"zz\":3}", 1);
	assert_int_equal(R.rc, -EINVAL);
	assert_string_equal(gcb_reason_name(R.reason), "unknown_field");
	assert_string_equal(R.path, "zz");
	run_opts(REC2, "{\"a\":1}", 1);
	assert_int_equal(R.rc, 0);
}

static void test_defaults_of_every_kind(void **state)
{
	const char *s =
	    "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
	    "{\"name\":\"n\",\"type\":[\"null\",\"string\"],\"default\":null},"
	    "{\"name\":\"u\",\"type\":[\"int\",\"null\"],\"default\":7},"
	    "{\"name\":\"by\",\"type\":\"bytes\",\"default\":\"\\u00ff\"},"
	    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\"]},"
	    "\"default\":\"B\"},"
	    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"long\"},\"default\":[1]},"
	    "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"In\",\"fields\":"
	    "[{\"name\":\"x\",\"type\":\"int\",\"default\":2}]},\"default\":{}}]}";

	(void)state;
	OK(s, "{}",
	   "00000e02ff02020200"
	   "04");
}

static void test_bad_defaults_rejected_at_load(void **state)
{
	const char *bad[] = {
	    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"int\","
	    "\"default\":\"x\"}]}",
	    /* a union default must fit the FIRST branch */
	    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":[\"null\","
	    "\"int\"],\"default\":1}]}",
	    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":"
	    "\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]},\"default\":\"Z\"}]}",
	};
	char err[512];
	gcb_schema_t *s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    gcb_schema_parse(&s, bad[i], strlen(bad[i]), "bad.avsc", err, sizeof(err)),
		    -EINVAL);
		assert_null(s);
		assert_non_null(strstr(err, "bad.avsc: "));
		assert_non_null(strstr(err, "default"));
	}
}

static void test_bad_schemas(void **state)
{
	const char *bad[] = {
	    "{\"type\":",
	    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}",
	    "{\"type\":\"record\",\"name\":\"X\"}",
	    "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[]}",
	    "[\"null\",[\"int\"]]",
	    "42",
	    /* no finite value */
	    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"X\"}]}",
	    "{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{"
	    "\"name\":\"a\",\"type\":\"int\"}]}",
	    "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"A\"]}",
	    "{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"On Queue\"]}",
	    "{\"type\":\"record\",\"name\":\"9X\",\"fields\":[]}",
	};
	char err[512];
	gcb_schema_t *s;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(
		    gcb_schema_parse(&s, bad[i], strlen(bad[i]), "x.avsc", err, sizeof(err)),
		    -EINVAL);
		assert_non_null(strstr(err, "x.avsc: "));
	}
	assert_int_equal(gcb_schema_load_file(&s, "/nonexistent/y.avsc", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/y.avsc"));
}

static void test_union(void **state)
{
	const char *ns = "[\"null\",\"string\"]";
	const char *disp =
	    "[\"null\",{\"type\":\"record\",\"name\":\"Disp\",\"fields\":["
	    "{\"name\":\"code\",\"type\":\"string\"},"
	    "{\"name\":\"notes\",\"type\":[\"null\",\"string\"],\"default\":null}]}]";

	(void)state;
	FOK(ns, "null", "00");
	FOK(ns, "\"x\"", "020278");
	FOK(ns, "{\"string\":\"x\"}", "020278"); /* Avro JSON wrapper */
	FOK(ns, "{\"null\":null}", "00");
	FREJECT(ns, "5", "wrong_type", "f");
	FOK("[\"int\",\"double\"]", "1.5", "02000000000000f83f");
	FOK("[\"int\",\"double\"]", "{\"double\":1}", "02000000000000f03f");
	FREJECT("[\"int\",\"long\"]", "1", "ambiguous_union", "f");
	FOK("[\"int\",\"long\"]", "{\"long\":1}", "0202");
	FOK(disp, "{\"code\":\"a\"}", "02026100");
	FOK(disp, "{\"Disp\":{\"code\":\"a\"}}", "02026100");
	FREJECT(disp, "{\"code\":5}", "wrong_type", "f.code");
	FREJECT(disp, "{\"notes\":\"n\"}", "missing_field", "f.code");
	/* two records that both take an object: the one that fits wins */
	FOK("[{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]},"
	    "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}]",
	    "{\"b\":1}", "0202");
	FREJECT(
	    "[{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]},"
	    "{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"int\"}]}]",
	    "{\"c\":1}", "missing_field", "f.a");
	/* enum symbols decide between enum and string only when they fit */
	FOK("[{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]},\"int\"]", "\"A\"", "0000");
	FREJECT("[{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\"]},\"int\"]", "\"B\"",
		"wrong_type", "f");
}

static void test_timestamp_millis(void **state)
{
	const char *ts = "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}";
	char want[sizeof(R.hex)];
	const res_t *r;

	(void)state;
	/* 1795774530123 zig-zag encoded */
	r = run(rec(ts), obj("1795774530123"));
	assert_int_equal(r->rc, 0);
	snprintf(want, sizeof(want), "%s", r->hex);
	FOK(ts, "\"2026-11-27T10:15:30.123Z\"", want);
	FOK(ts, "\"2026-11-27T12:15:30.123+02:00\"", want);
	FOK(ts, "\"2026-11-27T12:15:30.123+0200\"", want);
	FOK(ts, "\"2026-11-27T08:15:30.123456-02\"", want);
	FOK(ts, "\"1969-12-31T23:59:59.999Z\"", "01");
	FOK(ts, "\"1970-01-01T00:00:00Z\"", "00");
	FOK(ts, "\"2024-02-29T00:00:00Z\"", "80a0c9a2be63");
	FREJECT(ts, "\"2026-11-27T10:15:30\"", "bad_timestamp", "f"); /* no zone */
	FREJECT(ts, "\"2026-02-30T10:15:30Z\"", "bad_timestamp", "f");
	FREJECT(ts, "\"2026-11-27\"", "bad_timestamp", "f");
	FREJECT(ts, "\"2026-11-27T25:00:00Z\"", "bad_timestamp", "f");
	FREJECT(ts, "\"2026-11-27T10:15:30.Z\"", "bad_timestamp", "f");
	FREJECT(ts, "\"2026-11-27T10:15:30Zjunk\"", "bad_timestamp", "f");
	FREJECT(ts, "\"yesterday\"", "bad_timestamp", "f");
	FREJECT(ts, "1.5", "wrong_type", "f");
	FOK("[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}]",
	    "\"1970-01-01T00:00:00.001Z\"", "0202");
}

static void test_iso8601_values(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(gcb_map_parse_iso8601("2026-11-27T10:15:30.123Z", 24, &us), 0);
	assert_true(us == INT64_C(1795774530123000));
	assert_int_equal(gcb_map_parse_iso8601("0001-01-01T00:00:00Z", 20, &us), 0);
	assert_true(us == INT64_C(-62135596800000000));
	assert_int_equal(gcb_map_parse_iso8601("2000-03-01T00:00:00Z", 20, &us), 0);
	assert_true(us == INT64_C(951868800000000));
}

static void test_uuid(void **state)
{
	const char *u = "{\"type\":\"string\",\"logicalType\":\"uuid\"}";

	(void)state;
	FOK(u, "\"5f0c1a2b-3c4d-4e5f-8a9b-0C1D2E3F4A5B\"",
	    "4835663063316132622d336334642d346535662d386139622d304331443245334634413542");
	FREJECT(u, "\"5f0c1a2b3c4d4e5f8a9b0c1d2e3f4a5b\"", "bad_uuid", "f");
	FREJECT(u, "\"5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5g\"", "bad_uuid", "f");
	FREJECT(u, "\"\"", "bad_uuid", "f");
	FREJECT(u, "1", "wrong_type", "f");
}

static void test_recursive_and_depth(void **state)
{
	const char *node =
	    "{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
	    "{\"name\":\"label\",\"type\":\"string\"},"
	    "{\"name\":\"children\",\"type\":{\"type\":\"array\",\"items\":\"Node\"}}]}";
	char *deep;
	size_t off = 0;
	int levels = 300;

	(void)state;
	OK(node, "{\"label\":\"a\",\"children\":[{\"label\":\"b\",\"children\":[]}]}",
	   "02610202620000");
	REJECT(node, "{\"label\":\"a\",\"children\":[{\"label\":1,\"children\":[]}]}", "wrong_type",
	       "children[0].label");
	deep = malloc((size_t)levels * 40 + 64);
	assert_non_null(deep);
	for (int i = 0; i < levels; i++)
		off += (size_t)sprintf(deep + off, "{\"label\":\"x\",\"children\":[");
	off += (size_t)sprintf(deep + off, "{\"label\":\"x\",\"children\":[]}");
	for (int i = 0; i < levels; i++)
		off += (size_t)sprintf(deep + off, "]}");
	run(node, deep);
	assert_int_equal(R.rc, -EINVAL);
	assert_string_equal(gcb_reason_name(R.reason), "too_deep");
	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_null_boolean),
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_long),
	    cmocka_unit_test(test_float_double),
	    cmocka_unit_test(test_string_bytes_fixed),
	    cmocka_unit_test(test_enum),
	    cmocka_unit_test(test_array_map),
	    cmocka_unit_test(test_record),
	    cmocka_unit_test(test_defaults_of_every_kind),
	    cmocka_unit_test(test_bad_defaults_rejected_at_load),
	    cmocka_unit_test(test_bad_schemas),
	    cmocka_unit_test(test_union),
	    cmocka_unit_test(test_timestamp_millis),
	    cmocka_unit_test(test_iso8601_values),
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_recursive_and_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

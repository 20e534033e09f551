/*
 * The libavro-c schema the loader builds from the linted model
 * (gcb_avsc_to_avro) must be the one libavro-c's own parser gives for the
 * text: avro_schema_equal(), the same avro_schema_to_json() output, and the
 * same Parsing Canonical Form fingerprint. Checked for every schema of the
 * repository (schemas/, tests/schema/previous/, tests/fixtures/avro/ and the
 * specification's vectors in schema-tests.txt), the fuzz seeds libavro-c
 * accepts, and a few shapes written here (recursion, references, namespaces,
 * logical types). Only this test still calls avro_schema_from_json_length().
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stages/validator/gcb_avsc_avro.h"
#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_schema.h"

#define JSON_OUT_MAX (1 << 20)

static char *root_path(const char *rel)
{
	const char *root = getenv("GCB_ROOT");
	char *p;

	assert_true(asprintf(&p, "%s/%s", root ? root : ".", rel) > 0);
	return p;
}

/* avro_schema_to_json() of s, malloc'ed and NUL-terminated. */
static char *to_json(avro_schema_t s)
{
	char *buf = malloc(JSON_OUT_MAX);
	avro_writer_t w;
	int64_t n;

	assert_non_null(buf);
	w = avro_writer_memory(buf, JSON_OUT_MAX - 1);
	assert_non_null(w);
	assert_int_equal(avro_schema_to_json(s, w), 0);
	n = avro_writer_tell(w);
	avro_writer_free(w);
	buf[n] = '\0';
	return buf;
}

static uint64_t fingerprint_of(const char *text, size_t len)
{
	gcb_avsc_problems_t pr;
	gcb_avsc_t *m = NULL;
	uint64_t fp = 0;

	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, len, &m, &pr), 0);
	assert_int_equal(gcb_avsc_fingerprint(m, &fp), 0);
	gcb_avsc_destroy(m);
	gcb_avsc_problems_fini(&pr);
	return fp;
}

enum { SAME, LINT_REFUSED, AVRO_REFUSED };

/*
 * Compares the built schema with libavro-c's parse of text. SAME when both
 * exist and match (a mismatch fails the test); otherwise says which side
 * refused the text.
 */
static int compare(const char *label, const char *text, size_t len)
{
	gcb_avsc_problems_t pr;
	gcb_avsc_t *m = NULL;
	avro_schema_t built = NULL, ref = NULL;
	gcb_schema_t *s = NULL;
	char err[512] = "", *jb, *jr;
	uint64_t fp;

	gcb_avsc_problems_init(&pr);
	if (gcb_avsc_parse(text, len, &m, &pr) != 0) {
		gcb_avsc_problems_fini(&pr);
		return LINT_REFUSED;
	}
	gcb_avsc_problems_fini(&pr);
	if (avro_schema_from_json_length(text, len, &ref) != 0) {
		gcb_avsc_destroy(m);
		return AVRO_REFUSED;
	}
	if (gcb_avsc_to_avro(m, &built, err, sizeof(err)) != 0)
		fail_msg("%s: gcb_avsc_to_avro: %s", label, err);
	jb = to_json(built);
	jr = to_json(ref);
	if (!avro_schema_equal(built, ref) || strcmp(jb, jr) != 0)
		fail_msg("%s: built from the model:\n%s\nlibavro-c's parse:\n%s", label, jb, jr);

	/* The canonical form survives the trip through libavro-c. */
	assert_int_equal(gcb_avsc_fingerprint(m, &fp), 0);
	if (fingerprint_of(jb, strlen(jb)) != fp)
		fail_msg("%s: fingerprint of the built schema differs", label);

	/* The loader's own schema, when it takes the text. */
	if (gcb_schema_parse(&s, text, len, label, err, sizeof(err)) == 0) {
		assert_true(avro_schema_equal(s->avro, ref));
		assert_true(s->fingerprint == fp);
		gcb_schema_destroy(s);
	}
	free(jb);
	free(jr);
	avro_schema_decref(built);
	avro_schema_decref(ref);
	gcb_avsc_destroy(m);
	return SAME;
}

/* Every regular file in dir ending in suffix; returns how many were SAME.
 * must_match: any other outcome fails the test. */
static size_t compare_dir(const char *rel, const char *suffix, int must_match)
{
	char *dir = root_path(rel);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t same = 0;

	if (!d)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name), k = strlen(suffix), len;
		char *path, *text;
		int r;

		if (e->d_name[0] == '.' || n < k || strcmp(e->d_name + n - k, suffix) != 0)
			continue;
		assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		assert_int_equal(gcb_avsc_read_file(path, &text, &len), 0);
		r = compare(path, text, len);
		if (r == SAME)
			same++;
		else if (must_match)
			fail_msg("%s: refused by %s", path,
				 r == LINT_REFUSED ? "the linter" : "libavro-c");
		else
			print_message("  %s: refused by %s (not compared)\n", e->d_name,
				      r == LINT_REFUSED ? "the linter" : "libavro-c");
		free(text);
		free(path);
	}
	closedir(d);
	free(dir);
	return same;
}

static void test_repository_schemas(void **state)
{
	(void)state;
	assert_true(compare_dir("schemas", ".avsc", 1) >= 15);
	assert_true(compare_dir("tests/schema/previous", ".avsc", 1) >= 10);
	assert_true(compare_dir("tests/fixtures/avro", ".avsc", 1) >= 5);
}

/* The seeds are meant to be odd; those both sides take must match. */
static void test_fuzz_seeds(void **state)
{
	(void)state;
	assert_true(compare_dir("tests/fuzz/corpus/avsc", "", 0) >= 3);
}

/* The <<INPUT lines of the specification's vectors (one-line inputs). */
static void test_spec_vectors(void **state)
{
	char *path = root_path("tests/fixtures/avro/schema-tests.txt"), *text, *line, *save;
	size_t len, same = 0;
	int r;

	(void)state;
	assert_int_equal(gcb_avsc_read_file(path, &text, &len), 0);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "<<INPUT ", 8) != 0)
			continue;
		r = compare(line + 8, line + 8, strlen(line + 8));
		if (r == SAME)
			same++;
		else
			print_message("  %s: refused by %s (not compared)\n", line + 8,
				      r == LINT_REFUSED ? "the linter" : "libavro-c");
	}
	assert_true(same >= 30);
	free(text);
	free(path);
}

#define Q(...) #__VA_ARGS__

static const char *const shapes[] = {
    /* recursion through a union, an array and a map; {"type": "Name"} references */
    Q({
	    "type" : "record",
	    "name" : "N",
	    "namespace" : "a.b",
	    "fields" : [
		    {"name" : "next", "type" : [ "null", "N" ]},
		    {"name" : "kids", "type" : {"type" : "array", "items" : "a.b.N"}},
		    {"name" : "byname", "type" : {"type" : "map", "values" : {"type" : "N"}}}
	    ]
    }),
    /* namespaces: inherited, overridden by a dotted name, references short and full */
    Q({
	    "type" : "record",
	    "name" : "R",
	    "namespace" : "x",
	    "fields" : [
		    {
			    "name" : "e",
			    "type" : {"type" : "enum", "name" : "E", "symbols" : [ "A", "B" ]}
		    },
		    {"name" : "f", "type" : {"type" : "fixed", "name" : "y.F", "size" : 4}}, {
			    "name" : "s",
			    "type" : {
				    "type" : "record",
				    "name" : "S",
				    "namespace" : "z",
				    "fields" : [
					    {"name" : "e2", "type" : "x.E"},
					    {"name" : "f2", "type" : "y.F"}, {
						    "name" : "in",
						    "type" : {
							    "type" : "record",
							    "name" : "In",
							    "fields" : []
						    }
					    }
				    ]
			    }
		    },
		    {"name" : "e3", "type" : [ "null", "E", "y.F", "z.S", "z.In" ]},
		    {"name" : "m", "type" : {"type" : "map", "values" : "E"}}
	    ]
    }),
    /* logical types are their underlying type to libavro-c */
    Q({
	    "type" : "record",
	    "name" : "L",
	    "fields" : [
		    {"name" : "ts", "type" : {"type" : "long", "logicalType" : "timestamp-millis"}},
		    {"name" : "us", "type" : {"type" : "long", "logicalType" : "timestamp-micros"}},
		    {"name" : "d", "type" : {"type" : "int", "logicalType" : "date"}},
		    {"name" : "id", "type" : {"type" : "string", "logicalType" : "uuid"}}, {
			    "name" : "dec",
			    "type" : {
				    "type" : "bytes",
				    "logicalType" : "decimal",
				    "precision" : 9,
				    "scale" : 2
			    }
		    },
		    {
			    "name" : "dur",
			    "type" : {
				    "type" : "fixed",
				    "name" : "D",
				    "size" : 12,
				    "logicalType" : "duration"
			    }
		    },
		    {"name" : "o", "type" : [ "null", "string" ], "default" : null}, {
			    "name" : "all",
			    "type" : [ "boolean", "int", "long", "float", "double", "bytes" ]
		    }
	    ]
    }),
    /* roots other than a record */
    Q([ "null", {"type" : "enum", "name" : "U", "symbols" : ["X"]}, "string" ]),
    Q({"type" : "array", "items" : {"type" : "fixed", "name" : "md5", "size" : 16}}),
    Q({"type" : "map", "values" : {"type" : "map", "values" : "double"}}),
    Q("long"),
};

static void test_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		char label[32];

		snprintf(label, sizeof(label), "shapes[%zu]", i);
		assert_int_equal(compare(label, shapes[i], strlen(shapes[i])), SAME);
	}
}

/*
 * libavro-c keeps an explicit "namespace": "" as a namespace "" and then
 * cannot resolve the short name: its parser refused this text. The model
 * reads it as the Avro specification does (the null namespace), and so does
 * the schema built from it.
 */
static void test_empty_namespace(void **state)
{
	static const char text[] = Q({
		"type" : "record",
		"name" : "R",
		"namespace" : "x",
		"fields" : [
			{
				"name" : "e",
				"type" : {
					"type" : "enum",
					"name" : "E",
					"namespace" : "",
					"symbols" : ["A"]
				}
			},
			{"name" : "f", "type" : "E"}
		]
	});
	gcb_schema_t *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(compare("empty namespace", text, strlen(text)), AVRO_REFUSED);
	assert_int_equal(gcb_schema_parse(&s, text, strlen(text), "t", err, sizeof(err)), 0);
	assert_null(avro_schema_namespace(avro_schema_record_field_get(s->avro, "e")));
	assert_int_equal(avro_typeof(avro_schema_record_field_get(s->avro, "f")), AVRO_LINK);
	gcb_schema_destroy(s);
}

/* cJSON cuts a string at a NUL: the loader refuses \u0000 rather than keep a
 * default short (libavro-c's parser refused it before). An escaped backslash
 * followed by "u0000" is no NUL. */
static void test_nul_escape(void **state)
{
	static const char nul[] =
	    "{\"type\": \"record\", \"name\": \"R\", \"fields\": ["
	    "{\"name\": \"b\", \"type\": \"bytes\", \"default\": \"\\u0000a\"}]}";
	static const char not_nul[] = "{\"type\": \"record\", \"name\": \"R\", \"fields\": ["
				      "{\"name\": \"b\", \"type\": \"string\", \"default\": "
				      "\"\\\\u0000\"}]}";
	gcb_schema_t *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(gcb_schema_parse(&s, nul, strlen(nul), "t", err, sizeof(err)), -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "\\u0000"));
	assert_int_equal(gcb_schema_parse(&s, not_nul, strlen(not_nul), "t", err, sizeof(err)), 0);
	gcb_schema_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repository_schemas), cmocka_unit_test(test_fuzz_seeds),
	    cmocka_unit_test(test_spec_vectors),       cmocka_unit_test(test_shapes),
	    cmocka_unit_test(test_empty_namespace),    cmocka_unit_test(test_nul_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

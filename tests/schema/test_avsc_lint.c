/*
 * Linter: a table of broken schemas, each with the path and reason expected,
 * and a table of valid schemas that must lint clean. Schemas are written
 * with ' for " to stay readable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stages/validator/gcb_avsc.h"
#include "stages/validator/gcb_avsc_canonical.h"

static char *unquote(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	for (char *p = d; *p; p++) {
		if (*p == '\'')
			*p = '"';
	}
	return d;
}

#define REC(fields) "{'type':'record','name':'R','fields':[" fields "]}"

static const struct bad {
	const char *schema;
	const char *path;
	const char *reason;
} bad[] = {
    /* JSON */
    {"{'type': 'record',", "", "invalid JSON at line 1"},
    {"{\n 'type': 'int',\n oops}", "",
     "invalid JSON at line 3, column 2 (byte offset 19): expected a member name"},
    /* strict JSON: what cJSON alone would let through */
    {"{'type':'fixed','name':'F','size':015}", "", "numbers may not have leading zeros"},
    {"{'type':'fixed','name':'F','size':1.}", "", "a digit must follow the decimal point"},
    {"{'type':'fixed','name':'F','size':1e}", "", "a digit must follow the exponent"},
    {"'in\tt'", "", "control character in a string"},
    {"'\xff'", "", "invalid UTF-8"},
    {"'\xc0\xaf'", "", "invalid UTF-8"},
    {"'\xed\xa0\x80'", "", "invalid UTF-8"},
    {"'\\ud800'", "", "high surrogate escape without its low half"},
    {"'\\udc00'", "", "lone low surrogate"},
    {"'\\x41'", "", "invalid escape"},
    {"\xef\xbb\xbf'int'", "", "byte order mark"},
    {"['int',]", "", "expected a JSON value"},
    {"{'type':'int',}", "", "expected a member name"},
    {"['int' 'long']", "", "expected ',' or ']'"},
    {"{'type':'int'", "", "expected ',' or '}'"},
    {"{'type' 'int'}", "", "expected ':'"},
    {"tru", "", "unknown literal"},
    {"'int", "", "unterminated string"},
    {"'int' trailing", "", "invalid JSON"},
    {"", "", "invalid JSON"},
    {"42", "", "not a schema"},
    {"{'type':'int','type':'long'}", "", "duplicate key 'type'"},
    /* types and names */
    {"{'name':'R'}", "", "needs a \"type\""},
    {"{'type':{'type':'int'}}", "", "\"type\" of a schema object must be a string"},
    {"'record'", "", "must be written as an object"},
    {REC("{'name':'a','type':'strng'}"), "fields.a", "unknown type 'strng'"},
    {REC("{'name':'a','type':'Later'},"
	 "{'name':'b','type':{'type':'fixed','name':'Later','size':1}}"),
     "fields.a", "unknown type 'Later'"},
    {"{'type':'record','name':'1abc','fields':[]}", "", "invalid name '1abc'"},
    {"{'type':'record','name':'a.b-c','fields':[]}", "", "invalid name"},
    {"{'type':'record','name':'R','namespace':'a..b','fields':[]}", "", "invalid namespace"},
    {"{'type':'record','fields':[]}", "", "record needs a \"name\""},
    {"{'type':'record','name':'int','fields':[]}", "", "'int' is a primitive type name"},
    {REC("{'name':'a','type':{'type':'enum','name':'R','symbols':['A']}}"), "fields.a",
     "'R' is already defined"},
    {"{'type':'record','name':'R'}", "", "needs a \"fields\" array"},
    {REC("{'name':'a-b','type':'int'}"), "fields.a-b", "invalid field name 'a-b'"},
    {REC("{'type':'int'}"), "fields[0]", "field needs a \"name\""},
    {REC("{'name':'a'}"), "fields.a", "field needs a \"type\""},
    {REC("'int'"), "fields[0]", "a field must be a JSON object"},
    {REC("{'name':'a','type':'int'},{'name':'a','type':'long'}"), "", "duplicate field name 'a'"},
    {REC("{'name':'a','type':'int','order':'up'}"), "fields.a", "\"order\" must be"},
    {REC("{'name':'a','type':'int','aliases':'b'}"), "fields.a", "\"aliases\" must be"},
    {REC("{'name':'a','type':'int','doc':1}"), "fields.a", "\"doc\" must be a string"},
    {"{'type':'array'}", "", "array needs \"items\""},
    {"{'type':'map'}", "", "map needs \"values\""},
    /* enums and fixed */
    {REC("{'name':'e','type':{'type':'enum','name':'E','symbols':['A','B','A']}}"), "fields.e",
     "duplicate enum symbol 'A'"},
    {REC("{'name':'e','type':{'type':'enum','name':'E','symbols':['A','b-c']}}"), "fields.e",
     "invalid enum symbol 'b-c'"},
    {REC("{'name':'e','type':{'type':'enum','name':'E','symbols':['A'],'default':'Z'}}"),
     "fields.e", "enum default 'Z' is not one of the symbols"},
    {"{'type':'enum','name':'E'}", "", "needs a \"symbols\" array"},
    {"{'type':'fixed','name':'F','size':-1}", "", "fixed \"size\" must be an integer"},
    {"{'type':'fixed','name':'F','size':1.5}", "", "fixed \"size\" must be an integer"},
    {"{'type':'fixed','name':'F'}", "", "fixed needs a numeric \"size\""},
    /* unions */
    {REC("{'name':'u','type':['null',['int','long']]}"), "fields.u[1]",
     "may not directly contain another union"},
    {REC("{'name':'u','type':['int','string',{'type':'int'}]}"), "fields.u[2]",
     "duplicate type 'int' in union"},
    {REC("{'name':'u','type':[{'type':'array','items':'int'},"
	 "{'type':'array','items':'long'}]}"),
     "fields.u[1]", "duplicate type 'array' in union"},
    {REC("{'name':'u','type':[{'type':'fixed','name':'F','size':2},'F']}"), "fields.u[1]",
     "duplicate type 'F' in union"},
    {REC("{'name':'u','type':['long',{'type':'long','logicalType':'timestamp-millis'}]}"),
     "fields.u[1]", "duplicate type 'long' in union"},
    /* defaults */
    {REC("{'name':'u','type':['null','string'],'default':'x'}"), "fields.u", "first branch"},
    {REC("{'name':'i','type':'int','default':3000000000}"), "fields.i", "is not an int"},
    {REC("{'name':'i','type':'int','default':1.5}"), "fields.i", "is not an int"},
    {REC("{'name':'i','type':'int','default':'1'}"), "fields.i", "expected an int, got a string"},
    {REC("{'name':'l','type':'long','default':9007199254740993}"), "fields.l",
     "not within +-(2^53 - 1)"},
    {REC("{'name':'f','type':'float','default':1e300}"), "fields.f", "out of float range"},
    {REC("{'name':'n','type':'null','default':0}"), "fields.n", "expected null"},
    {REC("{'name':'b','type':'boolean','default':'true'}"), "fields.b", "expected true or false"},
    {REC("{'name':'s','type':'string','default':null}"), "fields.s", "expected a string, got null"},
    {REC("{'name':'b','type':'bytes','default':'\\u0100'}"), "fields.b", "code points"},
    {REC("{'name':'x','type':{'type':'fixed','name':'F','size':4},'default':'abc'}"), "fields.x",
     "holds 4 bytes, the default has 3"},
    {REC("{'name':'e','type':{'type':'enum','name':'E','symbols':['A']},'default':'B'}"),
     "fields.e", "'B' is not a symbol of enum 'E'"},
    {REC("{'name':'a','type':{'type':'array','items':'int'},'default':{}}"), "fields.a",
     "expected an array, got an object"},
    {REC("{'name':'a','type':{'type':'array','items':'int'},'default':[1,'x']}"), "fields.a",
     "at [1]"},
    {REC("{'name':'m','type':{'type':'map','values':'int'},'default':[]}"), "fields.m",
     "expected an object (map)"},
    {REC("{'name':'m','type':{'type':'map','values':'int'},'default':{'k':'v'}}"), "fields.m",
     "at k"},
    {REC("{'name':'r','type':{'type':'record','name':'S','fields':[{'name':'a','type':'int'},"
	 "{'name':'b','type':'int'}]},'default':{'a':1}}"),
     "fields.r", "field 'b' is missing and has no default"},
    {REC("{'name':'r','type':{'type':'record','name':'S','fields':[{'name':'a','type':'int'}]},"
	 "'default':{'a':'x'}}"),
     "fields.r", "at a"},
    {REC("{'name':'u','type':[],'default':null}"), "fields.u", "empty union"},
    /* logical types */
    {REC("{'name':'t','type':{'type':'int','logicalType':'timestamp-millis'}}"), "fields.t",
     "logicalType 'timestamp-millis' needs type long, not int"},
    {REC("{'name':'d','type':{'type':'long','logicalType':'date'}}"), "fields.d", "needs type int"},
    {REC("{'name':'u','type':{'type':'bytes','logicalType':'uuid'}}"), "fields.u",
     "logicalType 'uuid' needs type string"},
    {REC("{'name':'d','type':{'type':'fixed','name':'D','size':8,'logicalType':'duration'}}"),
     "fields.d", "fixed of size 12"},
    {REC("{'name':'d','type':{'type':'bytes','logicalType':'decimal'}}"), "fields.d",
     "needs \"precision\""},
    {REC("{'name':'d','type':{'type':'bytes','logicalType':'decimal','precision':0}}"), "fields.d",
     "needs \"precision\""},
    {REC("{'name':'d','type':{'type':'bytes','logicalType':'decimal','precision':4,"
	 "'scale':5}}"),
     "fields.d", "scale 5 exceeds its precision 4"},
    {REC("{'name':'d','type':{'type':'bytes','logicalType':'decimal','precision':4,"
	 "'scale':-1}}"),
     "fields.d", "\"scale\" must be an integer >= 0"},
    {REC("{'name':'d','type':{'type':'fixed','name':'D','size':2,'logicalType':'decimal',"
	 "'precision':10}}"),
     "fields.d", "does not fit in fixed 'D' of 2 bytes (at most 4 digits)"},
    {REC("{'name':'d','type':{'type':'string','logicalType':'decimal','precision':4}}"), "fields.d",
     "needs type bytes or fixed"},
    {REC("{'name':'t','type':'long','logicalType':'timestamp-millis'}"), "fields.t",
     "on a field is ignored"},
    {REC("{'name':'t','type':{'type':'long','logicalType':7}}"), "fields.t",
     "\"logicalType\" must be a string"},
    /* paths through nesting */
    {REC("{'name':'disposition','type':{'type':'record','name':'D','fields':["
	 "{'name':'code','type':'nope'}]}}"),
     "fields.disposition.fields.code", "unknown type 'nope'"},
    {REC("{'name':'a','type':{'type':'array','items':{'type':'record','name':'I','fields':["
	 "{'name':'b','type':'int','default':'x'}]}}}"),
     "fields.a.items.fields.b", "expected an int"},
    {REC("{'name':'m','type':{'type':'map','values':['null',{'type':'record','name':'V',"
	 "'fields':[{'name':'c','type':'int','default':null}]}]}}"),
     "fields.m.values[1].fields.c", "expected an int, got null"},
};

#define NS_SCHEMA                                                                                  \
	"{'type':'record','name':'R','namespace':'a.b','fields':["                                 \
	"{'name':'x','type':{'type':'record','name':'X','fields':[]}},"                            \
	"{'name':'y','type':'X'},{'name':'z','type':'a.b.X'},"                                     \
	"{'name':'w','type':{'type':'enum','name':'W','namespace':'','symbols':['A']}},"           \
	"{'name':'v','type':'W'}]}"

/* Schemas that must lint clean. */
static const char *const good[] = {
    "'int'",
    "{'type':'string','logicalType':'made-up-type'}",
    "{'type':'long','logicalType':'timestamp-micros'}",
    "{'type':'string','logicalType':'uuid'}",
    "{'type':'bytes','logicalType':'decimal','precision':10,'scale':2}",
    "{'type':'fixed','name':'D','size':8,'logicalType':'decimal','precision':18}",
    "{'type':'fixed','name':'Du','size':12,'logicalType':'duration'}",
    "[]",
    REC("{'name':'u','type':['null','string'],'default':null}"),
    REC("{'name':'u','type':['string','null'],'default':'x'}"),
    REC("{'name':'b','type':'bytes','default':'\\u00ff\\u0000a'}"),
    REC("{'name':'x','type':{'type':'fixed','name':'F','size':2},'default':'\\u00e9z'}"),
    REC("{'name':'l','type':'long','default':-9007199254740991}"),
    REC("{'name':'i','type':'int','default':-2147483648}"),
    REC("{'name':'d','type':'double','default':1.5e300}"),
    REC("{'name':'r','type':{'type':'record','name':'S','fields':[{'name':'a','type':'int'},"
	"{'name':'b','type':'int','default':2}]},'default':{'a':1}}"),
    REC("{'name':'a','type':{'type':'array','items':'R'},'default':[{'a':[]}]}"),
    REC("{'name':'e','type':{'type':'enum','name':'E','symbols':['A','B'],'default':'A'},"
	"'default':'B'}"),
    REC("{'name':'m','type':{'type':'map','values':'long'},'default':{'x':1}}"),
    /* namespaces: inherited, reset with "", referenced short and full */
    NS_SCHEMA,
    "{'type':'record','name':'R','namespace':'n','fields':[{'name':'x','type':"
    "{'type':'fixed','name':'F','size':1}},{'name':'y','type':{'type':'F'}}]}",
    /* recursion through a union */
    "{'type':'record','name':'Node','fields':[{'name':'next','type':['null','Node'],"
    "'default':null}]}",
    REC("{'name':'f','type':'int','aliases':['g','h'],'order':'descending','doc':'d'}"),
    "{'type':'record','name':'R','aliases':['Old','x.Older'],'fields':[]}",
};

static void test_bad_schemas(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = unquote(bad[i].schema);
		gcb_avsc_problems_t pr;
		gcb_avsc_t *s = NULL;
		int found = 0, err;

		gcb_avsc_problems_init(&pr);
		err = gcb_avsc_parse(text, strlen(text), &s, &pr);
		for (size_t k = 0; k < pr.n; k++) {
			if (strcmp(pr.v[k].path, bad[i].path) == 0 &&
			    strstr(pr.v[k].reason, bad[i].reason))
				found = 1;
		}
		if (err != -EINVAL || !found) {
			print_error("case %zu: %s\n  want %s: %s\n", i, text, bad[i].path,
				    bad[i].reason);
			for (size_t k = 0; k < pr.n; k++)
				print_error("  got  %s: %s\n", pr.v[k].path, pr.v[k].reason);
		}
		assert_int_equal(err, -EINVAL);
		assert_null(s);
		assert_true(found);
		gcb_avsc_problems_fini(&pr);
		free(text);
	}
}

static void test_good_schemas(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		char *text = unquote(good[i]);
		gcb_avsc_problems_t pr;
		gcb_avsc_t *s = NULL;
		char *form = NULL;
		int err;

		gcb_avsc_problems_init(&pr);
		err = gcb_avsc_parse(text, strlen(text), &s, &pr);
		for (size_t k = 0; k < pr.n; k++)
			print_error("case %zu: %s\n  %s: %s\n", i, text, pr.v[k].path,
				    pr.v[k].reason);
		assert_int_equal(err, 0);
		assert_non_null(s);
		assert_int_equal(gcb_avsc_canonical(s, &form), 0);
		free(form);
		gcb_avsc_destroy(s);
		gcb_avsc_problems_fini(&pr);
		free(text);
	}
}

/* Names resolve to full names; {"type": "Name"} references a named type. */
static void test_namespace_resolution(void **state)
{
	char *text = unquote(NS_SCHEMA);
	const char *want = "{\"name\":\"a.b.R\",\"type\":\"record\",\"fields\":["
			   "{\"name\":\"x\",\"type\":{\"name\":\"a.b.X\",\"type\":\"record\","
			   "\"fields\":[]}},{\"name\":\"y\",\"type\":\"a.b.X\"},"
			   "{\"name\":\"z\",\"type\":\"a.b.X\"},{\"name\":\"w\",\"type\":"
			   "{\"name\":\"W\",\"type\":\"enum\",\"symbols\":[\"A\"]}},"
			   "{\"name\":\"v\",\"type\":\"W\"}]}";
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;
	char *form = NULL;

	(void)state;
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, strlen(text), &s, &pr), 0);
	assert_int_equal(gcb_avsc_canonical(s, &form), 0);
	assert_string_equal(form, want);
	free(form);
	gcb_avsc_destroy(s);
	gcb_avsc_problems_fini(&pr);
	free(text);
}

static void test_deep_nesting(void **state)
{
	char text[4002];
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;

	(void)state;
	memset(text, '[', 2001);
	memset(text + 2001, ']', 2001);
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, sizeof(text), &s, &pr), -EINVAL);
	assert_int_equal(pr.n, 1);
	assert_non_null(strstr(pr.v[0].reason, "nested too deeply"));
	gcb_avsc_problems_fini(&pr);
}

/* Strict JSON still takes every valid form: escapes, exponents, UTF-8. */
static void test_valid_json_forms(void **state)
{
	const char *text = "{\"type\" :\t\"enum\",\r\n\"name\":\"E\",\"doc\":\"\\\"\\\\\\/\\b"
			   "\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 \xc3\xa9 \xf0\x9f\x98\x80\","
			   "\"symbols\":[\"A\"],\"x\":[-0,0.5e+3,1E-2,-12.25,true,false,null,{}]}";
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;

	(void)state;
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, strlen(text), &s, &pr), 0);
	gcb_avsc_destroy(s);
	gcb_avsc_problems_fini(&pr);
}

/* All problems are reported, not only the first. */
static void test_reports_every_problem(void **state)
{
	char *text = unquote(REC("{'name':'a','type':'nope'},{'name':'b','type':'int',"
				 "'default':'x'},{'name':'c-d','type':'int'}"));
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;

	(void)state;
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, strlen(text), &s, &pr), -EINVAL);
	assert_int_equal(gcb_avsc_problems_count(&pr), 3);
	gcb_avsc_problems_fini(&pr);
	free(text);
}

/* A record's default that reaches itself must not loop. */
static void test_recursive_default_terminates(void **state)
{
	char *text = unquote("{'type':'record','name':'L','fields':[{'name':'next','type':"
			     "['null','L'],'default':null},{'name':'self','type':{'type':'array',"
			     "'items':'L'},'default':[{'next':{'next':null}}]}]}");
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;

	(void)state;
	gcb_avsc_problems_init(&pr);
	/* {'next':null} for L needs 'self', which has a default: fine. But the outer
	 * default gives 'next' a record where the union's first branch is null. */
	assert_int_equal(gcb_avsc_parse(text, strlen(text), &s, &pr), -EINVAL);
	assert_int_equal(pr.n, 1);
	assert_string_equal(pr.v[0].path, "fields.self");
	gcb_avsc_problems_fini(&pr);
	free(text);
}

static void test_problem_cap(void **state)
{
	char *text = malloc(64 * 1024), *p = text;
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;

	(void)state;
	assert_non_null(text);
	p += sprintf(p, "{\"type\":\"record\",\"name\":\"R\",\"fields\":[");
	for (int i = 0; i < 1000; i++)
		p += sprintf(p, "%s{\"name\":\"f%d\",\"type\":\"bad\"}", i ? "," : "", i);
	sprintf(p, "]}");
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, strlen(text), &s, &pr), -EINVAL);
	assert_int_equal(pr.n, GCB_AVSC_PROBLEMS_MAX);
	assert_int_equal(gcb_avsc_problems_count(&pr), 1000);
	gcb_avsc_problems_fini(&pr);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_schemas),
	    cmocka_unit_test(test_good_schemas),
	    cmocka_unit_test(test_namespace_resolution),
	    cmocka_unit_test(test_reports_every_problem),
	    cmocka_unit_test(test_deep_nesting),
	    cmocka_unit_test(test_valid_json_forms),
	    cmocka_unit_test(test_recursive_default_terminates),
	    cmocka_unit_test(test_problem_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

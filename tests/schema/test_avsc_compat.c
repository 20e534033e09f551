/*
 * Backward compatibility (old = writer, new = reader): a table of schema
 * pairs covering every resolution rule, compatible and not, with the path
 * and reason expected for each incompatibility. ' stands for ".
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
#include "stages/validator/gcb_avsc_compat.h"

#define REC(fields)   "{'type':'record','name':'R','fields':[" fields "]}"
#define F(name, type) "{'name':'" name "','type':" type "}"
#define ENUM(...)     "{'type':'enum','name':'E','symbols':[" __VA_ARGS__ "]}"

static const struct compat_case {
	const char *old_s;
	const char *new_s;
	int compatible;
	const char *path;   /* for incompatible cases */
	const char *reason; /* substring */
} cases[] = {
    /* identity */
    {REC(F("a", "'int'")), REC(F("a", "'int'")), 1, NULL, NULL},
    /* fields */
    {REC(F("a", "'int'")), REC(F("a", "'int'") ",{'name':'b','type':'string','default':'x'}"), 1,
     NULL, NULL},
    {REC(F("a", "'int'")), REC(F("a", "'int'") "," F("b", "'string'")), 0, "fields.b",
     "field 'b' was added without a default"},
    {REC(F("a", "'int'") "," F("b", "'string'")), REC(F("a", "'int'")), 1, NULL, NULL},
    {REC(F("a", "'int'")), REC("{'name':'b','type':'int','aliases':['a']}"), 1, NULL, NULL},
    {REC(F("a", "'int'")), REC(F("b", "'int'")), 0, "fields.b", "added without a default"},
    /* promotions */
    {"'int'", "'long'", 1, NULL, NULL},
    {"'int'", "'float'", 1, NULL, NULL},
    {"'int'", "'double'", 1, NULL, NULL},
    {"'long'", "'float'", 1, NULL, NULL},
    {"'long'", "'double'", 1, NULL, NULL},
    {"'float'", "'double'", 1, NULL, NULL},
    {"'string'", "'bytes'", 1, NULL, NULL},
    {"'bytes'", "'string'", 1, NULL, NULL},
    {"'long'", "'int'", 0, "", "type changed from long to int, which is not a promotion"},
    {"'double'", "'float'", 0, "", "not a promotion"},
    {"'float'", "'long'", 0, "", "not a promotion"},
    {"'int'", "'string'", 0, "", "not a promotion"},
    {"'boolean'", "'int'", 0, "", "not a promotion"},
    {REC(F("a", "'int'")), REC(F("a", "'string'")), 0, "fields.a",
     "type changed from int to string"},
    /* unions */
    {"['null','string']", "['null','string','int']", 1, NULL, NULL},
    {"['null','string','int']", "['null','string']", 0, "",
     "old type int matches no branch of the new union"},
    {"['null','int']", "['null','long']", 1, NULL, NULL},
    {"'string'", "['null','string']", 1, NULL, NULL},
    {"'int'", "['null','double']", 1, NULL, NULL},
    {"'int'", "['null','string']", 0, "", "old type int matches no branch"},
    {"['null','string']", "'string'", 0, "", "old union branch null cannot be read as string"},
    {"['int','long']", "'long'", 1, NULL, NULL},
    {"['int','long']", "'int'", 0, "", "old union branch long cannot be read as int"},
    {REC(F("x", "['null',{'type':'record','name':'S','fields':[" F("a", "'int'") "]}]")),
     REC(F("x", "['null',{'type':'record','name':'S','fields':[" F("a", "'int'") "," F(
		    "b", "'int'") "]}]")),
     0, "fields.x[1].fields.b", "added without a default"},
    /* enums */
    {ENUM("'A','B'"), ENUM("'A','B','C'"), 1, NULL, NULL},
    {ENUM("'A','B','C'"), ENUM("'A','B'"), 0, "", "enum symbol 'C' was removed"},
    {ENUM("'A','B','C'"), "{'type':'enum','name':'E','symbols':['A','B'],'default':'A'}", 1, NULL,
     NULL},
    {ENUM("'A'"), "{'type':'enum','name':'E2','symbols':['A']}", 0, "", "was renamed to 'E2'"},
    {ENUM("'A'"), "{'type':'enum','name':'E2','aliases':['E'],'symbols':['A']}", 1, NULL, NULL},
    /* named types: unqualified name, aliases */
    {"{'type':'record','name':'a.R','fields':[]}", "{'type':'record','name':'b.R','fields':[]}", 1,
     NULL, NULL},
    {REC(""), "{'type':'record','name':'S','fields':[]}", 0, "", "record 'R' was renamed"},
    {REC(""), "{'type':'record','name':'S','aliases':['old.R'],'fields':[]}", 1, NULL, NULL},
    /* fixed */
    {"{'type':'fixed','name':'F','size':16}", "{'type':'fixed','name':'F','size':16}", 1, NULL,
     NULL},
    {"{'type':'fixed','name':'F','size':16}", "{'type':'fixed','name':'F','size':8}", 0, "",
     "fixed 'F' size changed from 16 to 8"},
    {"{'type':'fixed','name':'F','size':16}", "{'type':'fixed','name':'G','size':16}", 0, "",
     "renamed"},
    /* arrays and maps */
    {REC(F("a", "{'type':'array','items':'int'}")), REC(F("a", "{'type':'array','items':'long'}")),
     1, NULL, NULL},
    {REC(F("a", "{'type':'array','items':'long'}")), REC(F("a", "{'type':'array','items':'int'}")),
     0, "fields.a.items", "type changed from long to int"},
    {REC(F("m", "{'type':'map','values':'string'}")), REC(F("m", "{'type':'map','values':'int'}")),
     0, "fields.m.values", "type changed from string to int"},
    {REC(F("m", "{'type':'map','values':'int'}")), REC(F("m", "{'type':'array','items':'int'}")), 0,
     "fields.m", "type changed from map to array"},
    {REC(F("r", "{'type':'record','name':'S','fields':[]}")),
     REC(F("r", "{'type':'map','values':'int'}")), 0, "fields.r",
     "type changed from record 'S' to map"},
    /* nested records */
    {REC(F("disposition", "{'type':'record','name':'D','fields':[" F("code", "'int'") "]}")),
     REC(F("disposition", "{'type':'record','name':'D','fields':[" F("code", "'int'") "," F(
			      "reason", "'string'") "]}")),
     0, "fields.disposition.fields.reason", "added without a default"},
    {REC(F("disposition", "{'type':'record','name':'D','fields':[" F("code", "'int'") "]}")),
     REC(F("disposition", "{'type':'record','name':'D','fields':[" F("code", "'string'") "]}")), 0,
     "fields.disposition.fields.code", "type changed from int to string"},
    /* recursive records */
    {"{'type':'record','name':'N','fields':[" F("v", "'int'") "," F(
	 "kids", "{'type':'array','items':'N'}") "]}",
     "{'type':'record','name':'N','fields':[" F("v", "'long'") "," F(
	 "kids", "{'type':'array','items':'N'}") ",{'name':'w','type':'int','default':0}]}",
     1, NULL, NULL},
    {"{'type':'record','name':'N','fields':[" F("v", "'int'") "," F("next", "['null','N']") "]}",
     "{'type':'record','name':'N','fields':[" F("v", "'int'") "," F("next", "['null','N']") "," F(
	 "w", "'int'") "]}",
     0, "fields.w", "added without a default"},
    /* the same record reached twice is reported at the first place */
    {REC(F("a", "{'type':'record','name':'S','fields':[" F("x", "'int'") "]}") "," F("b", "'S'")),
     REC(F("a", "{'type':'record','name':'S','fields':[" F("x", "'bytes'") "]}") "," F("b", "'S'")),
     0, "fields.b", "see fields.a"},
};

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

static gcb_avsc_t *parse(const char *s, size_t i)
{
	char *text = unquote(s);
	gcb_avsc_problems_t pr;
	gcb_avsc_t *schema = NULL;
	int err;

	gcb_avsc_problems_init(&pr);
	err = gcb_avsc_parse(text, strlen(text), &schema, &pr);
	for (size_t k = 0; k < pr.n; k++)
		print_error("case %zu: invalid schema %s\n  %s: %s\n", i, text, pr.v[k].path,
			    pr.v[k].reason);
	assert_int_equal(err, 0);
	gcb_avsc_problems_fini(&pr);
	free(text);
	return schema;
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct compat_case *c = &cases[i];
		gcb_avsc_t *o = parse(c->old_s, i), *n = parse(c->new_s, i);
		gcb_avsc_problems_t pr;
		int err, found = 0;

		gcb_avsc_problems_init(&pr);
		err = gcb_avsc_compat_check(o, n, &pr);
		for (size_t k = 0; k < pr.n && c->path; k++) {
			if (strcmp(pr.v[k].path, c->path) == 0 && strstr(pr.v[k].reason, c->reason))
				found = 1;
		}
		if ((err == 0) != c->compatible || (!c->compatible && !found)) {
			print_error("case %zu: %s -> %s: want %s %s: %s\n", i, c->old_s, c->new_s,
				    c->compatible ? "compatible" : "incompatible",
				    c->path ? c->path : "", c->reason ? c->reason : "");
			for (size_t k = 0; k < pr.n; k++)
				print_error("  got %s: %s\n", pr.v[k].path, pr.v[k].reason);
		}
		if (c->compatible) {
			assert_int_equal(err, 0);
			assert_int_equal(pr.n, 0);
		} else {
			assert_int_equal(err, -EINVAL);
			assert_true(found);
		}
		/* Every schema can read its own data. */
		gcb_avsc_problems_fini(&pr);
		assert_int_equal(gcb_avsc_compat_check(o, o, &pr), 0);
		assert_int_equal(gcb_avsc_compat_check(n, n, &pr), 0);
		gcb_avsc_destroy(o);
		gcb_avsc_destroy(n);
		gcb_avsc_problems_fini(&pr);
	}
}

/* Many paths to the same records must not blow up: each pair is checked once. */
static void test_shared_records_stay_linear(void **state)
{
	char *text = malloc(256 * 1024), *p = text;
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s;

	(void)state;
	assert_non_null(text);
	/* R0 has 8 fields of type R1, R1 has 8 of R2, ... 2^24 paths through 8 levels. */
	p += sprintf(p, "{\"type\":\"record\",\"name\":\"T\",\"fields\":[");
	for (int lvl = 8; lvl >= 0; lvl--) {
		p += sprintf(p,
			     "%s{\"name\":\"d%d\",\"type\":{\"type\":\"record\",\"name\":\"R%d\","
			     "\"fields\":[",
			     lvl == 8 ? "" : ",", lvl, lvl);
		for (int f = 0; f < 8; f++) {
			if (lvl == 8)
				p += sprintf(p, "%s{\"name\":\"f%d\",\"type\":\"int\"}",
					     f ? "," : "", f);
			else
				p += sprintf(p, "%s{\"name\":\"f%d\",\"type\":\"R%d\"}",
					     f ? "," : "", f, lvl + 1);
		}
		p += sprintf(p, "]}}");
	}
	sprintf(p, "]}");
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(text, strlen(text), &s, &pr), 0);
	assert_int_equal(gcb_avsc_compat_check(s, s, &pr), 0);
	gcb_avsc_destroy(s);
	gcb_avsc_problems_fini(&pr);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_shared_records_stay_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

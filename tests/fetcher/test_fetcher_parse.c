/* Unit tests for the fetcher's poll-answer parser, JSON scanner and error bodies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "stages/source/gcb_errbody.h"
#include "lib/gcb_json.h"
#include "stages/source/gcb_poll.h"

static int parse(gcb_poll_result_t *r, const char *body)
{
	char err[160];

	return gcb_poll_parse(r, body, strlen(body), err, sizeof(err));
}

static void test_exact_event_bytes(void **state)
{
	const char *body =
	    "{ \"events\" : [ {\"id\":\"a\",\"data\":{\"x\":[1,2.5e3,\"\\u00e9\"]}} ,"
	    "{\"id\": \"b\" , \"n\":null}\n],\"cursor\":\"c\\/2\",\"hasMore\":true}";
	gcb_poll_result_t r;

	(void)state;
	gcb_poll_result_init(&r);
	assert_int_equal(parse(&r, body), 0);
	assert_int_equal(r.n_events, 2);
	assert_memory_equal(body + r.events[0].off,
			    "{\"id\":\"a\",\"data\":{\"x\":[1,2.5e3,\"\\u00e9\"]}}",
			    r.events[0].len);
	assert_memory_equal(body + r.events[1].off, "{\"id\": \"b\" , \"n\":null}",
			    r.events[1].len);
	assert_string_equal(r.cursor, "c/2");
	assert_int_equal(r.cursor_len, 3);
	assert_int_equal(r.has_more, 1);
	gcb_poll_result_fini(&r);
}

static void test_empty_and_unknown_keys(void **state)
{
	gcb_poll_result_t r;

	(void)state;
	gcb_poll_result_init(&r);
	assert_int_equal(parse(&r, "{\"x\":{\"y\":[]},\"events\":[],\"cursor\":\"k\"}"), 0);
	assert_int_equal(r.n_events, 0);
	assert_int_equal(r.has_more, 0);
	assert_string_equal(r.cursor, "k");
	gcb_poll_result_fini(&r);
}

static void test_many_events_grow(void **state)
{
	char *body = malloc(200000);
	size_t k = 0;
	gcb_poll_result_t r;

	(void)state;
	k += (size_t)sprintf(body + k, "{\"events\":[");
	for (int i = 0; i < 1000; i++)
		k += (size_t)sprintf(body + k, "%s{\"id\":\"%d\"}", i ? "," : "", i);
	sprintf(body + k, "],\"cursor\":\"z\",\"hasMore\":false}");
	gcb_poll_result_init(&r);
	assert_int_equal(parse(&r, body), 0);
	assert_int_equal(r.n_events, 1000);
	assert_memory_equal(body + r.events[999].off, "{\"id\":\"999\"}", r.events[999].len);
	gcb_poll_result_fini(&r);
	free(body);
}

static void test_malformed(void **state)
{
	static const char *bad[] = {
	    "",
	    "[]",
	    "{\"events\":[{\"id\":1}],\"cursor\":\"c\"",	 /* truncated */
	    "{\"events\":[{\"id\":1}]}",			 /* no cursor */
	    "{\"cursor\":\"c\"}",				 /* no events */
	    "{\"events\":{},\"cursor\":\"c\"}",			 /* not an array */
	    "{\"events\":[],\"cursor\":\"c\"} x",		 /* trailing bytes */
	    "{\"events\":[{\"id\":\"x],\"cursor\":\"c\"}",	 /* torn event */
	    "{\"events\":[{\"id\":[1,2],\"cursor\":\"c\"}",	 /* torn event */
	    "<html>502 Bad Gateway</html>",
	    "{\"events\":[],\"cursor\":\"a\",\"cursor\":\"b\"}", /* duplicate key */
	    "{\"events\":[],\"cursor\":\"\"}",			 /* empty cursor */
	};
	gcb_poll_result_t r;

	(void)state;
	gcb_poll_result_init(&r);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(&r, bad[i]), -EBADMSG);
	gcb_poll_result_fini(&r);
}

/* Invalid insides are the validator's business: each event is delimited as sent. */
static void test_invalid_events_delimited(void **state)
{
	static const char *events[] = {
	    "{\"id\":\"\x01\"}",		   /* raw control character */
	    "{\"id\":01}",			   /* leading zero */
	    "{\"a\" 1}",			   /* missing colon */
	    "tru",				   /* bad literal */
	    "\"str\"",				   /* not an object */
	    "-12.5e+300",			   /* number */
	    "{\"a\":\"\xff\xfe\",\"\xc3\":1}",	   /* invalid UTF-8 */
	    "{\"a\":\"]}\\\"[{\\\\\",\"b\":1}",	   /* brackets and escapes in strings */
	    "{\"a\":[1,2}",			   /* wrong closer: pops to the '{' */
	    "{\"a\":1]}",			   /* stray closer: part of the event */
	    "{\"id\":\"x\",\"id\":\"y\"}",	   /* duplicate key */
	    "{\"\\u0000\\ud800\\n\\t\\/\":null}", /* escapes, a lone surrogate */
	};
	char body[2048];
	gcb_poll_result_t r;

	(void)state;
	gcb_poll_result_init(&r);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		int n = snprintf(body, sizeof(body), "{\"events\":[{\"id\":0}, %s ,[]],\"cursor\":\"c\"}",
				 events[i]);

		assert_true(n > 0 && (size_t)n < sizeof(body));
		assert_int_equal(parse(&r, body), 0);
		assert_int_equal(r.n_events, 3);
		assert_int_equal(r.events[1].len, strlen(events[i]));
		assert_memory_equal(body + r.events[1].off, events[i], r.events[1].len);
		assert_memory_equal(body + r.events[2].off, "[]", 2);
	}
	gcb_poll_result_fini(&r);
}

/* Leniency that loses nothing: a byte order mark, empty elements. */
static void test_lenient_framing(void **state)
{
	static const char gaps[] = "{\"events\":[,{\"id\":1},,{\"id\":2}, ],\"cursor\":\"c\"}";
	gcb_poll_result_t r;

	(void)state;
	gcb_poll_result_init(&r);
	assert_int_equal(parse(&r, "\xEF\xBB\xBF{\"events\":[{\"id\":1}],\"cursor\":\"c\"}"), 0);
	assert_int_equal(r.n_events, 1);
	assert_int_equal(parse(&r, "{\"events\":[{\"id\":1},],\"cursor\":\"c\"}"), 0);
	assert_int_equal(r.n_events, 1);
	assert_int_equal(parse(&r, gaps), 0);
	assert_int_equal(r.n_events, 2);
	assert_memory_equal(gaps + r.events[1].off, "{\"id\":2}", r.events[1].len);
	assert_int_equal(parse(&r, "{\"events\":[,],\"cursor\":\"c\"}"), 0);
	assert_int_equal(r.n_events, 0);
	gcb_poll_result_fini(&r);
}

/* Any depth, no recursion: 100,000 levels, past the kind-matched levels too. */
static void test_deep_nesting_delimited(void **state)
{
	const size_t levels = 100000;
	size_t k = 0, cap = 2 * levels + 64;
	char *body = malloc(cap);
	gcb_poll_result_t r;

	(void)state;
	assert_non_null(body);
	k += (size_t)sprintf(body, "{\"events\":[");
	for (size_t i = 0; i < levels; i++)
		body[k++] = i % 3 ? '[' : '{';
	for (size_t i = levels; i-- > 0;)
		body[k++] = i % 3 ? ']' : '}';
	k += (size_t)sprintf(body + k, ",{\"id\":2}],\"cursor\":\"c\"}");
	gcb_poll_result_init(&r);
	assert_int_equal(gcb_poll_parse(&r, body, k, (char[160]){0}, 160), 0);
	assert_int_equal(r.n_events, 2);
	assert_int_equal(r.events[0].len, 2 * levels);
	/* The same, torn: no end is found and the answer fails. */
	assert_int_equal(gcb_poll_parse(&r, body, 11 + levels + 10, (char[160]){0}, 160),
			 -EBADMSG);
	gcb_poll_result_fini(&r);
	free(body);
}

static void test_long_cursor(void **state)
{
	char *body = malloc(4000);
	gcb_poll_result_t r;

	(void)state;
	strcpy(body, "{\"events\":[],\"cursor\":\"");
	memset(body + strlen(body), 'c', 2000);
	strcpy(body + 23 + 2000, "\"}");
	gcb_poll_result_init(&r);
	assert_int_equal(parse(&r, body), -ENAMETOOLONG);
	gcb_poll_result_fini(&r);
	free(body);
}

static void test_decode_surrogates(void **state)
{
	const char *s = "\"a\\ud83d\\ude00\\n\"";
	char out[16];
	size_t n;

	(void)state;
	assert_non_null(gcb_json_decode_string(s, s + strlen(s), out, sizeof(out), &n));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "a\xF0\x9F\x98\x80\n", 6);
}

static void test_errbody(void **state)
{
	const char *secrets[] = {"s3cr3t-value", NULL};
	const char *b1 =
	    "{\"message\":\"Cursor expired\",\"code\":\"cursor.expired\",\"status\":410}";
	const char *b2 =
	    "{\"error\":\"invalid_client\",\"error_description\":\"bad s3cr3t-value\"}";
	gcb_errbody_t eb;

	(void)state;
	gcb_errbody_parse(&eb, b1, strlen(b1), secrets, 2);
	assert_string_equal(eb.code, "cursor.expired");
	assert_string_equal(eb.message, "Cursor expired");
	gcb_errbody_parse(&eb, b2, strlen(b2), secrets, 2);
	assert_null(strstr(eb.message, "s3cr3t"));
	assert_string_equal(eb.code, "withheld");
	gcb_errbody_parse(&eb, "oops", 4, secrets, 2);
	assert_string_equal(eb.code, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_event_bytes),
	    cmocka_unit_test(test_empty_and_unknown_keys),
	    cmocka_unit_test(test_many_events_grow),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_invalid_events_delimited),
	    cmocka_unit_test(test_deep_nesting_delimited),
	    cmocka_unit_test(test_lenient_framing),
	    cmocka_unit_test(test_long_cursor),
	    cmocka_unit_test(test_decode_surrogates),
	    cmocka_unit_test(test_errbody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

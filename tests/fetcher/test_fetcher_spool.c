/*
 * Unit tests for the poll source's spool records (gcb_fetcher_spoolrec.c)
 * and the operator figures (gcb_fetcher_spoolstat.c): encoding and decoding
 * every record type, refusing what this code never writes, and the fill
 * rate, time to full and retention deadline.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stages/fetcher/gcb_fetcher_spool.h"
#include "stages/fetcher/gcb_fetcher_spoolrec.h"

/* Encodes a record the way the fetcher appends it: header then data. */
static size_t encode(unsigned char *buf, int type, int more, const char *data)
{
	size_t h = gcb_spoolrec_header(type, more, buf);

	memcpy(buf + h, data, strlen(data));
	return h + strlen(data);
}

static void test_roundtrip(void **state)
{
	unsigned char buf[256];
	gcb_spoolrec_t r;
	size_t n;

	(void)state;
	n = encode(buf, GCB_SPOOLREC_BEGIN, 0, "c1.abc");
	assert_int_equal(gcb_spoolrec_decode(buf, n, 1024, &r), 0);
	assert_int_equal(r.type, GCB_SPOOLREC_BEGIN);
	assert_int_equal(r.len, 6);
	assert_memory_equal(r.data, "c1.abc", 6);

	/* The first answer of a stream begins at "no cursor". */
	n = encode(buf, GCB_SPOOLREC_BEGIN, 0, "");
	assert_int_equal(gcb_spoolrec_decode(buf, n, 1024, &r), 0);
	assert_int_equal(r.len, 0);

	n = encode(buf, GCB_SPOOLREC_EVENT, 0, "{\"id\":\"e1\"}");
	assert_int_equal(gcb_spoolrec_decode(buf, n, 1024, &r), 0);
	assert_int_equal(r.type, GCB_SPOOLREC_EVENT);
	assert_int_equal(r.len, 11);
	assert_memory_equal(r.data, "{\"id\":\"e1\"}", 11);

	/* An event is carried as received, whatever it holds. */
	n = encode(buf, GCB_SPOOLREC_EVENT, 0, "not json \x01");
	assert_int_equal(gcb_spoolrec_decode(buf, n, 1024, &r), 0);
	assert_int_equal(r.len, 10);

	n = encode(buf, GCB_SPOOLREC_END, 1, "c1.def");
	assert_int_equal(gcb_spoolrec_decode(buf, n, 1024, &r), 0);
	assert_int_equal(r.type, GCB_SPOOLREC_END);
	assert_int_equal(r.has_more, 1);
	assert_memory_equal(r.data, "c1.def", 6);
	n = encode(buf, GCB_SPOOLREC_END, 0, "c1.def");
	assert_int_equal(gcb_spoolrec_decode(buf, n, 1024, &r), 0);
	assert_int_equal(r.has_more, 0);
}

static void test_refused(void **state)
{
	unsigned char buf[2048] = {0};
	gcb_spoolrec_t r;

	(void)state;
	assert_int_equal(gcb_spoolrec_decode(buf, 0, 1024, &r), -EBADMSG);
	assert_int_equal(gcb_spoolrec_decode("X123", 4, 1024, &r), -EBADMSG);
	assert_int_equal(gcb_spoolrec_decode("{\"a\":1}", 7, 1024, &r), -EBADMSG);
	assert_int_equal(gcb_spoolrec_decode("E", 1, 1024, &r), -EBADMSG); /* empty event */
	assert_int_equal(gcb_spoolrec_decode("A", 1, 1024, &r), -EBADMSG); /* no hasMore */
	assert_int_equal(gcb_spoolrec_decode("A2c", 3, 1024, &r), -EBADMSG);
	/* A cursor that would not fit a cursor slot. */
	memset(buf, 'c', sizeof(buf));
	buf[0] = GCB_SPOOLREC_BEGIN;
	assert_int_equal(gcb_spoolrec_decode(buf, 1025, 1024, &r), -ENAMETOOLONG);
	assert_int_equal(gcb_spoolrec_decode(buf, 1024, 1024, &r), 0);
	buf[0] = GCB_SPOOLREC_END;
	buf[1] = '0';
	assert_int_equal(gcb_spoolrec_decode(buf, 1026, 1024, &r), -ENAMETOOLONG);
	/* An event's size is not bounded by the cursor limit. */
	buf[0] = GCB_SPOOLREC_EVENT;
	assert_int_equal(gcb_spoolrec_decode(buf, 2048, 1024, &r), 0);
}

static void test_rate(void **state)
{
	uint64_t b[4] = {1000, 3000, 5000, 7000}, ms[4] = {0, 1000, 2000, 3000};
	uint64_t shrink[3] = {9000, 5000, 1000};

	(void)state;
	assert_int_equal(gcb_fetcher_pspool_rate(b, ms, 4), 2000);
	assert_int_equal(gcb_fetcher_pspool_rate(b, ms, 1), 0);	     /* one sample: unknown */
	assert_int_equal(gcb_fetcher_pspool_rate(shrink, ms, 3), 0); /* draining */
	assert_int_equal(gcb_fetcher_pspool_full_in_ms(7000, 27000, 2000), 10000);
	assert_int_equal(gcb_fetcher_pspool_full_in_ms(7000, 27000, 0), 0);
	assert_int_equal(gcb_fetcher_pspool_full_in_ms(27000, 27000, 5), 1);
}

static void test_deadline(void **state)
{
	(void)state;
	/* Caught up at t=100 s: events after the cursor are no older than that. */
	assert_int_equal(gcb_fetcher_pspool_deadline(100000, 500000, 3600000), 3700000);
	/* Never caught up: from the time polling stopped. */
	assert_int_equal(gcb_fetcher_pspool_deadline(0, 500000, 3600000), 4100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_rate),
	    cmocka_unit_test(test_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests of the provenance headers (stages/producer/gcb_producer_headers.c):
 * each producer.headers set carries exactly its documented headers with the
 * same values as the full set, dead letters carry all of theirs whatever the
 * set, and the schema cache gives every schema its own numbers. A dead
 * letter's source.cursor comes from its batch's cursor slot: a slot holding
 * another batch leaves it out and counts a miss.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shm/gcb_counters_producer.h"
#include "stages/producer/gcb_producer_int.h"

#define REC_MAX 4096

static gcb_shm_pipeline_t pipeline;
static _Atomic uint64_t counters[GCB_SHM_STAGE_COUNTERS];
static const gcb_producer_hdr_src_t src = {&pipeline, counters};

/* The fetcher's part: the cursor that follows batch b, in its slot. */
static void put_slot(uint64_t b, const char *cursor)
{
	gcb_shm_cursor_slot_t *s = &pipeline.cursors[b % GCB_SHM_CURSOR_SLOTS];

	s->length = (uint32_t)strlen(cursor);
	memcpy(s->cursor, cursor, s->length + 1);
	atomic_store(&s->batch_seq, b);
}

static int reset(void **state)
{
	(void)state;
	memset(&pipeline, 0, sizeof(pipeline));
	memset(counters, 0, sizeof(counters));
	put_slot(42, "cursor-1");
	return 0;
}

typedef struct rec_buf {
	_Alignas(8) unsigned char b[REC_MAX];
} rec_buf_t;

/* Appends a field's bytes to the record being built. */
static void put(gcb_rec_out_t *o, uint32_t *used, enum gcb_out_field f, const char *v)
{
	size_t n = strlen(v);

	o->fields[f] = (gcb_rec_field_t){*used, (uint32_t)n};
	memcpy((unsigned char *)o + *used, v, n);
	*used += (uint32_t)n;
}

static const gcb_ring_rec_t *make_rec(rec_buf_t *rb, int dlq, uint32_t schema_id,
				      uint64_t fingerprint)
{
	gcb_ring_rec_t *rec = (gcb_ring_rec_t *)rb->b;
	gcb_rec_out_t *o = (gcb_rec_out_t *)rec->payload;
	uint32_t used = sizeof(*o);

	memset(rb, 0, sizeof(*rb));
	rec->seq = 4711;
	o->batch_seq = 42;
	o->received_unix_ms = 1796538750859ull;
	o->schema_id = schema_id;
	o->schema_version = 3;
	o->schema_fingerprint = fingerprint;
	put(o, &used, GCB_OUTF_EVENT_ID, "6b60eca2-6af6-468d-a042-c98dd4a45e20");
	put(o, &used, GCB_OUTF_ENTITY_TYPE, "interaction");
	put(o, &used, GCB_OUTF_EVENT_TYPE, "created");
	put(o, &used, GCB_OUTF_STREAM, "s1");
	put(o, &used, GCB_OUTF_SCHEMA, "com.genesys.InteractionCreated");
	put(o, &used, GCB_OUTF_VALUE, "{}");
	if (dlq) {
		o->event_len = 2;
		put(o, &used, GCB_OUTF_ERROR_REASON, "missing_field");
		put(o, &used, GCB_OUTF_ERROR_FIELD, "data.queueId");
		put(o, &used, GCB_OUTF_ERROR_DETAIL, "required");
		put(o, &used, GCB_OUTF_EVENT_SHA256, "ab12");
	}
	rec->length = used;
	return rec;
}

/* The value of header name, NUL-terminated in buf, or NULL when absent. */
static const char *hget(rd_kafka_headers_t *h, const char *name, char *buf, size_t size)
{
	const void *v;
	size_t n;

	if (rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return NULL;
	assert_true(n < size);
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static void expect(rd_kafka_headers_t *h, const char *name, const char *want)
{
	char buf[128];
	const char *got = hget(h, name, buf, sizeof(buf));

	if (want == NULL) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

static void test_all(void **state)
{
	gcb_producer_hdr_cache_t cache;
	rec_buf_t rb;
	rd_kafka_headers_t *h;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src,
				      make_rec(&rb, 0, 7, 0x00a1b2c3d4e5f601ull),
				      GCB_PRODUCER_KIND_AVRO);
	assert_int_equal(rd_kafka_header_cnt(h), 11);
	expect(h, "event.id", "6b60eca2-6af6-468d-a042-c98dd4a45e20");
	expect(h, "entity.type", "interaction");
	expect(h, "event.type", "created");
	expect(h, "source.stream", "s1");
	expect(h, "received.at", "1796538750859");
	expect(h, "event.seq", "4711");
	expect(h, "batch.seq", "42");
	expect(h, "schema.name", "com.genesys.InteractionCreated");
	expect(h, "schema.id", "7");
	expect(h, "schema.version", "3");
	expect(h, "schema.fingerprint", "00a1b2c3d4e5f601");
	rd_kafka_headers_destroy(h);
}

static void test_lean_and_minimal(void **state)
{
	gcb_producer_hdr_cache_t cache;
	rec_buf_t rb;
	rd_kafka_headers_t *h;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_LEAN, &cache, &src,
				      make_rec(&rb, 0, 7, 0x1234), GCB_PRODUCER_KIND_AVRO);
	assert_int_equal(rd_kafka_header_cnt(h), 7);
	expect(h, "event.id", "6b60eca2-6af6-468d-a042-c98dd4a45e20");
	expect(h, "entity.type", "interaction");
	expect(h, "event.type", "created");
	expect(h, "source.stream", "s1");
	expect(h, "event.seq", "4711");
	expect(h, "batch.seq", "42");
	expect(h, "schema.name", "com.genesys.InteractionCreated");
	expect(h, "received.at", NULL);
	expect(h, "schema.id", NULL);
	rd_kafka_headers_destroy(h);

	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_MINIMAL, &cache, &src,
				      make_rec(&rb, 0, 7, 0x1234), GCB_PRODUCER_KIND_AVRO);
	assert_int_equal(rd_kafka_header_cnt(h), 3);
	expect(h, "event.id", "6b60eca2-6af6-468d-a042-c98dd4a45e20");
	expect(h, "source.stream", "s1");
	expect(h, "batch.seq", "42");
	rd_kafka_headers_destroy(h);
}

/* A dead letter keeps every header whatever the set. */
static void test_dlq_always_all(void **state)
{
	gcb_producer_hdr_cache_t cache;
	rec_buf_t rb;
	rd_kafka_headers_t *h;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_MINIMAL, &cache, &src,
				      make_rec(&rb, 1, 7, 0x1234), GCB_PRODUCER_KIND_DLQ);
	expect(h, "received.at", "1796538750859");
	expect(h, "schema.fingerprint", "0000000000001234");
	expect(h, "error.reason", "missing_field");
	expect(h, "error.field", "data.queueId");
	expect(h, "error.detail", "required");
	expect(h, "error.stage", "validator");
	expect(h, "source.cursor", "cursor-1");
	expect(h, "event.size", "2");
	expect(h, "event.sha256", "ab12");
	expect(h, "event.truncated", NULL);
	rd_kafka_headers_destroy(h);
	assert_int_equal(counters[GCB_PRODUCER_C_CURSOR_MISSES], 0);
}

/*
 * The slot of batch 42 holds batch 42 + 64, which the fetcher's wait for a
 * checkpoint rules out: no source.cursor (never another batch's), the rest
 * as usual, one miss counted. An AVRO record never asks for the cursor.
 */
static void test_dlq_cursor_slot_mismatch(void **state)
{
	gcb_producer_hdr_cache_t cache;
	rec_buf_t rb;
	rd_kafka_headers_t *h;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	put_slot(42 + GCB_SHM_CURSOR_SLOTS, "cursor-2");
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src,
				      make_rec(&rb, 1, 7, 0x1234), GCB_PRODUCER_KIND_DLQ);
	expect(h, "source.cursor", NULL);
	expect(h, "error.reason", "missing_field");
	expect(h, "event.size", "2");
	rd_kafka_headers_destroy(h);
	assert_int_equal(counters[GCB_PRODUCER_C_CURSOR_MISSES], 1);
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src,
				      make_rec(&rb, 0, 7, 0x1234), GCB_PRODUCER_KIND_AVRO);
	expect(h, "source.cursor", NULL);
	rd_kafka_headers_destroy(h);
	assert_int_equal(counters[GCB_PRODUCER_C_CURSOR_MISSES], 1);
	/* The slot right again: the cursor is back. */
	put_slot(42, "cursor-3");
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src,
				      make_rec(&rb, 1, 7, 0x1234), GCB_PRODUCER_KIND_DLQ);
	expect(h, "source.cursor", "cursor-3");
	rd_kafka_headers_destroy(h);
}

/*
 * A dead letter cut to fit the output ring (GCB_REC_F_NO_CURSOR) and one
 * the validator could not decode (batch 0) go without source.cursor, as
 * they did when records carried it; neither is a miss.
 */
static void test_dlq_without_cursor(void **state)
{
	gcb_producer_hdr_cache_t cache;
	rec_buf_t rb;
	gcb_ring_rec_t *rec;
	rd_kafka_headers_t *h;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	rec = (gcb_ring_rec_t *)make_rec(&rb, 1, 7, 0x1234);
	rec->flags = GCB_REC_F_NO_CURSOR;
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src, rec,
				      GCB_PRODUCER_KIND_DLQ);
	expect(h, "source.cursor", NULL);
	expect(h, "error.reason", "missing_field");
	rd_kafka_headers_destroy(h);
	rec->flags = 0;
	((gcb_rec_out_t *)rec->payload)->batch_seq = 0;
	put_slot(0, "");
	h = gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src, rec,
				      GCB_PRODUCER_KIND_DLQ);
	expect(h, "source.cursor", NULL);
	rd_kafka_headers_destroy(h);
	assert_int_equal(counters[GCB_PRODUCER_C_CURSOR_MISSES], 0);
}

/* Two schemas sharing a cache slot, in turn, each keep their own numbers. */
static void test_schema_cache(void **state)
{
	gcb_producer_hdr_cache_t cache;
	rec_buf_t rb;

	(void)state;
	memset(&cache, 0, sizeof(cache));
	for (int i = 0; i < 4; i++) {
		uint32_t id = i % 2 ? 7 : 7 + GCB_PRODUCER_HDR_CACHE;
		rd_kafka_headers_t *h =
		    gcb_producer_headers_make(GCB_PRODUCER_HEADERS_ALL, &cache, &src,
					      make_rec(&rb, 0, id, 0), GCB_PRODUCER_KIND_AVRO);

		expect(h, "schema.id", i % 2 ? "7" : "23");
		expect(h, "schema.fingerprint", "0000000000000000");
		rd_kafka_headers_destroy(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_all, reset),
	    cmocka_unit_test_setup(test_lean_and_minimal, reset),
	    cmocka_unit_test_setup(test_dlq_always_all, reset),
	    cmocka_unit_test_setup(test_dlq_cursor_slot_mismatch, reset),
	    cmocka_unit_test_setup(test_dlq_without_cursor, reset),
	    cmocka_unit_test_setup(test_schema_cache, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

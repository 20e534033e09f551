/*
 * Provenance headers of a produced message (docs/producer.md).
 *
 * librdkafka allocates the list and every header it holds (one malloc each),
 * so the cost grows with the number of headers: the configured set
 * (all / lean / minimal) decides how many. What this file keeps cheap is the
 * rest: numbers are formatted by hand instead of snprintf, and the schema's
 * three numbers, the same for every event of that schema, are formatted once
 * and kept in a small cache.
 */
#include <inttypes.h>
#include <string.h>

#include "shm/gcb_counters_producer.h"
#include "shm/gcb_shm_cursor.h"
#include "stages/producer/gcb_producer_int.h"

/* Decimal digits of v into buf (at least 20 bytes); returns the length. */
static size_t fmt_dec(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

/* 16 lowercase hex digits of v. */
static void fmt_hex16(char *buf, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 15; i >= 0; i--) {
		buf[i] = digits[v & 15];
		v >>= 4;
	}
}

static void add(rd_kafka_headers_t *h, const char *name, const char *v, size_t len)
{
	if (len > 0)
		rd_kafka_header_add(h, name, -1, v, (ssize_t)len);
}

static void add_field(rd_kafka_headers_t *h, const char *name, const gcb_rec_out_t *o,
		      enum gcb_out_field f)
{
	add(h, name, gcb_rec_field_ptr(o, o->fields[f]), o->fields[f].len);
}

static void add_dec(rd_kafka_headers_t *h, const char *name, uint64_t v)
{
	char buf[20];

	add(h, name, buf, fmt_dec(buf, v));
}

/* The formatted schema numbers of o, from the cache or made now. */
static const gcb_producer_schema_hdr_t *schema_hdr(gcb_producer_hdr_cache_t *c,
						   const gcb_rec_out_t *o)
{
	unsigned i = (unsigned)(o->schema_fingerprint ^ o->schema_id) & (GCB_PRODUCER_HDR_CACHE - 1);
	gcb_producer_schema_hdr_t *e = &c->e[i];

	if (e->used && e->fingerprint == o->schema_fingerprint && e->id == o->schema_id &&
	    e->version == o->schema_version)
		return e;
	e->used = 1;
	e->fingerprint = o->schema_fingerprint;
	e->id = o->schema_id;
	e->version = o->schema_version;
	e->id_len = (uint8_t)fmt_dec(e->id_s, o->schema_id);
	e->version_len = (uint8_t)fmt_dec(e->version_s, o->schema_version);
	fmt_hex16(e->fingerprint_s, o->schema_fingerprint);
	return e;
}

static void add_schema(rd_kafka_headers_t *h, gcb_producer_hdr_cache_t *c, const gcb_rec_out_t *o,
		       int all)
{
	const gcb_producer_schema_hdr_t *e;

	if (o->fields[GCB_OUTF_SCHEMA].len == 0 && o->schema_fingerprint == 0)
		return;
	add_field(h, "schema.name", o, GCB_OUTF_SCHEMA);
	if (!all)
		return;
	e = schema_hdr(c, o);
	add(h, "schema.id", e->id_s, e->id_len);
	add(h, "schema.version", e->version_s, e->version_len);
	add(h, "schema.fingerprint", e->fingerprint_s, 16);
}

/*
 * The cursor of the record's batch, from the batch's slot: records do not
 * carry it. The fetcher reuses a slot only once the batch it held is
 * checkpointed, after this stage acknowledged it, so an unacknowledged
 * record always finds its batch there. A slot holding another batch, which
 * that rules out, leaves the header out and is counted; batch 0 (a record
 * the validator could not decode) has no cursor.
 */
static void add_cursor(rd_kafka_headers_t *h, const gcb_producer_hdr_src_t *src,
		       const gcb_ring_rec_t *rec, const gcb_rec_out_t *o)
{
	char cursor[GCB_SHM_CURSOR_MAX];
	size_t len;

	if ((rec->flags & GCB_REC_F_NO_CURSOR) || o->batch_seq == 0 || src->pipe == NULL)
		return;
	if (gcb_shm_cursor_read(src->pipe, o->batch_seq, cursor, sizeof(cursor), &len) != 0) {
		if (src->counters != NULL)
			gcb_counter_add(src->counters, GCB_PRODUCER_C_CURSOR_MISSES, 1);
		return;
	}
	add(h, "source.cursor", cursor, len);
}

static void add_dlq(rd_kafka_headers_t *h, const gcb_producer_hdr_src_t *src,
		    const gcb_ring_rec_t *rec, const gcb_rec_out_t *o)
{
	add_field(h, "error.reason", o, GCB_OUTF_ERROR_REASON);
	add_field(h, "error.field", o, GCB_OUTF_ERROR_FIELD);
	add_field(h, "error.detail", o, GCB_OUTF_ERROR_DETAIL);
	add(h, "error.stage", "validator", 9);
	add_cursor(h, src, rec, o);
	/* Which bytes these are: the whole event's size and digest, and where
	 * it is kept when the value holds only its first part. */
	add_dec(h, "event.size", o->event_len);
	add_field(h, "event.sha256", o, GCB_OUTF_EVENT_SHA256);
	if (o->event_len > o->fields[GCB_OUTF_VALUE].len) {
		add(h, "event.truncated", "true", 4);
		add_field(h, "event.quarantine", o, GCB_OUTF_QUARANTINE);
	}
}

rd_kafka_headers_t *gcb_producer_headers_make(gcb_producer_headers_t set,
					      gcb_producer_hdr_cache_t *cache,
					      const gcb_producer_hdr_src_t *src,
					      const gcb_ring_rec_t *rec, int kind)
{
	const gcb_rec_out_t *o = (const gcb_rec_out_t *)rec->payload;
	rd_kafka_headers_t *h;

	if (kind == GCB_PRODUCER_KIND_BAD) {
		h = rd_kafka_headers_new(3);
		add(h, "error.reason", "bad_record", 10);
		add(h, "error.stage", "producer", 8);
		add_dec(h, "event.seq", rec->seq);
		return h;
	}
	/* A dead letter is rare and needs every clue: always the whole set. */
	if (kind == GCB_PRODUCER_KIND_DLQ)
		set = GCB_PRODUCER_HEADERS_ALL;
	if (set == GCB_PRODUCER_HEADERS_MINIMAL) {
		h = rd_kafka_headers_new(3);
		add_field(h, "event.id", o, GCB_OUTF_EVENT_ID);
		add_field(h, "source.stream", o, GCB_OUTF_STREAM);
		add_dec(h, "batch.seq", o->batch_seq);
		return h;
	}
	h = rd_kafka_headers_new(kind == GCB_PRODUCER_KIND_DLQ ? 20 : 11);
	add_field(h, "event.id", o, GCB_OUTF_EVENT_ID);
	add_field(h, "entity.type", o, GCB_OUTF_ENTITY_TYPE);
	add_field(h, "event.type", o, GCB_OUTF_EVENT_TYPE);
	add_field(h, "source.stream", o, GCB_OUTF_STREAM);
	if (set == GCB_PRODUCER_HEADERS_ALL)
		add_dec(h, "received.at", o->received_unix_ms);
	add_dec(h, "event.seq", rec->seq);
	add_dec(h, "batch.seq", o->batch_seq);
	add_schema(h, cache, o, set == GCB_PRODUCER_HEADERS_ALL);
	if (kind == GCB_PRODUCER_KIND_DLQ)
		add_dlq(h, src, rec, o);
	return h;
}

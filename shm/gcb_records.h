/*
 * Record payloads that cross the rings between stages: part of the segment
 * contract (gcb_shm_layout.h), so a tool can decode what it dumps.
 *
 *   fetcher  --GCB_REC_EVENT-->  validator-i  --GCB_REC_AVRO | GCB_REC_DLQ | GCB_REC_FILTERED-->  producer
 *
 * Ordering and striping. The fetcher numbers every event it writes (the ring
 * record's seq: 1, 2, 3, ... across restarts, continuing from the fetch ring
 * it resumes) and groups them in batches (one poll answer = one batch, a
 * batch_seq 1, 2, 3, ...). Batch b goes whole to validator ring (b mod V); its
 * last record carries GCB_REC_F_BATCH_END. Each validator writes exactly one
 * output record per input record, with the same seq, batch_seq and flags
 * (plus GCB_REC_F_NO_CURSOR on some dead letters), so the producer can read
 * the V output rings in the same round-robin order and see source order with
 * no reorder buffer.
 *
 * Restarts, exactly. A restarted fetcher takes the last committed batch from
 * the rings themselves (gcb_ring_last_committed() of each fetch ring; the
 * highest batch_seq wins), never from a counter that a crash could leave
 * stale: a batch numbered twice would break the stripe order, and a batch
 * skipped would stall it. The cursor slot of a batch is written before the
 * batch is committed. The producer publishes acked_batch_seq after Kafka
 * confirmed the batch and before releasing its ring space; a restarted
 * producer expects batch acked_batch_seq + 1 and releases, without producing,
 * any older record it still finds (already delivered).
 *
 * The cursor travels once per batch, not in the records: the cursor that
 * follows batch b is in the pipeline's cursor slot (b mod
 * GCB_SHM_CURSOR_SLOTS, gcb_shm_layout.h; read it with gcb_shm_cursor_read()).
 * The fetcher reuses a slot only once the batch it held is checkpointed,
 * which comes after the producer acknowledged that batch, so the slot of any
 * batch still in the rings holds that batch.
 *
 * Variable parts are described by gcb_rec_field_t (offset from the start of
 * the payload, length); strings are not NUL-terminated.
 */
#ifndef GCB_RECORDS_H
#define GCB_RECORDS_H

#include <stdint.h>
#include <string.h>

enum gcb_rec_type {
	GCB_REC_EVENT = 1,    /* fetcher -> validator: one raw JSON event */
	GCB_REC_AVRO = 2,     /* validator -> producer: encoded, routed event */
	GCB_REC_DLQ = 3,      /* validator -> producer: event for the dead-letter topic */
	GCB_REC_FILTERED = 4, /* validator -> producer: filtered out; advance only */
};

#define GCB_REC_F_BATCH_END 0x0001u /* last record of its batch */
/*
 * GCB_REC_EVENT / GCB_REC_DLQ: the JSON (value) field holds only the first
 * part of an event too large for a ring record; event_len is its whole size,
 * and the SHA256 and QUARANTINE fields name the whole event, kept in a file
 * (docs/fetcher.md, "Events too large for a ring record").
 */
#define GCB_REC_F_CUT 0x0002u
/*
 * GCB_REC_EVENT: the JSON field is not an event but a whole poll answer
 * whose framing the fetcher could not read, sent on an operator's request
 * so that it is dead-lettered, not lost (`gcbridge --skip-stalled-answer`).
 */
#define GCB_REC_F_RAW_ANSWER 0x0004u
/*
 * GCB_REC_DLQ, set by the validator (the one flag it adds to the input's):
 * the dead letter's value was cut to fit the output ring; at the size
 * limits, its message goes without the source.cursor header (up to 1 KiB,
 * which the producer would take from the batch's cursor slot).
 */
#define GCB_REC_F_NO_CURSOR 0x0008u

typedef struct gcb_rec_field {
	uint32_t off;
	uint32_t len;
} gcb_rec_field_t;

/* GCB_REC_EVENT payload. */
enum gcb_event_field {
	GCB_EVF_JSON = 0,	/* the event exactly as received */
	GCB_EVF_STREAM = 1,	/* source stream id */
	GCB_EVF_SHA256 = 2,	/* GCB_REC_F_CUT: hex SHA-256 of the whole event */
	GCB_EVF_QUARANTINE = 3, /* GCB_REC_F_CUT: path of the file holding it whole */
	GCB_EVF_COUNT
};

typedef struct gcb_rec_event {
	uint64_t batch_seq;
	uint64_t received_unix_ms; /* when the poll answer arrived */
	uint64_t event_len;	   /* the whole event's bytes (see GCB_REC_F_CUT) */
	gcb_rec_field_t fields[GCB_EVF_COUNT];
	unsigned char data[];
} gcb_rec_event_t;

/* GCB_REC_AVRO / GCB_REC_DLQ / GCB_REC_FILTERED payload. */
enum gcb_out_field {
	GCB_OUTF_TOPIC = 0,
	GCB_OUTF_KEY,
	GCB_OUTF_VALUE, /* AVRO: Confluent-framed Avro; DLQ: the raw event bytes */
	GCB_OUTF_EVENT_ID,
	GCB_OUTF_ENTITY_TYPE,
	GCB_OUTF_EVENT_TYPE,
	GCB_OUTF_SCHEMA,       /* schema full name */
	GCB_OUTF_ERROR_REASON, /* DLQ: e.g. "missing_field", "unrouted", "bad_json" */
	GCB_OUTF_ERROR_FIELD,  /* DLQ: field path, e.g. "data.disposition.code" */
	GCB_OUTF_ERROR_DETAIL, /* DLQ: human-readable message */
	GCB_OUTF_STREAM,
	GCB_OUTF_EVENT_SHA256, /* DLQ, oversized: hex SHA-256 of the whole event */
	GCB_OUTF_QUARANTINE,   /* DLQ, GCB_REC_F_CUT: file holding the whole event */
	GCB_OUTF_COUNT
};

typedef struct gcb_rec_out {
	uint64_t batch_seq;
	uint64_t received_unix_ms;
	uint64_t schema_fingerprint; /* CRC-64-AVRO of the schema's canonical form */
	uint32_t schema_id;          /* registry id used in the Confluent frame */
	uint32_t schema_version;
	uint64_t event_len; /* DLQ: the whole event's bytes */
	gcb_rec_field_t fields[GCB_OUTF_COUNT];
	unsigned char data[];
} gcb_rec_out_t;

/* Pointer to a field's bytes inside the payload that starts at base. */
static inline const char *gcb_rec_field_ptr(const void *base, gcb_rec_field_t f)
{
	return (const char *)base + f.off;
}

/* Returns 1 when every field lies inside a payload of payload_len bytes. */
static inline int gcb_rec_fields_valid(const gcb_rec_field_t *fields, unsigned n,
				       uint32_t header_len, uint32_t payload_len)
{
	for (unsigned i = 0; i < n; i++) {
		if (fields[i].len == 0)
			continue;
		if (fields[i].off < header_len || fields[i].off > payload_len ||
		    fields[i].len > payload_len - fields[i].off)
			return 0;
	}
	return 1;
}

#endif

/*
 * The validator's per-event work, independent of rings: parse the raw JSON
 * event, route it, apply the route's filter, map it onto the schema's Avro
 * value, stamp received_at, encode, frame (Confluent wire format: 0x00,
 * 4-byte big-endian schema id, Avro binary) and extract the key.
 *
 * Every input yields exactly one output (gcb_vout_t): AVRO, FILTERED or DLQ.
 * The output points into the processor's buffers and into the input; it
 * stays valid until the next gcb_vproc_process() call.
 */
#ifndef GCB_VPROC_H
#define GCB_VPROC_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>
#include <cjson/cJSON.h>

#include "shm/gcb_records.h"
#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_map.h"

#define GCB_VPROC_FRAME_HDR 5 /* magic byte + schema id */

typedef struct gcb_vin {
	const char *json;
	size_t json_len;
	uint64_t batch_seq;
	uint64_t received_unix_ms;
	const char *stream;
	size_t stream_len;
	/* An event the ring carried cut (GCB_REC_F_CUT): json holds its first
	 * part; event_len is its whole size (0: json_len), sha256 and kept
	 * name the whole event and where it is kept. */
	uint64_t event_len;
	int raw_answer; /* GCB_REC_F_RAW_ANSWER: a whole unreadable poll answer */
	const char *sha256;
	size_t sha256_len;
	const char *kept;
	size_t kept_len;
} gcb_vin_t;

typedef struct gcb_vout {
	uint16_t type;	/* GCB_REC_AVRO, GCB_REC_DLQ or GCB_REC_FILTERED */
	uint16_t flags; /* added to the input's ring flags: GCB_REC_F_NO_CURSOR */
	int reason;	/* DLQ only */
	uint64_t batch_seq;
	uint64_t received_unix_ms;
	uint64_t schema_fingerprint;
	uint32_t schema_id;
	uint32_t schema_version;
	uint64_t event_len; /* DLQ: the whole event's size */
	const char *f[GCB_OUTF_COUNT];
	uint32_t len[GCB_OUTF_COUNT];
} gcb_vout_t;

typedef struct gcb_vproc_conf {
	size_t max_event_bytes; /* larger events go to the DLQ as "oversized"; required
				 * (gcbridge: event.max_bytes; no default here) */
	size_t max_out_bytes;	/* largest output payload the output ring takes */
	const char *dlq_topic;	/* written into DLQ outputs (producer.dlq_topic); NULL:
				 * left empty, so the producer uses its own */
	int strict;		/* 1: unknown fields are rejected (schemas.strict); 0 or -1: not */
	int timing;		/* accumulate per-step nanoseconds (benchmarks) */
	void (*drift_log)(const char *line); /* new schema-drift field names; NULL: silent */
} gcb_vproc_conf_t;

typedef struct gcb_vproc_stats {
	uint64_t events, avro, dlq, filtered;
	uint64_t by_reason[GCB_REASON_COUNT];
	uint64_t ns_parse, ns_map, ns_encode; /* with conf.timing */
	uint64_t drift_fields, drift_names;   /* schema drift (gcb_drift.h) */
} gcb_vproc_stats_t;

typedef struct gcb_vproc gcb_vproc_t;

/*
 * New processor over cat (borrowed: it must outlive the processor and may be
 * swapped with gcb_vproc_set_catalog). Allocates every buffer it will use.
 */
int gcb_vproc_new(gcb_vproc_t **out, const gcb_vproc_conf_t *conf, const gcb_catalog_t *cat,
		  char *errstr, size_t errstr_size);
void gcb_vproc_destroy(gcb_vproc_t *p);
void gcb_vproc_set_catalog(gcb_vproc_t *p, const gcb_catalog_t *cat);

/* Turns one input into its output. Never fails: a failure is a DLQ output. */
void gcb_vproc_process(gcb_vproc_t *p, const gcb_vin_t *in, gcb_vout_t *out);

/* A DLQ output for an input ring record that could not even be decoded. */
void gcb_vproc_bad_record(gcb_vproc_t *p, const void *payload, size_t len, const char *detail,
			  gcb_vout_t *out);

const gcb_vproc_stats_t *gcb_vproc_stats(const gcb_vproc_t *p);

/* Payload bytes gcb_vout_write() needs (header + every field). */
size_t gcb_vout_size(const gcb_vout_t *o);

/* Writes the gcb_rec_out_t payload (gcb_vout_size() bytes) to dst. */
void gcb_vout_write(const gcb_vout_t *o, void *dst);

#endif

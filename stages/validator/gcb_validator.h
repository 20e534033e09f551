/*
 * The validator stage: reads GCB_REC_EVENT records from its input ring and
 * writes exactly one output record per input (GCB_REC_AVRO, GCB_REC_DLQ or
 * GCB_REC_FILTERED, gcb_records.h) with the same seq, batch_seq and flags,
 * so the producer can merge the validators' rings in round-robin order.
 *
 * Counters: shm/gcb_counters_validator.h, in the stage's slot, carried over
 * when the stage restarts.
 *
 * Crash safety: input is released only after the output that covers it is
 * committed, and a (re)started validator skips input whose seq is <= the
 * last seq committed to its output ring (gcb_ring_resume_seq), so a crash
 * at any point neither loses nor duplicates a record.
 */
#ifndef GCB_VALIDATOR_H
#define GCB_VALIDATOR_H

#include <stddef.h>

#include "shm/gcb_counters_validator.h"
#include "shm/gcb_ring.h"
#include "stages/gcb_stage.h"

typedef struct gcb_validator_conf {
	const char *routes_path; /* the routing file, e.g. "schemas/routes.json" */
	const char *ids_path;	 /* local schema ids; NULL: schema-ids.json next to routes */
	size_t max_event_bytes;	 /* event.max_bytes: larger events go to the DLQ ("oversized") */
	const char *dlq_topic;	 /* topic of DLQ records (producer.dlq_topic) */
	int strict;	       /* reject unknown fields (schemas.strict): 1 yes, 0 no */
	unsigned commit_every; /* commit output after at most this many records; 0: 64 */
	/* Confluent Schema Registry (docs/registry.md); NULL url: ids from ids_path */
	const char *registry_url;
	const char *registry_user; /* basic auth; NULL: none */
	const char *registry_password;
} gcb_validator_conf_t;

/*
 * Runs the stage until asked to stop (returns when the input is empty while
 * draining, at once on a stop signal or a dead supervisor). in is attached as
 * consumer, out as producer, by the caller. Returns a GCB_EXIT_* code: FATAL
 * when the schemas cannot be loaded, RESTART when a ring is corrupt.
 */
int gcb_validator_main(const gcb_validator_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *in,
		       gcb_ring_t *out);

#endif

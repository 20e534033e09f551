/*
 * Counters of a validator stage: indexes into gcb_shm_stage_t.counters[] of
 * each validator's stage slot, and their names (for metrics and tools). Part
 * of the segment contract: append only, never renumber.
 *
 * All are monotonic totals, carried over when the stage restarts. The
 * GCB_VC_DLQ_* block counts DLQ records per reason, in the order of the
 * reason codes (stages/validator/gcb_reason.h: bad_json = 1 ... bad_record).
 */
#ifndef GCB_COUNTERS_VALIDATOR_H
#define GCB_COUNTERS_VALIDATOR_H

#include "shm/gcb_shm_layout.h"

enum gcb_validator_counter {
	GCB_VC_EVENTS = 0,	/* input records turned into output records */
	GCB_VC_AVRO,		/* events encoded (GCB_REC_AVRO) */
	GCB_VC_DLQ,		/* events dead-lettered (GCB_REC_DLQ) */
	GCB_VC_FILTERED,	/* events filtered out by a route filter */
	GCB_VC_SKIPPED,		/* input already covered by output, after a restart */
	GCB_VC_RELOADS,		/* schema sets swapped in */
	GCB_VC_RELOAD_REFUSED,	/* schema sets refused (bad or incompatible) */
	GCB_VC_DLQ_BAD_JSON,	/* first of the per-reason block */
	GCB_VC_DLQ_OVERSIZED,
	GCB_VC_DLQ_UNROUTED,
	GCB_VC_DLQ_MISSING_FIELD,
	GCB_VC_DLQ_WRONG_TYPE,
	GCB_VC_DLQ_BAD_ENUM,
	GCB_VC_DLQ_OUT_OF_RANGE,
	GCB_VC_DLQ_BAD_TIMESTAMP,
	GCB_VC_DLQ_BAD_UUID,
	GCB_VC_DLQ_BAD_UTF8,
	GCB_VC_DLQ_BAD_BYTES,
	GCB_VC_DLQ_UNKNOWN_FIELD,
	GCB_VC_DLQ_AMBIGUOUS_UNION,
	GCB_VC_DLQ_TOO_DEEP,
	GCB_VC_DLQ_MISSING_KEY,
	GCB_VC_DLQ_ENCODE_FAILED,
	GCB_VC_DLQ_BAD_RECORD,
	GCB_VC_DLQ_BAD_ANSWER,	    /* last of the per-reason block */
	GCB_VC_SCHEMA_DRIFT_FIELDS, /* fields in events that their schema lacks (dropped) */
	GCB_VC_SCHEMA_DRIFT_NAMES,  /* distinct such field names, per schema and record */
	GCB_VC_COUNT
};

/* Names in enum order, snake_case, as exported by metrics. */
#define GCB_VC_NAMES                                                                               \
	{                                                                                          \
		"events", "avro", "dlq", "filtered", "skipped", "reloads", "reload_refused",      \
		    "dlq_bad_json", "dlq_oversized", "dlq_unrouted", "dlq_missing_field",          \
		    "dlq_wrong_type", "dlq_bad_enum", "dlq_out_of_range", "dlq_bad_timestamp",     \
		    "dlq_bad_uuid", "dlq_bad_utf8", "dlq_bad_bytes", "dlq_unknown_field",          \
		    "dlq_ambiguous_union", "dlq_too_deep", "dlq_missing_key",                      \
		    "dlq_encode_failed", "dlq_bad_record", "dlq_bad_answer",                       \
		    "schema_drift_fields", "schema_drift_names",                                   \
	}

_Static_assert(GCB_VC_COUNT <= GCB_SHM_STAGE_COUNTERS,
	       "validator counters exceed GCB_SHM_STAGE_COUNTERS");

#endif

/*
 * Counters of a validator stage, in the format of shm/gcb_counters.h:
 * X(ID, "name", KIND, "help") generates GCB_VC_<ID> (the index into each
 * validator slot's counters[]), the names metrics and tools print, and the
 * Prometheus help and type. Append only, never renumber.
 *
 * All are totals, carried over when the stage restarts. The DLQ_* block
 * counts DLQ records per reason, in the order of the reason codes
 * (stages/validator/gcb_reason.h: bad_json = 1 ... bad_answer).
 */
#ifndef GCB_COUNTERS_VALIDATOR_H
#define GCB_COUNTERS_VALIDATOR_H

#include "shm/gcb_counters.h"

#define GCB_VALIDATOR_COUNTERS(X)                                                                  \
	X(EVENTS, "events", COUNTER, "input records turned into output records")                   \
	X(AVRO, "avro", COUNTER, "events encoded to Avro")                                         \
	X(DLQ, "dlq", COUNTER, "events dead-lettered")                                             \
	X(FILTERED, "filtered", COUNTER, "events filtered out by a route filter")                  \
	X(SKIPPED, "skipped", COUNTER, "input already covered by output, after a restart")         \
	X(RELOADS, "reloads", COUNTER, "schema sets reloaded and accepted")                        \
	X(RELOAD_REFUSED, "reload_refused", COUNTER,                                               \
	  "schema sets refused on reload (bad or incompatible)")                                   \
	X(DLQ_BAD_JSON, "dlq_bad_json", COUNTER, "events dead-lettered, reason bad_json")          \
	X(DLQ_OVERSIZED, "dlq_oversized", COUNTER, "events dead-lettered, reason oversized")       \
	X(DLQ_UNROUTED, "dlq_unrouted", COUNTER, "events dead-lettered, reason unrouted")          \
	X(DLQ_MISSING_FIELD, "dlq_missing_field", COUNTER,                                         \
	  "events dead-lettered, reason missing_field")                                            \
	X(DLQ_WRONG_TYPE, "dlq_wrong_type", COUNTER, "events dead-lettered, reason wrong_type")    \
	X(DLQ_BAD_ENUM, "dlq_bad_enum", COUNTER, "events dead-lettered, reason bad_enum")          \
	X(DLQ_OUT_OF_RANGE, "dlq_out_of_range", COUNTER,                                           \
	  "events dead-lettered, reason out_of_range")                                             \
	X(DLQ_BAD_TIMESTAMP, "dlq_bad_timestamp", COUNTER,                                         \
	  "events dead-lettered, reason bad_timestamp")                                            \
	X(DLQ_BAD_UUID, "dlq_bad_uuid", COUNTER, "events dead-lettered, reason bad_uuid")          \
	X(DLQ_BAD_UTF8, "dlq_bad_utf8", COUNTER, "events dead-lettered, reason bad_utf8")          \
	X(DLQ_BAD_BYTES, "dlq_bad_bytes", COUNTER, "events dead-lettered, reason bad_bytes")       \
	X(DLQ_UNKNOWN_FIELD, "dlq_unknown_field", COUNTER,                                         \
	  "events dead-lettered, reason unknown_field")                                            \
	X(DLQ_AMBIGUOUS_UNION, "dlq_ambiguous_union", COUNTER,                                     \
	  "events dead-lettered, reason ambiguous_union")                                          \
	X(DLQ_TOO_DEEP, "dlq_too_deep", COUNTER, "events dead-lettered, reason too_deep")          \
	X(DLQ_MISSING_KEY, "dlq_missing_key", COUNTER, "events dead-lettered, reason missing_key") \
	X(DLQ_ENCODE_FAILED, "dlq_encode_failed", COUNTER,                                         \
	  "events dead-lettered, reason encode_failed")                                            \
	X(DLQ_BAD_RECORD, "dlq_bad_record", COUNTER, "events dead-lettered, reason bad_record")    \
	X(DLQ_BAD_ANSWER, "dlq_bad_answer", COUNTER, "events dead-lettered, reason bad_answer")    \
	X(SCHEMA_DRIFT_FIELDS, "schema_drift_fields", COUNTER,                                     \
	  "fields present in events but absent from their schema (dropped when encoded)")          \
	X(SCHEMA_DRIFT_NAMES, "schema_drift_names", COUNTER,                                       \
	  "distinct field names absent from their schema (each logged once per schema)")

#define GCB_VC_ENUM(id, name, kind, help) GCB_COUNTER_ENUM(GCB_VC_, id)
enum gcb_validator_counter { GCB_VALIDATOR_COUNTERS(GCB_VC_ENUM) GCB_VC_COUNT };
#undef GCB_VC_ENUM

/* Names in index order, as an array initializer. */
#define GCB_VC_NAME(id, name, kind, help) name,
#define GCB_VC_NAMES                                                                               \
	{                                                                                          \
		GCB_VALIDATOR_COUNTERS(GCB_VC_NAME)                                                \
	}

_Static_assert(GCB_VC_COUNT <= GCB_SHM_STAGE_COUNTERS, "validator counters exceed the block");

#endif

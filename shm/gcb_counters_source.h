/*
 * Counters both sources count (the source base, the token manager, the
 * batch writer, the spool), in the format of shm/gcb_counters.h:
 * X(ID, "name", KIND, "help") generates GCB_SC_<ID>. They come first in the
 * fetcher slot's counters[], whichever source the stage runs; the poll
 * source's own (shm/gcb_counters_fetcher.h) follow, then the notification
 * source's (shm/gcb_counters_notif.h). gcb-ringstat and the metrics print
 * the three as the fetcher's. Append only to the last of them; anything
 * else moves the others: a layout change (GCB_SHM_LAYOUT_VERSION).
 */
#ifndef GCB_COUNTERS_SOURCE_H
#define GCB_COUNTERS_SOURCE_H

#include "shm/gcb_counters.h"

#define GCB_SOURCE_COUNTERS(X)                                                                     \
	X(EVENTS, "events", COUNTER, "events written to the rings")                                \
	X(BYTES, "bytes", COUNTER, "event JSON bytes written to the rings")                        \
	X(HTTP_401, "http_401", COUNTER, "401 answers (any endpoint)")                             \
	X(HTTP_429, "http_429", COUNTER, "429 answers (throttled)")                                \
	X(HTTP_5XX, "http_5xx", COUNTER, "5xx answers")                                            \
	X(RETRIES, "retries", COUNTER, "requests retried after a failure")                         \
	X(BACKOFF_MS, "backoff_ms", GAUGE, "current backoff wait, 0 when none")                    \
	X(TOKEN_RENEWALS, "token_renewals", COUNTER, "access tokens obtained")                     \
	X(BATCHES, "batches", COUNTER, "batches committed to the rings")                           \
	X(TRANSPORT_ERRORS, "transport_errors", COUNTER,                                           \
	  "timeouts, refused connections, TLS errors")                                             \
	X(MALFORMED, "malformed_responses", COUNTER, "response bodies that could not be parsed")   \
	X(HTTP_OTHER, "http_other", COUNTER, "other non-2xx answers")                              \
	X(AUTH_FAILURES, "auth_failures", COUNTER,                                                 \
	  "token requests refused, or a 401 after a fresh token")                                  \
	X(THROTTLE_WAITS, "throttle_waits", COUNTER,                                               \
	  "proactive waits because the rate budget ran low")                                       \
	X(THROTTLE_MS, "throttle_ms", COUNTER, "time spent in proactive waits")                    \
	X(RING_FULL_WAITS, "ring_full_waits", COUNTER, "waits for ring space (backpressure)")      \
	X(SLOT_WAITS, "slot_waits", COUNTER, "waits for a free cursor slot")                       \
	X(CHECKPOINTS, "checkpoints", COUNTER, "checkpoint files written")                         \
	X(CHECKPOINT_ERRORS, "checkpoint_errors", COUNTER, "checkpoint writes that failed")        \
	X(OVERSIZED_EVENTS, "oversized_events", COUNTER,                                           \
	  "events above event.max_bytes (forwarded)")                                              \
	X(UNCARRIABLE_EVENTS, "uncarriable_events", COUNTER,                                       \
	  "events above the ring's max record (sent cut, kept whole in the state directory)")      \
	X(SPLIT_BATCHES, "split_batches", COUNTER, "poll answers split over several batches")      \
	X(SPOOL_BYTES, "spool_bytes", GAUGE,                                                       \
	  "spool bytes on disk (a segment is deleted once Kafka acknowledged all of it)")          \
	X(SPOOL_UNREAD, "spool_unread", GAUGE, "spooled records not yet written to the rings")     \
	X(SPOOL_APPENDS, "spool_appends", COUNTER, "records appended to the spool")                \
	X(SPOOL_SYNCS, "spool_syncs", COUNTER, "spool fdatasyncs completed")                       \
	X(SPOOL_FULL, "spool_full", COUNTER, "times the spool reached spool.max_size")             \
	X(SPOOL_RECOVERED_BYTES, "spool_recovered_bytes", COUNTER,                                 \
	  "torn or corrupt spool tail bytes cut off at open")

#define GCB_SC_ENUM(id, name, kind, help) GCB_COUNTER_ENUM(GCB_SC_, id)
enum gcb_source_counter { GCB_SOURCE_COUNTERS(GCB_SC_ENUM) GCB_SC_COUNT };
#undef GCB_SC_ENUM

#endif

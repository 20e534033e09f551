/*
 * Counters of the fetcher stage, in the format of shm/gcb_counters.h:
 * X(ID, "name", KIND, "help") generates GCB_FC_<ID> (the index into the
 * fetcher slot's counters[]), the names metrics and tools print, and the
 * Prometheus help and type. Append only, never renumber.
 *
 * The notification source (docs/notifications.md) counts from CHANNELS on,
 * the poll source's spool (docs/fetcher.md, "The spool") from SPOOL_EVENTS on.
 * The fetcher's last cursor lives in the pipeline's cursor slots, not here.
 */
#ifndef GCB_COUNTERS_FETCHER_H
#define GCB_COUNTERS_FETCHER_H

#include "shm/gcb_counters.h"

#define GCB_FETCHER_COUNTERS(X)                                                                    \
	X(POLLS, "polls", COUNTER, "poll requests answered 200")                                   \
	X(EVENTS, "events", COUNTER, "events written to the rings")                                \
	X(BYTES, "bytes", COUNTER, "event JSON bytes written to the rings")                        \
	X(HTTP_401, "http_401", COUNTER, "401 answers (any endpoint)")                             \
	X(HTTP_429, "http_429", COUNTER, "429 answers (throttled)")                                \
	X(HTTP_5XX, "http_5xx", COUNTER, "5xx answers")                                            \
	X(RETRIES, "retries", COUNTER, "requests retried after a failure")                         \
	X(BACKOFF_MS, "backoff_ms", GAUGE, "current backoff wait, 0 when none")                    \
	X(TOKEN_RENEWALS, "token_renewals", COUNTER, "access tokens obtained")                     \
	X(CURSOR_EXPIRIES, "cursor_expiries", COUNTER, "410 cursor.expired answers")               \
	X(LAST_POLL_UNIX_MS, "last_poll_unix_ms", GAUGE, "time of the last successful poll")       \
	X(BATCHES, "batches", COUNTER, "batches committed to the rings")                           \
	X(EMPTY_POLLS, "empty_polls", COUNTER, "polls answered with no event")                     \
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
	X(CHANNELS, "channels", GAUGE, "notification channels connected now")                      \
	X(TOPICS, "topics", GAUGE, "notification topics subscribed now")                           \
	X(WS_MESSAGES, "ws_messages", COUNTER, "notification data messages received")              \
	X(WS_HEARTBEATS, "ws_heartbeats", COUNTER, "channel heartbeats and pongs received")        \
	X(WS_RECONNECTS, "ws_reconnects", COUNTER, "channels reconnected, any cause")              \
	X(ROLLOVERS, "rollovers", COUNTER, "channels replaced before expiry or on socket_closing") \
	X(SYSTEM_MESSAGES, "system_messages", COUNTER, "v2.system.* messages handled")             \
	X(LAST_MESSAGE_UNIX_MS, "last_message_unix_ms", GAUGE,                                     \
	  "time of the last notification message received")                                        \
	X(GAPS_OPENED, "gaps_opened", COUNTER, "gaps recorded (time not connected)")               \
	X(GAPS_BACKFILLED, "gaps_backfilled", COUNTER, "gaps whose backfill completed")            \
	X(GAPS_PENDING, "gaps_pending", GAUGE, "gaps not yet backfilled")                          \
	X(BACKFILL_JOBS, "backfill_jobs", COUNTER,                                                 \
	  "analytics conversation-details jobs submitted")                                         \
	X(BACKFILL_EVENTS, "backfill_events", COUNTER, "conversations emitted as backfill events") \
	X(SPOOL_BYTES, "spool_bytes", GAUGE,                                                       \
	  "spool bytes on disk (a segment is deleted once Kafka acknowledged all of it)")          \
	X(SPOOL_UNREAD, "spool_unread", GAUGE, "spooled records not yet written to the rings")     \
	X(SPOOL_APPENDS, "spool_appends", COUNTER, "records appended to the spool")                \
	X(SPOOL_SYNCS, "spool_syncs", COUNTER, "spool fdatasyncs completed")                       \
	X(SPOOL_FULL, "spool_full", COUNTER, "times the spool reached spool.max_size")             \
	X(SPOOL_RECOVERED_BYTES, "spool_recovered_bytes", COUNTER,                                 \
	  "torn or corrupt spool tail bytes cut off at open")                                      \
	X(BACKFILL_WATERMARK_WAITS, "backfill_watermark_waits", COUNTER,                           \
	  "gap backfills held because analytics data was not yet complete for the gap")            \
	X(TOPICS_REJECTED, "topics_rejected", GAUGE,                                               \
	  "notification topics the service refused to subscribe now")                              \
	X(SPOOL_EVENTS, "spool_events", GAUGE,                                                     \
	  "poll source: spooled events not yet written to the rings")                              \
	X(SPOOL_OLDEST_UNIX_MS, "spool_oldest_unix_ms", GAUGE,                                     \
	  "poll source: arrival of the oldest spooled event not yet in the rings (0: none)")       \
	X(SPOOL_FILL_BPS, "spool_fill_bytes_per_second", GAUGE,                                    \
	  "spool growth over the last seconds, bytes per second (0: not growing)")                 \
	X(SPOOL_FULL_IN_MS, "spool_full_in_ms", GAUGE,                                             \
	  "projected time until the spool reaches spool.max_size at the current fill rate "        \
	  "(0: not growing)")                                                                      \
	X(SPOOL_FULL_NOW, "spool_full_now", GAUGE,                                                 \
	  "1 while polling is stopped because the spool is full")                                  \
	X(RETENTION_DEADLINE_UNIX_MS, "retention_deadline_unix_ms", GAUGE,                         \
	  "while the spool is full: estimated time the upstream retention passes the cursor "      \
	  "polling stopped at (0: not full)")

#define GCB_FC_ENUM(id, name, kind, help) GCB_COUNTER_ENUM(GCB_FC_, id)
enum gcb_fetcher_counter { GCB_FETCHER_COUNTERS(GCB_FC_ENUM) GCB_FC_COUNT };
#undef GCB_FC_ENUM

/* Names in index order, as an array initializer. */
#define GCB_FC_NAME(id, name, kind, help) name,
#define GCB_FC_NAMES                                                                               \
	{                                                                                          \
		GCB_FETCHER_COUNTERS(GCB_FC_NAME)                                                  \
	}

_Static_assert(GCB_FC_COUNT <= GCB_SHM_STAGE_COUNTERS, "fetcher counters exceed the block");

#endif

/*
 * Counters of the poll source only, in the format of shm/gcb_counters.h:
 * X(ID, "name", KIND, "help") generates GCB_FC_<ID>, the index into the
 * fetcher slot's counters[], right after the shared ones
 * (shm/gcb_counters_source.h). The spool gauges here are the poll source's
 * (docs/fetcher.md, "The spool"). The fetcher's last cursor lives in the
 * pipeline's cursor slots, not here.
 */
#ifndef GCB_COUNTERS_FETCHER_H
#define GCB_COUNTERS_FETCHER_H

#include "shm/gcb_counters_source.h"

#define GCB_FETCHER_COUNTERS(X)                                                                    \
	X(POLLS, "polls", COUNTER, "poll requests answered 200")                                   \
	X(CURSOR_EXPIRIES, "cursor_expiries", COUNTER, "410 cursor.expired answers")               \
	X(LAST_POLL_UNIX_MS, "last_poll_unix_ms", GAUGE, "time of the last successful poll")       \
	X(EMPTY_POLLS, "empty_polls", COUNTER, "polls answered with no event")                     \
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

/* GCB_FC_BASE_ only places the first at GCB_SC_COUNT; GCB_FC_END follows the last. */
#define GCB_FC_ENUM(id, name, kind, help) GCB_COUNTER_ENUM(GCB_FC_, id)
enum gcb_fetcher_counter {
	GCB_FC_BASE_ = GCB_SC_COUNT - 1,
	GCB_FETCHER_COUNTERS(GCB_FC_ENUM) GCB_FC_END
};
#undef GCB_FC_ENUM

#endif

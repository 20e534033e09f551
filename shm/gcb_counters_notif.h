/*
 * Counters of the notification source only (docs/notifications.md), in the
 * format of shm/gcb_counters.h: X(ID, "name", KIND, "help") generates
 * GCB_NC_<ID>, the index into the fetcher slot's counters[], after the
 * shared ones and the poll source's (shm/gcb_counters_fetcher.h). Append
 * here.
 */
#ifndef GCB_COUNTERS_NOTIF_H
#define GCB_COUNTERS_NOTIF_H

#include "shm/gcb_counters_fetcher.h"

#define GCB_NOTIF_COUNTERS(X)                                                                      \
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
	X(BACKFILL_WATERMARK_WAITS, "backfill_watermark_waits", COUNTER,                           \
	  "gap backfills held because analytics data was not yet complete for the gap")            \
	X(TOPICS_REJECTED, "topics_rejected", GAUGE,                                               \
	  "notification topics the service refused to subscribe now")                              \
	X(WS_READ_BREAKS, "ws_read_breaks", COUNTER,                                               \
	  "channel reads broken off after 1000 messages to feed the rings in between")

/* GCB_NC_BASE_ only places the first at GCB_FC_END; GCB_NC_END, the end of
 * the fetcher slot's counters, follows the last. */
#define GCB_NC_ENUM(id, name, kind, help) GCB_COUNTER_ENUM(GCB_NC_, id)
enum gcb_notif_counter {
	GCB_NC_BASE_ = GCB_FC_END - 1,
	GCB_NOTIF_COUNTERS(GCB_NC_ENUM) GCB_NC_END
};
#undef GCB_NC_ENUM

_Static_assert(GCB_NC_END <= GCB_SHM_STAGE_COUNTERS, "fetcher counters exceed the block");

#endif

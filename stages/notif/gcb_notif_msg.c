/*
 * One message off a channel: heartbeats, pongs and v2.system.* messages are
 * handled here and never forwarded; everything else is appended to the
 * spool as received. No allocation: the topic name is found by a scan of
 * the top-level object (lib/gcb_json.h).
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "stages/notif/gcb_notif_scan.h"
#include "lib/gcb_log.h"

#define TOPIC_MAX 512

static void on_system(gcb_notif_chan_t *c, const char *topic, uint64_t now_unix)
{
	gcb_notif_count(c->n, GCB_NC_SYSTEM_MESSAGES, 1);
	if (strcmp(topic, "v2.system.socket_closing") == 0) {
		gcb_log_info("channel %s: socket_closing announced: rolling over", c->id);
		c->want_rollover = 1;
	} else if (strncmp(topic, "v2.system.token_revoked", 23) == 0) {
		gcb_log_warn("channel %s: token revoked", c->id);
		c->want_revoke = 1;
		c->event_unix_ms = now_unix;
	} else if (strncmp(topic, "v2.system.no_longer_subscribed", 30) == 0) {
		gcb_log_warn("channel %s: no longer subscribed", c->id);
		if (!c->want_resubscribe)
			c->event_unix_ms = now_unix;
		c->want_resubscribe = 1;
	} else {
		gcb_log_info("channel %s: system message %s ignored", c->id, topic);
	}
}

int gcb_notif_on_message(void *arg, const char *msg, size_t len)
{
	gcb_notif_chan_t *c = arg;
	gcb_notif_t *n = c->n;
	char topic[TOPIC_MAX];
	uint64_t now_unix = gcb_clock_real_ms(), now_mono = gcb_clock_mono_ms();
	int rc;

	c->last_rx_mono_ms = now_mono;
	c->last_rx_unix_ms = now_unix;
	c->ping_sent_mono_ms = 0;
	gcb_gaps_alive(&n->gaps, now_unix, now_mono, GCB_NOTIF_ALIVE_MS);
	gcb_counter_set(n->src.counters, GCB_NC_LAST_MESSAGE_UNIX_MS, now_unix);

	rc = gcb_notif_topic_name(msg, len, topic, sizeof(topic));
	if (rc == 0 && strcmp(topic, "channel.metadata") == 0) {
		gcb_notif_count(n, GCB_NC_WS_HEARTBEATS, 1);
		return 0;
	}
	if (rc == 0 && strncmp(topic, "v2.system.", 10) == 0) {
		on_system(c, topic, now_unix);
		return 0;
	}
	/* Anything else is data, well-formed or not: the validator judges it. */
	rc = gcb_spool_append(n->spool, now_unix, msg, (uint32_t)len);
	if (rc == -ENOSPC) {
		/* This message, and what waits behind it in the sockets, arrived
		 * after the last drained read: the gap starts there. */
		n->spool_full = 1;
		n->spool_full_unix_ms =
		    n->drained.latest_unix_ms != 0 ? n->drained.latest_unix_ms : now_unix;
		return 1;
	}
	if (rc != 0) {
		/* Too large for the spool, or a disk error: the message is lost
		 * here, so its moment becomes a (closed) gap for the backfill. */
		uint64_t id = gcb_notif_gap_open(n, now_unix, "closed", c->topics);

		gcb_log_error("spool append of a %zu-byte message failed: %s (recorded as a gap)",
			      len, strerror(-rc));
		gcb_notif_gap_close(n, &id, now_unix + 1);
		return 0;
	}
	gcb_notif_count(n, GCB_NC_WS_MESSAGES, 1);
	gcb_notif_count(n, GCB_SC_SPOOL_APPENDS, 1);
	return c->budget > 0 && --c->budget == 0 ? GCB_NOTIF_MORE : 0;
}

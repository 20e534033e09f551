/*
 * One channel's life: create (POST, PUT subscriptions), connect the
 * WebSocket to the connectUri exactly as returned, keep it healthy (every
 * message refreshes last-rx; a ping after ping_interval of silence; a
 * reconnect after heartbeat_timeout of silence), replace it before it
 * expires, or before the token that created it does, without a gap (new
 * channel connected first, old one drained and retired after), and
 * reconnect it with backoff after anything else. Every
 * disconnect opens a gap for the channel's topics; going live closes it.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "lib/gcb_log.h"

static const char PING[] = "{\"message\":\"ping\"}";

/*
 * How long a rollover waits for the old socket's close reply. The loop
 * blocks meanwhile (other sockets buffer in the kernel); a server answers
 * within a round trip, so this bounds only a peer that never does.
 */
#define ROLLOVER_DRAIN_MS 2000

unsigned gcb_notif_live(const gcb_notif_t *n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n->n_chans; i++)
		k += n->chans[i].used && n->chans[i].ws != NULL;
	return k;
}

int gcb_notif_all_live(const gcb_notif_t *n)
{
	for (unsigned i = 0; i < n->n_chans; i++)
		if (n->chans[i].used && n->chans[i].ws == NULL)
			return 0;
	return 1;
}

static void gauge(gcb_notif_t *n)
{
	gcb_counter_set(n->src.counters, GCB_NC_CHANNELS, gcb_notif_live(n));
}

static int ws_open(gcb_notif_chan_t *c, const char *uri, gcb_ws_t **ws)
{
	char err[256] = "";
	int rc = gcb_ws_connect(ws, uri, &c->n->ws_opts, err, sizeof(err));

	if (rc != 0)
		gcb_log_warn("channel slot %u: gcb_ws_connect() failed: %s (%s)", c->index, err,
			     strerror(-rc));
	return rc;
}

static void went_live(gcb_notif_chan_t *c)
{
	gcb_notif_t *n = c->n;
	uint64_t now_unix = gcb_clock_real_ms();

	c->last_rx_mono_ms = gcb_clock_mono_ms();
	c->last_rx_unix_ms = now_unix;
	c->ping_sent_mono_ms = 0;
	c->want_rollover = c->want_revoke = c->want_resubscribe = 0;
	gcb_backoff_reset(&c->backoff);
	gcb_notif_gap_close(n, &c->gap_id, now_unix);
	gauge(n);
	if (gcb_notif_all_live(n)) {
		n->ever_live = 1;
		gcb_notif_gap_close(n, &n->startup_gap, now_unix);
	}
}

/*
 * Records the token the channel was just created with. GENESYS.md C: a
 * channel may close when the token that created it expires, so the channel
 * is rolled over to one created with a newer token before then.
 */
static void note_token(gcb_notif_chan_t *c)
{
	const gcb_token_t *t = &c->n->src.token;

	c->token_expires_mono_ms = t->expires_ns / 1000000;
	c->token_life_ms =
	    t->expires_ns > t->obtained_ns ? (t->expires_ns - t->obtained_ns) / 1000000 : 0;
}

/* When c must be rolled over for its token (monotonic ms), UINT64_MAX never. */
static uint64_t token_roll_at(const gcb_notif_chan_t *c)
{
	uint64_t margin = c->n->conf->notif.rollover_before_ms;

	if (c->token_expires_mono_ms == 0)
		return UINT64_MAX;
	/* A token shorter than twice the margin: halfway through its life. */
	if (margin > c->token_life_ms / 2)
		margin = c->token_life_ms / 2;
	return c->token_expires_mono_ms > margin ? c->token_expires_mono_ms - margin : 0;
}

static void retry_later(gcb_notif_chan_t *c, int rc, const char *what)
{
	uint64_t ms = rc == -EINVAL
			  ? gcb_backoff_at_cap(&c->backoff)
			  : gcb_backoff_next(&c->backoff, c->n->src.api_http.resp.retry_after_ms);

	c->retry_mono_ms = gcb_clock_mono_ms() + ms;
	gcb_notif_count(c->n, GCB_SC_RETRIES, 1);
	gcb_log_warn("channel slot %u: %s failed (%s): retrying in %llu ms", c->index, what,
		     strerror(-rc), (unsigned long long)ms);
}

/* Connects a disconnected slot: the existing channel when it still lives, else a new one. */
static void chan_connect(gcb_notif_chan_t *c)
{
	gcb_notif_t *n = c->n;
	char id[GCB_NOTIF_ID_MAX], uri[GCB_NOTIF_URI_MAX];
	uint64_t expires = 0;
	gcb_ws_t *ws = NULL;
	int rc;

	if (c->id[0] != '\0' &&
	    c->expires_unix_ms > gcb_clock_real_ms() + n->conf->notif.rollover_before_ms &&
	    gcb_clock_mono_ms() < token_roll_at(c) && ws_open(c, c->uri, &ws) == 0) {
		c->ws = ws;
		if (c->dirty && (rc = gcb_notif_chan_subscribe(c)) != 0) {
			gcb_ws_close(c->ws, 1000);
			c->ws = NULL;
			retry_later(c, rc, "resubscribing");
			return;
		}
		gcb_log_info("channel %s reconnected (%u topics)", c->id, c->n_topics);
		went_live(c);
		return;
	}
	if (c->id[0] != '\0') {
		gcb_notif_chan_retire(n, c->id);
		c->id[0] = '\0';
	}
	rc = gcb_notif_chan_create(c, id, uri, &expires);
	if (rc == 0 && (rc = ws_open(c, uri, &ws)) != 0)
		gcb_notif_chan_retire(n, id);
	if (rc == -ECANCELED)
		return;
	if (rc != 0) {
		if (rc == -EINVAL && !n->ever_live)
			n->fatal = 1;
		retry_later(c, rc, "opening a channel");
		return;
	}
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->uri, sizeof(c->uri), "%s", uri);
	c->expires_unix_ms = expires;
	note_token(c);
	c->ws = ws;
	c->dirty = 0;
	gcb_log_info("channel %s connected: %u topics, expires in %llu s", c->id, c->n_topics,
		     (unsigned long long)((expires - gcb_clock_real_ms()) / 1000));
	went_live(c);
}

void gcb_notif_chan_disconnect(gcb_notif_chan_t *c, const char *reason, uint64_t gap_start_unix_ms,
			       int forget)
{
	gcb_notif_t *n = c->n;

	if (c->ws != NULL) {
		gcb_ws_close(c->ws, 1000);
		c->ws = NULL;
	}
	if (forget && c->id[0] != '\0') {
		gcb_notif_chan_retire(n, c->id);
		c->id[0] = '\0';
	}
	if (c->gap_id == 0)
		c->gap_id = gcb_notif_gap_open(n, gap_start_unix_ms, reason, c->topics);
	gcb_notif_count(n, GCB_NC_WS_RECONNECTS, 1);
	c->retry_mono_ms = gcb_clock_mono_ms() + gcb_backoff_next(&c->backoff, -1);
	gauge(n);
}

void gcb_notif_chan_drop(gcb_notif_chan_t *c)
{
	if (c->ws != NULL)
		gcb_ws_close(c->ws, 1000);
	c->ws = NULL;
	gcb_notif_chan_retire(c->n, c->id);
	c->id[0] = '\0';
	gcb_notif_gap_close(c->n, &c->gap_id, gcb_clock_real_ms());
	free(c->topics);
	c->topics = NULL;
	c->n_topics = 0;
	c->used = 0;
	gcb_notif_subscribe_forget(c);
	gauge(c->n);
}

/* A new channel for the same topics, live before the old one goes: no gap. */
static void chan_rollover(gcb_notif_chan_t *c, const char *why)
{
	gcb_notif_t *n = c->n;
	char id[GCB_NOTIF_ID_MAX], uri[GCB_NOTIF_URI_MAX];
	uint64_t expires = 0, started_unix_ms = gcb_clock_real_ms();
	gcb_ws_t *ws = NULL;
	int rc = gcb_notif_chan_create(c, id, uri, &expires);

	if (rc == 0 && (rc = ws_open(c, uri, &ws)) != 0)
		gcb_notif_chan_retire(n, id);
	if (rc != 0) {
		if (rc != -ECANCELED) {
			uint64_t ms = gcb_backoff_next(&c->backoff, -1);

			c->rollover_retry_mono_ms = gcb_clock_mono_ms() + ms;
			gcb_log_warn("channel %s: rollover (%s) failed (%s): retrying in %llu ms",
				     c->id, why, strerror(-rc), (unsigned long long)ms);
		}
		return;
	}
	/*
	 * The old channel was still sent what was published before the new
	 * one's socket was up, possibly after the last read: read it to the
	 * server's close reply before the new channel's messages, so that
	 * nothing is left in it and the order per key holds. A drain that
	 * does not end that way leaves the switch uncertain: a closed gap.
	 */
	rc = gcb_ws_close_drain(c->ws, 1000, ROLLOVER_DRAIN_MS, gcb_notif_on_message, c);
	c->ws = NULL;
	if (rc != 0) {
		uint64_t gap = gcb_notif_gap_open(n, started_unix_ms, "rollover", c->topics);

		gcb_log_warn("channel %s: the old socket did not close cleanly (%s): "
			     "the switch is recorded as a gap",
			     c->id, rc > 0 ? "spool full" : strerror(-rc));
		gcb_notif_gap_close(n, &gap, gcb_clock_real_ms());
	}
	gcb_notif_chan_retire(n, c->id);
	gcb_log_info("channel %s replaced by %s (%s)", c->id, id, why);
	snprintf(c->id, sizeof(c->id), "%s", id);
	snprintf(c->uri, sizeof(c->uri), "%s", uri);
	c->expires_unix_ms = expires;
	note_token(c);
	c->ws = ws;
	c->dirty = 0;
	c->rollover_retry_mono_ms = 0;
	gcb_notif_count(n, GCB_NC_ROLLOVERS, 1);
	went_live(c);
}

int gcb_notif_chan_service(gcb_notif_chan_t *c, short revents)
{
	int rc;

	(void)revents;
	if (c->ws == NULL)
		return 0;
	c->budget = GCB_NOTIF_TURN_MESSAGES;
	rc = gcb_ws_service(c->ws, gcb_notif_on_message, c);
	c->budget = 0;
	if (rc >= 0)
		return rc;
	if (c->want_revoke) {
		/* The service closes right after announcing the revocation. */
		gcb_log_warn("channel %s: token revoked and connection closed: renewing the "
			     "token and reconnecting",
			     c->id);
		gcb_token_invalidate(&c->n->src.token);
		gcb_notif_chan_disconnect(c, "token_revoked", c->event_unix_ms, 0);
		c->retry_mono_ms = 0;
		return 0;
	}
	gcb_log_warn("channel %s: connection lost (%s, close code %u): reconnecting", c->id,
		     strerror(-rc), gcb_ws_close_code(c->ws));
	gcb_notif_chan_disconnect(c, "closed", gcb_clock_real_ms(), 0);
	return 0;
}

static void on_unsubscribed(gcb_notif_chan_t *c)
{
	gcb_notif_t *n = c->n;
	uint64_t id = gcb_notif_gap_open(n, c->event_unix_ms, "unsubscribed", c->topics);
	int rc;

	c->want_resubscribe = 0;
	rc = gcb_notif_chan_subscribe(c);
	if (rc == 0) {
		gcb_log_info("channel %s resubscribed (%u topics)", c->id, c->n_topics);
		gcb_notif_gap_close(n, &id, gcb_clock_real_ms());
		return;
	}
	if (c->gap_id == 0)
		c->gap_id = id;
	else
		gcb_notif_gap_close(n, &id, gcb_clock_real_ms());
	gcb_log_warn("channel %s: resubscribing failed (%s): reconnecting on a new channel", c->id,
		     strerror(-rc));
	gcb_notif_chan_disconnect(c, "unsubscribed", c->event_unix_ms, 1);
}

void gcb_notif_chan_step(gcb_notif_chan_t *c, uint64_t now)
{
	gcb_notif_t *n = c->n;
	const gcb_source_conf_t *cf = n->conf;
	uint64_t now_unix;
	int token_due;

	if (!c->used || n->spool_full)
		return;
	if (c->ws == NULL) {
		if (now >= c->retry_mono_ms)
			chan_connect(c);
		return;
	}
	if (c->want_revoke) {
		gcb_log_warn("channel %s: token revoked: renewing the token and reconnecting",
			     c->id);
		gcb_token_invalidate(&n->src.token);
		gcb_notif_chan_disconnect(c, "token_revoked", c->event_unix_ms, 0);
		c->retry_mono_ms = now;
		return;
	}
	if (c->want_resubscribe) {
		on_unsubscribed(c);
		return;
	}
	if (now - c->last_rx_mono_ms >= cf->notif.heartbeat_timeout_ms) {
		gcb_log_warn("channel %s: nothing received for %llu ms (heartbeat timeout): "
			     "reconnecting on a new channel",
			     c->id, (unsigned long long)(now - c->last_rx_mono_ms));
		gcb_notif_chan_disconnect(c, "heartbeat", c->last_rx_unix_ms, 1);
		c->retry_mono_ms = now;
		return;
	}
	now_unix = gcb_clock_real_ms();
	token_due = now >= token_roll_at(c);
	if (now >= c->rollover_retry_mono_ms &&
	    (c->want_rollover || token_due ||
	     now_unix + cf->notif.rollover_before_ms >= c->expires_unix_ms)) {
		const gcb_token_t *t = &n->src.token;

		/* The token in hand is the channel's own (not renewed yet): a
		 * channel created with it would die with it too. */
		if (token_due && t->expires_ns != 0 &&
		    t->expires_ns / 1000000 <= c->token_expires_mono_ms)
			gcb_token_invalidate(&n->src.token);
		chan_rollover(c, c->want_rollover ? "socket_closing"
				 : token_due	  ? "token expiry ahead"
						  : "expiry ahead");
		return;
	}
	if (c->dirty && now >= c->rollover_retry_mono_ms) {
		int rc = gcb_notif_chan_subscribe(c);

		if (rc == -ENOENT)
			gcb_notif_chan_disconnect(c, "closed", now_unix, 1);
		else if (rc != 0 && rc != -ECANCELED)
			c->rollover_retry_mono_ms = now + gcb_backoff_next(&c->backoff, -1);
		else if (rc == 0)
			gcb_log_info("channel %s: subscriptions replaced (%u topics)", c->id,
				     c->n_topics);
		return;
	}
	if (now - c->last_rx_mono_ms >= cf->notif.ping_interval_ms && c->ping_sent_mono_ms == 0) {
		if (gcb_ws_send_text(c->ws, PING, sizeof(PING) - 1) == 0)
			c->ping_sent_mono_ms = now;
	}
}

static int64_t until(uint64_t at, uint64_t now)
{
	return at > now ? (int64_t)(at - now) : 0;
}

int64_t gcb_notif_chan_due_ms(const gcb_notif_chan_t *c, uint64_t now)
{
	const gcb_source_conf_t *cf = c->n->conf;
	uint64_t now_unix;
	int64_t d, r;

	if (!c->used || c->n->spool_full)
		return -1;
	if (c->ws == NULL)
		return until(c->retry_mono_ms, now);
	if (c->want_revoke || c->want_resubscribe || c->want_rollover)
		return 0;
	if (gcb_ws_want_write(c->ws))
		return 0;
	d = until(c->last_rx_mono_ms + cf->notif.heartbeat_timeout_ms, now);
	if (c->ping_sent_mono_ms == 0 &&
	    (r = until(c->last_rx_mono_ms + cf->notif.ping_interval_ms, now)) < d)
		d = r;
	now_unix = gcb_clock_real_ms();
	r = until(c->expires_unix_ms - cf->notif.rollover_before_ms, now_unix);
	if (token_roll_at(c) != UINT64_MAX && until(token_roll_at(c), now) < r)
		r = until(token_roll_at(c), now);
	if (until(c->rollover_retry_mono_ms, now) > r)
		r = until(c->rollover_retry_mono_ms, now);
	return r < d ? r : d;
}

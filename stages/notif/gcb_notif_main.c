/*
 * The notification source's loop: one thread, one poll() over the channel
 * sockets. Every turn: read what the sockets hold (messages go to the
 * spool), act on channel timers and system messages, flush the spool, move
 * spooled records into the rings (never waiting for ring space), release
 * what the checkpoint covers, take one backfill step when one is due, and
 * re-resolve the topics when that is due. Blocking REST calls (channel
 * create / subscribe, resolution, backfill) run inline, bounded by
 * genesys.http.timeout, with the fetcher's tick (heartbeat, checkpoints,
 * stop) running during them.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "lib/gcb_log.h"

#define SPOOL_CHECK_MS	100
#define IDLE_BACKFILL	1000
#define REQUEST_SCAN_MS 1000 /* on-demand backfill requests looked for this often */


uint64_t gcb_notif_gap_open(gcb_notif_t *n, uint64_t start_unix_ms, const char *reason,
			    const char *topics)
{
	uint64_t id = gcb_gaps_open(&n->gaps, start_unix_ms, reason, topics ? topics : "");

	/* The gap log logs the gap itself. */
	gcb_notif_count(n, GCB_NC_GAPS_OPENED, 1);
	gcb_counter_set(n->src.counters, GCB_NC_GAPS_PENDING, gcb_gaps_pending(&n->gaps));
	return id;
}

void gcb_notif_gap_close(gcb_notif_t *n, uint64_t *id, uint64_t end_unix_ms)
{
	int rc;

	if (*id == 0)
		return;
	if ((rc = gcb_gaps_close(&n->gaps, *id, end_unix_ms)) != 0)
		gcb_log_error("gcb_gaps_close(%llu) failed: %s", (unsigned long long)*id,
			      strerror(-rc));
	*id = 0;
	n->backfill_mono_ms = 0; /* a closed gap is work for the backfill */
}

/* ---- backfill io: the fetcher's authorised calls, the spool ---- */

static int bf_call(void *arg, const char *method, const char *path, const char *body,
		   size_t body_len, const gcb_http_resp_t **resp)
{
	gcb_notif_t *n = arg;
	int rc = gcb_notif_rest(n, method, path, body, body_len);

	if (rc == -EACCES || rc == -EAGAIN)
		return -EAGAIN;
	if (rc == 0)
		*resp = &n->src.api_http.resp;
	return rc;
}

static int bf_emit(void *arg, const char *msg, size_t len)
{
	gcb_notif_t *n = arg;
	int rc = gcb_spool_append(n->spool, gcb_clock_real_ms(), msg, (uint32_t)len);

	if (rc == 0)
		gcb_notif_count(n, GCB_SC_SPOOL_APPENDS, 1);
	return rc;
}

static int bf_sync(void *arg)
{
	gcb_notif_t *n = arg;

	return gcb_spool_sync(n->spool);
}

/* ---- setup and teardown ---- */

static int setup(gcb_notif_t *n, gcb_ring_t *out, unsigned n_out)
{
	gcb_source_t *f = &n->src;
	const gcb_source_conf_t *c = f->conf;
	const char *instance = f->ctx->shm->hdr->instance;
	gcb_spool_conf_t sc = {0};
	gcb_spool_stats_t st;
	uint64_t carriable;
	char err[256];
	int rc;

	n->conf = c;
	n->rings = out;
	n->n_rings = n_out;
	for (unsigned i = 0; i < GCB_NOTIF_MAX_CHANNELS; i++) {
		n->chans[i].n = n;
		n->chans[i].index = i;
		gcb_backoff_init(&n->chans[i].backoff, c->backoff_base_ms, c->backoff_cap_ms,
				 f->backoff.rng ^ (0x9e3779b97f4a7c15ull * (i + 1)));
	}
	rc = gcb_notif_topics_load(&n->tmpl, c->notif.topics, c->notif.topics_file,
				   c->notif.topics_per_channel, c->notif.max_channels, err,
				   sizeof(err));
	if (rc != 0) {
		gcb_log_error("%s", err);
		return -EINVAL;
	}
	/*
	 * Messages above event.max_bytes still travel (the validator dead-letters
	 * them as oversized, with their bytes) up to what a ring record carries;
	 * the feed's scratch buffer holds half a ring anyway. Only a message
	 * beyond that fails the connection (and leaves a gap for the backfill).
	 */
	carriable = UINT32_MAX;
	for (unsigned i = 0; i < n_out; i++)
		if (out[i].max_record < carriable)
			carriable = out[i].max_record;
	n->max_message = c->max_event_bytes + (64u << 10);
	if (carriable != UINT32_MAX && carriable > n->max_message)
		n->max_message = (uint32_t)carriable;
	gcb_rate_init(&n->rate, c->notif.rate_per_minute,
		      gcb_clock_mono_ms());
	n->ws_opts = (gcb_ws_opts_t){
	    .connect_timeout_ms = c->connect_timeout_ms,
	    .tls_verify = c->tls_verify,
	    .ca_path = c->ca_path,
	    .user_agent = c->user_agent,
	    .max_message = n->max_message,
	};
	sc.dir = c->spool.dir;
	sc.segment_bytes = c->spool.segment_bytes;
	sc.max_bytes = c->spool.max_bytes;
	sc.sync_interval_ms = c->spool.sync_interval_ms;
	sc.max_record = n->max_message;
	if ((rc = gcb_spool_open(&n->spool, &sc, err, sizeof(err))) != 0) {
		gcb_log_error("spool %s: %s", c->spool.dir, err);
		return -EINVAL;
	}
	gcb_spool_stats(n->spool, &st);
	gcb_notif_count(n, GCB_SC_SPOOL_RECOVERED_BYTES, st.recovered_tail_bytes);
	n->spool_syncs = st.syncs;
	if ((rc = gcb_gaps_load(&n->gaps, &f->ckpt, instance, err, sizeof(err))) != 0) {
		gcb_log_error("gap log: %s", err);
		return -EINVAL;
	}
	n->gaps_ready = 1;
	if (c->backfill.enabled) {
		gcb_backfill_conf_t bc = {
		    .enabled = 1,
		    .pad_ms = c->backfill.pad_ms,
		    .poll_interval_ms = c->backfill.poll_interval_ms,
		    .backoff_base_ms = c->backoff_base_ms,
		    .backoff_cap_ms = c->backoff_cap_ms,
		};
		gcb_backfill_io_t io = {
		    .call = bf_call, .emit = bf_emit, .sync = bf_sync, .arg = n};

		rc = gcb_backfill_new(&n->backfill, &bc, &n->gaps, &f->ckpt, instance, &io,
				      f->counters, err, sizeof(err));
		if (rc != 0) {
			gcb_log_error("backfill: %s", err);
			return -EINVAL;
		}
	}
	snprintf(f->stream_id, sizeof(f->stream_id), "%s", GCB_NOTIF_STREAM);
	gcb_source_writer_init(f, out, n_out);
	if ((rc = gcb_notif_feed_init(n)) != 0)
		return rc;
	gcb_notif_feed_resume(n);
	return 0;
}

static void teardown(gcb_notif_t *n)
{
	for (unsigned i = 0; i < GCB_NOTIF_MAX_CHANNELS; i++) {
		gcb_ws_close(n->chans[i].ws, 1001);
		n->chans[i].ws = NULL;
		free(n->chans[i].topics);
		gcb_notif_topics_fini(&n->chans[i].rejected);
	}
	gcb_counter_set(n->src.counters, GCB_NC_CHANNELS, 0);
	gcb_backfill_free(n->backfill);
	if (n->spool != NULL) {
		(void)gcb_spool_flush(n->spool, gcb_clock_mono_ms(), 1);
		gcb_spool_close(n->spool);
	}
	if (n->gaps_ready)
		gcb_gaps_fini(&n->gaps);
	gcb_notif_topics_fini(&n->tmpl);
	gcb_notif_topics_fini(&n->topics);
	gcb_notif_feed_fini(n);
}

/* ---- the loop ---- */

static void spool_full_check(gcb_notif_t *n, uint64_t now)
{
	gcb_spool_stats_t st;

	if (n->spool_full && !n->paused) {
		gcb_notif_count(n, GCB_SC_SPOOL_FULL, 1);
		gcb_log_error("spool full (spool.max_size %llu bytes): closing every channel until "
			      "it is below 3/4 of that; the time in between is a gap",
			      (unsigned long long)n->conf->spool.max_bytes);
		for (unsigned i = 0; i < n->n_chans; i++) {
			gcb_notif_chan_t *c = &n->chans[i];

			if (c->used && c->ws != NULL)
				gcb_notif_chan_disconnect(c, "spool_full", n->spool_full_unix_ms,
							  0);
		}
		n->paused = 1;
	}
	if (!n->paused)
		return;
	gcb_spool_stats(n->spool, &st);
	if (st.bytes >= n->conf->spool.max_bytes / 4 * 3)
		return;
	gcb_log_info("spool down to %llu bytes (below 3/4 of spool.max_size): reconnecting",
		     (unsigned long long)st.bytes);
	n->paused = 0;
	n->spool_full = 0;
	for (unsigned i = 0; i < n->n_chans; i++)
		n->chans[i].retry_mono_ms = now;
}

static void gauges(gcb_notif_t *n)
{
	gcb_spool_stats_t st;

	gcb_spool_stats(n->spool, &st);
	gcb_counter_set(n->src.counters, GCB_SC_SPOOL_BYTES, st.bytes);
	gcb_counter_set(n->src.counters, GCB_SC_SPOOL_UNREAD, st.unread_records + n->batch.n_events);
	if (st.syncs > n->spool_syncs)
		gcb_notif_count(n, GCB_SC_SPOOL_SYNCS, st.syncs - n->spool_syncs);
	n->spool_syncs = st.syncs;
	gcb_counter_set(n->src.counters, GCB_NC_GAPS_PENDING, gcb_gaps_pending(&n->gaps));
}

static int loop_timeout(gcb_notif_t *n, uint64_t now)
{
	int64_t t = GCB_SOURCE_TICK_MS, d;

	if (n->more_to_read)
		return 0; /* messages wait in the process, where poll() cannot see them */

	for (unsigned i = 0; i < n->n_chans; i++)
		if ((d = gcb_notif_chan_due_ms(&n->chans[i], now)) >= 0 && d < t)
			t = d;
	if ((d = gcb_spool_flush_due_ms(n->spool, now)) >= 0 && d < t)
		t = d;
	if (n->ring_blocked && t > n->ring_retry_ms)
		t = n->ring_retry_ms;
	if (n->paused && t > SPOOL_CHECK_MS)
		t = SPOOL_CHECK_MS;
	if (n->backfill != NULL && (d = (int64_t)n->backfill_mono_ms - (int64_t)now) < t)
		t = d < 0 ? 0 : d;
	if ((d = (int64_t)n->resolve_mono_ms - (int64_t)now) < t)
		t = d < 0 ? 0 : d;
	return (int)t;
}

static int loop_turn(gcb_notif_t *n)
{
	struct pollfd fds[GCB_NOTIF_MAX_CHANNELS];
	unsigned k = 0;
	uint64_t now = gcb_clock_mono_ms(), began_unix_ms;
	int rc;

	for (unsigned i = 0; i < n->n_chans; i++) {
		gcb_ws_t *ws = n->chans[i].ws;

		if (ws == NULL)
			continue;
		fds[k].fd = gcb_ws_fd(ws);
		fds[k].events = (short)(POLLIN | (gcb_ws_want_write(ws) ? POLLOUT : 0));
		fds[k].revents = 0;
		k++;
	}
	if (poll(fds, k, loop_timeout(n, now)) < 0 && errno != EINTR) {
		gcb_log_error("poll() failed: %s", strerror(errno));
		return -EIO;
	}
	/* Every live socket, ready or not: TLS may hold bytes poll() cannot see. */
	began_unix_ms = gcb_clock_real_ms();
	n->more_to_read = 0;
	for (unsigned i = 0; i < n->n_chans && !n->spool_full; i++)
		if (n->chans[i].ws != NULL &&
		    gcb_notif_chan_service(&n->chans[i], 0) == GCB_NOTIF_MORE) {
			gcb_notif_count(n, GCB_NC_WS_READ_BREAKS, 1);
			n->more_to_read = 1;
		}
	if (!n->more_to_read && !n->spool_full)
		gcb_drained_add(&n->drained, began_unix_ms, gcb_clock_real_ms());
	now = gcb_clock_mono_ms();
	spool_full_check(n, now);
	for (unsigned i = 0; i < n->n_chans; i++)
		gcb_notif_chan_step(&n->chans[i], now);
	if (n->fatal)
		return -EINVAL;
	if ((rc = gcb_spool_flush(n->spool, now, 0)) != 0) {
		gcb_log_error("spool flush failed: %s", strerror(-rc));
		return rc;
	}
	if ((rc = gcb_notif_feed(n)) != 0)
		return rc;
	gcb_notif_feed_release(n);
	if (now >= n->requests_mono_ms) {
		gcb_notif_requests_scan(n);
		n->requests_mono_ms = now + REQUEST_SCAN_MS;
		n->backfill_mono_ms = now; /* a new gap may wait */
	}
	if (n->backfill != NULL && now >= n->backfill_mono_ms) {
		int64_t d = gcb_backfill_step(n->backfill, now);

		n->backfill_mono_ms = gcb_clock_mono_ms() + (uint64_t)(d < 0 ? IDLE_BACKFILL : d);
	}
	gcb_notif_shard_turn(n);
	if (now >= n->resolve_mono_ms || n->shards_changed) {
		if (gcb_notif_topics_need(&n->tmpl, "{") || n->shards_changed)
			(void)gcb_notif_resolve(n, 0);
		else
			n->resolve_mono_ms = now + n->conf->notif.resolve_interval_ms;
		/* Topics the service rejected are asked for again at the same pace. */
		gcb_notif_subscribe_retry(n);
	}
	gauges(n);
	return 0;
}

int gcb_notif_main(const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *out,
		   unsigned n_out)
{
	gcb_notif_t *n = calloc(1, sizeof(*n));
	gcb_source_t *f;
	int rc, ret = GCB_EXIT_RESTART;

	if (n == NULL) {
		gcb_log_error("calloc() failed");
		return GCB_EXIT_RESTART;
	}
	f = &n->src;
	rc = gcb_source_init(f, conf, ctx, out, n_out);
	if (rc != 0) {
		ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto fini;
	}
	gcb_log_info("fetcher: notifications api=%s login=%s client_id=%s validators=%u "
		     "state_dir=%s",
		     f->api, f->login, conf->client_id, n_out, conf->state_dir);
	rc = setup(n, out, n_out);
	if (rc != 0) {
		ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}
	gcb_log_info("notification source: %u topic templates, spool %s (max %llu bytes), "
		     "backfill %s",
		     n->tmpl.n, f->conf->spool.dir, (unsigned long long)f->conf->spool.max_bytes,
		     n->backfill != NULL ? "on" : "off");
	rc = gcb_notif_avail_check(n);
	if (rc == -ECANCELED) {
		ret = GCB_EXIT_OK;
		goto out;
	}
	if (rc != 0) {
		ret = GCB_EXIT_FATAL;
		goto out;
	}
	if ((rc = gcb_notif_shard_setup(n)) != 0) {
		ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}
	rc = gcb_notif_resolve(n, 1);
	if (rc == -ECANCELED) {
		ret = GCB_EXIT_OK;
		goto out;
	}
	if (rc != 0) {
		ret = rc == -E2BIG ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}
	/* In a group, a shard's downtime is its takeover gap (gcb_notif_shard.c). */
	if (gcb_gaps_last_alive(&n->gaps) != 0 && n->coord == NULL) {
		char *all = gcb_notif_topics_join(&n->topics, 0, n->topics.n);

		n->startup_gap =
		    gcb_notif_gap_open(n, gcb_gaps_last_alive(&n->gaps), "not_running", all);
		free(all);
	}
	while (!gcb_source_tick(f)) {
		if ((rc = loop_turn(n)) == 0)
			continue;
		if (rc == -EINVAL) {
			gcb_log_error("genesys.notifications.topics: the service rejected the "
				      "configured topics (see the PUT subscriptions answer above)");
			ret = GCB_EXIT_FATAL;
		}
		goto stop;
	}
	ret = GCB_EXIT_OK;
stop:
	gcb_notif_shard_fini(n);
	gcb_source_checkpoint(f, 1);
	gcb_notif_feed_release(n);
out:
	gcb_notif_shard_fini(n);
	teardown(n);
	gcb_log_info("fetcher stopping: exit %d", ret);
fini:
	gcb_source_fini(f);
	free(n);
	return ret;
}

int gcb_notif_stage_main(gcb_stage_ctx_t *ctx, void *arg)
{
	return gcb_source_stage_run(ctx, arg, gcb_notif_main);
}

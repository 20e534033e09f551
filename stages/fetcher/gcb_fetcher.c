/*
 * The fetcher stage: setup, resume, and the poll loop (docs/genesys-api.md).
 *
 * Failure policy, in short (docs/fetcher.md has the table): transport
 * errors, timeouts, 408, 429, 500/502/503/504 and malformed answers are
 * retried with exponential backoff and full jitter (429: never sooner than
 * Retry-After); 401 renews the token and retries once, a second 401 backs
 * off; 410 cursor.expired restarts from the oldest retained event; 501 and
 * other 4xx back off at the cap and keep trying; 404 for the stream is a
 * configuration error (exit 2). Retries never give up.
 */
#include "stages/fetcher/gcb_fetcher_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_fetcher.h"
#include "stages/source/gcb_errbody.h"
#include "stages/notif/gcb_notif.h"
#include "lib/gcb_log.h"

#define SLOT_WAIT_MS	    20
#define SPOOL_FULL_CHECK_MS 100

/* The rings are fed from the spool while polls and sleeps run (not inside
 * a direct write: the batch writer is not reentrant); a failure is sticky
 * and ends the poll loop. */
static void on_tick(void *arg)
{
	gcb_fetcher_t *f = arg;

	if (f->ps != NULL && !f->writing)
		(void)gcb_fetcher_pspool_service(f);
}

static void on_stored(void *arg)
{
	gcb_fetcher_coord_stored(arg);
}

static void fetcher_teardown(gcb_fetcher_t *f)
{
	gcb_fetcher_coord_fini(f); /* drains and hands the stream over first */
	gcb_source_fini(&f->src);
	gcb_poll_result_fini(&f->poll);
}

static int on_writer_wait(void *arg, int why)
{
	gcb_fetcher_t *f = arg;

	if (f->feeding)
		return 1; /* the spool feed never waits: it tries again next turn */
	if (why == GCB_BATCH_WAIT_SLOT) {
		/* 64 batches since the last checkpoint: store one now, whatever the
		 * interval, or the interval would cap the fetch rate. */
		gcb_source_checkpoint(&f->src, 1);
		return gcb_source_sleep(&f->src, SLOT_WAIT_MS) != 0;
	}
	return gcb_source_tick(&f->src);
}

/*
 * Where to start: the newest batch in shared memory when the segment
 * outlived the previous fetcher, else the checkpoint file, else the oldest
 * retained event. With the spool, that is where the spool's replay starts;
 * polling goes on after the last spooled answer.
 */
static int fetcher_resume(gcb_fetcher_t *f)
{
	char stream[GCB_SOURCE_STREAM_MAX + 1], resume[GCB_POLL_CURSOR_MAX];
	uint64_t batch = 0;
	size_t len;
	int rc, from_ckpt = 1;

	if (gcb_batch_last_cursor(f->src.pipe, f->src.cursor, sizeof(f->src.cursor), &len) == 0) {
		gcb_log_info("resuming after batch %llu (shared memory), event seq %llu",
			     (unsigned long long)atomic_load(&f->src.pipe->fetched_batch_seq),
			     (unsigned long long)f->src.writer.last_seq);
		from_ckpt = 0;
		goto spool;
	}
	rc = gcb_ckpt_load(&f->src.ckpt, stream, sizeof(stream), f->src.cursor, sizeof(f->src.cursor), &batch);
	if (rc == 0 && stream[0] != '\0' && strcmp(stream, f->src.stream_id) != 0) {
		gcb_log_warn("checkpoint in %s/%s belongs to stream %s, not %s: starting from the "
			     "oldest retained event",
			     f->src.ckpt.dir, f->src.ckpt.name, stream, f->src.stream_id);
		f->src.cursor[0] = '\0';
	} else if (rc == 0) {
		gcb_log_info("resuming from checkpoint %s/%s (batch %llu of the previous run)",
			     f->src.ckpt.dir, f->src.ckpt.name, (unsigned long long)batch);
	} else if (rc == -ENOENT) {
		f->src.cursor[0] = '\0';
		gcb_log_info("no checkpoint in %s: starting from the oldest retained event",
			     f->src.ckpt.dir);
	} else {
		f->src.cursor[0] = '\0';
		gcb_log_error("checkpoint %s/%s unreadable (%s): starting from the oldest retained "
			      "event",
			      f->src.ckpt.dir, f->src.ckpt.name, strerror(-rc));
	}
spool:
	if (f->ps == NULL)
		return 0;
	/* The spool sets f->src.cursor: resume from a copy. */
	snprintf(resume, sizeof(resume), "%s", f->src.cursor);
	return gcb_fetcher_pspool_resume(f, resume, from_ckpt);
}

static void poll_url(gcb_fetcher_t *f, char *url, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	int n = snprintf(url, size, "%s/api/v2/eventstreams/%s/poll?limit=%u&timeoutMs=%u", f->src.api,
			 f->src.stream_id, gcb_fetcher_stall_limit(f), f->src.conf->poll_timeout_ms);
	size_t k = (size_t)n;

	if (f->src.cursor[0] == '\0' || k + 8 >= size)
		return;
	memcpy(url + k, "&cursor=", 8);
	k += 8;
	for (const unsigned char *p = (const unsigned char *)f->src.cursor; *p && k + 4 < size; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			url[k++] = (char)*p;
		} else {
			url[k++] = '%';
			url[k++] = hex[*p >> 4];
			url[k++] = hex[*p & 15];
		}
	}
	url[k] = '\0';
}

/*
 * An answer with an event larger than a spool record: it goes to the rings
 * directly, waiting for ring space as without a spool, once every spooled
 * answer before it is in the rings (order). Rare: only events far above
 * event.max_bytes, which travel cut anyway.
 */
static int write_direct(gcb_fetcher_t *f, const char *body, uint64_t received_ms)
{
	int rc;

	gcb_log_warn("poll answer with an event larger than a spool record: writing it to the "
		     "rings directly once the spool is drained");
	while (!gcb_fetcher_pspool_drained(f)) {
		if ((rc = gcb_fetcher_pspool_service(f)) != 0)
			return rc;
		if (gcb_source_sleep(&f->src, SLOT_WAIT_MS) != 0)
			return -ECANCELED;
	}
	f->writing = 1;
	rc = gcb_batch_write(&f->src.writer, body, &f->poll, f->src.cursor, received_ms);
	f->writing = 0;
	if (rc != 0) {
		if (rc != -ECANCELED)
			gcb_log_error("writing a batch of %zu events failed: %s", f->poll.n_events,
				      strerror(-rc));
		return rc;
	}
	gcb_fetcher_pspool_passed(f, f->poll.cursor);
	return 0;
}

/* Handles a 200 answer. 0: go on; -ECANCELED: stop; other: restart the stage. */
static int poll_ok(gcb_fetcher_t *f, uint64_t received_ms)
{
	const gcb_http_resp_t *r = &f->src.api_http.resp;
	char err[160];
	uint64_t wait;
	int rc;

	rc = gcb_poll_parse(&f->poll, r->body, r->body_len, err, sizeof(err));
	if (rc == 0 && f->poll.cursor_len >= GCB_SHM_CURSOR_MAX) {
		snprintf(err, sizeof(err),
			 "cursor of %zu bytes exceeds the %u bytes a cursor slot "
			 "holds",
			 f->poll.cursor_len, GCB_SHM_CURSOR_MAX - 1);
		rc = -ENAMETOOLONG;
	}
	if (rc == -ENOMEM)
		return rc;
	if (rc != 0) {
		/* The answer's framing, not an event: retried, then a stall. */
		gcb_counter_add(f->src.counters, GCB_SC_MALFORMED, 1);
		gcb_log_error("poll answer malformed: %s (%zu bytes) correlation_id=%s", err,
			      r->body_len, r->correlation_id);
		gcb_fetcher_stall_broken(f, err, r->body, r->body_len);
		return gcb_source_backoff(&f->src, rc == -ENAMETOOLONG, -1, "poll");
	}
	gcb_backoff_reset(&f->src.backoff);
	gcb_counter_add(f->src.counters, GCB_FC_POLLS, 1);
	gcb_counter_set(f->src.counters, GCB_FC_LAST_POLL_UNIX_MS, received_ms);
	if (f->poll.n_events > 0 && f->ps != NULL) {
		rc = gcb_fetcher_pspool_append(f, r->body, received_ms);
		if (rc == -ENOSPC)
			return 0; /* not taken: polled again once the spool has room */
		if (rc == -EMSGSIZE)
			rc = write_direct(f, r->body, received_ms);
		if (rc != 0)
			return rc;
	} else if (f->poll.n_events > 0) {
		f->writing = 1;
		rc = gcb_batch_write(&f->src.writer, r->body, &f->poll, f->src.cursor, received_ms);
		f->writing = 0;
		if (rc != 0) {
			if (rc != -ECANCELED)
				gcb_log_error("writing a batch of %zu events failed: %s",
					      f->poll.n_events, strerror(-rc));
			return rc;
		}
		gcb_log_debug("batch %llu: %zu events, hasMore=%d",
			      (unsigned long long)atomic_load(&f->src.pipe->fetched_batch_seq),
			      f->poll.n_events, f->poll.has_more);
	} else {
		gcb_counter_add(f->src.counters, GCB_FC_EMPTY_POLLS, 1);
	}
	gcb_fetcher_pspool_caught_up(f, f->poll.has_more, received_ms);
	gcb_fetcher_stall_progress(
	    f, f->poll.n_events > 0 || strcmp(f->src.cursor, f->poll.cursor) != 0, f->poll.has_more);
	memcpy(f->src.cursor, f->poll.cursor, f->poll.cursor_len + 1);

	wait = gcb_throttle_delay_ms(r);
	if (wait > 0) {
		gcb_counter_add(f->src.counters, GCB_SC_THROTTLE_WAITS, 1);
		gcb_counter_add(f->src.counters, GCB_SC_THROTTLE_MS, wait);
		gcb_log_info(
		    "rate budget low (allowed=%lld count=%lld remaining=%lld reset=%llds): "
		    "pausing %llu ms",
		    (long long)r->rl_allowed, (long long)r->rl_count, (long long)r->rl_remaining,
		    (long long)r->rl_reset_s, (unsigned long long)wait);
	}
	/* hasMore with nothing in hand would turn into a busy loop. */
	if ((!f->poll.has_more || f->poll.n_events == 0) && wait < f->src.conf->poll_interval_ms)
		wait = f->src.conf->poll_interval_ms;
	return wait > 0 ? gcb_source_sleep(&f->src, wait) : 0;
}

/* Handles a non-200 answer. 0: go on; -ECANCELED: stop; -ENOENT: fatal. */
static int poll_failed(gcb_fetcher_t *f)
{
	const gcb_http_resp_t *r = &f->src.api_http.resp;
	const char *secrets[2] = {f->src.conf->client_secret, f->src.token.access};
	long st = r->status;
	gcb_errbody_t eb;
	char what[96];

	gcb_errbody_parse(&eb, r->body, r->body_len, secrets, 2);
	gcb_log_error("poll: status=%ld code=%s message=\"%s\" correlation_id=%s", st,
		      eb.code[0] ? eb.code : "-", eb.message, r->correlation_id);
	snprintf(what, sizeof(what), "HTTP %ld %s", st, eb.code[0] ? eb.code : "");
	gcb_fetcher_stall_failed(f, what);
	if (st == 410 && f->src.cursor[0] != '\0') {
		/* Retention passed our cursor: events were lost upstream. Nothing
		 * to wait for: continue from the oldest retained event. */
		gcb_counter_add(f->src.counters, GCB_FC_CURSOR_EXPIRIES, 1);
		gcb_log_error("cursor expired (events lost upstream): continuing from the oldest "
			      "retained event");
		f->src.cursor[0] = '\0';
		return 0;
	}
	if (st == 404) {
		gcb_log_error("stream %s no longer exists (404)", f->src.stream_id);
		return -ENOENT;
	}
	if (st == 401)
		return gcb_source_backoff(&f->src, 0, -1, "poll (authentication failed twice)");
	if (st == 429) {
		gcb_counter_add(f->src.counters, GCB_SC_HTTP_429, 1);
		return gcb_source_backoff(&f->src, 0, r->retry_after_ms, "poll (429)");
	}
	if (st >= 500) {
		gcb_counter_add(f->src.counters, GCB_SC_HTTP_5XX, 1);
		return gcb_source_backoff(&f->src, st == 501 || st == 505, r->retry_after_ms,
					   "poll (5xx)");
	}
	gcb_counter_add(f->src.counters, GCB_SC_HTTP_OTHER, 1);
	return gcb_source_backoff(&f->src, st != 408, r->retry_after_ms, "poll");
}

static int poll_loop(gcb_fetcher_t *f)
{
	char url[GCB_SOURCE_URL_MAX + GCB_SOURCE_STREAM_MAX + 3 * GCB_POLL_CURSOR_MAX + 128];
	long timeout = (long)f->src.conf->request_timeout_ms + (long)f->src.conf->poll_timeout_ms;
	int rc;

	gcb_fetcher_stall_init(f);
	while (!gcb_source_tick(&f->src)) {
		if ((rc = gcb_fetcher_pspool_service(f)) != 0)
			return rc;
		if (gcb_fetcher_coord_gate(f))
			continue; /* standby: another instance polls the stream */
		if (gcb_fetcher_pspool_is_full(f)) {
			/* Kafka must take some of the spool first; it is fed meanwhile. */
			if (gcb_source_sleep(&f->src, SPOOL_FULL_CHECK_MS) != 0)
				return 0;
			continue;
		}
		if ((rc = gcb_fetcher_stall_try_skip(f)) == -ECANCELED)
			return 0;
		poll_url(f, url, sizeof(url));
		rc = gcb_source_api_call(&f->src, "GET", url, NULL, 0, timeout);
		if (rc == 0 && f->src.api_http.resp.status == 200)
			rc = poll_ok(f, gcb_clock_real_ms());
		else if (rc == 0)
			rc = poll_failed(f);
		else if (rc == -EACCES) {
			gcb_fetcher_stall_failed(f, "token request refused");
			rc = gcb_source_backoff(&f->src, 1, -1, "token request refused");
		} else if (rc == -EAGAIN) {
			gcb_fetcher_stall_failed(f, "token endpoint failing");
			rc = gcb_source_backoff(&f->src, 0, f->src.token.retry_after_ms, "token request");
		} else if (rc != -ECANCELED) {
			gcb_log_warn("poll failed: %s (%s)", gcb_http_strerror(&f->src.api_http),
				     strerror(-rc));
			gcb_fetcher_stall_failed(f, gcb_http_strerror(&f->src.api_http));
			rc = gcb_source_backoff(&f->src, 0, -1, "poll");
		}
		if (rc == -ECANCELED)
			return 0;
		if (rc != 0)
			return rc;
	}
	return 0;
}

int gcb_fetcher_main(const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *out,
		     unsigned n_out)
{
	gcb_fetcher_t *f = calloc(1, sizeof(*f));
	int rc, ret = GCB_EXIT_RESTART;

	if (f == NULL) {
		gcb_log_error("calloc() failed");
		return GCB_EXIT_RESTART;
	}
	gcb_poll_result_init(&f->poll);
	rc = gcb_source_init(&f->src, conf, ctx, out, n_out);
	if (rc != 0) {
		ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}
	f->retention_ms = conf->retention_ms; /* the stream's own, when it states one, wins */
	f->src.on_tick = on_tick;
	f->src.on_stored = on_stored;
	f->src.hook_arg = f;
	gcb_log_info("fetcher: api=%s login=%s client_id=%s limit=%u timeoutMs=%u interval=%ums "
		     "validators=%u state_dir=%s",
		     f->src.api, f->src.login, conf->client_id, conf->poll_limit, conf->poll_timeout_ms,
		     conf->poll_interval_ms, n_out, conf->state_dir);

	rc = gcb_fetcher_stream_resolve(f);
	if (rc == -ECANCELED) {
		ret = GCB_EXIT_OK;
		goto out;
	}
	if (rc != 0) {
		ret = (rc == -ENOENT || rc == -EINVAL) ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}
	gcb_source_writer_init(&f->src, out, n_out);
	f->src.writer.wait = on_writer_wait;
	f->src.writer.wait_arg = f;
	if (conf->spool.poll && conf->spool.dir != NULL) {
		rc = gcb_fetcher_pspool_open(f);
		if (rc != 0) {
			ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
			goto out;
		}
		f->src.tick_ms = GCB_FETCHER_SPOOL_TICK_MS; /* the spool feed runs in the tick */
	}
	if (fetcher_resume(f) != 0) {
		gcb_log_error("the spool could not be replayed");
		goto out;
	}
	gcb_log_info("poll source: spool %s", f->ps != NULL ? conf->spool.dir : "off");
	if ((rc = gcb_fetcher_coord_setup(f)) != 0) {
		ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}

	rc = poll_loop(f);
	if (rc == 0)
		ret = GCB_EXIT_OK;
	else if (rc == -ENOENT)
		ret = GCB_EXIT_FATAL;
	/* Whatever Kafka acknowledged by now is worth keeping. */
	gcb_source_checkpoint(&f->src, 1);
	gcb_log_info("fetcher stopping: exit %d", ret);
out:
	gcb_fetcher_pspool_close(f);
	fetcher_teardown(f);
	free(f);
	return ret;
}

int gcb_fetcher_checkpoint_final(const gcb_source_conf_t *conf, gcb_shm_t *shm, char *errstr,
				 size_t errstr_size)
{
	char stream[GCB_SOURCE_STREAM_MAX + 1] = "";
	gcb_ckpt_t ck;
	int rc;

	rc = gcb_ckpt_init(&ck, conf->state_dir, shm->hdr->instance, errstr, errstr_size);
	if (rc != 0)
		return rc;
	if (conf->source == GCB_SOURCE_NOTIFICATIONS)
		snprintf(stream, sizeof(stream), "%s", GCB_NOTIF_STREAM);
	else if (conf->stream_id != NULL && conf->stream_id[0] != '\0')
		snprintf(stream, sizeof(stream), "%s", conf->stream_id);
	else
		gcb_fetcher_stream_remembered(&ck, shm->hdr->instance, stream, sizeof(stream));
	rc = gcb_ckpt_store_acked(&ck, gcb_shm_pipeline(shm), stream);
	if (rc < 0)
		snprintf(errstr, errstr_size, "checkpoint write in %s failed: %s", conf->state_dir,
			 strerror(-rc));
	gcb_ckpt_fini(&ck);
	return rc;
}

int gcb_fetcher_stage_main(gcb_stage_ctx_t *ctx, void *arg)
{
	return gcb_source_stage_run(ctx, arg, gcb_fetcher_main);
}

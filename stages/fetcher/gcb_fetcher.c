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
#include <sys/random.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_fetcher.h"
#include "stages/source/gcb_errbody.h"
#include "stages/notif/gcb_notif.h"
#include "lib/gcb_log.h"

#define SLOT_WAIT_MS	    20
#define SPOOL_FULL_CHECK_MS 100

static int on_http_tick(void *arg)
{
	return gcb_fetcher_tick(arg);
}

static int on_writer_wait(void *arg, int why)
{
	gcb_fetcher_t *f = arg;

	if (f->feeding)
		return 1; /* the spool feed never waits: it tries again next turn */
	if (why == GCB_BATCH_WAIT_SLOT) {
		/* 64 batches since the last checkpoint: store one now, whatever the
		 * interval, or the interval would cap the fetch rate. */
		gcb_fetcher_checkpoint(f, 1);
		return gcb_fetcher_sleep(f, SLOT_WAIT_MS) != 0;
	}
	return gcb_fetcher_tick(f);
}

/*
 * Hard limit: one record must carry an event of max_event_bytes (else the
 * validator could never see, and DLQ, an event the config calls valid).
 * Soft limit: a full answer of such events should fit a ring as one batch;
 * when it does not, large answers are split (see gcb_fetcher_batch.h).
 */
static int check_rings(gcb_fetcher_t *f, gcb_ring_t *out, unsigned n_out)
{
	const gcb_fetcher_conf_t *c = f->conf;
	uint64_t need = gcb_fetcher_ring_bytes_needed(c);
	uint64_t payload =
	    (uint64_t)GCB_BATCH_REC_FIXED + c->max_event_bytes + GCB_FETCHER_STREAM_MAX;

	if (n_out != c->n_validators || n_out == 0) {
		gcb_log_error("fetcher given %u rings for %u validators", n_out, c->n_validators);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n_out; i++) {
		if (out[i].ctl == NULL) {
			gcb_log_error("ring %u is not attached", i);
			return -EINVAL;
		}
		if (out[i].max_record < payload) {
			gcb_log_error(
			    "ring %s: largest record %llu bytes cannot carry an event of "
			    "max event bytes (%u) with its stream id (%llu "
			    "bytes): raise the ring's max record or lower max event bytes",
			    gcb_ring_name(&out[i]), (unsigned long long)out[i].max_record,
			    c->max_event_bytes, (unsigned long long)payload);
			return -EINVAL;
		}
		if (out[i].capacity < need && i == 0)
			gcb_log_info(
			    "rings of %llu bytes hold a full answer of %u events of the "
			    "largest size only with %llu bytes: such answers will be split "
			    "over several batches",
			    (unsigned long long)out[i].capacity, c->poll_limit,
			    (unsigned long long)need);
	}
	return 0;
}

static int fetcher_setup(gcb_fetcher_t *f, const gcb_fetcher_conf_t *c, gcb_stage_ctx_t *ctx)
{
	char err[256];
	gcb_http_opts_t ho = {
	    .connect_timeout_ms = c->connect_timeout_ms,
	    .tls_verify = c->tls_verify,
	    .ca_path = c->ca_path,
	    .user_agent = c->user_agent,
	    .tick = on_http_tick,
	    .tick_arg = f,
	};
	uint64_t seed = 0;
	uint64_t max_body;
	int rc;

	memset(f, 0, sizeof(*f));
	f->conf = c;
	f->ctx = ctx;
	f->retention_ms = c->retention_ms; /* the stream's own, when it states one, wins */
	f->counters = ctx->slot->counters;
	f->pipe = gcb_shm_pipeline(ctx->shm);
	gcb_poll_result_init(&f->poll);
	if (c->api_base_url != NULL) {
		snprintf(f->api, sizeof(f->api), "%s", c->api_base_url);
		snprintf(f->login, sizeof(f->login), "%s", c->login_base_url);
	} else {
		snprintf(f->api, sizeof(f->api), "https://api.%s", c->region_domain);
		snprintf(f->login, sizeof(f->login), "https://login.%s", c->region_domain);
	}
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = gcb_clock_mono_ns() ^ (uint64_t)getpid();
	gcb_backoff_init(&f->backoff, c->backoff_base_ms, c->backoff_cap_ms, seed);

	if ((rc = gcb_http_global_init()) != 0) {
		gcb_log_error("curl_global_init() failed");
		return rc;
	}
	max_body = (uint64_t)c->poll_limit * c->max_event_bytes + (1u << 20);
	if (max_body < (4u << 20))
		max_body = 4u << 20;
	if (max_body > (1ull << 30))
		max_body = 1ull << 30;
	ho.max_body = (size_t)max_body;
	if ((rc = gcb_http_init(&f->api_http, &ho, err, sizeof(err))) != 0 ||
	    (rc = gcb_http_init(&f->login_http, &ho, err, sizeof(err))) != 0) {
		gcb_log_error("%s", err);
		return rc;
	}
	gcb_token_init(&f->token, &f->login_http, f->login, c->client_id, c->client_secret,
		       c->token_skew_s, (long)c->request_timeout_ms, f->counters);
	rc = gcb_ckpt_init(&f->ckpt, c->state_dir, ctx->shm->hdr->instance, err, sizeof(err));
	if (rc != 0) {
		gcb_log_error("checkpoint setup: %s", err);
		return -EINVAL;
	}
	f->ckpt_ready = 1;
	return 0;
}

static void fetcher_teardown(gcb_fetcher_t *f)
{
	gcb_fetcher_coord_fini(f); /* drains and hands the stream over first */
	gcb_token_fini(&f->token);
	gcb_http_fini(&f->api_http);
	gcb_http_fini(&f->login_http);
	if (f->ckpt_ready)
		gcb_ckpt_fini(&f->ckpt);
	f->ckpt_ready = 0;
	gcb_poll_result_fini(&f->poll);
}

/*
 * Where to start: the newest batch in shared memory when the segment
 * outlived the previous fetcher, else the checkpoint file, else the oldest
 * retained event. With the spool, that is where the spool's replay starts;
 * polling goes on after the last spooled answer.
 */
static int fetcher_resume(gcb_fetcher_t *f)
{
	char stream[GCB_FETCHER_STREAM_MAX + 1], resume[GCB_POLL_CURSOR_MAX];
	uint64_t batch = 0;
	size_t len;
	int rc, from_ckpt = 1;

	if (gcb_batch_last_cursor(f->pipe, f->cursor, sizeof(f->cursor), &len) == 0) {
		gcb_log_info("resuming after batch %llu (shared memory), event seq %llu",
			     (unsigned long long)atomic_load(&f->pipe->fetched_batch_seq),
			     (unsigned long long)f->writer.last_seq);
		from_ckpt = 0;
		goto spool;
	}
	rc = gcb_ckpt_load(&f->ckpt, stream, sizeof(stream), f->cursor, sizeof(f->cursor), &batch);
	if (rc == 0 && stream[0] != '\0' && strcmp(stream, f->stream_id) != 0) {
		gcb_log_warn("checkpoint in %s/%s belongs to stream %s, not %s: starting from the "
			     "oldest retained event",
			     f->ckpt.dir, f->ckpt.name, stream, f->stream_id);
		f->cursor[0] = '\0';
	} else if (rc == 0) {
		gcb_log_info("resuming from checkpoint %s/%s (batch %llu of the previous run)",
			     f->ckpt.dir, f->ckpt.name, (unsigned long long)batch);
	} else if (rc == -ENOENT) {
		f->cursor[0] = '\0';
		gcb_log_info("no checkpoint in %s: starting from the oldest retained event",
			     f->ckpt.dir);
	} else {
		f->cursor[0] = '\0';
		gcb_log_error("checkpoint %s/%s unreadable (%s): starting from the oldest retained "
			      "event",
			      f->ckpt.dir, f->ckpt.name, strerror(-rc));
	}
spool:
	if (f->ps == NULL)
		return 0;
	/* The spool sets f->cursor: resume from a copy. */
	snprintf(resume, sizeof(resume), "%s", f->cursor);
	return gcb_fetcher_pspool_resume(f, resume, from_ckpt);
}

static void poll_url(gcb_fetcher_t *f, char *url, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	int n = snprintf(url, size, "%s/api/v2/eventstreams/%s/poll?limit=%u&timeoutMs=%u", f->api,
			 f->stream_id, gcb_fetcher_stall_limit(f), f->conf->poll_timeout_ms);
	size_t k = (size_t)n;

	if (f->cursor[0] == '\0' || k + 8 >= size)
		return;
	memcpy(url + k, "&cursor=", 8);
	k += 8;
	for (const unsigned char *p = (const unsigned char *)f->cursor; *p && k + 4 < size; p++) {
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
		if (gcb_fetcher_sleep(f, SLOT_WAIT_MS) != 0)
			return -ECANCELED;
	}
	f->writing = 1;
	rc = gcb_batch_write(&f->writer, body, &f->poll, f->cursor, received_ms);
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
	const gcb_http_resp_t *r = &f->api_http.resp;
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
		gcb_counter_add(f->counters, GCB_FC_MALFORMED, 1);
		gcb_log_error("poll answer malformed: %s (%zu bytes) correlation_id=%s", err,
			      r->body_len, r->correlation_id);
		gcb_fetcher_stall_broken(f, err, r->body, r->body_len);
		return gcb_fetcher_backoff(f, rc == -ENAMETOOLONG, -1, "poll");
	}
	gcb_backoff_reset(&f->backoff);
	gcb_counter_add(f->counters, GCB_FC_POLLS, 1);
	gcb_counter_set(f->counters, GCB_FC_LAST_POLL_UNIX_MS, received_ms);
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
		rc = gcb_batch_write(&f->writer, r->body, &f->poll, f->cursor, received_ms);
		f->writing = 0;
		if (rc != 0) {
			if (rc != -ECANCELED)
				gcb_log_error("writing a batch of %zu events failed: %s",
					      f->poll.n_events, strerror(-rc));
			return rc;
		}
		gcb_log_debug("batch %llu: %zu events, hasMore=%d",
			      (unsigned long long)atomic_load(&f->pipe->fetched_batch_seq),
			      f->poll.n_events, f->poll.has_more);
	} else {
		gcb_counter_add(f->counters, GCB_FC_EMPTY_POLLS, 1);
	}
	gcb_fetcher_pspool_caught_up(f, f->poll.has_more, received_ms);
	gcb_fetcher_stall_progress(
	    f, f->poll.n_events > 0 || strcmp(f->cursor, f->poll.cursor) != 0, f->poll.has_more);
	memcpy(f->cursor, f->poll.cursor, f->poll.cursor_len + 1);

	wait = gcb_throttle_delay_ms(r);
	if (wait > 0) {
		gcb_counter_add(f->counters, GCB_FC_THROTTLE_WAITS, 1);
		gcb_counter_add(f->counters, GCB_FC_THROTTLE_MS, wait);
		gcb_log_info(
		    "rate budget low (allowed=%lld count=%lld remaining=%lld reset=%llds): "
		    "pausing %llu ms",
		    (long long)r->rl_allowed, (long long)r->rl_count, (long long)r->rl_remaining,
		    (long long)r->rl_reset_s, (unsigned long long)wait);
	}
	/* hasMore with nothing in hand would turn into a busy loop. */
	if ((!f->poll.has_more || f->poll.n_events == 0) && wait < f->conf->poll_interval_ms)
		wait = f->conf->poll_interval_ms;
	return wait > 0 ? gcb_fetcher_sleep(f, wait) : 0;
}

/* Handles a non-200 answer. 0: go on; -ECANCELED: stop; -ENOENT: fatal. */
static int poll_failed(gcb_fetcher_t *f)
{
	const gcb_http_resp_t *r = &f->api_http.resp;
	const char *secrets[2] = {f->conf->client_secret, f->token.access};
	long st = r->status;
	gcb_errbody_t eb;
	char what[96];

	gcb_errbody_parse(&eb, r->body, r->body_len, secrets, 2);
	gcb_log_error("poll: status=%ld code=%s message=\"%s\" correlation_id=%s", st,
		      eb.code[0] ? eb.code : "-", eb.message, r->correlation_id);
	snprintf(what, sizeof(what), "HTTP %ld %s", st, eb.code[0] ? eb.code : "");
	gcb_fetcher_stall_failed(f, what);
	if (st == 410 && f->cursor[0] != '\0') {
		/* Retention passed our cursor: events were lost upstream. Nothing
		 * to wait for: continue from the oldest retained event. */
		gcb_counter_add(f->counters, GCB_FC_CURSOR_EXPIRIES, 1);
		gcb_log_error("cursor expired (events lost upstream): continuing from the oldest "
			      "retained event");
		f->cursor[0] = '\0';
		return 0;
	}
	if (st == 404) {
		gcb_log_error("stream %s no longer exists (404)", f->stream_id);
		return -ENOENT;
	}
	if (st == 401)
		return gcb_fetcher_backoff(f, 0, -1, "poll (authentication failed twice)");
	if (st == 429) {
		gcb_counter_add(f->counters, GCB_FC_HTTP_429, 1);
		return gcb_fetcher_backoff(f, 0, r->retry_after_ms, "poll (429)");
	}
	if (st >= 500) {
		gcb_counter_add(f->counters, GCB_FC_HTTP_5XX, 1);
		return gcb_fetcher_backoff(f, st == 501 || st == 505, r->retry_after_ms,
					   "poll (5xx)");
	}
	gcb_counter_add(f->counters, GCB_FC_HTTP_OTHER, 1);
	return gcb_fetcher_backoff(f, st != 408, r->retry_after_ms, "poll");
}

static int poll_loop(gcb_fetcher_t *f)
{
	char url[GCB_FETCHER_URL_MAX + GCB_FETCHER_STREAM_MAX + 3 * GCB_POLL_CURSOR_MAX + 128];
	long timeout = (long)f->conf->request_timeout_ms + (long)f->conf->poll_timeout_ms;
	int rc;

	gcb_fetcher_stall_init(f);
	while (!gcb_fetcher_tick(f)) {
		if ((rc = gcb_fetcher_pspool_service(f)) != 0)
			return rc;
		if (gcb_fetcher_coord_gate(f))
			continue; /* standby: another instance polls the stream */
		if (gcb_fetcher_pspool_is_full(f)) {
			/* Kafka must take some of the spool first; it is fed meanwhile. */
			if (gcb_fetcher_sleep(f, SPOOL_FULL_CHECK_MS) != 0)
				return 0;
			continue;
		}
		if ((rc = gcb_fetcher_stall_try_skip(f)) == -ECANCELED)
			return 0;
		poll_url(f, url, sizeof(url));
		rc = gcb_fetcher_api_call(f, "GET", url, NULL, 0, timeout);
		if (rc == 0 && f->api_http.resp.status == 200)
			rc = poll_ok(f, gcb_clock_real_ms());
		else if (rc == 0)
			rc = poll_failed(f);
		else if (rc == -EACCES) {
			gcb_fetcher_stall_failed(f, "token request refused");
			rc = gcb_fetcher_backoff(f, 1, -1, "token request refused");
		} else if (rc == -EAGAIN) {
			gcb_fetcher_stall_failed(f, "token endpoint failing");
			rc = gcb_fetcher_backoff(f, 0, f->token.retry_after_ms, "token request");
		} else if (rc != -ECANCELED) {
			gcb_log_warn("poll failed: %s (%s)", gcb_http_strerror(&f->api_http),
				     strerror(-rc));
			gcb_fetcher_stall_failed(f, gcb_http_strerror(&f->api_http));
			rc = gcb_fetcher_backoff(f, 0, -1, "poll");
		}
		if (rc == -ECANCELED)
			return 0;
		if (rc != 0)
			return rc;
	}
	return 0;
}

int gcb_fetcher_main(const gcb_fetcher_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *out,
		     unsigned n_out)
{
	gcb_fetcher_t *f = calloc(1, sizeof(*f));
	char err[256];
	int rc, ret = GCB_EXIT_RESTART;

	if (f == NULL) {
		gcb_log_error("calloc() failed");
		return GCB_EXIT_RESTART;
	}
	if (gcb_fetcher_conf_check(conf, err, sizeof(err)) != 0) {
		gcb_log_error("%s", err);
		free(f);
		return GCB_EXIT_FATAL;
	}
	rc = fetcher_setup(f, conf, ctx);
	if (rc == 0 && check_rings(f, out, n_out) != 0)
		rc = -EINVAL;
	if (rc != 0) {
		ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
		goto out;
	}
	if (!conf->tls_verify)
		gcb_log_warn("TLS certificate verification is OFF: use only against a local "
			     "simulator");
	if (conf->source == GCB_FETCHER_SOURCE_NOTIFICATIONS) {
		gcb_log_info("fetcher: notifications api=%s login=%s client_id=%s validators=%u "
			     "state_dir=%s",
			     f->api, f->login, conf->client_id, n_out, conf->state_dir);
		ret = gcb_notif_run(f, out, n_out);
		gcb_log_info("fetcher stopping: exit %d", ret);
		goto out;
	}
	gcb_log_info("fetcher: api=%s login=%s client_id=%s limit=%u timeoutMs=%u interval=%ums "
		     "validators=%u state_dir=%s",
		     f->api, f->login, conf->client_id, conf->poll_limit, conf->poll_timeout_ms,
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
	gcb_batch_writer_init(&f->writer, out, n_out, f->pipe, f->stream_id, conf->max_event_bytes,
			      f->counters);
	f->writer.wait = on_writer_wait;
	f->writer.wait_arg = f;
	f->writer.keep = gcb_fetcher_keep_event;
	f->writer.keep_arg = f;
	f->writer.dlq_value_max = conf->dlq_value_max;
	if (conf->spool.poll && conf->spool.dir != NULL) {
		rc = gcb_fetcher_pspool_open(f);
		if (rc != 0) {
			ret = rc == -EINVAL ? GCB_EXIT_FATAL : GCB_EXIT_RESTART;
			goto out;
		}
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
	gcb_fetcher_checkpoint(f, 1);
	gcb_log_info("fetcher stopping: exit %d", ret);
out:
	gcb_fetcher_pspool_close(f);
	fetcher_teardown(f);
	free(f);
	return ret;
}

int gcb_fetcher_checkpoint_final(const gcb_fetcher_conf_t *conf, gcb_shm_t *shm, char *errstr,
				 size_t errstr_size)
{
	char stream[GCB_FETCHER_STREAM_MAX + 1] = "";
	gcb_ckpt_t ck;
	int rc;

	rc = gcb_ckpt_init(&ck, conf->state_dir, shm->hdr->instance, errstr, errstr_size);
	if (rc != 0)
		return rc;
	if (conf->source == GCB_FETCHER_SOURCE_NOTIFICATIONS)
		snprintf(stream, sizeof(stream), "%s", GCB_FETCHER_NOTIF_STREAM);
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
	const gcb_fetcher_conf_t *conf = arg;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	unsigned n_in, n_out;
	int rc = gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out);

	if (rc != 0) {
		gcb_log_error("gcb_stage_attach_rings() failed: %s", strerror(-rc));
		return GCB_EXIT_RESTART;
	}
	return gcb_fetcher_main(conf, ctx, out, n_out);
}

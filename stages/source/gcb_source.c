/*
 * The source base's plumbing: setup over the stage, the heartbeat tick,
 * interruptible sleeps, checkpoints, and authorised API calls with the
 * renew-once-on-401 rule.
 */
#include "stages/source/gcb_source.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_source.h"
#include "stages/source/gcb_errbody.h"
#include "lib/gcb_log.h"

#define NS_PER_MS UINT64_C(1000000)

static int on_http_tick(void *arg)
{
	return gcb_source_tick(arg);
}

/*
 * Hard limit: one record must carry an event of max_event_bytes (else the
 * validator could never see, and DLQ, an event the config calls valid).
 * Soft limit: a full answer of such events should fit a ring as one batch;
 * when it does not, large answers are split (see gcb_batch.h).
 */
static int check_rings(gcb_source_t *s, gcb_ring_t *out, unsigned n_out)
{
	const gcb_source_conf_t *c = s->conf;
	uint64_t need = gcb_source_ring_bytes_needed(c);
	uint64_t payload =
	    (uint64_t)GCB_BATCH_REC_FIXED + c->max_event_bytes + GCB_SOURCE_STREAM_MAX;

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

static int setup(gcb_source_t *s, const gcb_source_conf_t *c, gcb_stage_ctx_t *ctx)
{
	char err[256];
	gcb_http_opts_t ho = {
	    .connect_timeout_ms = c->connect_timeout_ms,
	    .tls_verify = c->tls_verify,
	    .ca_path = c->ca_path,
	    .user_agent = c->user_agent,
	    .tick = on_http_tick,
	    .tick_arg = s,
	};
	uint64_t seed = 0;
	uint64_t max_body;
	int rc;

	s->conf = c;
	s->ctx = ctx;
	s->counters = ctx->slot->counters;
	s->pipe = gcb_shm_pipeline(ctx->shm);
	if (c->api_base_url != NULL) {
		snprintf(s->api, sizeof(s->api), "%s", c->api_base_url);
		snprintf(s->login, sizeof(s->login), "%s", c->login_base_url);
	} else {
		snprintf(s->api, sizeof(s->api), "https://api.%s", c->region_domain);
		snprintf(s->login, sizeof(s->login), "https://login.%s", c->region_domain);
	}
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = gcb_clock_mono_ns() ^ (uint64_t)getpid();
	gcb_backoff_init(&s->backoff, c->backoff_base_ms, c->backoff_cap_ms, seed);

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
	if ((rc = gcb_http_init(&s->api_http, &ho, err, sizeof(err))) != 0 ||
	    (rc = gcb_http_init(&s->login_http, &ho, err, sizeof(err))) != 0) {
		gcb_log_error("%s", err);
		return rc;
	}
	gcb_token_init(&s->token, &s->login_http, s->login, c->client_id, c->client_secret,
		       c->token_skew_s, (long)c->request_timeout_ms, s->counters);
	rc = gcb_ckpt_init(&s->ckpt, c->state_dir, ctx->shm->hdr->instance, err, sizeof(err));
	if (rc != 0) {
		gcb_log_error("checkpoint setup: %s", err);
		return -EINVAL;
	}
	s->ckpt_ready = 1;
	return 0;
}

int gcb_source_init(gcb_source_t *s, const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx,
		    gcb_ring_t *out, unsigned n_out)
{
	char err[256];
	int rc;

	memset(s, 0, sizeof(*s));
	if (gcb_source_conf_check(conf, err, sizeof(err)) != 0) {
		gcb_log_error("%s", err);
		return -EINVAL;
	}
	if ((rc = setup(s, conf, ctx)) != 0)
		return rc;
	if (check_rings(s, out, n_out) != 0)
		return -EINVAL;
	if (!conf->tls_verify)
		gcb_log_warn("TLS certificate verification is OFF: use only against a local "
			     "simulator");
	return 0;
}

void gcb_source_fini(gcb_source_t *s)
{
	gcb_token_fini(&s->token);
	gcb_http_fini(&s->api_http);
	gcb_http_fini(&s->login_http);
	if (s->ckpt_ready)
		gcb_ckpt_fini(&s->ckpt);
	s->ckpt_ready = 0;
}

void gcb_source_writer_init(gcb_source_t *s, gcb_ring_t *out, unsigned n_out)
{
	gcb_batch_writer_init(&s->writer, out, n_out, s->pipe, s->stream_id,
			      s->conf->max_event_bytes, s->counters);
	s->writer.keep = gcb_source_keep_event;
	s->writer.keep_arg = s;
	s->writer.dlq_value_max = s->conf->dlq_value_max;
}

int gcb_source_stage_run(gcb_stage_ctx_t *ctx, const gcb_source_conf_t *conf,
			 gcb_source_main_fn main)
{
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	unsigned n_in, n_out;
	int rc = gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out);

	if (rc != 0) {
		gcb_log_error("gcb_stage_attach_rings() failed: %s", strerror(-rc));
		return GCB_EXIT_RESTART;
	}
	return main(conf, ctx, out, n_out);
}

void gcb_source_checkpoint(gcb_source_t *s, int force)
{
	gcb_shm_pipeline_t *p = s->pipe;
	uint64_t now = gcb_clock_mono_ns();
	int rc;

	if (!s->ckpt_ready ||
	    atomic_load_explicit(&p->acked_batch_seq, memory_order_acquire) <=
		atomic_load_explicit(&p->checkpoint_batch_seq, memory_order_relaxed))
		return;
	if (!force && now - s->last_ckpt_ns < (uint64_t)s->conf->checkpoint_interval_ms * NS_PER_MS)
		return;
	s->last_ckpt_ns = now;
	rc = gcb_ckpt_store_acked(&s->ckpt, p, s->stream_id);
	if (rc < 0) {
		gcb_counter_add(s->counters, GCB_SC_CHECKPOINT_ERRORS, 1);
		gcb_log_error("checkpoint failed: %s", strerror(-rc));
	} else if (rc > 0) {
		gcb_counter_add(s->counters, GCB_SC_CHECKPOINTS, 1);
		if (s->on_stored != NULL)
			s->on_stored(s->hook_arg);
		gcb_log_debug("checkpoint: batch %llu",
			      (unsigned long long)atomic_load(&p->checkpoint_batch_seq));
	}
}

int gcb_source_tick(gcb_source_t *s)
{
	gcb_stage_heartbeat(s->ctx);
	if (!s->in_tick) {
		s->in_tick = 1;
		gcb_source_checkpoint(s, 0);
		if (s->on_tick != NULL)
			s->on_tick(s->hook_arg);
		s->in_tick = 0;
	}
	return gcb_stage_stopping(s->ctx);
}

int gcb_source_sleep(gcb_source_t *s, uint64_t ms)
{
	uint64_t end = gcb_clock_mono_ns() + ms * NS_PER_MS;

	for (;;) {
		uint64_t now = gcb_clock_mono_ns(), step;
		struct timespec ts;

		if (gcb_source_tick(s))
			return -ECANCELED;
		if (now >= end)
			return 0;
		step = (end - now) / NS_PER_MS;
		if (step > (s->tick_ms != 0 ? s->tick_ms : GCB_SOURCE_TICK_MS))
			step = s->tick_ms != 0 ? s->tick_ms : GCB_SOURCE_TICK_MS;
		if (step == 0)
			step = 1;
		ts.tv_sec = (time_t)(step / 1000);
		ts.tv_nsec = (long)(step % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
}

int gcb_source_api_call(gcb_source_t *s, const char *method, const char *url, const char *body,
			 size_t body_len, long timeout_ms)
{
	gcb_http_req_t req = {
	    .method = method,
	    .url = url,
	    .content_type = body != NULL ? "application/json" : NULL,
	    .body = body,
	    .body_len = body_len,
	    .timeout_ms = timeout_ms,
	};
	const char *token;
	int rc;

	for (int attempt = 0;; attempt++) {
		if ((rc = gcb_token_get(&s->token, &token)) != 0)
			return rc;
		req.bearer = token;
		rc = gcb_http_perform(&s->api_http, &req);
		if (rc != 0) {
			if (rc != -ECANCELED)
				gcb_counter_add(s->counters, GCB_SC_TRANSPORT_ERRORS, 1);
			return rc;
		}
		if (s->api_http.resp.status != 401)
			return 0;
		gcb_counter_add(s->counters, GCB_SC_HTTP_401, 1);
		if (attempt == 1) {
			gcb_counter_add(s->counters, GCB_SC_AUTH_FAILURES, 1);
			return 0;
		}
		gcb_log_warn("%s answered 401 (correlation_id=%s): renewing the token and retrying "
			     "once",
			     method, s->api_http.resp.correlation_id);
		gcb_token_invalidate(&s->token);
	}
}

int gcb_source_backoff(gcb_source_t *s, int cap, int64_t retry_after_ms, const char *what)
{
	uint64_t ms =
	    cap ? gcb_backoff_at_cap(&s->backoff) : gcb_backoff_next(&s->backoff, retry_after_ms);
	int rc;

	gcb_counter_add(s->counters, GCB_SC_RETRIES, 1);
	gcb_counter_set(s->counters, GCB_SC_BACKOFF_MS, ms);
	if (retry_after_ms >= 0)
		gcb_log_warn("%s: retrying in %llu ms (Retry-After %lld ms, attempt %u)", what,
			     (unsigned long long)ms, (long long)retry_after_ms, s->backoff.attempt);
	else
		gcb_log_warn("%s: retrying in %llu ms (attempt %u)", what, (unsigned long long)ms,
			     s->backoff.attempt);
	rc = gcb_source_sleep(s, ms);
	gcb_counter_set(s->counters, GCB_SC_BACKOFF_MS, 0);
	return rc;
}

void gcb_source_log_answer(gcb_source_t *s, const char *what)
{
	const gcb_http_resp_t *r = &s->api_http.resp;
	const char *secrets[2] = {s->conf->client_secret, s->token.access};
	gcb_errbody_t eb;

	gcb_errbody_parse(&eb, r->body, r->body_len, secrets, 2);
	gcb_log_error("%s: status=%ld code=%s message=\"%s\" correlation_id=%s", what, r->status,
		      eb.code[0] ? eb.code : "-", eb.message, r->correlation_id);
}

/*
 * The fetcher's plumbing: the heartbeat tick, interruptible sleeps,
 * checkpoints, and authorised API calls with the renew-once-on-401 rule.
 */
#include "stages/fetcher/gcb_fetcher_int.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_fetcher.h"
#include "stages/source/gcb_errbody.h"
#include "lib/gcb_log.h"

#define NS_PER_MS UINT64_C(1000000)

void gcb_fetcher_checkpoint(gcb_fetcher_t *f, int force)
{
	gcb_shm_pipeline_t *p = f->pipe;
	uint64_t now = gcb_clock_mono_ns();
	int rc;

	if (!f->ckpt_ready ||
	    atomic_load_explicit(&p->acked_batch_seq, memory_order_acquire) <=
		atomic_load_explicit(&p->checkpoint_batch_seq, memory_order_relaxed))
		return;
	if (!force && now - f->last_ckpt_ns < (uint64_t)f->conf->checkpoint_interval_ms * NS_PER_MS)
		return;
	f->last_ckpt_ns = now;
	rc = gcb_ckpt_store_acked(&f->ckpt, p, f->stream_id);
	if (rc < 0) {
		gcb_counter_add(f->counters, GCB_FC_CHECKPOINT_ERRORS, 1);
		gcb_log_error("checkpoint failed: %s", strerror(-rc));
	} else if (rc > 0) {
		gcb_counter_add(f->counters, GCB_FC_CHECKPOINTS, 1);
		gcb_log_debug("checkpoint: batch %llu",
			      (unsigned long long)atomic_load(&p->checkpoint_batch_seq));
	}
}

int gcb_fetcher_tick(gcb_fetcher_t *f)
{
	gcb_stage_heartbeat(f->ctx);
	if (!f->in_tick) {
		f->in_tick = 1;
		gcb_fetcher_checkpoint(f, 0);
		/* The rings are fed from the spool while polls and sleeps run
		 * (not inside a direct write: the batch writer is not reentrant);
		 * a failure is sticky and ends the poll loop. */
		if (f->ps != NULL && !f->writing)
			(void)gcb_fetcher_pspool_service(f);
		f->in_tick = 0;
	}
	return gcb_stage_stopping(f->ctx);
}

int gcb_fetcher_sleep(gcb_fetcher_t *f, uint64_t ms)
{
	uint64_t end = gcb_clock_mono_ns() + ms * NS_PER_MS;

	for (;;) {
		uint64_t now = gcb_clock_mono_ns(), step;
		struct timespec ts;

		if (gcb_fetcher_tick(f))
			return -ECANCELED;
		if (now >= end)
			return 0;
		step = (end - now) / NS_PER_MS;
		if (step > GCB_FETCHER_TICK_MS)
			step = GCB_FETCHER_TICK_MS;
		if (f->ps != NULL && step > GCB_FETCHER_SPOOL_TICK_MS)
			step = GCB_FETCHER_SPOOL_TICK_MS; /* the spool feed runs in the tick */
		if (step == 0)
			step = 1;
		ts.tv_sec = (time_t)(step / 1000);
		ts.tv_nsec = (long)(step % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
}

int gcb_fetcher_api_call(gcb_fetcher_t *f, const char *method, const char *url, const char *body,
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
		if ((rc = gcb_token_get(&f->token, &token)) != 0)
			return rc;
		req.bearer = token;
		rc = gcb_http_perform(&f->api_http, &req);
		if (rc != 0) {
			if (rc != -ECANCELED)
				gcb_counter_add(f->counters, GCB_FC_TRANSPORT_ERRORS, 1);
			return rc;
		}
		if (f->api_http.resp.status != 401)
			return 0;
		gcb_counter_add(f->counters, GCB_FC_HTTP_401, 1);
		if (attempt == 1) {
			gcb_counter_add(f->counters, GCB_FC_AUTH_FAILURES, 1);
			return 0;
		}
		gcb_log_warn("%s answered 401 (correlation_id=%s): renewing the token and retrying "
			     "once",
			     method, f->api_http.resp.correlation_id);
		gcb_token_invalidate(&f->token);
	}
}

int gcb_fetcher_backoff(gcb_fetcher_t *f, int cap, int64_t retry_after_ms, const char *what)
{
	uint64_t ms =
	    cap ? gcb_backoff_at_cap(&f->backoff) : gcb_backoff_next(&f->backoff, retry_after_ms);
	int rc;

	gcb_counter_add(f->counters, GCB_FC_RETRIES, 1);
	gcb_counter_set(f->counters, GCB_FC_BACKOFF_MS, ms);
	if (retry_after_ms >= 0)
		gcb_log_warn("%s: retrying in %llu ms (Retry-After %lld ms, attempt %u)", what,
			     (unsigned long long)ms, (long long)retry_after_ms, f->backoff.attempt);
	else
		gcb_log_warn("%s: retrying in %llu ms (attempt %u)", what, (unsigned long long)ms,
			     f->backoff.attempt);
	rc = gcb_fetcher_sleep(f, ms);
	gcb_counter_set(f->counters, GCB_FC_BACKOFF_MS, 0);
	return rc;
}

void gcb_fetcher_log_answer(gcb_fetcher_t *f, const char *what)
{
	const gcb_http_resp_t *r = &f->api_http.resp;
	const char *secrets[2] = {f->conf->client_secret, f->token.access};
	gcb_errbody_t eb;

	gcb_errbody_parse(&eb, r->body, r->body_len, secrets, 2);
	gcb_log_error("%s: status=%ld code=%s message=\"%s\" correlation_id=%s", what, r->status,
		      eb.code[0] ? eb.code : "-", eb.message, r->correlation_id);
}

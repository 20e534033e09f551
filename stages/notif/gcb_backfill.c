/*
 * Gap backfill (gcb_backfill.h): one analytics conversation-details job at a
 * time, for the oldest closed gap. Phases:
 *
 *   IDLE -> WATERMARK (GET jobs/availability until it is past the interval)
 *        -> SUBMIT (POST jobs) -> POLL (GET jobs/{id}, every poll_interval)
 *        -> RESULTS (GET jobs/{id}/results[?cursor]) -> EMIT (emit, sync, save
 *        the next cursor) -> RESULTS ... -> last page: gap done -> IDLE
 *
 * This file decides what to request and when; the watermark check lives in
 * gcb_backfill_watermark.c, the job's state file in gcb_backfill_state.c,
 * the messages in gcb_backfill_msg.c.
 */
#include "stages/notif/gcb_backfill_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shm/gcb_counters_notif.h"
#include "stages/source/gcb_errbody.h"
#include "lib/gcb_log.h"

void gcb_backfill_count(gcb_backfill_t *b, int idx, uint64_t n)
{
	if (b->counters != NULL)
		gcb_counter_add(b->counters, (unsigned)idx, n);
}

static void gauge(gcb_backfill_t *b, int idx, uint64_t v)
{
	if (b->counters != NULL)
		gcb_counter_set(b->counters, (unsigned)idx, v);
}

/* Schedules the next step delay ms from now and returns it. */
int64_t gcb_backfill_later(gcb_backfill_t *b, uint64_t now, uint64_t ms)
{
	b->due_ms = now + ms;
	return (int64_t)ms;
}

int64_t gcb_backfill_retry(gcb_backfill_t *b, uint64_t now, int at_cap, int64_t retry_after_ms,
			   const char *what)
{
	uint64_t ms = at_cap ? gcb_backoff_at_cap(&b->backoff)
			     : gcb_backoff_next(&b->backoff, retry_after_ms);

	gcb_backfill_count(b, GCB_SC_RETRIES, 1);
	if (retry_after_ms >= 0)
		gcb_log_warn("backfill of gap %" PRIu64 ": %s: retrying in %" PRIu64
			     " ms (Retry-After %" PRId64 " ms)",
			     b->gap_id, what, ms, retry_after_ms);
	else
		gcb_log_warn("backfill of gap %" PRIu64 ": %s: retrying in %" PRIu64
			     " ms (attempt %u)",
			     b->gap_id, what, ms, b->backoff.attempt);
	return gcb_backfill_later(b, now, ms);
}

static void log_answer(gcb_backfill_t *b, const gcb_http_resp_t *r, const char *what)
{
	gcb_errbody_t eb;

	gcb_errbody_parse(&eb, r->body, r->body_len, NULL, 0);
	gcb_log_error("backfill of gap %" PRIu64 ": %s: status=%ld code=%s message=\"%s\" "
		      "correlation_id=%s",
		      b->gap_id, what, r->status, eb.code[0] ? eb.code : "-", eb.message,
		      r->correlation_id);
}

/*
 * Common handling of an answer that is not a success: 429, 5xx, 401 (the
 * io already renewed the token once) and other statuses. Returns the delay.
 */
int64_t gcb_backfill_failed(gcb_backfill_t *b, uint64_t now, const gcb_http_resp_t *r,
			    const char *what)
{
	if (r->status == 429) {
		gcb_backfill_count(b, GCB_SC_HTTP_429, 1);
		return gcb_backfill_retry(b, now, 0, r->retry_after_ms, what);
	}
	if (r->status == 502 || r->status == 503 || r->status == 504 ||
	    (r->status >= 500 && r->status != 501)) {
		gcb_backfill_count(b, GCB_SC_HTTP_5XX, 1);
		log_answer(b, r, what);
		return gcb_backfill_retry(b, now, 0, -1, what);
	}
	if (r->status != 401)
		gcb_backfill_count(b, GCB_SC_HTTP_OTHER, 1);
	/* Not going to heal soon (bad request, auth, 501): keep trying at the
	 * cap, never drop the gap. */
	log_answer(b, r, what);
	return gcb_backfill_retry(b, now, 1, -1, what);
}

/* After a good answer: the proactive throttle, else the given delay. */
int64_t gcb_backfill_answered(gcb_backfill_t *b, uint64_t now, const gcb_http_resp_t *r,
			      uint64_t ms)
{
	uint64_t t = gcb_throttle_delay_ms(r);

	gcb_backoff_reset(&b->backoff);
	if (t > ms) {
		gcb_backfill_count(b, GCB_SC_THROTTLE_WAITS, 1);
		gcb_backfill_count(b, GCB_SC_THROTTLE_MS, t - ms);
		gcb_log_debug("backfill: rate budget low, next request in %" PRIu64 " ms", t);
		ms = t;
	}
	return gcb_backfill_later(b, now, ms);
}

/* Performs one request. 0 with *r, or the delay already scheduled in *delay. */
int gcb_backfill_call(gcb_backfill_t *b, uint64_t now, const char *method, const char *path,
		      const char *body, const gcb_http_resp_t **r, int64_t *delay, const char *what)
{
	int rc = b->io.call(b->io.arg, method, path, body, body ? strlen(body) : 0, r);

	if (rc == 0)
		return 0;
	if (rc == -ECANCELED) {
		*delay = gcb_backfill_later(b, now, b->conf.poll_interval_ms);
		return rc;
	}
	gcb_log_warn("backfill of gap %" PRIu64 ": %s failed: %s", b->gap_id, what, strerror(-rc));
	*delay = gcb_backfill_retry(b, now, 0, -1, what);
	return rc;
}

cJSON *gcb_backfill_parse_body(gcb_backfill_t *b, const gcb_http_resp_t *r)
{
	cJSON *o = r->body != NULL ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;

	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		gcb_backfill_count(b, GCB_SC_MALFORMED, 1);
		return NULL;
	}
	return o;
}

static int64_t step_submit(gcb_backfill_t *b, uint64_t now)
{
	const gcb_http_resp_t *r;
	char body[sizeof(b->interval) + 96];
	const cJSON *id;
	cJSON *o;
	int64_t delay;

	snprintf(body, sizeof(body),
		 "{\"interval\":\"%s\",\"order\":\"asc\",\"orderBy\":\"conversationStart\"}",
		 b->interval);
	if (gcb_backfill_call(b, now, "POST", BF_JOBS_PATH, body, &r, &delay,
			      "submitting the job") != 0)
		return delay;
	if (r->status != 200 && r->status != 201 && r->status != 202)
		return gcb_backfill_failed(b, now, r, "submitting the job");
	o = gcb_backfill_parse_body(b, r);
	id = cJSON_GetObjectItemCaseSensitive(o, "jobId");
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) >= sizeof(b->job_id) ||
	    strspn(id->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_.") != strlen(id->valuestring)) {
		cJSON_Delete(o);
		gcb_log_error("backfill of gap %" PRIu64 ": job answer without a usable jobId "
			      "(correlation_id=%s)",
			      b->gap_id, r->correlation_id);
		return gcb_backfill_retry(b, now, 0, -1, "submitting the job");
	}
	gcb_backfill_job_clear(b);
	snprintf(b->job_id, sizeof(b->job_id), "%s", id->valuestring);
	cJSON_Delete(o);
	if (gcb_backfill_set_cursor(b, "") != 0)
		return gcb_backfill_retry(b, now, 0, -1, "out of memory");
	gcb_backfill_count(b, GCB_NC_BACKFILL_JOBS, 1);
	gcb_log_info("backfill of gap %" PRIu64 ": job %s submitted for %s", b->gap_id, b->job_id,
		     b->interval);
	gcb_backfill_state_save(b);
	b->phase = BF_POLL;
	return gcb_backfill_answered(b, now, r, b->conf.poll_interval_ms);
}

/* The job is gone or finished badly: submit a new one after a backoff. */
static int64_t resubmit(gcb_backfill_t *b, uint64_t now, const char *why)
{
	gcb_log_warn("backfill of gap %" PRIu64 ": job %s %s: submitting a new job", b->gap_id,
		     b->job_id, why);
	gcb_backfill_job_clear(b);
	gcb_backfill_state_remove(b);
	b->phase = BF_WATERMARK;
	return gcb_backfill_retry(b, now, 0, -1, "job lost");
}

static int64_t step_poll(gcb_backfill_t *b, uint64_t now)
{
	char path[BF_PATH_MAX];
	const gcb_http_resp_t *r;
	const cJSON *st;
	cJSON *o;
	int64_t delay;
	char state[32];

	snprintf(path, sizeof(path), BF_JOBS_PATH "/%s", b->job_id);
	if (gcb_backfill_call(b, now, "GET", path, NULL, &r, &delay, "polling the job") != 0)
		return delay;
	if (r->status == 404)
		return resubmit(b, now, "is unknown to the service (404)");
	if (r->status != 200)
		return gcb_backfill_failed(b, now, r, "polling the job");
	o = gcb_backfill_parse_body(b, r);
	st = cJSON_GetObjectItemCaseSensitive(o, "state");
	snprintf(state, sizeof(state), "%s", cJSON_IsString(st) ? st->valuestring : "");
	cJSON_Delete(o);
	if (strcmp(state, "FULFILLED") == 0) {
		b->phase = BF_RESULTS;
		return gcb_backfill_answered(b, now, r, 0);
	}
	if (strcmp(state, "FAILED") == 0 || strcmp(state, "CANCELLED") == 0 ||
	    strcmp(state, "EXPIRED") == 0) {
		gcb_log_error("backfill of gap %" PRIu64 ": job %s ended %s (correlation_id=%s)",
			      b->gap_id, b->job_id, state, r->correlation_id);
		return resubmit(b, now, "did not complete");
	}
	if (strcmp(state, "QUEUED") != 0 && strcmp(state, "PENDING") != 0) {
		gcb_log_warn("backfill of gap %" PRIu64 ": job %s: unexpected state \"%s\"",
			     b->gap_id, b->job_id, state);
		gcb_backfill_count(b, GCB_SC_MALFORMED, 1);
	}
	return gcb_backfill_answered(b, now, r, b->conf.poll_interval_ms);
}

static int64_t step_results(gcb_backfill_t *b, uint64_t now)
{
	char *path, *esc = NULL;
	const gcb_http_resp_t *r;
	const cJSON *convs, *cur;
	cJSON *o;
	int64_t delay;
	size_t plen;
	int rc;

	if (b->cursor != NULL && b->cursor[0] != '\0') {
		/* Opaque cursors may hold anything: percent-encode all but unreserved. */
		size_t n = strlen(b->cursor), k = 0;

		if ((esc = malloc(3 * n + 1)) == NULL)
			return gcb_backfill_retry(b, now, 0, -1, "out of memory");
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)b->cursor[i];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
				esc[k++] = (char)c;
			else
				k += (size_t)sprintf(esc + k, "%%%02X", c);
		}
		esc[k] = '\0';
	}
	plen = BF_PATH_MAX + (esc ? strlen(esc) + 8 : 0);
	if ((path = malloc(plen)) == NULL) {
		free(esc);
		return gcb_backfill_retry(b, now, 0, -1, "out of memory");
	}
	snprintf(path, plen, BF_JOBS_PATH "/%s/results%s%s", b->job_id, esc ? "?cursor=" : "",
		 esc ? esc : "");
	free(esc);
	rc = gcb_backfill_call(b, now, "GET", path, NULL, &r, &delay, "reading job results");
	free(path);
	if (rc != 0)
		return delay;
	if (r->status == 404)
		return resubmit(b, now, "results are unknown to the service (404)");
	if (r->status != 200) {
		/* Anything but a rate limit or a server error may mean the job went
		 * away (expired): ask its state again before the next page. */
		if (r->status != 429 && r->status < 500)
			b->phase = BF_POLL;
		return gcb_backfill_failed(b, now, r, "reading job results");
	}
	if ((o = gcb_backfill_parse_body(b, r)) == NULL) {
		gcb_log_error("backfill of gap %" PRIu64 ": job %s: results page is not JSON "
			      "(correlation_id=%s)",
			      b->gap_id, b->job_id, r->correlation_id);
		return gcb_backfill_retry(b, now, 0, -1, "reading job results");
	}
	convs = cJSON_GetObjectItemCaseSensitive(o, "conversations");
	cur = cJSON_GetObjectItemCaseSensitive(o, "cursor");
	if ((convs != NULL && !cJSON_IsArray(convs) && !cJSON_IsNull(convs)) ||
	    (cur != NULL && !cJSON_IsString(cur) && !cJSON_IsNull(cur))) {
		cJSON_Delete(o);
		gcb_backfill_count(b, GCB_SC_MALFORMED, 1);
		gcb_log_error("backfill of gap %" PRIu64 ": job %s: results page has no "
			      "conversations array (correlation_id=%s)",
			      b->gap_id, b->job_id, r->correlation_id);
		return gcb_backfill_retry(b, now, 0, -1, "reading job results");
	}
	if (!gcb_backfill_page_complete(b, o, r->correlation_id)) {
		/* Read from a data lake that had not caught up with the gap: what the
		 * job returned may be partial. Emitted pages stay (duplicates are
		 * allowed), the gap stays, and a new job follows the watermark. */
		cJSON_Delete(o);
		gcb_backfill_job_clear(b);
		gcb_backfill_state_remove(b);
		b->phase = BF_WATERMARK;
		return gcb_backfill_answered(b, now, r, b->conf.poll_interval_ms);
	}
	gcb_backfill_page_clear(b);
	b->page = o;
	b->conv = cJSON_IsArray(convs) ? convs->child : NULL;
	if (cJSON_IsString(cur) && cur->valuestring[0] != '\0' &&
	    (b->next_cursor = strdup(cur->valuestring)) == NULL) {
		gcb_backfill_page_clear(b);
		return gcb_backfill_retry(b, now, 0, -1, "out of memory");
	}
	b->phase = BF_EMIT;
	return gcb_backfill_answered(b, now, r, 0);
}

/*
 * Emits the rest of the page, makes it durable, then saves the next cursor
 * (or completes the gap). No request: a spool without room only delays it.
 */
static int64_t step_emit(gcb_backfill_t *b, uint64_t now)
{
	int rc;

	if (b->suffix == NULL && (rc = gcb_backfill_suffix_build(b)) != 0) {
		gcb_log_error("backfill of gap %" PRIu64 ": the gap left the log (%s)", b->gap_id,
			      strerror(-rc));
		gcb_backfill_gap_clear(b);
		return gcb_backfill_later(b, now, 0);
	}
	for (; b->conv != NULL; b->conv = b->conv->next, b->page_index++) {
		rc = gcb_backfill_emit_one(b, b->conv, b->emitted + b->page_index + 1);
		if (rc == -ENOSPC) {
			/* The spool is full: this conversation and the rest of the page
			 * go out once it has room (the same page, from here). */
			gcb_log_debug("backfill: spool full, page held at conversation %" PRIu64,
				      b->page_index);
			return gcb_backfill_later(b, now,
						  b->conf.poll_interval_ms < BF_RETRY_SPOOL
						      ? b->conf.poll_interval_ms
						      : BF_RETRY_SPOOL);
		}
		if (rc != 0) {
			gcb_log_error("backfill of gap %" PRIu64 ": emitting failed: %s", b->gap_id,
				      strerror(-rc));
			return gcb_backfill_retry(b, now, 0, -1, "emitting");
		}
		gcb_backfill_count(b, GCB_NC_BACKFILL_EVENTS, 1);
	}
	if (!b->page_synced) {
		if ((rc = b->io.sync(b->io.arg)) != 0) {
			gcb_log_error("backfill of gap %" PRIu64 ": sync failed: %s", b->gap_id,
				      strerror(-rc));
			return gcb_backfill_retry(b, now, 0, -1, "making the page durable");
		}
		b->page_synced = 1;
	}
	b->emitted += b->page_index;
	if (b->next_cursor != NULL) {
		free(b->cursor);
		b->cursor = b->next_cursor;
		b->next_cursor = NULL;
		gcb_backfill_page_clear(b);
		gcb_backfill_state_save(b);
		b->phase = BF_RESULTS;
		return (int64_t)(b->due_ms > now ? b->due_ms - now : 0);
	}
	gcb_log_info("backfill of gap %" PRIu64 " complete: job %s, %" PRIu64 " conversation(s)",
		     b->gap_id, b->job_id, b->emitted);
	if ((rc = gcb_gaps_done(b->gaps, b->gap_id)) != 0 && rc != -ENOENT)
		gcb_log_error("backfill: gap %" PRIu64 " stays in the gap log on disk (%s): it "
			      "will be backfilled again after a restart",
			      b->gap_id, strerror(-rc));
	gcb_backfill_count(b, GCB_NC_GAPS_BACKFILLED, 1);
	gcb_backfill_state_remove(b);
	gcb_backfill_gap_clear(b);
	return (int64_t)(b->due_ms > now ? b->due_ms - now : 0);
}

int gcb_backfill_new(gcb_backfill_t **out, const gcb_backfill_conf_t *conf, gcb_gaps_t *gaps,
		     gcb_ckpt_t *store, const char *instance, const gcb_backfill_io_t *io,
		     _Atomic uint64_t *counters, char *errstr, size_t errstr_size)
{
	gcb_backfill_t *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (b == NULL) {
		snprintf(errstr, errstr_size, "out of memory");
		return -ENOMEM;
	}
	b->msg.first = 4096;
	if (snprintf(b->name, sizeof(b->name), "%s.backfill", instance) >= (int)sizeof(b->name)) {
		snprintf(errstr, errstr_size, "instance name \"%s\" too long for the backfill",
			 instance);
		free(b);
		return -ENAMETOOLONG;
	}
	b->conf = *conf;
	if (b->conf.poll_interval_ms == 0)
		b->conf.poll_interval_ms = 1;
	b->gaps = gaps;
	b->store = store;
	b->io = *io;
	b->counters = counters;
	gcb_backoff_init(&b->backoff, conf->backoff_base_ms, conf->backoff_cap_ms,
			 (uint64_t)getpid() * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)time(NULL));
	if (conf->enabled)
		gcb_backfill_state_load(b);
	gauge(b, GCB_NC_GAPS_PENDING, gcb_gaps_pending(gaps));
	*out = b;
	return 0;
}

void gcb_backfill_free(gcb_backfill_t *b)
{
	if (b == NULL)
		return;
	gcb_backfill_gap_clear(b);
	gcb_buf_fini(&b->msg);
	free(b);
}

int64_t gcb_backfill_step(gcb_backfill_t *b, uint64_t now_mono_ms)
{
	const gcb_gap_t *gap;

	gauge(b, GCB_NC_GAPS_PENDING, gcb_gaps_pending(b->gaps));
	if (!b->conf.enabled) {
		if (!b->disabled_logged && gcb_gaps_pending(b->gaps) > 0) {
			gcb_log_warn("backfill disabled: %u gap(s) stay recorded in %s/%s, not "
				     "backfilled",
				     gcb_gaps_pending(b->gaps), b->store->dir, b->gaps->name);
			b->disabled_logged = 1;
		}
		return -1;
	}
	if (b->phase == BF_IDLE) {
		if ((gap = gcb_gaps_next_closed(b->gaps)) == NULL)
			return -1;
		gcb_backfill_gap_begin(b, gap);
		b->phase = BF_WATERMARK;
	}
	if (now_mono_ms < b->due_ms)
		return (int64_t)(b->due_ms - now_mono_ms);
	switch (b->phase) {
	case BF_WATERMARK:
		return gcb_backfill_step_watermark(b, now_mono_ms);
	case BF_SUBMIT:
		return step_submit(b, now_mono_ms);
	case BF_POLL:
		return step_poll(b, now_mono_ms);
	case BF_RESULTS:
		return step_results(b, now_mono_ms);
	case BF_EMIT:
		return step_emit(b, now_mono_ms);
	case BF_IDLE:
		break;
	}
	return -1;
}

/*
 * Gap backfill (gcb_backfill.h): one analytics conversation-details job at a
 * time, for the oldest closed gap. Phases:
 *
 *   IDLE -> SUBMIT (POST jobs) -> POLL (GET jobs/{id}, every poll_interval)
 *        -> RESULTS (GET jobs/{id}/results[?cursor]) -> EMIT (emit, sync, save
 *        the next cursor) -> RESULTS ... -> last page: gap done -> IDLE
 *
 * The job state file <instance>.backfill is
 *
 *   {"version":1,"gapId":N,"jobId":"…","cursor":"…","emitted":N,"interval":"a/b"}
 *
 * written after a job is accepted and after every page is durable, and
 * removed when its gap is done.
 */
#include "stages/notif/gcb_backfill.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "shm/gcb_counters_fetcher.h"
#include "stages/fetcher/gcb_fetcher_errbody.h"
#include "supervisor/gcb_log.h"

#define BF_VERSION     1
#define BF_ISO_MAX     32
#define BF_JOB_ID_MAX  128
#define BF_STATE_MAX   (64u * 1024u)
#define BF_TOPIC       "gcbridge.backfill.conversation"
#define BF_JOBS_PATH   "/api/v2/analytics/conversations/details/jobs"
#define BF_PATH_MAX    (sizeof(BF_JOBS_PATH) + BF_JOB_ID_MAX + 32)
#define BF_MSG_MAX     (256u << 20) /* larger conversations are refused: -EFBIG */
#define BF_RETRY_SPOOL 1000u	    /* wait for spool room at most this long between tries */

typedef enum bf_phase {
	BF_IDLE = 0,
	BF_SUBMIT,
	BF_POLL,
	BF_RESULTS,
	BF_EMIT,
} bf_phase_t;

struct gcb_backfill {
	gcb_backfill_conf_t conf;
	gcb_gaps_t *gaps;
	gcb_ckpt_t *store;
	gcb_backfill_io_t io;
	_Atomic uint64_t *counters;
	char name[NAME_MAX + 1]; /* <instance>.backfill */

	bf_phase_t phase;
	uint64_t due_ms; /* monotonic time of the next step; 0 now */
	gcb_backoff_t backoff;
	int disabled_logged;

	/* The job of the current gap. */
	uint64_t gap_id;
	char interval[2 * BF_ISO_MAX + 2];
	char job_id[BF_JOB_ID_MAX];
	char *cursor; /* of the next page, "" for the first; owned */
	uint64_t emitted;
	char *suffix; /* the "backfill" object of every message of this job; owned */

	/* The page being emitted (EMIT). */
	cJSON *page;
	cJSON *conv;	     /* next conversation of page to emit */
	uint64_t page_index; /* of conv within the page */
	char *next_cursor;   /* NULL: this is the last page; owned */
	int page_synced;

	char *msg; /* reusable message buffer */
	size_t msg_cap;
};

static void iso_ms(uint64_t unix_ms, char out[BF_ISO_MAX])
{
	time_t s = (time_t)(unix_ms / 1000);
	struct tm tm;

	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, BF_ISO_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, BF_ISO_MAX - n, ".%03uZ", (unsigned)(unix_ms % 1000));
}

static void count(gcb_backfill_t *b, int idx, uint64_t n)
{
	if (b->counters != NULL)
		atomic_fetch_add_explicit(&b->counters[idx], n, memory_order_relaxed);
}

static void gauge(gcb_backfill_t *b, int idx, uint64_t v)
{
	if (b->counters != NULL)
		atomic_store_explicit(&b->counters[idx], v, memory_order_relaxed);
}

/* The closed gap id of the log, NULL when it is not (or no longer) there. */
static const gcb_gap_t *gap_find(const gcb_backfill_t *b, uint64_t id)
{
	for (unsigned i = 0; i < b->gaps->n; i++)
		if (b->gaps->v[i].id == id && b->gaps->v[i].state == GCB_GAP_CLOSED)
			return &b->gaps->v[i];
	return NULL;
}

static void page_clear(gcb_backfill_t *b)
{
	cJSON_Delete(b->page);
	b->page = NULL;
	b->conv = NULL;
	b->page_index = 0;
	free(b->next_cursor);
	b->next_cursor = NULL;
	b->page_synced = 0;
}

static void job_clear(gcb_backfill_t *b)
{
	page_clear(b);
	b->job_id[0] = '\0';
	free(b->cursor);
	b->cursor = NULL;
	b->emitted = 0;
}

static void gap_clear(gcb_backfill_t *b)
{
	job_clear(b);
	free(b->suffix);
	b->suffix = NULL;
	b->gap_id = 0;
	b->interval[0] = '\0';
	b->phase = BF_IDLE;
}

static int set_cursor(gcb_backfill_t *b, const char *cursor)
{
	char *c = strdup(cursor);

	if (c == NULL)
		return -ENOMEM;
	free(b->cursor);
	b->cursor = c;
	return 0;
}

/* Persists the job. A failure is logged and otherwise ignored: a restart
 * then repeats pages or resubmits, which duplicates but never loses. */
static void state_save(gcb_backfill_t *b)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc = -ENOMEM;

	if (o == NULL || cJSON_AddNumberToObject(o, "version", BF_VERSION) == NULL ||
	    cJSON_AddNumberToObject(o, "gapId", (double)b->gap_id) == NULL ||
	    cJSON_AddStringToObject(o, "jobId", b->job_id) == NULL ||
	    cJSON_AddStringToObject(o, "cursor", b->cursor ? b->cursor : "") == NULL ||
	    cJSON_AddNumberToObject(o, "emitted", (double)b->emitted) == NULL ||
	    cJSON_AddStringToObject(o, "interval", b->interval) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	rc = gcb_ckpt_write_file(b->store, b->name, text, strlen(text));
out:
	if (rc != 0)
		gcb_log_error("saving the backfill state %s/%s failed: %s", b->store->dir, b->name,
			      strerror(-rc));
	free(text);
	cJSON_Delete(o);
}

static void state_remove(gcb_backfill_t *b)
{
	if (unlinkat(b->store->dir_fd, b->name, 0) != 0 && errno != ENOENT)
		gcb_log_warn("unlinkat(%s/%s) failed: %s", b->store->dir, b->name, strerror(errno));
	else if (fsync(b->store->dir_fd) != 0)
		gcb_log_warn("fsync(%s) failed: %s", b->store->dir, strerror(errno));
}

/* Sets up the gap's interval: [start - pad, end + pad]. */
static void gap_begin(gcb_backfill_t *b, const gcb_gap_t *gap)
{
	char s[BF_ISO_MAX], e[BF_ISO_MAX];
	uint64_t from =
	    gap->start_unix_ms > b->conf.pad_ms ? gap->start_unix_ms - b->conf.pad_ms : 0;

	b->gap_id = gap->id;
	iso_ms(from, s);
	iso_ms(gap->end_unix_ms + b->conf.pad_ms, e);
	snprintf(b->interval, sizeof(b->interval), "%s/%s", s, e);
	free(b->suffix);
	b->suffix = NULL;
}

/*
 * Loads a job left by a previous run. A state file that cannot be used is
 * dropped with a warning: its gap is still in the gap log, so the backfill
 * only starts that gap over (duplicates, never a loss).
 */
static void state_load(gcb_backfill_t *b)
{
	char buf[BF_STATE_MAX];
	size_t len;
	cJSON *o = NULL;
	const cJSON *v, *gid, *job, *cur, *em, *iv;
	const gcb_gap_t *gap;
	int rc = gcb_ckpt_read_file(b->store, b->name, buf, sizeof(buf), &len);

	if (rc == -ENOENT)
		return;
	if (rc != 0) {
		gcb_log_warn("backfill state %s/%s cannot be read (%s): its gap starts over",
			     b->store->dir, b->name, strerror(-rc));
		goto drop;
	}
	o = cJSON_ParseWithLength(buf, len);
	v = cJSON_GetObjectItemCaseSensitive(o, "version");
	gid = cJSON_GetObjectItemCaseSensitive(o, "gapId");
	job = cJSON_GetObjectItemCaseSensitive(o, "jobId");
	cur = cJSON_GetObjectItemCaseSensitive(o, "cursor");
	em = cJSON_GetObjectItemCaseSensitive(o, "emitted");
	iv = cJSON_GetObjectItemCaseSensitive(o, "interval");
	if (!cJSON_IsNumber(v) || v->valuedouble != BF_VERSION || !cJSON_IsNumber(gid) ||
	    gid->valuedouble < 1 || !cJSON_IsString(job) || job->valuestring[0] == '\0' ||
	    strlen(job->valuestring) >= sizeof(b->job_id) || !cJSON_IsString(cur) ||
	    !cJSON_IsNumber(em) || em->valuedouble < 0 || !cJSON_IsString(iv)) {
		gcb_log_warn("backfill state %s/%s is not a backfill job: its gap starts over",
			     b->store->dir, b->name);
		goto drop;
	}
	gap = gap_find(b, (uint64_t)gid->valuedouble);
	if (gap == NULL) {
		gcb_log_info("backfill state %s/%s names gap %.0f, which is not a closed gap of "
			     "the log: dropped",
			     b->store->dir, b->name, gid->valuedouble);
		goto drop;
	}
	gap_begin(b, gap);
	if (strlen(iv->valuestring) < sizeof(b->interval))
		strcpy(b->interval, iv->valuestring); /* the job's, should pad have changed */
	snprintf(b->job_id, sizeof(b->job_id), "%s", job->valuestring);
	if (set_cursor(b, cur->valuestring) != 0)
		goto drop;
	b->emitted = (uint64_t)em->valuedouble;
	/* With a cursor the job was FULFILLED already; without, ask again. */
	b->phase = b->cursor[0] != '\0' ? BF_RESULTS : BF_POLL;
	gcb_log_info(
	    "backfill of gap %" PRIu64 " resumes: job %s, %s, %" PRIu64 " conversation(s) emitted",
	    b->gap_id, b->job_id, b->cursor[0] ? "at a saved cursor" : "state unknown", b->emitted);
	cJSON_Delete(o);
	return;
drop:
	cJSON_Delete(o);
	gap_clear(b);
	state_remove(b);
}

/* The "backfill" object, built when the job id is known. */
static int suffix_build(gcb_backfill_t *b)
{
	const gcb_gap_t *gap = gap_find(b, b->gap_id);
	char gs[BF_ISO_MAX], ge[BF_ISO_MAX], id[24];
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;
	int rc = -ENOMEM;

	if (gap == NULL) {
		rc = -ENOENT;
		goto out;
	}
	iso_ms(gap->start_unix_ms, gs);
	iso_ms(gap->end_unix_ms, ge);
	snprintf(id, sizeof(id), "%" PRIu64, gap->id);
	if (o == NULL || cJSON_AddStringToObject(o, "gapId", id) == NULL ||
	    cJSON_AddStringToObject(o, "gapStart", gs) == NULL ||
	    cJSON_AddStringToObject(o, "gapEnd", ge) == NULL ||
	    cJSON_AddStringToObject(o, "jobId", b->job_id) == NULL ||
	    cJSON_AddStringToObject(o, "reason", gap->reason) == NULL ||
	    (text = cJSON_PrintUnformatted(o)) == NULL)
		goto out;
	free(b->suffix);
	b->suffix = text;
	text = NULL;
	rc = 0;
out:
	free(text);
	cJSON_Delete(o);
	return rc;
}

/* Schedules the next step delay ms from now and returns it. */
static int64_t later(gcb_backfill_t *b, uint64_t now, uint64_t ms)
{
	b->due_ms = now + ms;
	return (int64_t)ms;
}

static int64_t retry(gcb_backfill_t *b, uint64_t now, int at_cap, int64_t retry_after_ms,
		     const char *what)
{
	uint64_t ms = at_cap ? gcb_backoff_at_cap(&b->backoff)
			     : gcb_backoff_next(&b->backoff, retry_after_ms);

	count(b, GCB_FC_RETRIES, 1);
	if (retry_after_ms >= 0)
		gcb_log_warn("backfill of gap %" PRIu64 ": %s: retrying in %" PRIu64
			     " ms (Retry-After %" PRId64 " ms)",
			     b->gap_id, what, ms, retry_after_ms);
	else
		gcb_log_warn("backfill of gap %" PRIu64 ": %s: retrying in %" PRIu64
			     " ms (attempt %u)",
			     b->gap_id, what, ms, b->backoff.attempt);
	return later(b, now, ms);
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
static int64_t failed(gcb_backfill_t *b, uint64_t now, const gcb_http_resp_t *r, const char *what)
{
	if (r->status == 429) {
		count(b, GCB_FC_HTTP_429, 1);
		return retry(b, now, 0, r->retry_after_ms, what);
	}
	if (r->status == 502 || r->status == 503 || r->status == 504 ||
	    (r->status >= 500 && r->status != 501)) {
		count(b, GCB_FC_HTTP_5XX, 1);
		log_answer(b, r, what);
		return retry(b, now, 0, -1, what);
	}
	if (r->status != 401)
		count(b, GCB_FC_HTTP_OTHER, 1);
	/* Not going to heal soon (bad request, auth, 501): keep trying at the
	 * cap, never drop the gap. */
	log_answer(b, r, what);
	return retry(b, now, 1, -1, what);
}

/* After a good answer: the proactive throttle, else the given delay. */
static int64_t answered(gcb_backfill_t *b, uint64_t now, const gcb_http_resp_t *r, uint64_t ms)
{
	uint64_t t = gcb_throttle_delay_ms(r);

	gcb_backoff_reset(&b->backoff);
	if (t > ms) {
		count(b, GCB_FC_THROTTLE_WAITS, 1);
		count(b, GCB_FC_THROTTLE_MS, t - ms);
		gcb_log_debug("backfill: rate budget low, next request in %" PRIu64 " ms", t);
		ms = t;
	}
	return later(b, now, ms);
}

/* Performs one request. 0 with *r, or the delay already scheduled in *delay. */
static int call(gcb_backfill_t *b, uint64_t now, const char *method, const char *path,
		const char *body, const gcb_http_resp_t **r, int64_t *delay, const char *what)
{
	int rc = b->io.call(b->io.arg, method, path, body, body ? strlen(body) : 0, r);

	if (rc == 0)
		return 0;
	if (rc == -ECANCELED) {
		*delay = later(b, now, b->conf.poll_interval_ms);
		return rc;
	}
	gcb_log_warn("backfill of gap %" PRIu64 ": %s failed: %s", b->gap_id, what, strerror(-rc));
	*delay = retry(b, now, 0, -1, what);
	return rc;
}

static cJSON *parse_body(gcb_backfill_t *b, const gcb_http_resp_t *r)
{
	cJSON *o = r->body != NULL ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;

	if (o == NULL || !cJSON_IsObject(o)) {
		cJSON_Delete(o);
		count(b, GCB_FC_MALFORMED, 1);
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
	if (call(b, now, "POST", BF_JOBS_PATH, body, &r, &delay, "submitting the job") != 0)
		return delay;
	if (r->status != 200 && r->status != 201 && r->status != 202)
		return failed(b, now, r, "submitting the job");
	o = parse_body(b, r);
	id = cJSON_GetObjectItemCaseSensitive(o, "jobId");
	if (!cJSON_IsString(id) || id->valuestring[0] == '\0' ||
	    strlen(id->valuestring) >= sizeof(b->job_id) ||
	    strspn(id->valuestring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789-_.") != strlen(id->valuestring)) {
		cJSON_Delete(o);
		gcb_log_error("backfill of gap %" PRIu64 ": job answer without a usable jobId "
			      "(correlation_id=%s)",
			      b->gap_id, r->correlation_id);
		return retry(b, now, 0, -1, "submitting the job");
	}
	job_clear(b);
	snprintf(b->job_id, sizeof(b->job_id), "%s", id->valuestring);
	cJSON_Delete(o);
	if (set_cursor(b, "") != 0)
		return retry(b, now, 0, -1, "out of memory");
	count(b, GCB_FC_BACKFILL_JOBS, 1);
	gcb_log_info("backfill of gap %" PRIu64 ": job %s submitted for %s", b->gap_id, b->job_id,
		     b->interval);
	state_save(b);
	b->phase = BF_POLL;
	return answered(b, now, r, b->conf.poll_interval_ms);
}

/* The job is gone or finished badly: submit a new one after a backoff. */
static int64_t resubmit(gcb_backfill_t *b, uint64_t now, const char *why)
{
	gcb_log_warn("backfill of gap %" PRIu64 ": job %s %s: submitting a new job", b->gap_id,
		     b->job_id, why);
	job_clear(b);
	state_remove(b);
	b->phase = BF_SUBMIT;
	return retry(b, now, 0, -1, "job lost");
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
	if (call(b, now, "GET", path, NULL, &r, &delay, "polling the job") != 0)
		return delay;
	if (r->status == 404)
		return resubmit(b, now, "is unknown to the service (404)");
	if (r->status != 200)
		return failed(b, now, r, "polling the job");
	o = parse_body(b, r);
	st = cJSON_GetObjectItemCaseSensitive(o, "state");
	snprintf(state, sizeof(state), "%s", cJSON_IsString(st) ? st->valuestring : "");
	cJSON_Delete(o);
	if (strcmp(state, "FULFILLED") == 0) {
		b->phase = BF_RESULTS;
		return answered(b, now, r, 0);
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
		count(b, GCB_FC_MALFORMED, 1);
	}
	return answered(b, now, r, b->conf.poll_interval_ms);
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
			return retry(b, now, 0, -1, "out of memory");
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
		return retry(b, now, 0, -1, "out of memory");
	}
	snprintf(path, plen, BF_JOBS_PATH "/%s/results%s%s", b->job_id, esc ? "?cursor=" : "",
		 esc ? esc : "");
	free(esc);
	rc = call(b, now, "GET", path, NULL, &r, &delay, "reading job results");
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
		return failed(b, now, r, "reading job results");
	}
	if ((o = parse_body(b, r)) == NULL) {
		gcb_log_error("backfill of gap %" PRIu64 ": job %s: results page is not JSON "
			      "(correlation_id=%s)",
			      b->gap_id, b->job_id, r->correlation_id);
		return retry(b, now, 0, -1, "reading job results");
	}
	convs = cJSON_GetObjectItemCaseSensitive(o, "conversations");
	cur = cJSON_GetObjectItemCaseSensitive(o, "cursor");
	if ((convs != NULL && !cJSON_IsArray(convs) && !cJSON_IsNull(convs)) ||
	    (cur != NULL && !cJSON_IsString(cur) && !cJSON_IsNull(cur))) {
		cJSON_Delete(o);
		count(b, GCB_FC_MALFORMED, 1);
		gcb_log_error("backfill of gap %" PRIu64 ": job %s: results page has no "
			      "conversations array (correlation_id=%s)",
			      b->gap_id, b->job_id, r->correlation_id);
		return retry(b, now, 0, -1, "reading job results");
	}
	page_clear(b);
	b->page = o;
	b->conv = cJSON_IsArray(convs) ? convs->child : NULL;
	if (cJSON_IsString(cur) && cur->valuestring[0] != '\0' &&
	    (b->next_cursor = strdup(cur->valuestring)) == NULL) {
		page_clear(b);
		return retry(b, now, 0, -1, "out of memory");
	}
	b->phase = BF_EMIT;
	return answered(b, now, r, 0);
}

static int msg_reserve(gcb_backfill_t *b, size_t want)
{
	char *m;
	size_t cap = b->msg_cap ? b->msg_cap : 4096;

	if (want <= b->msg_cap)
		return 0;
	while (cap < want)
		cap *= 2;
	if ((m = realloc(b->msg, cap)) == NULL)
		return -ENOMEM;
	b->msg = m;
	b->msg_cap = cap;
	return 0;
}

/*
 * Emits one conversation as a backfill message (docs/notifications.md),
 * printed straight into the reusable buffer: no allocation per message once
 * the buffer has grown to the largest conversation.
 */
static int emit_one(gcb_backfill_t *b, const cJSON *conv, uint64_t n)
{
	static const char head[] =
	    "{\"topicName\":\"" BF_TOPIC "\",\"version\":\"2\",\"eventBody\":";
	const size_t hlen = sizeof(head) - 1, slen = strlen(b->suffix);
	size_t blen, mlen, len;
	char meta[96];
	int rc;

	if ((rc = msg_reserve(b, hlen + 4096)) != 0)
		return rc;
	/* cJSON_PrintPreallocated wants a few spare bytes beyond the text. */
	while (!cJSON_PrintPreallocated((cJSON *)conv, b->msg + hlen, (int)(b->msg_cap - hlen - 8),
					0)) {
		if (b->msg_cap >= BF_MSG_MAX || (rc = msg_reserve(b, b->msg_cap * 2)) != 0)
			return rc ? rc : -EFBIG;
	}
	memcpy(b->msg, head, hlen);
	blen = strlen(b->msg + hlen);
	mlen = (size_t)snprintf(meta, sizeof(meta),
				",\"metadata\":{\"CorrelationId\":\"backfill-%" PRIu64 "-%" PRIu64
				"\"},\"backfill\":",
				b->gap_id, n);
	len = hlen + blen + mlen + slen + 1;
	if ((rc = msg_reserve(b, len + 1)) != 0)
		return rc;
	memcpy(b->msg + hlen + blen, meta, mlen);
	memcpy(b->msg + hlen + blen + mlen, b->suffix, slen);
	b->msg[len - 1] = '}';
	b->msg[len] = '\0';
	return b->io.emit(b->io.arg, b->msg, len);
}

/*
 * Emits the rest of the page, makes it durable, then saves the next cursor
 * (or completes the gap). No request: a spool without room only delays it.
 */
static int64_t step_emit(gcb_backfill_t *b, uint64_t now)
{
	int rc;

	if (b->suffix == NULL && (rc = suffix_build(b)) != 0) {
		gcb_log_error("backfill of gap %" PRIu64 ": the gap left the log (%s)", b->gap_id,
			      strerror(-rc));
		gap_clear(b);
		return later(b, now, 0);
	}
	for (; b->conv != NULL; b->conv = b->conv->next, b->page_index++) {
		rc = emit_one(b, b->conv, b->emitted + b->page_index + 1);
		if (rc == -ENOSPC) {
			/* The spool is full: this conversation and the rest of the page
			 * go out once it has room (the same page, from here). */
			gcb_log_debug("backfill: spool full, page held at conversation %" PRIu64,
				      b->page_index);
			return later(b, now,
				     b->conf.poll_interval_ms < BF_RETRY_SPOOL
					 ? b->conf.poll_interval_ms
					 : BF_RETRY_SPOOL);
		}
		if (rc != 0) {
			gcb_log_error("backfill of gap %" PRIu64 ": emitting failed: %s", b->gap_id,
				      strerror(-rc));
			return retry(b, now, 0, -1, "emitting");
		}
		count(b, GCB_FC_BACKFILL_EVENTS, 1);
	}
	if (!b->page_synced) {
		if ((rc = b->io.sync(b->io.arg)) != 0) {
			gcb_log_error("backfill of gap %" PRIu64 ": sync failed: %s", b->gap_id,
				      strerror(-rc));
			return retry(b, now, 0, -1, "making the page durable");
		}
		b->page_synced = 1;
	}
	b->emitted += b->page_index;
	if (b->next_cursor != NULL) {
		free(b->cursor);
		b->cursor = b->next_cursor;
		b->next_cursor = NULL;
		page_clear(b);
		state_save(b);
		b->phase = BF_RESULTS;
		return (int64_t)(b->due_ms > now ? b->due_ms - now : 0);
	}
	gcb_log_info("backfill of gap %" PRIu64 " complete: job %s, %" PRIu64 " conversation(s)",
		     b->gap_id, b->job_id, b->emitted);
	if ((rc = gcb_gaps_done(b->gaps, b->gap_id)) != 0 && rc != -ENOENT)
		gcb_log_error("backfill: gap %" PRIu64 " stays in the gap log on disk (%s): it "
			      "will be backfilled again after a restart",
			      b->gap_id, strerror(-rc));
	count(b, GCB_FC_GAPS_BACKFILLED, 1);
	state_remove(b);
	gap_clear(b);
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
		state_load(b);
	gauge(b, GCB_FC_GAPS_PENDING, gcb_gaps_pending(gaps));
	*out = b;
	return 0;
}

void gcb_backfill_free(gcb_backfill_t *b)
{
	if (b == NULL)
		return;
	gap_clear(b);
	free(b->msg);
	free(b);
}

int64_t gcb_backfill_step(gcb_backfill_t *b, uint64_t now_mono_ms)
{
	const gcb_gap_t *gap;

	gauge(b, GCB_FC_GAPS_PENDING, gcb_gaps_pending(b->gaps));
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
		gap_begin(b, gap);
		b->phase = BF_SUBMIT;
	}
	if (now_mono_ms < b->due_ms)
		return (int64_t)(b->due_ms - now_mono_ms);
	switch (b->phase) {
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

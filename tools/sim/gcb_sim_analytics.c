#include "tools/sim/gcb_sim_analytics.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/gcb_array.h"
#include "lib/gcb_log.h"
#include "tools/sim/gcb_sim_notif.h"
#include "tools/sim/gcb_sim_perm.h"
#include "tools/sim/gcb_sim_rand.h"

#define JOBS_MAX       256
#define QUERY_PAGE_MAX 100
#define PREFIX	       "/api/v2/analytics/conversations/details"

static const char *const medias[] = {"voice", "chat", "email", "message", "callback"};

typedef struct job {
	char id[37];
	int64_t from_ms, to_ms;
	int64_t created_mono, ready_mono, expires_mono;
	int64_t created_real;
	int64_t watermark; /* Unix ms: the lake was complete up to here when fulfilled */
	int fail, cancelled, done;
	uint64_t *matches; /* conversation sequence numbers, once fulfilled */
	size_t nmatch;
} job_t;

struct gcb_sim_analytics {
	gcb_sim_analytics_conf_t conf;
	gcb_sim_faults_t *faults;
	pthread_mutex_t lock;
	gcb_sim_rand_t rnd;
	gcb_sim_conv_t *convs;
	size_t cap;    /* slots of convs */
	uint64_t head; /* ring of conversations [tail, head) */
	job_t jobs[JOBS_MAX];
	uint64_t njobs, requests, throttled, failed, fulfilled, expired, pages, availability,
	    early_jobs;
	int64_t lag_ms; /* the current fault setting, read under the lock by job_state */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gcb_sim_analytics_t *gcb_sim_analytics_new(const gcb_sim_analytics_conf_t *conf,
					   gcb_sim_faults_t *faults, char *errstr,
					   size_t errstr_size)
{
	gcb_sim_analytics_t *a = calloc(1, sizeof(*a));

	if (!a) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	a->conf = *conf;
	if (a->conf.retention < 1)
		a->conf.retention = 1;
	if (a->conf.page_size < 1)
		a->conf.page_size = 100;
	a->faults = faults;
	pthread_mutex_init(&a->lock, NULL);
	gcb_sim_rand_init(&a->rnd, conf->seed, 13);
	return a;
}

void gcb_sim_analytics_destroy(gcb_sim_analytics_t *a)
{
	if (!a)
		return;
	for (int i = 0; i < JOBS_MAX; i++)
		free(a->jobs[i].matches);
	free(a->convs);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

static uint64_t tail(const gcb_sim_analytics_t *a)
{
	return a->head > a->conf.retention ? a->head - a->conf.retention : 0;
}

uint64_t gcb_sim_analytics_add(gcb_sim_analytics_t *a, const gcb_sim_conv_t *c)
{
	uint64_t seq;

	pthread_mutex_lock(&a->lock);
	if (a->head == a->cap && a->cap < a->conf.retention) {
		/* Grows only before the ring first wraps, so seq % cap stays put. */
		if (GCB_ARRAY_RESERVE(a->convs, a->cap, a->cap + 1, 1024,
				      (size_t)a->conf.retention) != 0) {
			pthread_mutex_unlock(&a->lock);
			gcb_log_error("analytics store: out of memory");
			return UINT64_MAX;
		}
	}
	seq = a->head++;
	a->convs[seq % a->cap] = *c;
	pthread_mutex_unlock(&a->lock);
	return seq;
}

void gcb_sim_analytics_update(gcb_sim_analytics_t *a, uint64_t seq, const gcb_sim_conv_t *c)
{
	pthread_mutex_lock(&a->lock);
	if (seq < a->head && seq >= tail(a))
		a->convs[seq % a->cap] = *c;
	pthread_mutex_unlock(&a->lock);
}

static int overlaps(const gcb_sim_conv_t *c, int64_t from, int64_t to, int64_t now)
{
	int64_t end = c->end_ms ? c->end_ms : now;

	return c->start_ms < to && end >= from;
}

static void add_iso(cJSON *o, const char *name, int64_t ms)
{
	char b[32];

	if (!ms)
		return;
	gcb_sim_notif_iso(ms, b);
	cJSON_AddStringToObject(o, name, b);
}

static cJSON *segment(cJSON *segs, const char *type, int64_t from, int64_t to)
{
	cJSON *s = cJSON_CreateObject();

	add_iso(s, "segmentStart", from);
	add_iso(s, "segmentEnd", to);
	cJSON_AddStringToObject(s, "segmentType", type);
	cJSON_AddItemToArray(segs, s);
	return s;
}

static cJSON *participant(cJSON *parts, const gcb_sim_conv_t *c, const char *pid, const char *sid,
			  const char *purpose, const char *name)
{
	cJSON *p = cJSON_CreateObject(), *sessions, *s;

	cJSON_AddStringToObject(p, "participantId", pid);
	cJSON_AddStringToObject(p, "participantName", name);
	cJSON_AddStringToObject(p, "purpose", purpose);
	cJSON_AddItemToArray(parts, p);
	sessions = cJSON_AddArrayToObject(p, "sessions");
	s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "sessionId", sid);
	cJSON_AddStringToObject(s, "mediaType", medias[c->media]);
	cJSON_AddStringToObject(s, "direction", c->outbound ? "outbound" : "inbound");
	cJSON_AddStringToObject(s, "ani", c->ani);
	cJSON_AddStringToObject(s, "dnis", c->dnis);
	cJSON_AddItemToArray(sessions, s);
	return cJSON_AddArrayToObject(s, "segments");
}

/* The analytics conversation of docs/genesys-api.md (lower-case enums, ISO times). */
static cJSON *conv_json(const gcb_sim_conv_t *c)
{
	cJSON *j = cJSON_CreateObject(), *parts, *segs, *s;
	int64_t cust_end = c->abandoned ? c->answer_ms : c->hangup_ms;

	cJSON_AddStringToObject(j, "conversationId", c->id);
	add_iso(j, "conversationStart", c->start_ms);
	add_iso(j, "conversationEnd", c->end_ms);
	cJSON_AddStringToObject(j, "originatingDirection", c->outbound ? "outbound" : "inbound");
	parts = cJSON_AddArrayToObject(j, "participants");

	segs = participant(parts, c, c->cust_pid, c->cust_sid, "customer", "Customer");
	s = segment(segs, "interact", c->start_ms, cust_end);
	if (cust_end)
		cJSON_AddStringToObject(s, "disconnectType", c->abandoned ? "client" : "peer");

	segs = participant(parts, c, c->acd_pid, c->acd_sid, "acd", c->queue_name);
	s = segment(segs, "interact", c->start_ms, c->answer_ms);
	cJSON_AddStringToObject(s, "queueId", c->queue_id);
	if (c->answer_ms)
		cJSON_AddStringToObject(s, "disconnectType", c->abandoned ? "peer" : "transfer");

	if (!c->abandoned && c->answer_ms) {
		segs = participant(parts, c, c->agent_pid, c->agent_sid, "agent", "Agent");
		cJSON_AddStringToObject(cJSON_GetArrayItem(parts, 2), "userId", c->user_id);
		s = segment(segs, "interact", c->answer_ms, c->hangup_ms);
		cJSON_AddStringToObject(s, "queueId", c->queue_id);
		if (c->hangup_ms) {
			cJSON_AddStringToObject(s, "disconnectType", "client");
			s = segment(segs, "wrapup", c->hangup_ms, c->end_ms);
			cJSON_AddStringToObject(s, "queueId", c->queue_id);
			if (c->end_ms)
				cJSON_AddStringToObject(s, "wrapUpCode", c->wrapup_code);
		}
	}
	return j;
}

static int parse_interval(const char *iv, int64_t *from, int64_t *to)
{
	const char *slash = iv ? strchr(iv, '/') : NULL;

	if (!slash || gcb_sim_notif_parse_iso(iv, (size_t)(slash - iv), from) < 0 ||
	    gcb_sim_notif_parse_iso(slash + 1, strlen(slash + 1), to) < 0 || *to <= *from)
		return -EINVAL;
	return 0;
}

/* Lock held. */
static job_t *job_find(gcb_sim_analytics_t *a, const char *id, size_t len)
{
	if (len != 36)
		return NULL;
	for (int i = 0; i < JOBS_MAX; i++)
		if (a->jobs[i].id[0] && !memcmp(a->jobs[i].id, id, 36))
			return &a->jobs[i];
	return NULL;
}

/* Lock held. The state a job is in now; fulfils it when its time has come. */
static const char *job_state(gcb_sim_analytics_t *a, job_t *j)
{
	int64_t now = mono_ms();

	if (now >= j->expires_mono) {
		if (j->done != 2) {
			a->expired++;
			j->done = 2;
			free(j->matches);
			j->matches = NULL;
		}
		return "EXPIRED";
	}
	if (j->cancelled)
		return "CANCELLED";
	if (now < j->ready_mono)
		return now < j->created_mono + (j->ready_mono - j->created_mono) / 2 ? "QUEUED"
										     : "PENDING";
	if (j->fail) {
		if (!j->done) {
			a->failed++;
			j->done = 1;
		}
		return "FAILED";
	}
	if (!j->done) {
		int64_t rnow = gcb_sim_notif_now_ms();
		size_t cap = 0;

		j->watermark = rnow - a->lag_ms;
		for (uint64_t s = tail(a); s < a->head; s++) {
			const gcb_sim_conv_t *c = &a->convs[s % a->cap];

			/* The lake has not seen what started after its watermark:
			 * the job is FULFILLED all the same, short of those. */
			if (!overlaps(c, j->from_ms, j->to_ms, rnow) || c->start_ms >= j->watermark)
				continue;
			if (GCB_ARRAY_RESERVE(j->matches, cap, j->nmatch + 1, 256, 0) != 0)
				break;
			j->matches[j->nmatch++] = s;
		}
		j->done = 1;
		a->fulfilled++;
	}
	return "FULFILLED";
}

static int create_job(gcb_sim_analytics_t *a, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp,
		      const gcb_sim_fault_conf_t *fc)
{
	cJSON *body = rq->body ? cJSON_ParseWithLength(rq->body, rq->len) : NULL;
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(body, "interval");
	int64_t from, to, now = mono_ms();
	job_t *j;
	cJSON *out;

	if (!cJSON_IsString(iv) || parse_interval(iv->valuestring, &from, &to) < 0) {
		cJSON_Delete(body);
		return gcb_sim_reply_error(
		    rp, 400, "bad.request",
		    "interval must be \"<ISO-8601>/<ISO-8601>\", start < end");
	}
	cJSON_Delete(body);
	pthread_mutex_lock(&a->lock);
	j = &a->jobs[a->njobs++ % JOBS_MAX];
	free(j->matches);
	memset(j, 0, sizeof(*j));
	gcb_sim_rand_uuid(&a->rnd, j->id);
	j->from_ms = from;
	j->to_ms = to;
	j->created_mono = now;
	j->created_real = gcb_sim_notif_now_ms();
	j->ready_mono = now + fc->analytics_job_delay_ms;
	j->expires_mono = now + (int64_t)a->conf.job_ttl_s * 1000;
	/* A client that honours the watermark never asks past it. */
	if (to > j->created_real - (int64_t)fc->analytics_lag_ms)
		a->early_jobs++;
	j->fail =
	    fc->analytics_fail_every > 0 && a->njobs % (uint64_t)fc->analytics_fail_every == 0;
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "jobId", j->id);
	gcb_log_info("analytics job %s created for %s%s", j->id, "[start, end)",
		     j->fail ? " (will fail)" : "");
	pthread_mutex_unlock(&a->lock);
	return gcb_sim_reply_json(rp, 202, out);
}

static int job_results(gcb_sim_analytics_t *a, job_t *j, const gcb_sim_request_t *rq,
		       gcb_sim_reply_t *rp)
{
	const char *cur = gcb_sim_request_arg(rq, "cursor");
	const char *st = job_state(a, j);
	uint64_t off = 0;
	cJSON *out, *arr;
	uint64_t end;

	if (!strcmp(st, "EXPIRED"))
		return gcb_sim_reply_error(rp, 404, "not.found", "The job has expired.");
	if (strcmp(st, "FULFILLED"))
		return gcb_sim_reply_error(rp, 400, "bad.request", "The job is %s, not FULFILLED.",
					   st);
	if (cur && *cur) {
		char *e;

		errno = 0;
		off = strncmp(cur, "cur-", 4) ? UINT64_MAX : strtoull(cur + 4, &e, 16);
		if (errno || off == UINT64_MAX || *e || off > j->nmatch)
			return gcb_sim_reply_error(rp, 400, "bad.request", "invalid cursor");
	}
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "conversations");
	end = off + (uint64_t)a->conf.page_size;
	if (end > j->nmatch)
		end = j->nmatch;
	for (uint64_t i = off; i < end; i++) {
		uint64_t s = j->matches[i];

		/* Conversations evicted from retention since are skipped. */
		if (s >= tail(a) && s < a->head)
			cJSON_AddItemToArray(arr, conv_json(&a->convs[s % a->cap]));
	}
	add_iso(out, "dataAvailabilityDate", j->watermark);
	if (end < j->nmatch) {
		char c[32];

		snprintf(c, sizeof(c), "cur-%" PRIx64, end);
		cJSON_AddStringToObject(out, "cursor", c);
	}
	a->pages++;
	return gcb_sim_reply_json(rp, 200, out);
}

static int query(gcb_sim_analytics_t *a, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp)
{
	cJSON *body = rq->body ? cJSON_ParseWithLength(rq->body, rq->len) : NULL;
	const cJSON *iv = cJSON_GetObjectItemCaseSensitive(body, "interval");
	const cJSON *pg = cJSON_GetObjectItemCaseSensitive(body, "paging");
	const cJSON *order = cJSON_GetObjectItemCaseSensitive(body, "order");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(pg, "pageSize");
	const cJSON *pn = cJSON_GetObjectItemCaseSensitive(pg, "pageNumber");
	int size = 25, number = 1,
	    desc = cJSON_IsString(order) && !strcmp(order->valuestring, "desc");
	int64_t from, to, now = gcb_sim_notif_now_ms();
	uint64_t hits = 0, first, last;
	cJSON *out, *arr;

	if (!cJSON_IsString(iv) || parse_interval(iv->valuestring, &from, &to) < 0) {
		cJSON_Delete(body);
		return gcb_sim_reply_error(
		    rp, 400, "bad.request",
		    "interval must be \"<ISO-8601>/<ISO-8601>\", start < end");
	}
	if (ps)
		size = cJSON_IsNumber(ps) ? ps->valueint : -1;
	if (pn)
		number = cJSON_IsNumber(pn) ? pn->valueint : -1;
	cJSON_Delete(body);
	if (size < 1 || size > QUERY_PAGE_MAX || number < 1)
		return gcb_sim_reply_error(rp, 400, "bad.request",
					   "paging.pageSize must be 1..%d, pageNumber >= 1",
					   QUERY_PAGE_MAX);
	first = (uint64_t)(number - 1) * (uint64_t)size;
	last = first + (uint64_t)size;
	out = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(out, "conversations");
	pthread_mutex_lock(&a->lock);
	for (uint64_t k = 0, t = tail(a); k < a->head - t; k++) {
		uint64_t s = desc ? a->head - 1 - k : t + k;
		const gcb_sim_conv_t *c = &a->convs[s % a->cap];

		if (!overlaps(c, from, to, now))
			continue;
		if (hits >= first && hits < last)
			cJSON_AddItemToArray(arr, conv_json(c));
		hits++;
	}
	pthread_mutex_unlock(&a->lock);
	cJSON_AddNumberToObject(out, "totalHits", (double)hits);
	return gcb_sim_reply_json(rp, 200, out);
}

int gcb_sim_analytics_api(gcb_sim_analytics_t *a, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp)
{
	const char *p = rq->path + strlen(PREFIX), *m = rq->method;
	gcb_sim_fault_conf_t fc;
	int throttle;
	int rc;

	if (strncmp(rq->path, PREFIX, strlen(PREFIX)))
		return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");
	gcb_sim_faults_get(a->faults, &fc);
	pthread_mutex_lock(&a->lock);
	a->requests++;
	a->lag_ms = fc.analytics_lag_ms;
	throttle =
	    fc.analytics_429_every > 0 && a->requests % (uint64_t)fc.analytics_429_every == 0;
	if (throttle)
		a->throttled++;
	pthread_mutex_unlock(&a->lock);
	if (throttle) {
		rp->retry_after = fc.retry_after;
		return gcb_sim_reply_error(rp, 429,
					   fc.retry_after >= 0 ? "too.many.requests.retry.after"
							       : "too.many.requests",
					   "Analytics rate limit exceeded. Retry later.");
	}
	if (gcb_sim_perm_missing(fc.missing_permissions, "analytics:conversationDetail:view"))
		return gcb_sim_reply_error(rp, 403, "missing.permissions",
					   "Missing permission analytics:conversationDetail:view.");
	if (!strcmp(p, "/query")) {
		if (strcmp(m, "POST"))
			return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use POST.");
		return query(a, rq, rp);
	}
	if (!strcmp(p, "/jobs")) {
		if (strcmp(m, "POST"))
			return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use POST.");
		return create_job(a, rq, rp, &fc);
	}
	if (!strcmp(p, "/jobs/availability")) {
		cJSON *o;

		if (strcmp(m, "GET"))
			return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use GET.");
		o = cJSON_CreateObject();
		add_iso(o, "dataAvailabilityDate",
			gcb_sim_notif_now_ms() - (int64_t)fc.analytics_lag_ms);
		pthread_mutex_lock(&a->lock);
		a->availability++;
		pthread_mutex_unlock(&a->lock);
		return gcb_sim_reply_json(rp, 200, o);
	}
	if (!strncmp(p, "/jobs/", 6)) {
		const char *id = p + 6, *slash = strchr(id, '/');
		size_t idlen = slash ? (size_t)(slash - id) : strlen(id);
		job_t *j;

		if (slash && strcmp(slash, "/results"))
			return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");
		pthread_mutex_lock(&a->lock);
		j = job_find(a, id, idlen);
		if (!j) {
			pthread_mutex_unlock(&a->lock);
			return gcb_sim_reply_error(rp, 404, "not.found", "Job not found.");
		}
		if (slash) {
			rc = strcmp(m, "GET")
				 ? gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use GET.")
				 : job_results(a, j, rq, rp);
		} else if (!strcmp(m, "DELETE")) {
			j->cancelled = 1;
			rc = gcb_sim_reply_text(rp, 202, strdup("{}"));
		} else if (!strcmp(m, "GET")) {
			cJSON *o = cJSON_CreateObject();
			const char *st = job_state(a, j);

			cJSON_AddStringToObject(o, "state", st);
			add_iso(o, "submissionDate", j->created_real);
			add_iso(o, "expirationDate",
				j->created_real + (int64_t)a->conf.job_ttl_s * 1000);
			if (!strcmp(st, "FAILED"))
				cJSON_AddStringToObject(o, "errorMessage",
							"Injected failure (analytics-fail-every).");
			rc = gcb_sim_reply_json(rp, 200, o);
		} else {
			rc = gcb_sim_reply_error(rp, 405, "method.not.allowed",
						 "Use GET or DELETE.");
		}
		pthread_mutex_unlock(&a->lock);
		return rc;
	}
	return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");
}

int gcb_sim_analytics_list(gcb_sim_analytics_t *a, gcb_sim_reply_t *rp)
{
	size_t cap, n = 0;
	char *b;

	pthread_mutex_lock(&a->lock);
	cap = (a->head - tail(a)) * 400 + 64;
	b = malloc(cap);
	if (!b) {
		pthread_mutex_unlock(&a->lock);
		return gcb_sim_reply_text(rp, 500, NULL);
	}
	b[n++] = '[';
	for (uint64_t s = tail(a); s < a->head; s++) {
		const gcb_sim_conv_t *c = &a->convs[s % a->cap];
		char st[32], en[32];

		gcb_sim_notif_iso(c->start_ms, st);
		gcb_sim_notif_iso(c->end_ms, en);
		n += (size_t)snprintf(b + n, cap - n,
				      "%s{\"id\":\"%s\",\"start\":\"%s\",\"end\":%s%s%s,"
				      "\"startMs\":%" PRId64 ",\"endMs\":%" PRId64
				      ",\"queueId\":\"%s\",\"userId\":%s%s%s}",
				      s == tail(a) ? "" : ",", c->id, st, c->end_ms ? "\"" : "",
				      c->end_ms ? en : "null", c->end_ms ? "\"" : "", c->start_ms,
				      c->end_ms, c->queue_id, c->abandoned ? "" : "\"",
				      c->abandoned ? "null" : c->user_id, c->abandoned ? "" : "\"");
	}
	pthread_mutex_unlock(&a->lock);
	b[n++] = ']';
	b[n] = 0;
	return gcb_sim_reply_text(rp, 200, b);
}

void gcb_sim_analytics_stats(gcb_sim_analytics_t *a, cJSON *s)
{
	pthread_mutex_lock(&a->lock);
	cJSON_AddNumberToObject(s, "conversations", (double)a->head);
	cJSON_AddNumberToObject(s, "conversationsRetained", (double)(a->head - tail(a)));
	cJSON_AddNumberToObject(s, "analyticsRequests", (double)a->requests);
	cJSON_AddNumberToObject(s, "analyticsThrottled", (double)a->throttled);
	cJSON_AddNumberToObject(s, "jobs", (double)a->njobs);
	cJSON_AddNumberToObject(s, "jobsFulfilled", (double)a->fulfilled);
	cJSON_AddNumberToObject(s, "jobsFailed", (double)a->failed);
	cJSON_AddNumberToObject(s, "jobsExpired", (double)a->expired);
	cJSON_AddNumberToObject(s, "resultPages", (double)a->pages);
	cJSON_AddNumberToObject(s, "availabilityRequests", (double)a->availability);
	cJSON_AddNumberToObject(s, "jobsPastWatermark", (double)a->early_jobs);
	pthread_mutex_unlock(&a->lock);
}

#include "tools/sim/gcb_sim_notif.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_buf.h"
#include "lib/gcb_log.h"
#include "tools/sim/gcb_sim_notif_set.h"
#include "tools/sim/gcb_sim_perm.h"
#include "tools/sim/gcb_sim_rand.h"

#define API_PREFIX "/api/v2/notifications/channels"

typedef struct sub_opts {
	int ignore_errors;   /* ?ignoreErrors=true */
	double reject_rate;  /* subscribe-reject-rate fault */
	const char *missing; /* missing-permissions fault */
} sub_opts_t;

typedef struct channel {
	int used;
	char id[37];
	uint64_t seq; /* creation order: the oldest is evicted */
	int64_t expires_ms;
	int64_t token_expires_ms; /* the creating token's end: the channel closes then; 0 never */
	gcb_sim_strset_t topics;
	gcb_sim_ws_t *ws; /* attached socket or NULL */
	int hb_off;
} channel_t;

struct gcb_sim_notif {
	gcb_sim_notif_conf_t conf;
	gcb_sim_org_t *org;
	gcb_sim_auth_t *auth;
	gcb_sim_faults_t *faults;

	pthread_mutex_t lock; /* everything below */
	pthread_cond_t cond;  /* live socket threads went down */
	int stopping;
	int live;      /* socket threads running */
	int upgrading; /* 101 answers whose socket may not be attached yet */
	gcb_sim_rand_t rnd;
	uint64_t seq;
	channel_t ch[GCB_SIM_NOTIF_CHANNELS];
	gcb_buf_t sent; /* the sent log: max is conf.sent_max and the NUL */
	uint64_t created, evicted, expired, deleted, sockets_opened, sockets_replaced;
	uint64_t delete_requests; /* DELETE channels/{id}: no such route */
	uint64_t subscribe_refused; /* PUT/POST subscriptions answered 400 */
	uint64_t token_closed, token_closed_live; /* channels closed with their token (connected) */
	gcb_sim_strset_t rejected;  /* distinct topics answered Rejected or refused */
	uint64_t msgs_sent, msgs_dropped, msgs_sent_lost, heartbeats, pongs, pings_unanswered, stalled;
	uint64_t client_msgs, client_subscribes, system_msgs, sent_truncated, revocations;
	FILE *record; /* every published data message, one per line (not owned) */
};

int64_t gcb_sim_notif_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gcb_sim_notif_iso(int64_t ms, char out[32])
{
	time_t sec = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	tm.tm_year %= 10000; /* keeps the format within 32 bytes */
	snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (int)(ms % 1000));
}

int gcb_sim_notif_parse_iso(const char *s, size_t len, int64_t *ms)
{
	char buf[64];
	struct tm tm;
	const char *p;
	int frac = 0, off = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (*p - '0');
		if (!digits)
			return -EINVAL;
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int h = (p[1] - '0') * 10 + (p[2] - '0'), m = (p[4] - '0') * 10 + (p[5] - '0');

		off = (h * 60 + m) * 60 * (*p == '+' ? 1 : -1);
		p += 6;
	} else if (*p == 'Z') {
		p++;
	}
	if (*p)
		return -EINVAL;
	*ms = ((int64_t)timegm(&tm) - off) * 1000 + frac;
	return 0;
}

gcb_sim_notif_t *gcb_sim_notif_new(const gcb_sim_notif_conf_t *conf, gcb_sim_org_t *org,
				   gcb_sim_auth_t *auth, gcb_sim_faults_t *faults, char *errstr,
				   size_t errstr_size)
{
	gcb_sim_notif_t *n = calloc(1, sizeof(*n));

	if (!n) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	n->conf = *conf;
	n->sent.first = 1 << 16;
	n->sent.max = conf->sent_max + 1;
	n->org = org;
	n->auth = auth;
	n->faults = faults;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->cond, NULL);
	gcb_sim_rand_init(&n->rnd, conf->seed, 12);
	return n;
}

/* Hub lock held. */
static void channel_drop(gcb_sim_notif_t *n, channel_t *c, const char *why)
{
	(void)n;
	if (c->ws)
		gcb_sim_ws_close(c->ws, 0, why);
	c->ws = NULL;
	gcb_sim_strset_fini(&c->topics);
	memset(c, 0, sizeof(*c));
}

void gcb_sim_notif_stop(gcb_sim_notif_t *n)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += 10;
	pthread_mutex_lock(&n->lock);
	n->stopping = 1;
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
		if (n->ch[i].ws) {
			gcb_sim_ws_close(n->ch[i].ws, 0, "simulator stopping");
			n->ch[i].ws = NULL;
		}
	while (n->live > 0)
		if (pthread_cond_timedwait(&n->cond, &n->lock, &dl) == ETIMEDOUT)
			break;
	if (n->live > 0)
		gcb_log_warn("%d websocket threads still running at shutdown", n->live);
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_destroy(gcb_sim_notif_t *n)
{
	if (!n)
		return;
	gcb_sim_notif_stop(n);
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
		if (n->ch[i].used)
			channel_drop(n, &n->ch[i], "simulator stopping");
	pthread_mutex_unlock(&n->lock);
	if (n->live > 0)
		return; /* a thread may still call back: leak rather than crash */
	gcb_buf_fini(&n->sent);
	gcb_sim_strset_fini(&n->rejected);
	pthread_cond_destroy(&n->cond);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

/* Hub lock held. */
static void expire_due(gcb_sim_notif_t *n)
{
	int64_t now = gcb_sim_notif_now_ms();

	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++) {
		channel_t *c = &n->ch[i];

		if (c->used && c->expires_ms <= now) {
			gcb_log_info("channel %s expired", c->id);
			n->expired++;
			channel_drop(n, c, "channel expired");
		} else if (c->used && c->token_expires_ms != 0 && c->token_expires_ms <= now) {
			/* The conservative reading of GENESYS.md C: a channel may
			 * close when the token that created it expires. */
			gcb_log_info("channel %s closed: the token that created it expired", c->id);
			n->token_closed++;
			if (c->ws)
				n->token_closed_live++;
			channel_drop(n, c, "the token that created the channel expired");
		}
	}
}

void gcb_sim_notif_tick(gcb_sim_notif_t *n)
{
	pthread_mutex_lock(&n->lock);
	expire_due(n);
	pthread_mutex_unlock(&n->lock);
}

/* Hub lock held. */
static channel_t *find(gcb_sim_notif_t *n, const char *id, size_t len)
{
	expire_due(n);
	if (len != 36)
		return NULL;
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
		if (n->ch[i].used && !memcmp(n->ch[i].id, id, 36))
			return &n->ch[i];
	return NULL;
}

static int is_uuid(const char *s, size_t len)
{
	if (len != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return 0;
	}
	return 1;
}

static const char *const detail_kinds[] = {
    "customer.start", "customer.end", "user.start", "user.end",
    "acd.start",      "acd.end",      "acw",	    "wrapup"};

/* 1 when @t names something that exists (or a concrete conversation id). */
static int topic_ok(gcb_sim_notif_t *n, const char *t)
{
	size_t len = strlen(t);

	if (!strncmp(t, "v2.routing.queues.", 18))
		return len == 18 + 36 + 14 && !strcmp(t + 54, ".conversations") &&
		       gcb_sim_org_has_queue(n->org, t + 18, 36);
	if (!strncmp(t, "v2.users.", 9)) {
		const char *k = t + 45;

		if (len < 46 || *k != '.')
			return 0;
		k++;
		return (!strcmp(k, "conversations") || !strcmp(k, "presence") ||
			!strcmp(k, "routingStatus") || !strcmp(k, "activity")) &&
		       gcb_sim_org_has_user(n->org, t + 9, 36);
	}
	if (!strncmp(t, "v2.detail.events.conversation.", 30)) {
		if (len < 30 + 37 || !is_uuid(t + 30, 36) || t[66] != '.')
			return 0;
		for (size_t i = 0; i < sizeof(detail_kinds) / sizeof(detail_kinds[0]); i++)
			if (!strcmp(t + 67, detail_kinds[i]))
				return 1;
	}
	return 0;
}

/*
 * Appends @t to @out, expanded when it is a combined topic
 * ("v2.users.<id>?presence&routingStatus": one topic for the channel's
 * budget, delivered under the individual names v2.users.<id>.presence and
 * v2.users.<id>.routingStatus, GENESYS.md C). *extra counts the topics the
 * expansion added beyond one.
 */
static void add_expanded(cJSON *out, const char *t, size_t *extra)
{
	const char *q = strchr(t, '?');
	char one[512];

	if (q == NULL || strchr(q + 1, '?') != NULL) {
		cJSON_AddItemToArray(out, cJSON_CreateString(t));
		return;
	}
	for (const char *p = q + 1, *amp; *p; p = *amp ? amp + 1 : amp) {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		snprintf(one, sizeof(one), "%.*s.%.*s", (int)(q - t), t, (int)(amp - p), p);
		cJSON_AddItemToArray(out, cJSON_CreateString(one));
		if (p != q + 1)
			++*extra;
	}
}

/*
 * Reads [{"id":"topic"},...] (or, from the socket, ["topic",...]) into a
 * cJSON array of topic strings, combined topics expanded (*extra: topics
 * added by the expansion); NULL with a reason on error.
 */
static cJSON *topics_from(const cJSON *arr, size_t *extra, char *err, size_t errsize)
{
	cJSON *out, *e;

	*extra = 0;
	if (!cJSON_IsArray(arr)) {
		snprintf(err, errsize, "Expected a JSON array of topics.");
		return NULL;
	}
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(e, arr)
	{
		const cJSON *id = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "id") : e;

		if (!cJSON_IsString(id)) {
			snprintf(err, errsize, "Each topic must be an object with a string id.");
			cJSON_Delete(out);
			return NULL;
		}
		add_expanded(out, id->valuestring, extra);
	}
	return out;
}

/*
 * Adds @topics to channel @c (after clearing it when @replace). Every topic is
 * checked first, and the total against GCB_SIM_NOTIF_TOPICS, so a failed call
 * changes nothing. Hub lock held. 0 or -EINVAL with a reason.
 */
static int subscribe(gcb_sim_notif_t *n, channel_t *c, const cJSON *topics, size_t extra,
		     int replace, const sub_opts_t *o, cJSON *rejected, char *err, size_t errsize)
{
	gcb_sim_strset_t fresh = {0};
	const cJSON *e;
	size_t total;
	int rc = 0;

	cJSON_ArrayForEach(e, topics)
	{
		const char *t = e->valuestring;

		if (!topic_ok(n, t)) {
			snprintf(err, errsize, "Invalid topic: %.400s", t);
			rc = -EINVAL;
			goto out;
		}
		if (gcb_sim_perm_refused(t, o->reject_rate, o->missing)) {
			/* A topic the client's role cannot see: the whole request
			 * fails unless ignoreErrors=true, which reports it Rejected
			 * and subscribes the rest (GENESYS.md C). */
			if (!o->ignore_errors) {
				snprintf(err, errsize,
					 "Missing permission %s for topic %.300s. Use ignoreErrors=true "
					 "to subscribe the permitted topics.",
					 gcb_sim_perm_required(t), t);
				rc = -EACCES;
				goto out;
			}
			if (rejected != NULL) {
				cJSON *r = cJSON_CreateObject(), *mp;

				cJSON_AddStringToObject(r, "id", t);
				cJSON_AddStringToObject(r, "state", "Rejected");
				cJSON_AddStringToObject(r, "rejectionReason",
							"The client lacks the permissions this topic "
							"requires.");
				mp = cJSON_AddArrayToObject(r, "missingPermissions");
				cJSON_AddItemToArray(mp,
						     cJSON_CreateString(gcb_sim_perm_required(t)));
				cJSON_AddItemToArray(rejected, r);
			}
			gcb_sim_strset_add(&n->rejected, t, strlen(t));
			continue;
		}
		if (!gcb_sim_strset_has(&c->topics, t, strlen(t)) || replace)
			if (gcb_sim_strset_add(&fresh, t, strlen(t)) < 0) {
				snprintf(err, errsize, "out of memory");
				rc = -ENOMEM;
				goto out;
			}
	}
	/* A combined topic counts once. */
	total = fresh.count + (replace ? 0 : c->topics.count);
	total = total > extra ? total - extra : 0;
	if (total > GCB_SIM_NOTIF_TOPICS) {
		snprintf(err, errsize,
			 "A channel may have at most %d topic subscriptions (%zu requested).",
			 GCB_SIM_NOTIF_TOPICS, total);
		rc = -EINVAL;
		goto out;
	}
	if (replace)
		gcb_sim_strset_clear(&c->topics);
	for (size_t i = 0; i < fresh.cap; i++)
		if (fresh.slots[i] &&
		    gcb_sim_strset_add(&c->topics, fresh.slots[i], strlen(fresh.slots[i])) < 0) {
			snprintf(err, errsize, "out of memory");
			rc = -ENOMEM;
			break;
		}
out:
	gcb_sim_strset_fini(&fresh);
	return rc;
}

/* A ChannelTopicEntityListing: the channel's topics, Permitted, then @rejected (taken). */
static cJSON *topics_json(const channel_t *c, cJSON *rejected)
{
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "entities"), *r;
	char uri[128];

	snprintf(uri, sizeof(uri), API_PREFIX "/%s/subscriptions", c->id);
	for (size_t i = 0; i < c->topics.cap; i++) {
		if (!c->topics.slots[i])
			continue;
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "id", c->topics.slots[i]);
		cJSON_AddStringToObject(e, "selfUri", uri);
		cJSON_AddStringToObject(e, "state", "Permitted");
		cJSON_AddItemToArray(arr, e);
	}
	while (rejected != NULL && (r = cJSON_DetachItemFromArray(rejected, 0)) != NULL)
		cJSON_AddItemToArray(arr, r);
	cJSON_Delete(rejected);
	return j;
}

static cJSON *channel_json(const channel_t *c, int port)
{
	cJSON *j = cJSON_CreateObject();
	char uri[96], exp[32];

	cJSON_AddStringToObject(j, "id", c->id);
	snprintf(uri, sizeof(uri), "ws://127.0.0.1:%d/channels/%s", port, c->id);
	cJSON_AddStringToObject(j, "connectUri", uri);
	gcb_sim_notif_iso(c->expires_ms, exp);
	cJSON_AddStringToObject(j, "expires", exp);
	return j;
}

static int create_channel(gcb_sim_notif_t *n, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp)
{
	gcb_sim_fault_conf_t fc;
	channel_t *c = NULL, *oldest = NULL;
	cJSON *j;

	gcb_sim_faults_get(n->faults, &fc);
	pthread_mutex_lock(&n->lock);
	expire_due(n);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++) {
		if (!n->ch[i].used) {
			if (!c)
				c = &n->ch[i];
		} else if (!oldest || (!n->ch[i].ws && oldest->ws) ||
			   (!n->ch[i].ws == !oldest->ws && n->ch[i].seq < oldest->seq)) {
			/* Channels without a connection go first (GENESYS.md C). */
			oldest = &n->ch[i];
		}
	}
	if (!c) {
		/* Genesys evicts silently: the client only notices its socket closing. */
		gcb_log_info("channel %s evicted by a new channel", oldest->id);
		n->evicted++;
		channel_drop(n, oldest, "channel evicted");
		c = oldest;
	}
	c->used = 1;
	c->seq = ++n->seq;
	gcb_sim_rand_uuid(&n->rnd, c->id);
	c->expires_ms = gcb_sim_notif_now_ms() + (int64_t)fc.channel_ttl_s * 1000;
	c->token_expires_ms = fc.channel_outlives_token || rq->token_left_ms < 0
				  ? 0
				  : gcb_sim_notif_now_ms() + rq->token_left_ms;
	n->created++;
	j = channel_json(c, rq->port);
	gcb_log_info("channel %s created (expires in %d s)", c->id, fc.channel_ttl_s);
	pthread_mutex_unlock(&n->lock);
	return gcb_sim_reply_json(rp, 200, j);
}

int gcb_sim_notif_api(gcb_sim_notif_t *n, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp)
{
	const char *rest = rq->path + strlen(API_PREFIX);
	const char *m = rq->method, *slash;
	size_t idlen;
	channel_t *c;
	int rc;

	if (!strcmp(rq->path, "/api/v2/notifications/availabletopics")) {
		gcb_sim_fault_conf_t fc;

		if (strcmp(m, "GET"))
			return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use GET.");
		gcb_sim_faults_get(n->faults, &fc);
		return gcb_sim_reply_json(rp, 200,
					  gcb_sim_perm_available(!fc.detail_events_eventbridge_only));
	}
	if (strncmp(rq->path, API_PREFIX, strlen(API_PREFIX)) || (*rest && *rest != '/'))
		return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");
	if (!*rest || !rest[1]) {
		if (!strcmp(m, "POST"))
			return create_channel(n, rq, rp);
		if (!strcmp(m, "GET")) {
			cJSON *j = cJSON_CreateObject(),
			      *arr = cJSON_AddArrayToObject(j, "entities");

			pthread_mutex_lock(&n->lock);
			expire_due(n);
			for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
				if (n->ch[i].used)
					cJSON_AddItemToArray(arr,
							     channel_json(&n->ch[i], rq->port));
			pthread_mutex_unlock(&n->lock);
			return gcb_sim_reply_json(rp, 200, j);
		}
		return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use POST or GET.");
	}
	rest++;
	slash = strchr(rest, '/');
	idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (slash && strcmp(slash, "/subscriptions"))
		return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");

	if (!slash && !strcmp(m, "DELETE")) {
		/* The real API has no DELETE on a channel (GENESYS.md C): a client
		 * must retire one by deleting its subscriptions and closing the
		 * socket. Answered like any unknown route, and counted. */
		pthread_mutex_lock(&n->lock);
		n->delete_requests++;
		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");
	}
	pthread_mutex_lock(&n->lock);
	c = find(n, rest, idlen);
	if (!c) {
		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_error(rp, 404, "not.found", "Channel not found.");
	}
	if (!slash) {
		if (!strcmp(m, "GET") || !strcmp(m, "HEAD")) {
			cJSON *j = channel_json(c, rq->port);

			pthread_mutex_unlock(&n->lock);
			return gcb_sim_reply_json(rp, 200, j);
		}
		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use GET or HEAD.");
	}
	if (!strcmp(m, "GET")) {
		cJSON *j = topics_json(c, NULL);

		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_json(rp, 200, j);
	}
	if (!strcmp(m, "DELETE")) {
		gcb_sim_strset_clear(&c->topics);
		n->deleted++;
		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_text(rp, 200, strdup("{}"));
	}
	if (!strcmp(m, "PUT") || !strcmp(m, "POST")) {
		cJSON *body = rq->body ? cJSON_ParseWithLength(rq->body, rq->len) : NULL;
		cJSON *topics;
		char err[512];
		const char *ie = gcb_sim_request_arg(rq, "ignoreErrors");
		sub_opts_t o = {.ignore_errors = ie != NULL && !strcmp(ie, "true")};
		cJSON *rejected = cJSON_CreateArray();
		gcb_sim_fault_conf_t fc;
		size_t extra = 0;

		gcb_sim_faults_get(n->faults, &fc);
		o.reject_rate = fc.subscribe_reject_rate;
		o.missing = fc.missing_permissions;
		topics = body ? topics_from(body, &extra, err, sizeof(err)) : NULL;
		if (!body)
			snprintf(err, sizeof(err), "The body must be a JSON array of topics.");
		cJSON_Delete(body);
		rc = topics ? subscribe(n, c, topics, extra, !strcmp(m, "PUT"), &o, rejected, err,
					sizeof(err))
			    : -EINVAL;
		cJSON_Delete(topics);
		if (rc < 0) {
			cJSON_Delete(rejected);
			n->subscribe_refused++;
			pthread_mutex_unlock(&n->lock);
			return gcb_sim_reply_error(rp, 400,
						   rc == -EACCES ? "missing.permissions"
								 : "bad.request",
						   "%s", err);
		}
		topics = topics_json(c, rejected);
		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_json(rp, 200, topics);
	}
	pthread_mutex_unlock(&n->lock);
	return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use GET, PUT, POST or DELETE.");
}

void gcb_sim_notif_ws_upgrading(gcb_sim_notif_t *n, int delta)
{
	pthread_mutex_lock(&n->lock);
	n->upgrading += delta;
	pthread_mutex_unlock(&n->lock);
}

int gcb_sim_notif_ws_exists(gcb_sim_notif_t *n, const char *id)
{
	int yes;

	pthread_mutex_lock(&n->lock);
	yes = !n->stopping && find(n, id, strlen(id)) != NULL;
	pthread_mutex_unlock(&n->lock);
	return yes;
}

int gcb_sim_notif_ws_attach(gcb_sim_notif_t *n, const char *id, int fd,
			    struct MHD_UpgradeResponseHandle *urh, const char *extra,
			    size_t extra_len)
{
	gcb_sim_ws_t *ws;
	channel_t *c;

	pthread_mutex_lock(&n->lock);
	c = n->stopping ? NULL : find(n, id, strlen(id));
	if (!c) {
		pthread_mutex_unlock(&n->lock);
		return -ENOENT;
	}
	n->live++;
	ws = gcb_sim_ws_start(n, c->id, fd, urh, extra, extra_len, &n->conf.ws);
	if (!ws) {
		n->live--;
		pthread_mutex_unlock(&n->lock);
		return -ENOMEM;
	}
	if (c->ws) {
		/* One socket per channel: the newer one wins. */
		gcb_log_info("channel %s: a second connection drops the first", c->id);
		gcb_sim_ws_close(c->ws, 0, "replaced by a newer connection");
		n->sockets_replaced++;
	}
	c->ws = ws;
	if (c->hb_off)
		gcb_sim_ws_heartbeats(ws, 0);
	n->sockets_opened++;
	gcb_log_info("channel %s: websocket connected", c->id);
	pthread_mutex_unlock(&n->lock);
	return 0;
}

static void json_str(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	for (; *src && o + 7 < size; src++) {
		unsigned char ch = (unsigned char)*src;

		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20) {
			o += (size_t)snprintf(dst + o, size - o, "\\u%04x", ch);
		} else {
			dst[o++] = (char)ch;
		}
	}
	dst[o] = 0;
}

int gcb_sim_notif_wanted(gcb_sim_notif_t *n, const char *topic)
{
	size_t tl = strlen(topic);
	int yes = 0;

	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS && !yes; i++)
		yes =
		    n->ch[i].used && n->ch[i].ws && gcb_sim_strset_has(&n->ch[i].topics, topic, tl);
	pthread_mutex_unlock(&n->lock);
	return yes;
}

/*
 * The bad-event-rate and drift-rate faults for notifications: "bad" breaks
 * the JSON (eventBody opens with '[' and closes with '}'), "drift" renames
 * the body's first key (a required field in every family) as Genesys'
 * payloads sometimes change. The CorrelationId stays readable in the raw
 * bytes, so a test finds the message in the dead-letter topic.
 */
static const char *spoil(gcb_sim_notif_t *n, const gcb_sim_fault_conf_t *fc, char *msg,
			 size_t mlen)
{
	char *body = strstr(msg, "\"eventBody\":{");
	char *key;

	if (!body)
		return "";
	body += strlen("\"eventBody\":");
	if (gcb_sim_rand_chance(&n->rnd, fc->bad_event_rate)) {
		*body = '[';
		return ",\"fault\":\"bad\"";
	}
	if (gcb_sim_rand_chance(&n->rnd, fc->drift_rate) && (key = strchr(body, '"')) != NULL &&
	    (size_t)(key - msg) + 2 < mlen && key[1] >= 'a' && key[1] <= 'z') {
		key[1] = (char)(key[1] - 'a' + 'A'); /* conversationId -> ConversationId */
		return ",\"fault\":\"drift\"";
	}
	return "";
}

void gcb_sim_notif_publish(gcb_sim_notif_t *n, const char *topic, const char *key, const char *body,
			   size_t len)
{
	size_t tl = strlen(topic), cap = len + tl + 200;
	char corr[37], line[512], *msg = NULL;
	const char *fault = "";
	gcb_sim_fault_conf_t fc;
	int mlen = 0, recorded = 0;

	gcb_sim_faults_get(n->faults, &fc);
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++) {
		channel_t *c = &n->ch[i];

		if (!c->used || !c->ws || !gcb_sim_strset_has(&c->topics, topic, tl))
			continue;
		if (!msg) {
			msg = malloc(cap);
			if (!msg)
				break;
			gcb_sim_rand_uuid(&n->rnd, corr);
			mlen =
			    snprintf(msg, cap,
				     "{\"topicName\":\"%s\",\"version\":\"2\",\"eventBody\":%.*s,"
				     "\"metadata\":{\"CorrelationId\":\"%s\"}}",
				     topic, (int)len, body, corr);
			if (mlen > 0 && (size_t)mlen < cap)
				fault = spoil(n, &fc, msg, (size_t)mlen);
		}
		snprintf(line, sizeof(line),
			 "{\"channel\":\"%s\",\"topic\":\"%s\",\"correlationId\":\"%s\","
			 "\"key\":\"%s\",\"publishedMs\":%lld%s}\n",
			 c->id, topic, corr, key, (long long)gcb_sim_notif_now_ms(), fault);
		if (gcb_sim_ws_send(c->ws, msg, (size_t)mlen, line) < 0) {
			n->msgs_dropped++;
		} else if (n->record && !recorded) {
			/* What a channel was sent: a replay sends exactly that. */
			fwrite(msg, 1, (size_t)mlen, n->record);
			fputc('\n', n->record);
			recorded = 1;
		}
	}
	pthread_mutex_unlock(&n->lock);
	free(msg);
}

void gcb_sim_notif_record(gcb_sim_notif_t *n, FILE *f)
{
	pthread_mutex_lock(&n->lock);
	n->record = f;
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_record_flush(gcb_sim_notif_t *n)
{
	pthread_mutex_lock(&n->lock);
	if (n->record)
		fflush(n->record);
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_each_socket(gcb_sim_notif_t *n, gcb_sim_notif_socket_fn fn, void *arg)
{
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
		if (n->ch[i].used && n->ch[i].ws)
			fn(arg, n->ch[i].ws, &n->ch[i].topics);
	pthread_mutex_unlock(&n->lock);
}

/* Hub lock held. A v2.system.* or channel.metadata message. */
static void send_system(gcb_sim_notif_t *n, channel_t *c, const char *topic, const char *message)
{
	char msg[512], corr[37], esc[256];

	if (!c->ws)
		return;
	gcb_sim_rand_uuid(&n->rnd, corr);
	json_str(esc, sizeof(esc), message);
	snprintf(msg, sizeof(msg),
		 "{\"topicName\":\"%s\",\"version\":\"2\",\"eventBody\":{\"message\":\"%s\"},"
		 "\"metadata\":{\"CorrelationId\":\"%s\"}}",
		 topic, esc, corr);
	if (gcb_sim_ws_send(c->ws, msg, strlen(msg), NULL) == 0)
		n->system_msgs++;
}

void gcb_sim_notif_ws_message(gcb_sim_notif_t *n, gcb_sim_ws_t *ws, const char *msg, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(msg, len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
	channel_t *c = NULL;

	pthread_mutex_lock(&n->lock);
	n->client_msgs++;
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
		if (n->ch[i].used && n->ch[i].ws == ws)
			c = &n->ch[i];
	/* A channel whose heartbeats stopped is a dead channel: it answers no
	 * ping either, or a pinging client could never notice. */
	if (c && c->hb_off && cJSON_IsString(m) && !strcmp(m->valuestring, "ping")) {
		n->pings_unanswered++;
	} else if (c && cJSON_IsString(m) && !strcmp(m->valuestring, "ping")) {
		static const char pong[] = "{\"topicName\":\"channel.metadata\",\"version\":\"2\","
					   "\"eventBody\":{\"message\":\"pong\"}}";

		if (gcb_sim_ws_send(ws, pong, sizeof(pong) - 1, NULL) == 0)
			n->pongs++;
	} else if (c && cJSON_IsString(m) && !strcmp(m->valuestring, "subscribe")) {
		char err[512];
		size_t extra;
		cJSON *topics = topics_from(cJSON_GetObjectItemCaseSensitive(j, "topics"), &extra,
					    err, sizeof(err));

		gcb_sim_fault_conf_t fc;
		sub_opts_t o = {.ignore_errors = 1};

		gcb_sim_faults_get(n->faults, &fc);
		o.reject_rate = fc.subscribe_reject_rate;
		o.missing = fc.missing_permissions;
		n->client_subscribes++;
		if (!topics || subscribe(n, c, topics, extra, 0, &o, NULL, err, sizeof(err)) < 0)
			gcb_log_info("channel %s: subscribe over the socket refused: %s", c->id,
				     err);
		cJSON_Delete(topics);
	} else {
		gcb_log_debug("websocket message ignored (%zu bytes)", len);
	}
	pthread_mutex_unlock(&n->lock);
	cJSON_Delete(j);
}

void gcb_sim_notif_ws_sent(gcb_sim_notif_t *n, const char *line)
{
	size_t ll = strlen(line);

	pthread_mutex_lock(&n->lock);
	n->msgs_sent++;
	/* Beyond sent_max, or out of memory: the line is counted, not kept. */
	if (gcb_buf_append(&n->sent, line, ll) != 0)
		n->sent_truncated++;
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_ws_heartbeat(gcb_sim_notif_t *n)
{
	pthread_mutex_lock(&n->lock);
	n->heartbeats++;
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_ws_stalled(gcb_sim_notif_t *n)
{
	pthread_mutex_lock(&n->lock);
	n->stalled++;
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_ws_detach(gcb_sim_notif_t *n, gcb_sim_ws_t *ws)
{
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++)
		if (n->ch[i].ws == ws)
			n->ch[i].ws = NULL;
	pthread_mutex_unlock(&n->lock);
}

void gcb_sim_notif_ws_done(gcb_sim_notif_t *n)
{
	pthread_mutex_lock(&n->lock);
	n->live--;
	pthread_cond_broadcast(&n->cond);
	pthread_mutex_unlock(&n->lock);
}

/* Hub lock held. */
static int act(gcb_sim_notif_t *n, channel_t *c, const char *action)
{
	char topic[128];

	if (!strcmp(action, "heartbeat-stop") || !strcmp(action, "heartbeat-resume")) {
		c->hb_off = !strcmp(action, "heartbeat-stop");
		if (c->ws)
			gcb_sim_ws_heartbeats(c->ws, !c->hb_off);
	} else if (!strcmp(action, "close")) {
		if (c->ws)
			gcb_sim_ws_close(c->ws, 0, "closed by /admin/notify");
		c->ws = NULL;
	} else if (!strcmp(action, "socket-closing")) {
		send_system(n, c, "v2.system.socket_closing",
			    "The socket is closing for maintenance: reconnect.");
		if (c->ws)
			gcb_sim_ws_close(c->ws, (int64_t)(n->conf.closing_grace_s * 1000),
					 "socket-closing grace over");
	} else if (!strcmp(action, "revoke")) {
		snprintf(topic, sizeof(topic), "v2.system.token_revoked.%s", c->id);
		send_system(n, c, topic, "The access token was revoked.");
		gcb_sim_auth_revoke_all(n->auth);
		n->revocations++;
		if (c->ws)
			gcb_sim_ws_close(c->ws, 0, "token revoked");
		c->ws = NULL;
	} else if (!strcmp(action, "expire")) {
		gcb_log_info("channel %s expired by /admin/notify", c->id);
		n->expired++;
		channel_drop(n, c, "channel expired");
	} else if (!strcmp(action, "unsubscribe")) {
		snprintf(topic, sizeof(topic), "v2.system.no_longer_subscribed.%s", c->id);
		send_system(n, c, topic, "The channel is no longer subscribed to its topics.");
		gcb_sim_strset_clear(&c->topics);
	} else {
		return -EINVAL;
	}
	return 0;
}

int gcb_sim_notif_admin(gcb_sim_notif_t *n, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp)
{
	const char *action = gcb_sim_request_arg(rq, "action");
	const char *chan = gcb_sim_request_arg(rq, "channel");
	int hit = 0, all, rc = 0;
	char b[128];

	if (!strcmp(rq->path, "/admin/notify/sent")) {
		char *body;

		pthread_mutex_lock(&n->lock);
		body = malloc(n->sent.len + 1);
		if (body) {
			if (n->sent.len)
				memcpy(body, n->sent.data, n->sent.len);
			body[n->sent.len] = 0;
		}
		pthread_mutex_unlock(&n->lock);
		return gcb_sim_reply_text(rp, 200, body);
	}
	if (strcmp(rq->path, "/admin/notify") || strcmp(rq->method, "POST"))
		return gcb_sim_reply_error(rp, 404, "not.found", "No such admin resource.");
	if (!action || !chan)
		return gcb_sim_reply_error(rp, 400, "bad.request", "action and channel required");
	all = !strcmp(chan, "all");
	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < 200 && n->upgrading > 0; i++) {
		pthread_mutex_unlock(&n->lock);
		usleep(10000);
		pthread_mutex_lock(&n->lock);
	}
	if (!all)
		expire_due(n);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS && rc == 0; i++) {
		channel_t *c = &n->ch[i];

		if (!c->used || (!all && strcmp(c->id, chan)))
			continue;
		rc = act(n, c, action);
		hit++;
	}
	pthread_mutex_unlock(&n->lock);
	if (rc < 0)
		return gcb_sim_reply_error(rp, 400, "bad.request", "unknown action '%.64s'",
					   action);
	if (!all && !hit)
		return gcb_sim_reply_error(rp, 404, "not.found", "Channel not found.");
	gcb_log_info("/admin/notify action=%s applied to %d channel(s)", action, hit);
	snprintf(b, sizeof(b), "{\"ok\":true,\"channels\":%d}", hit);
	return gcb_sim_reply_text(rp, 200, strdup(b));
}

void gcb_sim_notif_stats(gcb_sim_notif_t *n, cJSON *s)
{
	int chans = 0, socks = 0;
	size_t subs = 0;

	pthread_mutex_lock(&n->lock);
	for (int i = 0; i < GCB_SIM_NOTIF_CHANNELS; i++) {
		if (!n->ch[i].used)
			continue;
		chans++;
		socks += n->ch[i].ws != NULL;
		subs += n->ch[i].topics.count;
	}
	cJSON_AddNumberToObject(s, "channels", chans);
	cJSON_AddNumberToObject(s, "sockets", socks);
	cJSON_AddNumberToObject(s, "socketThreads", n->live);
	cJSON_AddNumberToObject(s, "subscriptions", (double)subs);
	cJSON_AddNumberToObject(s, "channelsCreated", (double)n->created);
	cJSON_AddNumberToObject(s, "channelsEvicted", (double)n->evicted);
	cJSON_AddNumberToObject(s, "channelsExpired", (double)n->expired);
	cJSON_AddNumberToObject(s, "subscriptionsDeleted", (double)n->deleted);
	cJSON_AddNumberToObject(s, "channelDeleteRequests", (double)n->delete_requests);
	cJSON_AddNumberToObject(s, "subscribeRefused", (double)n->subscribe_refused);
	cJSON_AddNumberToObject(s, "channelsClosedWithToken", (double)n->token_closed);
	cJSON_AddNumberToObject(s, "socketsClosedWithToken", (double)n->token_closed_live);
	cJSON_AddNumberToObject(s, "topicsRejected", (double)n->rejected.count);
	cJSON_AddNumberToObject(s, "socketsOpened", (double)n->sockets_opened);
	cJSON_AddNumberToObject(s, "socketsReplaced", (double)n->sockets_replaced);
	cJSON_AddNumberToObject(s, "socketsStalled", (double)n->stalled);
	cJSON_AddNumberToObject(s, "messagesSent", (double)n->msgs_sent);
	cJSON_AddNumberToObject(s, "messagesDropped", (double)n->msgs_dropped);
	cJSON_AddNumberToObject(s, "heartbeats", (double)n->heartbeats);
	cJSON_AddNumberToObject(s, "pongs", (double)n->pongs);
	cJSON_AddNumberToObject(s, "pingsUnanswered", (double)n->pings_unanswered);
	cJSON_AddNumberToObject(s, "systemMessages", (double)n->system_msgs);
	cJSON_AddNumberToObject(s, "clientMessages", (double)n->client_msgs);
	cJSON_AddNumberToObject(s, "clientSubscribes", (double)n->client_subscribes);
	cJSON_AddNumberToObject(s, "sentLogTruncated", (double)n->sent_truncated);
	cJSON_AddNumberToObject(s, "revocations", (double)n->revocations);
	pthread_mutex_unlock(&n->lock);
}

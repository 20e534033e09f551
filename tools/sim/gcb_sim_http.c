/*
 * HTTP routing, the contract's status codes and headers, rate-limit
 * accounting, request faults, and the observability logs.
 *
 * Every request gets a context at its first callback; the body (if any) is
 * accumulated there, the answer is produced at the last callback, and the
 * request log line and served-log lines are written when MHD reports the
 * response fully sent, so the served log lists exactly what reached a client.
 */
#include "tools/sim/gcb_sim_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_buf.h"
#include "lib/gcb_log.h"

#define BODY_MAX    (1 << 20)
#define RECENT_MAX  256
#define LIMIT_MAX   1000
#define TIMEOUT_MAX 30000

typedef struct recent {
	int64_t start_ms, end_ms;
	char method[8];
	char path[96];
	int status, retry_after, events;
} recent_t;

struct gcb_sim_server {
	gcb_sim_http_conf_t conf;
	struct MHD_Daemon *d;
	gcb_sim_store_t *store;
	gcb_sim_streams_t *streams;
	gcb_sim_auth_t *auth;
	gcb_sim_faults_t *faults;
	int port;
	int64_t start_ms;
	atomic_int stopping; /* read by delayed requests */

	pthread_mutex_t lock; /* stats, rate limit, correlation ids, logs */
	gcb_sim_rand_t rnd;
	uint64_t by_status[600];
	uint64_t requests, events_served, polls_served, tokens_issued, revocations;
	uint64_t f429, f5xx, f401, fdelay, fgarbage, f410, rl_429;
	int64_t window_start_ms;
	int window_count;
	int inflight;  /* requests between first callback and completion */
	int unsettled; /* API answers queued whose completion is not yet accounted */
	recent_t recent[RECENT_MAX];
	uint64_t nrecent;
};

typedef struct req {
	int64_t start_ms;  /* headers received */
	int64_t answer_ms; /* answer queued; a client cannot have it earlier */
	char method[8];
	char path[96];
	gcb_buf_t body; /* data NULL until a body arrives */
	int too_large;
	int is_admin;
	int status;
	int retry_after;
	int events;
	char *served;
	size_t served_len;
} req_t;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes ownership of @body (malloc'ed). */
static enum MHD_Result respond(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r, int status,
			       char *body, size_t len, const char *corr)
{
	struct MHD_Response *resp;
	char buf[40], cid[37];
	enum MHD_Result rc;
	int count, reset;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	pthread_mutex_lock(&s->lock);
	if (!r->is_admin && !r->answer_ms)
		s->unsettled++;
	if (!corr) {
		gcb_sim_rand_uuid(&s->rnd, cid);
		corr = cid;
	}
	count = s->window_count;
	reset = (int)((s->window_start_ms + (int64_t)s->conf.ratelimit_window_s * 1000 - mono_ms() +
		       999) /
		      1000);
	pthread_mutex_unlock(&s->lock);
	if (reset < 0)
		reset = 0;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "inin-correlation-id", corr);
	snprintf(buf, sizeof(buf), "%d", s->conf.ratelimit_allowed);
	MHD_add_response_header(resp, "inin-ratelimit-allowed", buf);
	snprintf(buf, sizeof(buf), "%d", count);
	MHD_add_response_header(resp, "inin-ratelimit-count", buf);
	snprintf(buf, sizeof(buf), "%d", reset);
	MHD_add_response_header(resp, "inin-ratelimit-reset", buf);
	if (s->conf.x_ratelimit_remaining) {
		int left = s->conf.ratelimit_allowed - count;

		snprintf(buf, sizeof(buf), "%d", left > 0 ? left : 0);
		MHD_add_response_header(resp, "X-RateLimit-Remaining", buf);
	}
	if (status == 429 && r->retry_after >= 0) {
		snprintf(buf, sizeof(buf), "%d", r->retry_after);
		MHD_add_response_header(resp, "Retry-After", buf);
	}
	r->status = status;
	r->answer_ms = mono_ms();
	rc = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result respond_str(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				   int status, const char *text)
{
	size_t n = strlen(text);
	char *b = malloc(n + 1);

	if (!b)
		return MHD_NO;
	memcpy(b, text, n + 1);
	return respond(s, c, r, status, b, n, NULL);
}

/* Appends @src to a JSON string body with the escapes JSON needs. */
static size_t json_escape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src && n + 7 < size; src++) {
		unsigned char ch = (unsigned char)*src;

		if (ch == '"' || ch == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)ch;
		} else if (ch < 0x20) {
			n += (size_t)snprintf(dst + n, size - n, "\\u%04x", ch);
		} else {
			dst[n++] = (char)ch;
		}
	}
	dst[n] = 0;
	return n;
}

/* The error body of docs/genesys-api.md, "Errors and rate limits". */
static enum MHD_Result error_body(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				  int status, const char *code, const char *message)
{
	char cid[37], msg[512];
	char *b = malloc(1024);
	int n;

	if (!b)
		return MHD_NO;
	pthread_mutex_lock(&s->lock);
	gcb_sim_rand_uuid(&s->rnd, cid);
	pthread_mutex_unlock(&s->lock);
	json_escape(msg, sizeof(msg), message);
	n = snprintf(b, 1024,
		     "{\"message\":\"%s\",\"code\":\"%s\",\"status\":%d,\"contextId\":\"%s\","
		     "\"details\":[],\"errors\":[]}",
		     msg, code, status, cid);
	return respond(s, c, r, status, b, (size_t)n, cid);
}

static const char *mhd_arg(void *cls, const char *name)
{
	return MHD_lookup_connection_value(cls, MHD_GET_ARGUMENT_KIND, name);
}

static void request_init(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r, const char *url,
			 gcb_sim_request_t *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->method = r->method;
	rq->path = url;
	rq->body = r->body.data;
	rq->len = r->body.len;
	rq->arg = mhd_arg;
	rq->arg_cls = c;
	rq->port = s->port;
	rq->token_left_ms = -1;
}

/* Answers what a module handler produced; takes the reply's body. */
static enum MHD_Result send_reply(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				  gcb_sim_reply_t *rp)
{
	if (rp->code) {
		free(rp->body);
		if (rp->status == 429)
			r->retry_after = rp->retry_after;
		return error_body(s, c, r, rp->status, rp->code, rp->message);
	}
	return respond(s, c, r, rp->status, rp->body, rp->len, NULL);
}

/* The OAuth error body (docs/genesys-api.md). */
static enum MHD_Result oauth_error(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				   int status, const char *error, const char *desc)
{
	char b[512];

	snprintf(b, sizeof(b),
		 "{\"error\":\"%s\",\"description\":\"%s\",\"error_description\":\"%s\"}", error,
		 desc, desc);
	return respond_str(s, c, r, status, b);
}

static int b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+' || ch == '-')
		return 62;
	if (ch == '/' || ch == '_')
		return 63;
	return -1;
}

static int b64decode(const char *in, char *out, size_t size)
{
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0;

	for (; *in && *in != '='; in++) {
		int v = b64val((unsigned char)*in);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= size)
				return -EINVAL;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[n] = 0;
	return (int)n;
}

/* Finds form field @name in an x-www-form-urlencoded body (no decoding needed
 * for the values the contract uses). */
static int form_has(const char *body, size_t len, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		size_t fl = (size_t)((amp ? amp : end) - p);

		if (fl == nl + 1 + vl && !memcmp(p, name, nl) && p[nl] == '=' &&
		    !memcmp(p + nl + 1, value, vl))
			return 1;
		p = amp ? amp + 1 : end;
	}
	return 0;
}

static enum MHD_Result do_token(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	char dec[512], tok[GCB_SIM_TOKEN_LEN + 1], b[256], *colon;
	int exp;

	if (strcmp(r->method, "POST"))
		return oauth_error(s, c, r, 405, "invalid_request", "use POST");
	if (!auth || strncasecmp(auth, "Basic ", 6) || b64decode(auth + 6, dec, sizeof(dec)) < 0 ||
	    !(colon = strchr(dec, ':')))
		return oauth_error(s, c, r, 401, "invalid_client",
				   "client authentication failed: missing or malformed Basic "
				   "credentials");
	*colon = 0;
	if (!gcb_sim_auth_credentials_ok(s->auth, dec, colon + 1)) {
		gcb_log_info("token request with bad client credentials");
		return oauth_error(s, c, r, 401, "invalid_client",
				   "client authentication failed: bad credentials");
	}
	if (!r->body.data ||
	    !form_has(r->body.data, r->body.len, "grant_type", "client_credentials"))
		return oauth_error(s, c, r, 400, "unsupported_grant_type",
				   "grant_type must be client_credentials");
	exp = gcb_sim_auth_issue(s->auth, tok);
	pthread_mutex_lock(&s->lock);
	s->tokens_issued++;
	pthread_mutex_unlock(&s->lock);
	snprintf(b, sizeof(b),
		 "{\"access_token\":\"%s\",\"token_type\":\"bearer\",\"expires_in\":%d}", tok, exp);
	return respond_str(s, c, r, 200, b);
}

/* 0 when the bearer token is valid; otherwise the 401 has been queued in *ret. */
static int check_bearer(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
			enum MHD_Result *ret)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	int rc;

	if (!auth || strncasecmp(auth, "Bearer ", 7)) {
		*ret = error_body(s, c, r, 401, "authentication.required",
				  "No authentication bearer token specified in authorization "
				  "header.");
		return -1;
	}
	rc = gcb_sim_auth_check(s->auth, auth + 7, strlen(auth + 7));
	if (rc == 0)
		return 0;
	if (rc == -EKEYEXPIRED)
		*ret = error_body(s, c, r, 401, "credentials.expired",
				  "The access token has expired.");
	else if (rc == -EKEYREVOKED)
		*ret = error_body(s, c, r, 401, "bad.credentials",
				  "The access token has been revoked.");
	else
		*ret = error_body(s, c, r, 401, "bad.credentials", "Invalid access token.");
	return -1;
}

static int parse_num(const char *v, long lo, long hi, long *out)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

static enum MHD_Result do_poll(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
			       const gcb_sim_stream_t *st, const gcb_sim_fault_decision_t *fd)
{
	const char *cur = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
	const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *tmo = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "timeoutMs");
	gcb_sim_poll_t p = {0};
	long limit = 100, timeout = 0;
	int rc;

	if (lim && parse_num(lim, 1, LIMIT_MAX, &limit) < 0)
		return error_body(s, c, r, 400, "bad.request", "limit must be 1..1000");
	if (tmo && parse_num(tmo, 0, TIMEOUT_MAX, &timeout) < 0)
		return error_body(s, c, r, 400, "bad.request", "timeoutMs must be 0..30000");
	if (cur && *cur) {
		if (gcb_sim_cursor_decode(cur, &p.cursor) < 0)
			return error_body(s, c, r, 400, "bad.request", "invalid cursor");
		p.has_cursor = 1;
	}
	if (fd->expire && p.has_cursor) {
		/* Retention overtakes this client by one event: a real expiry
		 * always loses something, and one event is the smallest loss a
		 * test can count. */
		gcb_sim_store_evict_before(s->store, p.cursor + 1);
		pthread_mutex_lock(&s->lock);
		s->f410++;
		pthread_mutex_unlock(&s->lock);
	}
	p.filter = &st->filter;
	p.limit = (int)limit;
	p.timeout_ms = (int)timeout;
	p.want_served = s->conf.served_log != NULL;
	rc = gcb_sim_store_poll(s->store, &p);
	if (rc < 0) {
		free(p.body);
		free(p.served);
		if (rc == -ESTALE)
			return error_body(s, c, r, 410, "cursor.expired",
					  "The cursor is older than the retention window.");
		if (rc == -ERANGE)
			return error_body(s, c, r, 400, "bad.request",
					  "The cursor is beyond the end of the stream.");
		return error_body(s, c, r, 500, "internal.server.error", "out of memory");
	}
	if (fd->garbage) {
		p.body_len = gcb_sim_faults_garble(s->faults, p.body, p.body_len, p.body_len);
		free(p.served);
		pthread_mutex_lock(&s->lock);
		s->fgarbage++;
		pthread_mutex_unlock(&s->lock);
		return respond(s, c, r, 200, p.body, p.body_len, NULL);
	}
	r->events = p.count;
	r->served = p.served;
	r->served_len = p.served_len;
	return respond(s, c, r, 200, p.body, p.body_len, NULL);
}

/* Stream definitions: POST /api/v2/eventstreams, GET /api/v2/eventstreams/{id}. */
static enum MHD_Result do_streams(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				  const char *url)
{
	const char *rest = url + strlen("/api/v2/eventstreams");
	const gcb_sim_stream_t *st;
	enum MHD_Result ret;
	char err[256];

	if (strncmp(url, "/api/v2/eventstreams", 20) || (*rest && *rest != '/') ||
	    (*rest && strchr(rest + 1, '/')))
		return error_body(s, c, r, 404, "not.found", "No such resource.");
	if (check_bearer(s, c, r, &ret) < 0)
		return ret;
	if (!*rest || !rest[1]) {
		if (strcmp(r->method, "POST"))
			return error_body(s, c, r, 405, "method.not.allowed", "Use POST.");
		if (r->too_large)
			return error_body(s, c, r, 413, "request.too.large", "Body too large.");
		if (gcb_sim_streams_create(s->streams, r->body.data ? r->body.data : "",
					   r->body.len, &st, err, sizeof(err)) < 0)
			return error_body(s, c, r, 400, "bad.request", err);
		gcb_log_info("stream %s created", st->id);
		return respond_str(s, c, r, 201, st->json);
	}
	if (strcmp(r->method, "GET"))
		return error_body(s, c, r, 405, "method.not.allowed", "Use GET.");
	st = gcb_sim_streams_find(s->streams, rest + 1, strlen(rest + 1));
	if (!st)
		return error_body(s, c, r, 404, "not.found", "Event stream not found.");
	return respond_str(s, c, r, 200, st->json);
}

/* The org, notification and analytics APIs (docs/genesys-api.md). */
static enum MHD_Result do_notif_api(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				    const char *url)
{
	gcb_sim_reply_t rp = {.retry_after = -1};
	gcb_sim_request_t rq;
	enum MHD_Result ret;

	if (check_bearer(s, c, r, &ret) < 0)
		return ret;
	if (r->too_large)
		return error_body(s, c, r, 413, "request.too.large", "Body too large.");
	request_init(s, c, r, url, &rq);
	{
		const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

		/* check_bearer accepted it: "Bearer <token>". */
		rq.token_left_ms = gcb_sim_auth_left_ms(s->auth, auth + 7, strlen(auth + 7));
	}
	if (!strncmp(url, "/api/v2/notifications/", 22))
		gcb_sim_notif_api(s->conf.notif, &rq, &rp);
	else if (!strncmp(url, "/api/v2/analytics/", 18))
		gcb_sim_analytics_api(s->conf.analytics, &rq, &rp);
	else
		gcb_sim_org_api(s->conf.org, &rq, &rp);
	return send_reply(s, c, r, &rp);
}

static void on_upgrade(void *cls, struct MHD_Connection *c, void *con_cls, const char *extra,
		       size_t extra_len, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	gcb_sim_server_t *s = cls;
	req_t *r = con_cls;

	(void)c;
	if (!r || gcb_sim_notif_ws_attach(s->conf.notif, r->path + strlen("/channels/"), sock, urh,
					  extra, extra_len) < 0)
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
}

static int header_has(struct MHD_Connection *c, const char *name, const char *token)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	return v && strcasestr(v, token) != NULL;
}

/* WebSocket upgrade of GET /channels/<id> (no bearer token, like Genesys). */
static enum MHD_Result do_ws(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
			     const char *url)
{
	const char *key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Key");
	const char *ver = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-WebSocket-Version");
	struct MHD_Response *resp;
	enum MHD_Result rc;
	char accept[32];

	if (!s->conf.notif)
		return error_body(s, c, r, 404, "not.found", "No such resource.");
	if (strcmp(r->method, "GET") || !header_has(c, "Upgrade", "websocket") ||
	    !header_has(c, "Connection", "upgrade") || !ver || strcmp(ver, "13") ||
	    gcb_sim_ws_accept_key(key, accept) < 0)
		return error_body(s, c, r, 400, "bad.request",
				  "A WebSocket upgrade (version 13) is required.");
	if (strlen(url) != strlen("/channels/") + 36 || strcmp(r->path, url) ||
	    !gcb_sim_notif_ws_exists(s->conf.notif, url + strlen("/channels/")))
		return error_body(s, c, r, 404, "not.found", "Channel not found.");
	resp = MHD_create_response_for_upgrade(on_upgrade, s);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Upgrade", "websocket");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	pthread_mutex_lock(&s->lock);
	s->unsettled++;
	pthread_mutex_unlock(&s->lock);
	gcb_sim_notif_ws_upgrading(s->conf.notif, 1);
	r->status = 101;
	r->answer_ms = mono_ms();
	rc = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
	MHD_destroy_response(resp);
	return rc;
}

/* Sleeps @ms in slices so shutdown is not held up by a slow-answer fault. */
static void fault_sleep(gcb_sim_server_t *s, int ms)
{
	while (ms > 0 && !atomic_load(&s->stopping)) {
		int step = ms > 50 ? 50 : ms;

		usleep((useconds_t)step * 1000);
		ms -= step;
	}
}

static enum MHD_Result do_request(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				  const char *url)
{
	gcb_sim_fault_decision_t fd;
	const char *slash =
	    !strncmp(url, "/api/v2/eventstreams/", 21) ? strchr(url + 21, '/') : NULL;
	int is_poll = slash && !strcmp(slash, "/poll");
	int limited = 0;
	int64_t now = mono_ms();

	if (!strncmp(url, "/channels/", 10))
		return do_ws(s, c, r, url);
	pthread_mutex_lock(&s->lock);
	if (now - s->window_start_ms >= (int64_t)s->conf.ratelimit_window_s * 1000) {
		s->window_start_ms = now;
		s->window_count = 0;
	}
	s->window_count++;
	if (s->conf.ratelimit_enforce && s->window_count > s->conf.ratelimit_allowed) {
		limited = (int)((s->window_start_ms + (int64_t)s->conf.ratelimit_window_s * 1000 -
				 now + 999) /
				1000);
		s->rl_429++;
	}
	pthread_mutex_unlock(&s->lock);

	gcb_sim_faults_decide(s->faults, is_poll, !strcmp(url, "/oauth/token"), &fd);
	if (fd.delay_ms) {
		pthread_mutex_lock(&s->lock);
		s->fdelay++;
		pthread_mutex_unlock(&s->lock);
		fault_sleep(s, fd.delay_ms);
	}
	if (limited) {
		r->retry_after = limited;
		return error_body(s, c, r, 429, "too.many.requests.retry.after",
				  "Rate limit exceeded the maximum. Retry the request later.");
	}
	if (fd.status == 429) {
		r->retry_after = fd.retry_after;
		pthread_mutex_lock(&s->lock);
		s->f429++;
		pthread_mutex_unlock(&s->lock);
		return error_body(s, c, r, 429,
				  fd.retry_after >= 0 ? "too.many.requests.retry.after"
						      : "too.many.requests",
				  "Rate limit exceeded the maximum. Retry the request later.");
	}
	if (fd.status) {
		pthread_mutex_lock(&s->lock);
		s->f5xx++;
		pthread_mutex_unlock(&s->lock);
		return error_body(s, c, r, fd.status, "service.unavailable",
				  "Injected server error.");
	}
	if (fd.unauth) {
		pthread_mutex_lock(&s->lock);
		s->f401++;
		pthread_mutex_unlock(&s->lock);
		return error_body(s, c, r, 401, "bad.credentials",
				  "The access token has been revoked.");
	}
	if (!strcmp(url, "/oauth/token"))
		return do_token(s, c, r);
	if (s->conf.notif &&
	    (!strcmp(url, "/api/v2/routing/queues") || !strcmp(url, "/api/v2/users") ||
	     !strncmp(url, "/api/v2/notifications/", 22) ||
	     !strncmp(url, "/api/v2/analytics/", 18)))
		return do_notif_api(s, c, r, url);
	if (!is_poll)
		return do_streams(s, c, r, url);

	/* Poll: same routing as do_api, with the fault decision. */
	{
		const char *rest = url + 20;
		const gcb_sim_stream_t *st;
		enum MHD_Result ret;

		if (check_bearer(s, c, r, &ret) < 0)
			return ret;
		if (strcmp(r->method, "GET"))
			return error_body(s, c, r, 405, "method.not.allowed", "Use GET.");
		st = gcb_sim_streams_find(s->streams, rest + 1, (size_t)(slash - rest - 1));
		if (!st)
			return error_body(s, c, r, 404, "not.found", "Event stream not found.");
		return do_poll(s, c, r, st, &fd);
	}
}

/* --- admin API ----------------------------------------------------------- */

typedef struct fault_args {
	gcb_sim_server_t *s;
	int rc;
	char err[256];
} fault_args_t;

static enum MHD_Result fault_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	fault_args_t *a = cls;
	long v;

	(void)kind;
	if (a->rc < 0 || !strcmp(key, "reset"))
		return MHD_YES;
	if (!strcmp(key, "expires-in")) {
		if (!value || parse_num(value, 1, 1L << 30, &v) < 0) {
			snprintf(a->err, sizeof(a->err), "bad value for expires-in");
			a->rc = -EINVAL;
		} else {
			gcb_sim_auth_set_expires_in(a->s->auth, (int)v);
		}
		return MHD_YES;
	}
	a->rc = gcb_sim_faults_set(a->s->faults, key, value ? value : "", a->err, sizeof(a->err));
	return MHD_YES;
}

static enum MHD_Result admin_stats(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r)
{
	size_t cap = 4096 + RECENT_MAX * 256;
	char *b = malloc(cap);
	gcb_sim_store_stats_t st;
	size_t n = 0;
	int first = 1;

	if (!b)
		return MHD_NO;
	gcb_sim_server_flush(s);
	gcb_sim_store_stats(s->store, &st);
	pthread_mutex_lock(&s->lock);
	n += (size_t)snprintf(b + n, cap - n,
			      "{\"uptimeMs\":%" PRId64 ",\"requests\":%" PRIu64 ",\"byStatus\":{",
			      mono_ms() - s->start_ms, s->requests);
	for (int i = 0; i < 600; i++) {
		if (!s->by_status[i])
			continue;
		n += (size_t)snprintf(b + n, cap - n, "%s\"%d\":%" PRIu64, first ? "" : ",", i,
				      s->by_status[i]);
		first = 0;
	}
	n += (size_t)snprintf(
	    b + n, cap - n,
	    "},\"eventsGenerated\":%" PRIu64 ",\"head\":%" PRIu64 ",\"tail\":%" PRIu64
	    ",\"eventsRetained\":%" PRIu64 ",\"remaining\":%" PRId64 ",\"generatedBad\":%" PRIu64
	    ",\"generatedDrift\":%" PRIu64 ",\"eventsServed\":%" PRIu64 ",\"pollsServed\":%" PRIu64
	    ",\"tokensIssued\":%" PRIu64 ",\"revocations\":%" PRIu64 ",\"rateLimited\":%" PRIu64
	    ",\"faults\":{\"429\":%" PRIu64 ",\"5xx\":%" PRIu64 ",\"401\":%" PRIu64
	    ",\"delayed\":%" PRIu64 ",\"garbage\":%" PRIu64 ",\"410\":%" PRIu64
	    "},\"streams\":%d,\"recent\":[",
	    st.head, st.head, st.tail, st.head - st.tail, st.remaining, st.generated_bad,
	    st.generated_drift, s->events_served, s->polls_served, s->tokens_issued, s->revocations,
	    s->rl_429, s->f429, s->f5xx, s->f401, s->fdelay, s->fgarbage, s->f410,
	    gcb_sim_streams_count(s->streams));
	{
		uint64_t from = s->nrecent > RECENT_MAX ? s->nrecent - RECENT_MAX : 0;

		for (uint64_t i = from; i < s->nrecent; i++) {
			recent_t *e = &s->recent[i % RECENT_MAX];

			n += (size_t)snprintf(b + n, cap - n,
					      "%s{\"startMs\":%" PRId64 ",\"endMs\":%" PRId64
					      ",\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,"
					      "\"retryAfter\":%d,\"events\":%d}",
					      i == from ? "" : ",", e->start_ms, e->end_ms,
					      e->method, e->path, e->status, e->retry_after,
					      e->events);
		}
	}
	pthread_mutex_unlock(&s->lock);
	n += (size_t)snprintf(b + n, cap - n, "]}");
	return respond(s, c, r, 200, b, n, NULL);
}

/* /admin/notify...: actions on channels, org growth, traffic, logs, stats. */
static enum MHD_Result admin_notify(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				    const char *url)
{
	int post = !strcmp(r->method, "POST");
	gcb_sim_reply_t rp = {.retry_after = -1};
	gcb_sim_request_t rq;
	long v, w;

	if (!s->conf.notif)
		return error_body(s, c, r, 404, "not.found", "No such admin resource.");
	request_init(s, c, r, url, &rq);
	if (!strcmp(url, "/admin/notify/org") && post) {
		const char *q = mhd_arg(c, "queues"), *u = mhd_arg(c, "users");

		v = w = 0;
		if ((q && parse_num(q, 0, GCB_SIM_ORG_MAX, &v) < 0) ||
		    (u && parse_num(u, 0, GCB_SIM_ORG_MAX, &w) < 0) ||
		    gcb_sim_org_add(s->conf.org, (int)v, (int)w) < 0)
			return error_body(s, c, r, 400, "bad.request",
					  "queues and users must be 0..1000000 in all");
		{
			char b[96];
			int nq, nu;

			gcb_sim_org_counts(s->conf.org, &nq, &nu);
			gcb_log_info("org grown by %ld queues and %ld users", v, w);
			snprintf(b, sizeof(b), "{\"queues\":%d,\"users\":%d}", nq, nu);
			return respond_str(s, c, r, 200, b);
		}
	}
	if (!strcmp(url, "/admin/notify/generate") && post) {
		const char *n = mhd_arg(c, "count"), *life = mhd_arg(c, "life-ms");

		w = 0;
		if (!n || parse_num(n, 0, 10000000, &v) < 0 ||
		    (life && parse_num(life, 1, 3600000, &w) < 0))
			return error_body(s, c, r, 400, "bad.request",
					  "count must be 0..10000000, life-ms 1..3600000");
		gcb_sim_notif_gen_start(s->conf.notif_gen, (uint64_t)v, (int)w);
		return respond_str(s, c, r, 200, "{\"ok\":true}");
	}
	if (!strcmp(url, "/admin/notify/replay") && post) {
		const char *file = mhd_arg(c, "file");
		uint64_t n = 0;
		char b[64];
		int rc;

		if (!file)
			return error_body(s, c, r, 400, "bad.request", "file required");
		rc = gcb_sim_notif_replay(s->conf.notif, file, &n);
		if (rc < 0)
			return error_body(s, c, r, 400, "bad.request", strerror(-rc));
		snprintf(b, sizeof(b), "{\"messages\":%llu}", (unsigned long long)n);
		return respond_str(s, c, r, 200, b);
	}
	if (!strcmp(url, "/admin/notify/conversations")) {
		gcb_sim_analytics_list(s->conf.analytics, &rp);
		return send_reply(s, c, r, &rp);
	}
	if (!strcmp(url, "/admin/notify/stats")) {
		cJSON *j = cJSON_CreateObject();
		int nq, nu;

		gcb_sim_org_counts(s->conf.org, &nq, &nu);
		cJSON_AddNumberToObject(j, "queues", nq);
		cJSON_AddNumberToObject(j, "users", nu);
		gcb_sim_notif_stats(s->conf.notif, j);
		gcb_sim_notif_gen_stats(s->conf.notif_gen, j);
		gcb_sim_analytics_stats(s->conf.analytics, j);
		gcb_sim_reply_json(&rp, 200, j);
		return send_reply(s, c, r, &rp);
	}
	gcb_sim_notif_admin(s->conf.notif, &rq, &rp);
	return send_reply(s, c, r, &rp);
}

static enum MHD_Result do_admin(gcb_sim_server_t *s, struct MHD_Connection *c, req_t *r,
				const char *url)
{
	const char *a = url + 7;
	int post = !strcmp(r->method, "POST");
	long v;

	if (!strcmp(a, "stats"))
		return admin_stats(s, c, r);
	if (!strncmp(a, "notify", 6) && (!a[6] || a[6] == '/'))
		return admin_notify(s, c, r, url);
	if (!strcmp(a, "flush") && post) {
		gcb_sim_server_flush(s);
		return respond_str(s, c, r, 200, "{\"ok\":true}");
	}
	if (!strcmp(a, "faults")) {
		char b[2048];

		if (post) {
			fault_args_t fa = {s, 0, ""};

			if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "reset"))
				gcb_sim_faults_reset(s->faults);
			MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, fault_arg, &fa);
			if (fa.rc < 0)
				return error_body(s, c, r, 400, "bad.request", fa.err);
			{
				gcb_sim_fault_conf_t fc;

				gcb_sim_faults_get(s->faults, &fc);
				gcb_sim_store_set_rates(s->store, fc.bad_event_rate, fc.drift_rate);
			}
			gcb_log_info("faults changed through /admin/faults");
		}
		gcb_sim_faults_json(s->faults, b, sizeof(b) - 64);
		snprintf(b + strlen(b) - 1, 64, ",\"expires-in\":%d}",
			 gcb_sim_auth_expires_in(s->auth));
		return respond_str(s, c, r, 200, b);
	}
	if (!strcmp(a, "revoke") && post) {
		gcb_sim_auth_revoke_all(s->auth);
		pthread_mutex_lock(&s->lock);
		s->revocations++;
		pthread_mutex_unlock(&s->lock);
		gcb_log_info("all tokens revoked through /admin/revoke");
		return respond_str(s, c, r, 200, "{\"revoked\":true}");
	}
	if (!strcmp(a, "generate") && post) {
		const char *n = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "count");

		if (!n || parse_num(n, 0, 10000000, &v) < 0)
			return error_body(s, c, r, 400, "bad.request", "count must be 0..10000000");
		gcb_sim_store_generate(s->store, (uint64_t)v);
		return respond_str(s, c, r, 200, "{\"ok\":true}");
	}
	if (!strcmp(a, "evict") && post) {
		const char *n = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "count");
		const char *all = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "all");

		if (all) {
			gcb_sim_store_evict_before(s->store, UINT64_MAX);
		} else {
			if (!n || parse_num(n, 0, 1L << 40, &v) < 0)
				return error_body(s, c, r, 400, "bad.request",
						  "count or all=1 required");
			gcb_sim_store_evict(s->store, (uint64_t)v);
		}
		return respond_str(s, c, r, 200, "{\"ok\":true}");
	}
	if (!strcmp(a, "events")) {
		const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
		const char *l = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
		long from = 0, limit = 1000;
		char *body;
		size_t len;

		if ((f && parse_num(f, 0, 1L << 62, &from) < 0) ||
		    (l && parse_num(l, 1, 100000, &limit) < 0))
			return error_body(s, c, r, 400, "bad.request",
					  "from >= 0, limit 1..100000");
		if (gcb_sim_store_dump(s->store, (uint64_t)from, (int)limit, &body, &len) < 0)
			return MHD_NO;
		return respond(s, c, r, 200, body, len, NULL);
	}
	return error_body(s, c, r, 404, "not.found", "No such admin resource.");
}

/* Method and path go into JSON (stats) and a TSV log without escaping. */
static void sanitize(char *q)
{
	for (; *q; q++)
		if (*q == '"' || *q == '\\' || (unsigned char)*q < 0x20)
			*q = '_';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	gcb_sim_server_t *s = cls;
	req_t *r = *con_cls;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->start_ms = mono_ms();
		r->retry_after = -1;
		snprintf(r->method, sizeof(r->method), "%s", method);
		snprintf(r->path, sizeof(r->path), "%s", url);
		sanitize(r->method);
		sanitize(r->path);
		r->is_admin = !strncmp(url, "/admin/", 7);
		*con_cls = r;
		pthread_mutex_lock(&s->lock);
		s->inflight++;
		pthread_mutex_unlock(&s->lock);
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->body.len + *upload_size > BODY_MAX)
			r->too_large = 1;
		else if (gcb_buf_append(&r->body, upload, *upload_size) != 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->is_admin)
		return do_admin(s, c, r, url);
	return do_request(s, c, r, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	gcb_sim_server_t *s = cls;
	req_t *r = *con_cls;
	int ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
	/* Not the completion time: MHD may report completion after the client
	 * already got the answer and sent its next request. */
	int64_t end = r && r->answer_ms ? r->answer_ms : mono_ms();

	(void)c;
	if (!r)
		return;
	*con_cls = NULL;
	pthread_mutex_lock(&s->lock);
	s->inflight--;
	if (!r->is_admin && r->answer_ms)
		s->unsettled--;
	pthread_mutex_unlock(&s->lock);
	if (!r->is_admin) {
		pthread_mutex_lock(&s->lock);
		s->requests++;
		if (r->status > 0 && r->status < 600)
			s->by_status[r->status]++;
		if (ok && r->events) {
			s->events_served += (uint64_t)r->events;
			s->polls_served++;
			if (s->conf.served_log && r->served)
				fwrite(r->served, 1, r->served_len, s->conf.served_log);
		}
		recent_t *e = &s->recent[s->nrecent++ % RECENT_MAX];
		e->start_ms = r->start_ms;
		e->end_ms = end;
		memcpy(e->method, r->method, sizeof(e->method));
		memcpy(e->path, r->path, sizeof(e->path));
		e->status = r->status;
		e->retry_after = r->status == 429 ? r->retry_after : -1;
		e->events = ok ? r->events : 0;
		if (s->conf.request_log)
			fprintf(s->conf.request_log,
				"%" PRId64 "\t%" PRId64 "\t%s\t%s\t%d\t%d\t%d\n", r->start_ms, end,
				r->method, r->path, r->status, e->retry_after, e->events);
		pthread_mutex_unlock(&s->lock);
	}
	if (r->status == 101)
		gcb_sim_notif_ws_upgrading(s->conf.notif, -1); /* attached or failed by now */
	gcb_buf_fini(&r->body);
	free(r->served);
	free(r);
}

gcb_sim_server_t *gcb_sim_server_new(const gcb_sim_http_conf_t *conf, gcb_sim_store_t *store,
				     gcb_sim_streams_t *streams, gcb_sim_auth_t *auth,
				     gcb_sim_faults_t *faults, char *errstr, size_t errstr_size)
{
	gcb_sim_server_t *s = calloc(1, sizeof(*s));
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	if (!s) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	s->conf = *conf;
	s->store = store;
	s->streams = streams;
	s->auth = auth;
	s->faults = faults;
	s->start_ms = s->window_start_ms = mono_ms();
	pthread_mutex_init(&s->lock, NULL);
	gcb_sim_rand_init(&s->rnd, conf->seed, 5);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)conf->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->d = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
		MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE,
	    0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)conf->max_connections, MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_END);
	if (!s->d) {
		snprintf(errstr, errstr_size, "MHD_start_daemon() failed on 127.0.0.1:%d",
			 conf->port);
		goto fail;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (!info || !info->port) {
		snprintf(errstr, errstr_size, "MHD_get_daemon_info(BIND_PORT) failed");
		goto fail;
	}
	s->port = info->port;
	return s;
fail:
	gcb_sim_server_destroy(s);
	return NULL;
}

int gcb_sim_server_port(gcb_sim_server_t *s)
{
	return s->port;
}

/*
 * Waits (at most 2 s) until every API answer already handed out has been
 * accounted for, so stats and logs read right after a client got its answers
 * include them. Long polls still waiting have no answer yet and do not count.
 */
static void settle(gcb_sim_server_t *s)
{
	for (int i = 0; i < 200; i++) {
		int n;

		pthread_mutex_lock(&s->lock);
		n = s->unsettled;
		pthread_mutex_unlock(&s->lock);
		if (n <= 0)
			return;
		usleep(10000);
	}
}

void gcb_sim_server_flush(gcb_sim_server_t *s)
{
	settle(s);
	pthread_mutex_lock(&s->lock);
	if (s->conf.served_log)
		fflush(s->conf.served_log);
	if (s->conf.request_log)
		fflush(s->conf.request_log);
	pthread_mutex_unlock(&s->lock);
	gcb_sim_store_flush(s->store);
	if (s->conf.notif)
		gcb_sim_notif_record_flush(s->conf.notif);
}

void gcb_sim_server_destroy(gcb_sim_server_t *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, 1);
	if (s->d) {
		/* Stop accepting, then give requests in flight (long polls woken by
		 * gcb_sim_store_stop) up to 5 s to send their answers. */
		MHD_socket ls = MHD_quiesce_daemon(s->d);

		for (int i = 0; i < 500; i++) {
			int n;

			pthread_mutex_lock(&s->lock);
			n = s->inflight;
			pthread_mutex_unlock(&s->lock);
			if (n <= 0)
				break;
			usleep(10000);
		}
		MHD_stop_daemon(s->d);
		if (ls != MHD_INVALID_SOCKET)
			close(ls);
	}
	gcb_sim_server_flush(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/*
 * gcbridge --preflight (gcb_preflight.h): with the real configuration, asks
 * the org what a start would meet, before anything is subscribed or spooled.
 *
 *   token        the OAuth client gets one (else nothing else can run)
 *   transports   every configured family is delivered over WebSocket
 *                (GET notifications/availabletopics), with what it requires
 *   org          queues and users (the "total" of a one-item page)
 *   topics       per template, channels needed against channels available
 *   permissions  one sample topic per template on a scratch channel
 *                (PUT …/subscriptions?ignoreErrors=true): Rejected ones name
 *                the missing permissions; the channel is retired after
 *   analytics    the data-availability watermark (backfill's permission)
 *
 * Exit: 0 nothing found; 1 problems that do not stop a start but lose data
 * (a family rejected, backfill impossible); 2 a start would be refused
 * (no token, a family the WebSocket cannot carry, topics beyond the
 * channels). Requests are few and sequential, about ten, drawn on the same
 * REST budget (genesys.notifications.rate_limit) as the running source.
 */
#include "stages/notif/gcb_preflight.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/gcb_http.h"
#include "stages/source/gcb_token.h"
#include "lib/gcb_clock.h"
#include "stages/notif/gcb_notif_int.h"

#define PF_URL_MAX  2048
#define PF_TIMEOUT  15000
#define PF_PER_LINE 160

typedef struct pf {
	const gcb_source_conf_t *c;
	FILE *out;
	char api[1024], login[1024];
	gcb_http_t http, login_http;
	gcb_token_t token;
	gcb_notif_topics_t tmpl;
	gcb_rate_t rate; /* the same REST budget as the running source */
	int problems, blocking;
	char first_queue[128], first_user[128];
	unsigned queues, users;
} pf_t;

static void say(pf_t *p, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(pf_t *p, const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(p->out, "  %-12s ", what);
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
	fputc('\n', p->out);
}

static void problem(pf_t *p, int blocks)
{
	p->problems++;
	if (blocks)
		p->blocking++;
}

/* One authorised request; 0 with p->http.resp, or -errno. */
static int call(pf_t *p, const char *method, const char *path, const char *body)
{
	char url[PF_URL_MAX];
	const char *tok;
	gcb_http_req_t req = {.method = method,
			      .url = url,
			      .content_type = body ? "application/json" : NULL,
			      .body = body,
			      .body_len = body ? strlen(body) : 0,
			      .timeout_ms = PF_TIMEOUT};
	struct timespec ts;
	uint64_t wait;
	int rc;

	if ((wait = gcb_rate_wait_ms(&p->rate, gcb_clock_mono_ms())) > 0) {
		ts.tv_sec = (time_t)(wait / 1000);
		ts.tv_nsec = (long)(wait % 1000) * 1000000;
		nanosleep(&ts, NULL);
	}
	gcb_rate_take(&p->rate, gcb_clock_mono_ms());
	snprintf(url, sizeof(url), "%s%s", p->api, path);
	if ((rc = gcb_token_get(&p->token, &tok)) != 0)
		return rc;
	req.bearer = tok;
	return gcb_http_perform(&p->http, &req);
}

/* The "total" of a listing and its first entity's id (GET path?pageSize=1). */
static int count(pf_t *p, const char *base, unsigned *total, char *first, size_t first_size)
{
	char path[256];
	const cJSON *t, *e, *id;
	cJSON *o;

	snprintf(path, sizeof(path), "%s?pageSize=1&pageNumber=1", base);
	if (call(p, "GET", path, NULL) != 0 || p->http.resp.status != 200)
		return -EIO;
	o = cJSON_ParseWithLength(p->http.resp.body, p->http.resp.body_len);
	t = cJSON_GetObjectItemCaseSensitive(o, "total");
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "entities"), 0);
	id = cJSON_GetObjectItemCaseSensitive(e, "id");
	*total = cJSON_IsNumber(t) && t->valuedouble >= 0 ? (unsigned)t->valuedouble : 0;
	snprintf(first, first_size, "%s", cJSON_IsString(id) ? id->valuestring : "");
	cJSON_Delete(o);
	return cJSON_IsNumber(t) ? 0 : -EBADMSG;
}

/* The template with its placeholders filled by the first queue and user. */
static void sample(const pf_t *p, const char *tmpl, char *out, size_t size)
{
	size_t k = 0;

	for (const char *s = tmpl; *s && k + 1 < size;) {
		const char *id = NULL;

		if (!strncmp(s, GCB_NOTIF_PH_QUEUE, strlen(GCB_NOTIF_PH_QUEUE))) {
			id = p->first_queue;
			s += strlen(GCB_NOTIF_PH_QUEUE);
		} else if (!strncmp(s, GCB_NOTIF_PH_USER, strlen(GCB_NOTIF_PH_USER))) {
			id = p->first_user;
			s += strlen(GCB_NOTIF_PH_USER);
		}
		if (id != NULL)
			k += (size_t)snprintf(out + k, size - k, "%s", id);
		else
			out[k++] = *s++;
	}
	out[k < size ? k : size - 1] = '\0';
}

static void check_token(pf_t *p)
{
	const char *tok;
	int rc = gcb_token_get(&p->token, &tok);

	if (rc == 0) {
		say(p, "token", "ok (expires in %" PRIu64 " s)",
		    (p->token.expires_ns - p->token.obtained_ns) / 1000000000u);
		return;
	}
	say(p, "token",
	    "PROBLEM: %s at %s/oauth/token: nothing else can be checked (blocks "
	    "a start)",
	    rc == -EACCES ? "the client credentials were refused" : "no token", p->login);
	problem(p, 1);
}

static void check_transports(pf_t *p)
{
	const cJSON *ents, *e;
	cJSON *o;

	if (call(p, "GET",
		 "/api/v2/notifications/availabletopics?expand=transports,"
		 "requiresPermissions",
		 NULL) != 0 ||
	    p->http.resp.status != 200) {
		say(p, "transports",
		    "PROBLEM: GET notifications/availabletopics failed "
		    "(status %ld): transports and required permissions unknown",
		    p->http.resp.status);
		problem(p, 0);
		return;
	}
	o = cJSON_ParseWithLength(p->http.resp.body, p->http.resp.body_len);
	ents = cJSON_GetObjectItemCaseSensitive(o, "entities");
	for (unsigned i = 0; i < p->tmpl.n; i++) {
		char fam[512], perms[PF_PER_LINE] = "", tr[PF_PER_LINE] = "";
		const char *t = p->tmpl.v[i], *q = strchr(t, '?');
		const cJSON *x;
		size_t kp = 0, kt = 0;
		int ws = 0, found = 0;

		/* A combined topic: its first part stands for the family here. */
		if (q != NULL) {
			char one[512];
			const char *amp = strchr(q + 1, '&');

			snprintf(one, sizeof(one), "%.*s.%.*s", (int)(q - t), t,
				 (int)(amp ? (size_t)(amp - q - 1) : strlen(q + 1)), q + 1);
			gcb_notif_avail_family(one, strlen(one), fam, sizeof(fam));
		} else {
			gcb_notif_avail_family(t, strlen(t), fam, sizeof(fam));
		}
		cJSON_ArrayForEach(e, ents)
		{
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");

			if (!cJSON_IsString(id) || strcmp(id->valuestring, fam) != 0)
				continue;
			found = 1;
			cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(e, "transports"))
			{
				if (!cJSON_IsString(x) || kt >= sizeof(tr))
					continue;
				ws |= !strcasecmp(x->valuestring, "All") ||
				      !strcasecmp(x->valuestring, "Websocket");
				kt += (size_t)snprintf(tr + kt, sizeof(tr) - kt, "%s%s",
						       kt ? "," : "", x->valuestring);
			}
			cJSON_ArrayForEach(
			    x, cJSON_GetObjectItemCaseSensitive(e, "requiresPermissions"))
			{
				if (cJSON_IsString(x) && kp < sizeof(perms))
					kp +=
					    (size_t)snprintf(perms + kp, sizeof(perms) - kp, "%s%s",
							     kp ? ", " : "", x->valuestring);
			}
		}
		if (!found) {
			say(p, i ? "" : "transports", "%s: not listed by availabletopics", t);
		} else if (!ws && kt > 0) {
			say(p, i ? "" : "transports",
			    "%s: PROBLEM: not delivered over WebSocket (transports %s): gcbridge "
			    "refuses it (blocks a start)",
			    t, tr);
			problem(p, 1);
		} else {
			say(p, i ? "" : "transports", "%s: WebSocket ok (%s); requires %s", t,
			    kt ? tr : "transports not stated", kp ? perms : "nothing listed");
		}
	}
	cJSON_Delete(o);
}

static void check_budget(pf_t *p)
{
	unsigned per = p->c->notif.topics_per_channel, avail = p->c->notif.max_channels - 1;
	uint64_t total = 0, need;

	if (count(p, "/api/v2/routing/queues", &p->queues, p->first_queue,
		  sizeof(p->first_queue)) != 0 ||
	    count(p, "/api/v2/users", &p->users, p->first_user, sizeof(p->first_user)) != 0) {
		say(p, "org",
		    "PROBLEM: GET routing/queues or users failed (status %ld): the "
		    "client cannot list them (topics cannot be resolved; blocks a start)",
		    p->http.resp.status);
		problem(p, 1);
		return;
	}
	say(p, "org", "%u queues, %u users", p->queues, p->users);
	for (unsigned i = 0; i < p->tmpl.n; i++) {
		uint64_t k = 1;

		if (strstr(p->tmpl.v[i], GCB_NOTIF_PH_QUEUE))
			k *= p->queues;
		if (strstr(p->tmpl.v[i], GCB_NOTIF_PH_USER))
			k *= p->users;
		total += k;
		say(p, i ? "" : "topics", "%s: %" PRIu64, p->tmpl.v[i], k);
	}
	need = (total + per - 1) / per;
	if (need > avail) {
		say(p, "channels",
		    "PROBLEM: %" PRIu64 " topics need %" PRIu64 " channels of %u, %u available "
		    "(max_channels %u, one kept free for rollover): blocks a start",
		    total, need, per, avail, avail + 1);
		problem(p, 1);
	} else {
		say(p, "channels",
		    "%" PRIu64 " topics on %" PRIu64 " of %u channels (max_channels %u, one "
		    "kept free for rollover): ok",
		    total, need, avail, avail + 1);
	}
}

static void check_permissions(pf_t *p)
{
	char path[512], id[256] = "", topic[512];
	cJSON *arr = cJSON_CreateArray(), *o;
	const cJSON *ents, *e;
	char *body;
	int rejected = 0;

	if (call(p, "POST", "/api/v2/notifications/channels", "{}") != 0 ||
	    (p->http.resp.status != 200 && p->http.resp.status != 201)) {
		say(p, "permissions",
		    "PROBLEM: POST notifications/channels failed (status %ld): "
		    "blocks a start",
		    p->http.resp.status);
		problem(p, 1);
		cJSON_Delete(arr);
		return;
	}
	o = cJSON_ParseWithLength(p->http.resp.body, p->http.resp.body_len);
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "id")))
		snprintf(id, sizeof(id), "%s",
			 cJSON_GetObjectItemCaseSensitive(o, "id")->valuestring);
	cJSON_Delete(o);
	for (unsigned i = 0; i < p->tmpl.n; i++) {
		cJSON *t = cJSON_CreateObject();

		sample(p, p->tmpl.v[i], topic, sizeof(topic));
		cJSON_AddStringToObject(t, "id", topic);
		cJSON_AddItemToArray(arr, t);
	}
	body = cJSON_PrintUnformatted(arr);
	cJSON_Delete(arr);
	snprintf(path, sizeof(path),
		 "/api/v2/notifications/channels/%s/subscriptions?ignoreErrors=true", id);
	if (body == NULL || call(p, "PUT", path, body) != 0 || p->http.resp.status != 200) {
		say(p, "permissions", "PROBLEM: the sample subscription failed (status %ld)",
		    p->http.resp.status);
		problem(p, 0);
		free(body);
		goto retire;
	}
	free(body);
	o = cJSON_ParseWithLength(p->http.resp.body, p->http.resp.body_len);
	ents = cJSON_GetObjectItemCaseSensitive(o, "entities");
	cJSON_ArrayForEach(e, ents)
	{
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "state"), *x;
		char missing[PF_PER_LINE] = "";
		size_t k = 0;

		if (!cJSON_IsString(st) || strcmp(st->valuestring, "Rejected") != 0)
			continue;
		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(e, "missingPermissions"))
		{
			if (cJSON_IsString(x) && k < sizeof(missing))
				k += (size_t)snprintf(missing + k, sizeof(missing) - k, "%s%s",
						      k ? ", " : "", x->valuestring);
		}
		x = cJSON_GetObjectItemCaseSensitive(e, "id");
		say(p, rejected ? "" : "permissions",
		    "PROBLEM: %s rejected: missing permissions: %s (%s)",
		    cJSON_IsString(x) ? x->valuestring : "?", k ? missing : "none named",
		    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "rejectionReason"))
			? cJSON_GetObjectItemCaseSensitive(e, "rejectionReason")->valuestring
			: "no reason given");
		rejected++;
		problem(p, 0);
	}
	cJSON_Delete(o);
	if (rejected == 0)
		say(p, "permissions", "a sample topic of every template was accepted: ok");
retire:
	/* No DELETE on a channel: drop its topics; unconnected, it goes first. */
	snprintf(path, sizeof(path), "/api/v2/notifications/channels/%s/subscriptions", id);
	(void)call(p, "DELETE", path, NULL);
}

static void check_analytics(pf_t *p)
{
	const cJSON *d;
	cJSON *o;

	if (call(p, "GET", "/api/v2/analytics/conversations/details/jobs/availability", NULL) !=
	    0) {
		say(p, "analytics", "PROBLEM: the watermark request failed: backfill cannot run");
		problem(p, 0);
		return;
	}
	if (p->http.resp.status != 200) {
		say(p, "analytics",
		    "PROBLEM: GET analytics/…/jobs/availability answered %ld%s: gaps cannot be "
		    "backfilled",
		    p->http.resp.status,
		    p->http.resp.status == 403
			? " (missing permission analytics:conversationDetail:view)"
			: "");
		problem(p, 0);
		return;
	}
	o = cJSON_ParseWithLength(p->http.resp.body, p->http.resp.body_len);
	d = cJSON_GetObjectItemCaseSensitive(o, "dataAvailabilityDate");
	if (cJSON_IsString(d))
		say(p, "analytics", "data complete up to %s (gaps after it wait for it): ok",
		    d->valuestring);
	else {
		say(p, "analytics", "PROBLEM: no dataAvailabilityDate in the answer");
		problem(p, 0);
	}
	cJSON_Delete(o);
}

int gcb_preflight_run(const gcb_source_conf_t *c, FILE *out)
{
	gcb_http_opts_t ho = {.connect_timeout_ms = 10000,
			      .tls_verify = c->tls_verify,
			      .ca_path = c->ca_path,
			      .user_agent = "gcbridge-preflight",
			      .max_body = 64u << 20};
	pf_t p = {.c = c, .out = out};
	char err[512];
	int rc;

	if (c->api_base_url != NULL) {
		snprintf(p.api, sizeof(p.api), "%s", c->api_base_url);
		snprintf(p.login, sizeof(p.login), "%s", c->login_base_url);
	} else {
		snprintf(p.api, sizeof(p.api), "https://api.%s", c->region_domain);
		snprintf(p.login, sizeof(p.login), "https://login.%s", c->region_domain);
	}
	fprintf(out, "gcbridge preflight: %s, client %s\n", p.api, c->client_id);
	gcb_notif_topics_init(&p.tmpl);
	rc = gcb_notif_topics_load(&p.tmpl, c->notif.topics, c->notif.topics_file,
				   c->notif.topics_per_channel, c->notif.max_channels, err,
				   sizeof(err));
	if (rc != 0) {
		fprintf(out, "  %-12s PROBLEM: %s (blocks a start)\n", "config", err);
		fprintf(out, "result: 1 problem, a start would be refused\n");
		return 2;
	}
	if (gcb_http_global_init() != 0 || gcb_http_init(&p.http, &ho, err, sizeof(err)) != 0 ||
	    gcb_http_init(&p.login_http, &ho, err, sizeof(err)) != 0) {
		fprintf(out, "  %-12s PROBLEM: %s\n", "http", err);
		gcb_notif_topics_fini(&p.tmpl);
		return 2;
	}
	gcb_token_init(&p.token, &p.login_http, p.login, c->client_id, c->client_secret,
		       c->token_skew_s, PF_TIMEOUT, NULL);
	gcb_rate_init(&p.rate, c->notif.rate_per_minute,
		      gcb_clock_mono_ms());
	check_token(&p);
	if (p.blocking == 0) {
		check_transports(&p);
		check_budget(&p);
		if (p.queues + p.users > 0 || p.tmpl.n > 0)
			check_permissions(&p);
		check_analytics(&p);
	}
	fprintf(out, "result: %d problem(s)%s\n", p.problems,
		p.blocking ? ", a start would be refused"
			   : (p.problems ? ", a start would run but lose what is listed" : ""));
	gcb_token_fini(&p.token);
	gcb_http_fini(&p.http);
	gcb_http_fini(&p.login_http);
	gcb_notif_topics_fini(&p.tmpl);
	return p.blocking ? 2 : p.problems ? 1 : 0;
}

/*
 * The Notifications API over REST (docs/genesys-api.md, "The Notification Service"): create
 * a channel, retire it (its subscriptions: gcb_notif_subscribe.c). Requests run inline through the fetcher's
 * authorised call (token renewal, one retry after 401, the stop tick),
 * bounded by genesys.http.timeout; a failure is the caller's to retry later.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_source.h"
#include "lib/gcb_log.h"

#define CHANNEL_LIFE_MS (24ull * 3600 * 1000)

int gcb_notif_rest(gcb_notif_t *n, const char *method, const char *path, const char *body,
		   size_t len)
{
	char url[GCB_SOURCE_URL_MAX + 512];
	gcb_source_t *f = &n->src;
	uint64_t wait;
	int rc;

	/* The shared budget first (gcb_rate.h): wait for this request's turn. */
	if ((wait = gcb_rate_wait_ms(&n->rate, gcb_clock_mono_ms())) > 0) {
		gcb_notif_count(n, GCB_SC_THROTTLE_WAITS, 1);
		gcb_notif_count(n, GCB_SC_THROTTLE_MS, wait);
		if (gcb_source_sleep(f, wait) != 0)
			return -ECANCELED;
	}
	gcb_rate_take(&n->rate, gcb_clock_mono_ms());
	snprintf(url, sizeof(url), "%s%s", f->api, path);
	rc = gcb_source_api_call(f, method, url, body, len, (long)n->conf->request_timeout_ms);
	if (rc == 0) {
		long st = f->api_http.resp.status;

		if (st == 429)
			gcb_notif_count(n, GCB_SC_HTTP_429, 1);
		else if (st >= 500)
			gcb_notif_count(n, GCB_SC_HTTP_5XX, 1);
		else if (st >= 400 && st != 401)
			gcb_notif_count(n, GCB_SC_HTTP_OTHER, 1);
	} else if (rc != -ECANCELED) {
		gcb_log_warn("%s %s failed: %s (%s)", method, path,
			     rc == -EACCES || rc == -EAGAIN ? "no access token"
							    : gcb_http_strerror(&f->api_http),
			     strerror(-rc));
	}
	return rc;
}

/* ISO-8601 UTC ("2026-11-28T05:40:00.000Z") to Unix ms; 0 when unparsable. */
static uint64_t iso_ms(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec;

	if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (uint64_t)timegm(&tm) * 1000;
}

/* POST channels: 0 with id, uri, expires filled; -errno otherwise (logged). */
static int channel_create(gcb_notif_t *n, char *id, char *uri, uint64_t *expires)
{
	const gcb_http_resp_t *r = &n->src.api_http.resp;
	const cJSON *i, *u, *e;
	char why[256];
	cJSON *o;
	int rc = gcb_notif_rest(n, "POST", "/api/v2/notifications/channels", "{}", 2);

	if (rc != 0)
		return rc;
	if (r->status != 200 && r->status != 201) {
		gcb_source_log_answer(&n->src, "POST notifications/channels");
		return -EAGAIN;
	}
	o = cJSON_ParseWithLength(r->body, r->body_len);
	i = cJSON_GetObjectItemCaseSensitive(o, "id");
	u = cJSON_GetObjectItemCaseSensitive(o, "connectUri");
	e = cJSON_GetObjectItemCaseSensitive(o, "expires");
	if (!cJSON_IsString(i) || !cJSON_IsString(u) ||
	    strlen(i->valuestring) >= GCB_NOTIF_ID_MAX ||
	    strlen(u->valuestring) >= GCB_NOTIF_URI_MAX ||
	    strspn(i->valuestring,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
		strlen(i->valuestring)) {
		cJSON_Delete(o);
		gcb_notif_count(n, GCB_SC_MALFORMED, 1);
		gcb_log_error("POST notifications/channels: answer without a usable id and "
			      "connectUri correlation_id=%s",
			      r->correlation_id);
		return -EBADMSG;
	}
	if (gcb_ws_connect_uri_check(u->valuestring, n->src.api, why, sizeof(why)) != 0) {
		cJSON_Delete(o);
		gcb_notif_count(n, GCB_SC_MALFORMED, 1);
		gcb_log_error("POST notifications/channels: %s correlation_id=%s", why,
			      r->correlation_id);
		return -EBADMSG;
	}
	strcpy(id, i->valuestring);
	strcpy(uri, u->valuestring);
	*expires = iso_ms(cJSON_IsString(e) ? e->valuestring : NULL);
	if (*expires == 0)
		*expires = gcb_clock_real_ms() + CHANNEL_LIFE_MS;
	cJSON_Delete(o);
	return 0;
}

int gcb_notif_chan_subscribe(gcb_notif_chan_t *c)
{
	int rc = gcb_notif_subscribe(c, c->id);

	if (rc == 0)
		c->dirty = 0;
	return rc;
}

int gcb_notif_chan_create(gcb_notif_chan_t *c, char *id, char *uri, uint64_t *expires)
{
	int rc = channel_create(c->n, id, uri, expires);

	if (rc != 0)
		return rc;
	rc = gcb_notif_subscribe(c, id);
	if (rc != 0)
		gcb_notif_chan_retire(c->n, id);
	return rc;
}

/*
 * There is no DELETE on a channel (GENESYS.md C): a channel is retired by
 * dropping its topics, the socket being closed by the caller. A channel
 * without topics or connection is the first the service evicts, so it does
 * not hold a slot of the 20 for long.
 */
void gcb_notif_chan_retire(gcb_notif_t *n, const char *id)
{
	char path[GCB_NOTIF_ID_MAX + 64];

	if (id[0] == '\0')
		return;
	snprintf(path, sizeof(path), "/api/v2/notifications/channels/%s/subscriptions", id);
	if (gcb_notif_rest(n, "DELETE", path, NULL, 0) == 0 && n->src.api_http.resp.status >= 300 &&
	    n->src.api_http.resp.status != 404)
		gcb_source_log_answer(&n->src, "DELETE subscriptions");
}

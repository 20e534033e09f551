#include "stages/source/gcb_token.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_source.h"
#include "stages/source/gcb_errbody.h"
#include "lib/gcb_log.h"

#define NS_PER_S UINT64_C(1000000000)

static void count(gcb_token_t *t, unsigned idx)
{
	if (t->counters != NULL)
		gcb_counter_add(t->counters, idx, 1);
}

void gcb_token_init(gcb_token_t *t, gcb_http_t *http, const char *login_base, const char *client_id,
		    const char *client_secret, unsigned skew_s, long timeout_ms,
		    _Atomic uint64_t *counters)
{
	memset(t, 0, sizeof(*t));
	t->http = http;
	snprintf(t->url, sizeof(t->url), "%s/oauth/token", login_base);
	t->client_id = client_id;
	t->client_secret = client_secret;
	t->skew_s = skew_s;
	t->timeout_ms = timeout_ms;
	t->counters = counters;
	t->retry_after_ms = -1;
}

void gcb_token_fini(gcb_token_t *t)
{
	explicit_bzero(t->access, sizeof(t->access));
	t->client_secret = NULL;
}

void gcb_token_invalidate(gcb_token_t *t)
{
	explicit_bzero(t->access, sizeof(t->access));
	t->renew_ns = 0;
}

uint64_t gcb_token_renew_at(uint64_t obtained_ns, uint64_t lifetime_s, unsigned skew_s)
{
	uint64_t skew = skew_s;

	if (skew > lifetime_s / 2)
		skew = lifetime_s / 2;
	return obtained_ns + (lifetime_s - skew) * NS_PER_S;
}

int gcb_token_parse(gcb_token_t *t, const char *body, size_t len, uint64_t started_ns)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *at, *ei, *tt;
	size_t n;
	int rc = -EAGAIN;

	if (root == NULL)
		return -EAGAIN;
	at = cJSON_GetObjectItemCaseSensitive(root, "access_token");
	ei = cJSON_GetObjectItemCaseSensitive(root, "expires_in");
	tt = cJSON_GetObjectItemCaseSensitive(root, "token_type");
	if (!cJSON_IsString(at) || !cJSON_IsNumber(ei) || ei->valuedouble < 1 ||
	    ei->valuedouble > 1e7)
		goto out;
	if (cJSON_IsString(tt) && strcasecmp(tt->valuestring, "bearer") != 0)
		goto out;
	n = strlen(at->valuestring);
	if (n == 0 || n >= sizeof(t->access))
		goto out;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)at->valuestring[i];

		/* The token goes into a header line: refuse anything that could split it. */
		if (c <= 0x20 || c >= 0x7f)
			goto out;
	}
	explicit_bzero(t->access, sizeof(t->access));
	memcpy(t->access, at->valuestring, n + 1);
	t->obtained_ns = started_ns;
	t->expires_ns = started_ns + (uint64_t)ei->valuedouble * NS_PER_S;
	t->renew_ns = gcb_token_renew_at(started_ns, (uint64_t)ei->valuedouble, t->skew_s);
	gcb_log_info("access token obtained: expires_in=%.0fs renew_in=%llus", ei->valuedouble,
		     (unsigned long long)((t->renew_ns - started_ns) / NS_PER_S));
	rc = 0;
out:
	if (cJSON_IsString(at))
		explicit_bzero(at->valuestring, strlen(at->valuestring));
	cJSON_Delete(root);
	return rc;
}

static int token_request(gcb_token_t *t)
{
	static const char form[] = "grant_type=client_credentials";
	gcb_http_req_t req = {
	    .method = "POST",
	    .url = t->url,
	    .basic_user = t->client_id,
	    .basic_pass = t->client_secret,
	    .content_type = "application/x-www-form-urlencoded",
	    .body = form,
	    .body_len = sizeof(form) - 1,
	    .timeout_ms = t->timeout_ms,
	};
	const char *secrets[2] = {t->client_secret, t->access};
	uint64_t started = gcb_clock_mono_ns();
	gcb_http_resp_t *r = &t->http->resp;
	gcb_errbody_t eb;
	int rc;

	t->retry_after_ms = -1;
	rc = gcb_http_perform(t->http, &req);
	if (rc == -ECANCELED)
		return rc;
	if (rc != 0) {
		count(t, GCB_SC_TRANSPORT_ERRORS);
		gcb_log_warn("token request failed: %s (%s)", gcb_http_strerror(t->http),
			     strerror(-rc));
		return -EAGAIN;
	}
	if (r->status == 200) {
		rc = gcb_token_parse(t, r->body, r->body_len, started);
		/* The answer held the token: do not leave it in the reused buffer. */
		explicit_bzero(r->body, r->body_len);
		if (rc == 0) {
			count(t, GCB_SC_TOKEN_RENEWALS);
			return 0;
		}
		count(t, GCB_SC_MALFORMED);
		gcb_log_error("token answer malformed (no usable access_token/expires_in) "
			      "correlation_id=%s",
			      r->correlation_id);
		return -EAGAIN;
	}
	gcb_errbody_parse(&eb, r->body, r->body_len, secrets, 2);
	if (r->status == 429) {
		count(t, GCB_SC_HTTP_429);
		t->retry_after_ms = r->retry_after_ms;
	} else if (r->status >= 500) {
		count(t, GCB_SC_HTTP_5XX);
	} else if (r->status == 401) {
		count(t, GCB_SC_HTTP_401);
	} else {
		count(t, GCB_SC_HTTP_OTHER);
	}
	gcb_log_error("token request refused: status=%ld code=%s message=\"%s\" correlation_id=%s",
		      r->status, eb.code[0] ? eb.code : "-", eb.message, r->correlation_id);
	if (r->status == 400 || r->status == 401 || r->status == 403) {
		count(t, GCB_SC_AUTH_FAILURES);
		return -EACCES;
	}
	return -EAGAIN;
}

int gcb_token_get(gcb_token_t *t, const char **token)
{
	int rc;

	if (t->access[0] == '\0' || gcb_clock_mono_ns() >= t->renew_ns) {
		rc = token_request(t);
		/* A renewal that fails transiently before expiry keeps the old token. */
		if (rc == -EAGAIN && t->access[0] != '\0' && gcb_clock_mono_ns() < t->expires_ns)
			rc = 0;
		if (rc != 0)
			return rc;
	}
	*token = t->access;
	return 0;
}

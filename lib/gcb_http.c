#include "lib/gcb_http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define HTTP_AUTH_MAX 8192

int gcb_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

static int64_t parse_int(const char *v, size_t n)
{
	int64_t x = 0;
	size_t i = 0;

	if (n == 0 || !isdigit((unsigned char)v[0]))
		return -1;
	for (; i < n && isdigit((unsigned char)v[i]); i++) {
		if (x > (INT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

static int64_t parse_retry_after(const char *v, size_t n)
{
	char date[128];
	int64_t s = parse_int(v, n);
	time_t t, now;

	if (s >= 0)
		return s > INT64_MAX / 1000 ? INT64_MAX : s * 1000;
	if (n >= sizeof(date))
		return -1;
	memcpy(date, v, n);
	date[n] = '\0';
	t = curl_getdate(date, NULL);
	if (t < 0)
		return -1;
	now = time(NULL);
	if (t <= now)
		return 0;
	/* A date centuries ahead: as long as the seconds form allows. */
	return (int64_t)(t - now) > INT64_MAX / 1000 ? INT64_MAX : (int64_t)(t - now) * 1000;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	gcb_http_t *h = arg;

	gcb_http_header_line(&h->resp, ptr, size * nmemb);
	return size * nmemb;
}

void gcb_http_header_line(gcb_http_resp_t *resp, const char *ptr, size_t n)
{
	size_t nl, vl;
	const char *colon = memchr(ptr, ':', n), *v;

	if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		/* A new response (after a 100 Continue or a redirect): start over. */
		resp->correlation_id[0] = '-';
		resp->correlation_id[1] = '\0';
		resp->rl_allowed = resp->rl_count = resp->rl_reset_s = -1;
		resp->rl_remaining = resp->retry_after_ms = -1;
		return;
	}
	if (colon == NULL)
		return;
	nl = (size_t)(colon - ptr);
	v = colon + 1;
	vl = n - nl - 1;
	while (vl > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;

#define HDR_IS(name) (nl == sizeof(name) - 1 && strncasecmp(ptr, name, nl) == 0)
	if (HDR_IS("inin-correlation-id")) {
		size_t k = 0;

		for (size_t i = 0; i < vl && k < GCB_HTTP_CORR_MAX - 1; i++) {
			unsigned char c = (unsigned char)v[i];

			/* Printable, no quotes: the value goes into log lines as-is. */
			if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
				resp->correlation_id[k++] = (char)c;
		}
		if (k > 0)
			resp->correlation_id[k] = '\0';
	} else if (HDR_IS("inin-ratelimit-allowed")) {
		resp->rl_allowed = parse_int(v, vl);
	} else if (HDR_IS("inin-ratelimit-count")) {
		resp->rl_count = parse_int(v, vl);
	} else if (HDR_IS("inin-ratelimit-reset")) {
		resp->rl_reset_s = parse_int(v, vl);
	} else if (HDR_IS("x-ratelimit-remaining")) {
		resp->rl_remaining = parse_int(v, vl);
	} else if (HDR_IS("retry-after")) {
		resp->retry_after_ms = parse_retry_after(v, vl);
	}
#undef HDR_IS
}

int gcb_http_init(gcb_http_t *h, const gcb_http_opts_t *opts, char *errstr, size_t errstr_size)
{
	CURL *c;

	memset(h, 0, sizeof(*h));
	h->opts = *opts;
	h->tick_ms = GCB_HTTP_TICK_MS;
	if (h->opts.max_body == 0)
		h->opts.max_body = 64u << 20;
	h->sink.body.max = h->opts.max_body;
	h->sink.body.first = 65536;
	if ((c = curl_easy_init()) == NULL) {
		snprintf(errstr, errstr_size, "curl_easy_init() failed");
		return -ENOMEM;
	}
	h->curl = c;
	if ((h->multi = curl_multi_init()) == NULL) {
		snprintf(errstr, errstr_size, "curl_multi_init() failed");
		gcb_http_fini(h);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gcb_http_sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->sink);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, opts->connect_timeout_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, opts->tls_verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, opts->tls_verify ? 2L : 0L);
	if (opts->ca_path != NULL && opts->ca_path[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_path);
	curl_easy_setopt(c, CURLOPT_USERAGENT,
			 opts->user_agent != NULL ? opts->user_agent : "gcbridge-fetcher");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	return 0;
}

void gcb_http_fini(gcb_http_t *h)
{
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	if (h->multi != NULL)
		curl_multi_cleanup(h->multi);
	gcb_buf_fini(&h->sink.body);
	memset(h, 0, sizeof(*h));
}

static int map_curlcode(CURLcode rc, int overflow)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_BAD_CONTENT_ENCODING:
		return -EPROTO;
	case CURLE_WRITE_ERROR:
		return overflow ? -EFBIG : -ENOMEM;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	default:
		return -EIO;
	}
}

/*
 * curl_easy_perform() through a multi handle that holds only this easy
 * handle: the same keep-alive connection cache, but control comes back at
 * least every tick_ms, so the stage heartbeats (and notices a stop
 * request) even inside a 30-second long poll.
 */
static CURLcode http_run(gcb_http_t *h)
{
	CURLM *m = h->multi;
	CURLcode result = CURLE_OK;
	CURLMsg *msg;
	int running = 1, left;

	if (curl_multi_add_handle(m, h->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	for (;;) {
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			result = CURLE_RECV_ERROR;
			break;
		}
		if (running == 0)
			break;
		if (h->opts.tick != NULL && h->opts.tick(h->opts.tick_arg) != 0) {
			result = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		if (curl_multi_poll(m, NULL, 0, (int)h->tick_ms, NULL) != CURLM_OK) {
			result = CURLE_RECV_ERROR;
			break;
		}
	}
	if (running == 0) {
		result = CURLE_RECV_ERROR;
		while ((msg = curl_multi_info_read(m, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->curl)
				result = msg->data.result;
	}
	curl_multi_remove_handle(m, h->curl);
	return result;
}

int gcb_http_perform(gcb_http_t *h, const gcb_http_req_t *req)
{
	CURL *c = h->curl;
	struct curl_slist *hdrs = NULL, *tmp;
	char auth[HTTP_AUTH_MAX];
	CURLcode rc;
	int ret = 0;

	h->sink.body.len = 0;
	h->sink.overflow = 0;
	h->errbuf[0] = '\0';
	memset(&h->resp, 0, sizeof(h->resp));
	h->resp.correlation_id[0] = '-';
	h->resp.rl_allowed = h->resp.rl_count = h->resp.rl_reset_s = -1;
	h->resp.rl_remaining = h->resp.retry_after_ms = -1;

	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	if (strcmp(req->method, "GET") != 0) {
		/* POST semantics carry the body; PUT and DELETE rename the verb. */
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body != NULL ? req->body : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)req->body_len);
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	tmp = curl_slist_append(hdrs, "Accept: application/json");
	if (tmp != NULL)
		hdrs = tmp;
	if (req->content_type != NULL) {
		snprintf(auth, sizeof(auth), "Content-Type: %s", req->content_type);
		if ((tmp = curl_slist_append(hdrs, auth)) != NULL)
			hdrs = tmp;
	}
	if (req->bearer != NULL) {
		int n = snprintf(auth, sizeof(auth), "Authorization: Bearer %s", req->bearer);

		if (n < 0 || (size_t)n >= sizeof(auth) ||
		    (tmp = curl_slist_append(hdrs, auth)) == NULL) {
			explicit_bzero(auth, sizeof(auth));
			curl_slist_free_all(hdrs);
			snprintf(h->errbuf, sizeof(h->errbuf),
				 "cannot build the Authorization header");
			return -ENOMEM;
		}
		hdrs = tmp;
		explicit_bzero(auth, sizeof(auth));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (req->basic_user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, req->basic_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD,
				 req->basic_pass != NULL ? req->basic_pass : "");
	}

	rc = http_run(h);

	/* Never leave credentials set on the reused handle. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	if (req->basic_user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, NULL);
		curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_NONE);
	}
	curl_slist_free_all(hdrs);

	if (rc != CURLE_OK) {
		if (h->errbuf[0] == '\0')
			snprintf(h->errbuf, sizeof(h->errbuf), "%s", curl_easy_strerror(rc));
		ret = map_curlcode(rc, h->sink.overflow);
		if (ret == -EFBIG)
			snprintf(h->errbuf, sizeof(h->errbuf), "answer larger than %zu bytes",
				 h->opts.max_body);
		return ret;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->resp.status);
	if (h->sink.body.data == NULL && gcb_buf_reset(&h->sink.body) != 0)
		return -ENOMEM;
	h->resp.body = h->sink.body.data;
	h->resp.body_len = h->sink.body.len;
	return 0;
}

const char *gcb_http_strerror(const gcb_http_t *h)
{
	return h->errbuf[0] != '\0' ? h->errbuf : "no error";
}

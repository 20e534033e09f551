/*
 * One reusable libcurl easy handle (keep-alive) for the fetcher's requests,
 * with the response headers gcbridge acts on captured per request. CURLcode
 * never leaves this file: requests return 0 when an HTTP answer arrived
 * (whatever its status) or a negative errno-style code.
 */
#ifndef GCB_HTTP_H
#define GCB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/gcb_buf.h"

#define GCB_HTTP_CORR_MAX 128
#define GCB_HTTP_TICK_MS  200 /* longest time a request runs without a tick */

typedef struct gcb_http_resp {
	long status;
	char correlation_id[GCB_HTTP_CORR_MAX]; /* inin-correlation-id, "-" when absent */
	int64_t rl_allowed;			/* inin-ratelimit-allowed, -1 when absent */
	int64_t rl_count;			/* inin-ratelimit-count */
	int64_t rl_reset_s;			/* inin-ratelimit-reset */
	int64_t rl_remaining;			/* X-RateLimit-Remaining */
	int64_t retry_after_ms;			/* Retry-After (seconds or HTTP date) */
	char *body;				/* NUL-terminated; valid until the next request */
	size_t body_len;
} gcb_http_resp_t;

/*
 * Takes one response header line (n bytes, as libcurl hands it over, CRLF
 * included) into resp: a status line resets the captured headers; the
 * correlation id, rate-limit and Retry-After headers are parsed, others
 * ignored. Exposed for the fuzz target.
 */
void gcb_http_header_line(gcb_http_resp_t *resp, const char *ptr, size_t n);

/*
 * A response body being received: the buffer (its max bounds the answer) and
 * whether the bound was hit. gcb_http_sink is the CURLOPT_WRITEFUNCTION,
 * with the sink as CURLOPT_WRITEDATA; a full sink makes libcurl fail the
 * transfer with CURLE_WRITE_ERROR.
 */
typedef struct gcb_http_sink {
	gcb_buf_t body;
	int overflow;
} gcb_http_sink_t;

size_t gcb_http_sink(char *ptr, size_t size, size_t nmemb, void *sink);

typedef struct gcb_http_opts {
	long connect_timeout_ms;
	int tls_verify;
	const char *ca_path;
	const char *user_agent;
	size_t max_body; /* larger answers fail with -EFBIG */
	/* Called at least every tick_ms during a transfer; non-zero
	 * aborts it with -ECANCELED. May be NULL. */
	int (*tick)(void *arg);
	void *tick_arg;
} gcb_http_opts_t;

typedef struct gcb_http {
	void *curl;  /* CURL * */
	void *multi; /* CURLM * driving it, for ticks during long transfers */
	gcb_http_opts_t opts;
	/* Period of the tick during a transfer, GCB_HTTP_TICK_MS unless the
	 * owner needs its tick sooner (a backlog to feed during a long poll);
	 * the owner may change it between and during transfers. */
	unsigned tick_ms;
	gcb_http_sink_t sink; /* the answer's body */
	gcb_http_resp_t resp;
	char errbuf[256]; /* curl's text of the last transport error */
} gcb_http_t;

/* Once per process, before any thread: curl_global_init(). */
int gcb_http_global_init(void);

int gcb_http_init(gcb_http_t *h, const gcb_http_opts_t *opts, char *errstr, size_t errstr_size);
void gcb_http_fini(gcb_http_t *h);

typedef struct gcb_http_req {
	const char *method; /* "GET", "POST", "PUT" or "DELETE" */
	const char *url;
	const char *bearer;	/* access token, or NULL */
	const char *basic_user; /* Basic credentials, or NULL */
	const char *basic_pass;
	const char *content_type; /* for a body */
	const char *body;
	size_t body_len;
	long timeout_ms; /* whole request */
} gcb_http_req_t;

/*
 * Performs req. 0: an answer arrived, see h->resp. Else -ETIMEDOUT,
 * -ECONNREFUSED, -EHOSTUNREACH (resolve), -ECONNRESET (connection dropped or
 * empty reply), -EPROTO (TLS or protocol error), -EFBIG (answer larger than
 * max_body), -ECANCELED (tick asked to abort), -EIO (anything else); then
 * h->errbuf describes it. Credentials never reach the error text.
 */
int gcb_http_perform(gcb_http_t *h, const gcb_http_req_t *req);

/* The libcurl text for a CURLcode-derived error of the last request. */
const char *gcb_http_strerror(const gcb_http_t *h);

#endif

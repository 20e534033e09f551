/*
 * OAuth 2.0 client-credentials token manager (docs/genesys-api.md). Keeps one
 * access token, renews it before expires_at - skew (skew at most half the
 * lifetime), and on demand after a 401. Tokens live only in this object;
 * they are wiped when replaced or on fini.
 */
#ifndef GCB_TOKEN_H
#define GCB_TOKEN_H

#include <stdatomic.h>
#include <stdint.h>

#include "lib/gcb_http.h"

#define GCB_TOKEN_MAX 4096

typedef struct gcb_token {
	gcb_http_t *http; /* not owned: the handle used for token requests */
	char url[1024];	  /* {login}/oauth/token */
	const char *client_id;
	const char *client_secret; /* not owned, never copied */
	unsigned skew_s;
	long timeout_ms;
	_Atomic uint64_t *counters; /* the stage's counters, or NULL */

	char access[GCB_TOKEN_MAX]; /* NUL-terminated, "" when none */
	uint64_t obtained_ns;	    /* CLOCK_MONOTONIC at request time */
	uint64_t expires_ns;
	uint64_t renew_ns;
	int64_t retry_after_ms; /* from the last failed token request, -1 none */
} gcb_token_t;

void gcb_token_init(gcb_token_t *t, gcb_http_t *http, const char *login_base, const char *client_id,
		    const char *client_secret, unsigned skew_s, long timeout_ms,
		    _Atomic uint64_t *counters);
void gcb_token_fini(gcb_token_t *t);

/*
 * Returns a valid access token in *token (owned by t, valid until the next
 * call), requesting a new one when there is none or it is due for renewal.
 * 0; -EACCES when the server refused the credentials (400/401/403: logged,
 * counted as an auth failure); -EAGAIN for a transient failure (429, 5xx,
 * malformed answer, transport error; t->retry_after_ms set from a 429);
 * -ECANCELED when the transfer was aborted by the stop tick.
 */
int gcb_token_get(gcb_token_t *t, const char **token);

/* Forgets the current token (after a 401): the next get requests a new one. */
void gcb_token_invalidate(gcb_token_t *t);

/*
 * Takes a token answer body ({"access_token", "expires_in", "token_type"})
 * into t, as obtained at started_ns. 0, or -EAGAIN for a body that is not a
 * usable token (t unchanged). The body's copy of the token is wiped.
 * Exposed for tests and the fuzz target.
 */
int gcb_token_parse(gcb_token_t *t, const char *body, size_t len, uint64_t started_ns);

/* Lifetime-based renewal point: expires - min(skew, lifetime / 2). Exposed for tests. */
uint64_t gcb_token_renew_at(uint64_t obtained_ns, uint64_t lifetime_s, unsigned skew_s);

#endif

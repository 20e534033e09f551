/*
 * What an API handler of the notification, org and analytics modules answers,
 * kept free of libmicrohttpd so those modules do not depend on the HTTP layer:
 * gcb_sim_http.c turns a reply into a response (an ErrorBody when code is set).
 */
#ifndef GCB_SIM_NOTIF_REPLY_H
#define GCB_SIM_NOTIF_REPLY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

typedef struct gcb_sim_reply {
	int status;
	char *body; /* malloc'ed JSON; owned by the reply */
	size_t len;
	const char *code; /* set: answer an ErrorBody with this code and message */
	char message[512];
	int retry_after; /* Retry-After of a 429; < 0 none */
} gcb_sim_reply_t;

/* Query-string lookup of the request being served (NULL when absent). */
typedef const char *(*gcb_sim_arg_fn)(void *cls, const char *name);

typedef struct gcb_sim_request {
	const char *method;
	const char *path;
	const char *body; /* may be NULL */
	size_t len;
	gcb_sim_arg_fn arg;
	void *arg_cls;
	int port;	       /* the server's port, for URIs it hands out */
	int64_t token_left_ms; /* lifetime left of the bearer token; -1 unknown */
} gcb_sim_request_t;

static inline const char *gcb_sim_request_arg(const gcb_sim_request_t *rq, const char *name)
{
	return rq->arg ? rq->arg(rq->arg_cls, name) : NULL;
}

static inline int gcb_sim_reply_error(gcb_sim_reply_t *rp, int status, const char *code,
				      const char *fmt, ...)
{
	va_list ap;

	rp->status = status;
	rp->code = code;
	va_start(ap, fmt);
	vsnprintf(rp->message, sizeof(rp->message), fmt, ap);
	va_end(ap);
	return 0;
}

/* Takes ownership of @text (malloc'ed, NUL-terminated). */
static inline int gcb_sim_reply_text(gcb_sim_reply_t *rp, int status, char *text)
{
	if (!text)
		return gcb_sim_reply_error(rp, 500, "internal.server.error", "out of memory");
	rp->status = status;
	rp->body = text;
	rp->len = strlen(text);
	return 0;
}

/* Serializes and deletes @j. */
static inline int gcb_sim_reply_json(gcb_sim_reply_t *rp, int status, cJSON *j)
{
	char *t = j ? cJSON_PrintUnformatted(j) : NULL;

	cJSON_Delete(j);
	return gcb_sim_reply_text(rp, status, t);
}

#endif

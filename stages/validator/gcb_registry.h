/*
 * Confluent Schema Registry client (REST API v1, also Karapace and Apicurio's
 * ccompat API: the configured URL is the base, whatever path prefix it has).
 *
 * One reused libcurl easy handle, so calls are blocking and the client is for
 * one thread. Every call is bounded: per-request timeout, a fixed number of
 * retries with doubling backoff on transport errors, 5xx and 429; after that
 * the error is returned and the caller decides. TLS peers are verified. The
 * password is handed to libcurl and never printed.
 *
 * Errors are -errno with errstr naming the request path and the registry's
 * error_code/message:
 *   -ENOENT      40401 subject not found (also 40402 version not found)
 *   -ENODATA     40403 schema not found
 *   -EACCES      401/403
 *   -EINVAL      409 incompatible schema, 422 invalid schema/level, other 4xx
 *   -EIO         transport error or 5xx after the retries
 *   -EPROTO      a 2xx reply that is not the JSON the API documents
 *   -ENOMEM
 * gcb_registry_error_code() returns the registry's error_code of the last
 * failed call (0 when none or a transport error).
 */
#ifndef GCB_REGISTRY_H
#define GCB_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

typedef struct gcb_registry gcb_registry_t;

typedef struct gcb_registry_conf {
	const char *url;	 /* base URL, e.g. http://h:8081 or http://h/apis/ccompat/v7 */
	const char *user;	 /* basic auth user; NULL: no auth */
	const char *password;	 /* basic auth password (never logged) */
	long timeout_ms;	 /* whole request; 0: 5000 */
	long connect_timeout_ms; /* 0: 2000 */
	unsigned retries;	 /* extra attempts on transport errors/5xx/429 */
	unsigned backoff_ms;	 /* first backoff, doubled per retry; 0: 100 */
	const char *ca_file;	 /* CA bundle for https; NULL: the system's */
	void (*tick)(void *arg); /* called while waiting (heartbeats); may be NULL */
	void *tick_arg;
} gcb_registry_conf_t;

typedef struct gcb_registry_schema {
	uint32_t id;	  /* global schema id (the Confluent frame's id) */
	uint32_t version; /* version under the subject; 0 when unknown */
} gcb_registry_schema_t;

/* The retries the validator asks for (conf->retries 0 means none). */
#define GCB_REGISTRY_RETRIES_DEFAULT 2

int gcb_registry_new(gcb_registry_t **out, const gcb_registry_conf_t *conf, char *errstr,
		     size_t errstr_size);
void gcb_registry_destroy(gcb_registry_t *r);

/* "<topic>-value" (TopicNameStrategy for record values). -ENAMETOOLONG when
 * it does not fit. */
int gcb_registry_subject(char *buf, size_t size, const char *topic);

/*
 * Registers the raw schema text under subject (POST /subjects/{s}/versions,
 * idempotent on the registry's side) and looks up its version (POST
 * /subjects/{s}). Results are cached per (subject, fingerprint), so a
 * schema already registered by this client costs no request.
 */
int gcb_registry_register(gcb_registry_t *r, const char *subject, const char *schema,
			  uint64_t fingerprint, gcb_registry_schema_t *out, char *errstr,
			  size_t errstr_size);

/* 1 with *out set when this client registered (subject, fingerprint) before. */
int gcb_registry_cached(const gcb_registry_t *r, const char *subject, uint64_t fingerprint,
			gcb_registry_schema_t *out);

/* Looks up schema under subject (POST /subjects/{s}): -ENOENT (40401) or
 * -ENODATA (40403) when not registered there. */
int gcb_registry_lookup(gcb_registry_t *r, const char *subject, const char *schema,
			gcb_registry_schema_t *out, char *errstr, size_t errstr_size);

/*
 * Can schema be registered under subject per the subject's compatibility
 * level (POST /compatibility/subjects/{s}/versions/latest?verbose=true)?
 * *compatible is 1 or 0; when 0, msg gets the registry's first message (if
 * it sent any). A subject without versions is compatible (*compatible = 1).
 */
int gcb_registry_check(gcb_registry_t *r, const char *subject, const char *schema, int *compatible,
		       char *msg, size_t msg_size, char *errstr, size_t errstr_size);

/* The registry's error_code of the last failed call, 0 when none. */
int gcb_registry_error_code(const gcb_registry_t *r);

/* Requests sent so far (each retry counts), for tests and counters. */
uint64_t gcb_registry_requests(const gcb_registry_t *r);

#endif

#include "stages/validator/gcb_registry.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "lib/gcb_array.h"
#include "lib/gcb_http.h"

#define BODY_MAX     (4u << 20) /* a reply larger than this is refused */
#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"

typedef struct cache_ent {
	char *subject;
	uint64_t fingerprint;
	gcb_registry_schema_t s;
} cache_ent_t;

struct gcb_registry {
	CURL *curl;
	struct curl_slist *hdrs;
	char *base; /* configured URL without trailing slashes */
	char *user;
	char *password;
	gcb_registry_conf_t conf; /* url/user/password/ca_file not used after new */
	gcb_http_sink_t reply;	  /* last reply, NUL-terminated */
	char curl_err[CURL_ERROR_SIZE];
	int last_code;
	uint64_t requests;
	cache_ent_t *cache;
	size_t ncache, capcache;
};

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	gcb_registry_t *r = arg;

	(void)a, (void)b, (void)c, (void)d;
	if (r->conf.tick)
		r->conf.tick(r->conf.tick_arg);
	return 0;
}

/* Sleeps ms, calling tick every 50 ms so the caller's heartbeat keeps going. */
static void backoff_sleep(gcb_registry_t *r, unsigned ms)
{
	while (ms > 0) {
		unsigned step = ms < 50 ? ms : 50;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};

		if (r->conf.tick)
			r->conf.tick(r->conf.tick_arg);
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int gcb_registry_new(gcb_registry_t **out, const gcb_registry_conf_t *conf, char *errstr,
		     size_t errstr_size)
{
	gcb_registry_t *r;
	size_t n;
	CURLcode cc = CURLE_OK;

	*out = NULL;
	if (!conf->url || !*conf->url) {
		snprintf(errstr, errstr_size, "schema registry: no URL");
		return -EINVAL;
	}
	if (strncmp(conf->url, "http://", 7) != 0 && strncmp(conf->url, "https://", 8) != 0) {
		snprintf(errstr, errstr_size,
			 "schema registry: URL must start with http:// or https://");
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto nomem;
	r->conf = *conf;
	r->reply.body.max = BODY_MAX;
	r->reply.body.first = 4096;
	r->conf.url = r->conf.user = r->conf.password = r->conf.ca_file = NULL;
	if (r->conf.timeout_ms <= 0)
		r->conf.timeout_ms = 5000;
	if (r->conf.connect_timeout_ms <= 0)
		r->conf.connect_timeout_ms = 2000;
	if (r->conf.backoff_ms == 0)
		r->conf.backoff_ms = 100;
	r->base = strdup(conf->url);
	r->user = xstrdup(conf->user);
	r->password = xstrdup(conf->password ? conf->password : "");
	if (!r->base || (conf->user && !r->user) || !r->password)
		goto nomem;
	n = strlen(r->base);
	while (n > 0 && r->base[n - 1] == '/')
		r->base[--n] = '\0';

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(errstr, errstr_size, "schema registry: curl_global_init() failed");
		free(r->base);
		free(r->user);
		free(r->password);
		free(r);
		return -ENOMEM;
	}
	r->curl = curl_easy_init();
	if (!r->curl) {
		snprintf(errstr, errstr_size, "schema registry: curl_easy_init() failed");
		gcb_registry_destroy(r);
		return -ENOMEM;
	}
	r->hdrs = curl_slist_append(NULL, "Content-Type: " CONTENT_TYPE);
	if (r->hdrs)
		r->hdrs = curl_slist_append(r->hdrs, "Accept: " CONTENT_TYPE
						     ", application/vnd.schemaregistry+json; "
						     "qs=0.9, application/json; qs=0.5");
	if (!r->hdrs)
		goto nomem;
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, r->hdrs);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, gcb_http_sink);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, &r->reply);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_XFERINFODATA, r);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_NOPROGRESS, 0L);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, r->curl_err);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_TIMEOUT_MS, r->conf.timeout_ms);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT_MS,
				      r->conf.connect_timeout_ms);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (!cc)
		cc = curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 0L);
	if (!cc && conf->ca_file)
		cc = curl_easy_setopt(r->curl, CURLOPT_CAINFO, conf->ca_file);
	if (!cc && r->user) {
		cc = curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (!cc)
			cc = curl_easy_setopt(r->curl, CURLOPT_USERNAME, r->user);
		if (!cc)
			cc = curl_easy_setopt(r->curl, CURLOPT_PASSWORD, r->password);
	}
	if (cc) {
		snprintf(errstr, errstr_size, "schema registry: curl_easy_setopt() failed: %s",
			 curl_easy_strerror(cc));
		gcb_registry_destroy(r);
		return -EINVAL;
	}
	*out = r;
	return 0;
nomem:
	snprintf(errstr, errstr_size, "schema registry: out of memory");
	if (r && r->curl) {
		gcb_registry_destroy(r);
	} else if (r) {
		free(r->base);
		free(r->user);
		free(r->password);
		free(r);
	}
	return -ENOMEM;
}

void gcb_registry_destroy(gcb_registry_t *r)
{
	size_t i;

	if (!r)
		return;
	if (r->curl) {
		curl_easy_cleanup(r->curl);
		curl_global_cleanup();
	}
	curl_slist_free_all(r->hdrs);
	if (r->password) {
		explicit_bzero(r->password, strlen(r->password));
		free(r->password);
	}
	free(r->user);
	free(r->base);
	gcb_buf_fini(&r->reply.body);
	for (i = 0; i < r->ncache; i++)
		free(r->cache[i].subject);
	free(r->cache);
	free(r);
}

int gcb_registry_subject(char *buf, size_t size, const char *topic)
{
	int n = snprintf(buf, size, "%s-value", topic);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int gcb_registry_error_code(const gcb_registry_t *r)
{
	return r->last_code;
}

uint64_t gcb_registry_requests(const gcb_registry_t *r)
{
	return r->requests;
}

static int retryable(CURLcode cc, long status)
{
	if (cc != CURLE_OK)
		return 1;
	return status >= 500 || status == 429;
}

/*
 * One API call with retries. path starts with '/' and is already escaped.
 * 0 with *status set (any HTTP status, the reply in r->reply.body.data), or -EIO when
 * the transport failed on every attempt.
 */
static int call(gcb_registry_t *r, const char *method, const char *path, const char *body,
		long *status, char *errstr, size_t errstr_size)
{
	char url[4096];
	unsigned attempt, wait = r->conf.backoff_ms;
	CURLcode cc = CURLE_OK;

	if ((size_t)snprintf(url, sizeof(url), "%s%s", r->base, path) >= sizeof(url)) {
		snprintf(errstr, errstr_size, "schema registry %s %s: URL too long", method, path);
		return -ENAMETOOLONG;
	}
	curl_easy_setopt(r->curl, CURLOPT_URL, url);
	if (body) {
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(r->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST,
				 strcmp(method, "POST") ? method : NULL);
	} else {
		curl_easy_setopt(r->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(r->curl, CURLOPT_CUSTOMREQUEST, NULL);
	}
	for (attempt = 0;; attempt++) {
		r->reply.body.len = 0;
		r->reply.overflow = 0;
		if (r->reply.body.data)
			r->reply.body.data[0] = '\0';
		r->curl_err[0] = '\0';
		*status = 0;
		r->requests++;
		cc = curl_easy_perform(r->curl);
		if (cc == CURLE_OK)
			curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, status);
		if (!retryable(cc, *status) || attempt >= r->conf.retries)
			break;
		backoff_sleep(r, wait);
		if (wait < 10000)
			wait *= 2;
	}
	if (cc != CURLE_OK) {
		r->last_code = 0;
		if (r->reply.overflow)
			snprintf(errstr, errstr_size,
				 "schema registry %s %s: reply larger than %u bytes", method, path,
				 BODY_MAX);
		else
			snprintf(errstr, errstr_size,
				 "schema registry %s %s: curl_easy_perform() failed: %s (%u "
				 "attempts)",
				 method, path,
				 r->curl_err[0] ? r->curl_err : curl_easy_strerror(cc),
				 attempt + 1);
		return -EIO;
	}
	/* an empty reply still leaves a NUL-terminated body to parse */
	if (!r->reply.body.data && gcb_buf_reset(&r->reply.body) != 0)
		return -ENOMEM;
	return 0;
}

/* Maps a non-2xx reply to -errno and errstr, keeping the registry's code. */
static int fail_reply(gcb_registry_t *r, const char *method, const char *path, long status,
		      char *errstr, size_t errstr_size)
{
	cJSON *j = cJSON_Parse(r->reply.body.data);
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "error_code");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	int ec = cJSON_IsNumber(code) ? (int)code->valuedouble : (int)status;
	int rc;

	r->last_code = ec;
	snprintf(errstr, errstr_size, "schema registry %s %s: HTTP %ld, error_code %d: %.300s",
		 method, path, status, ec, cJSON_IsString(msg) ? msg->valuestring : "(no message)");
	cJSON_Delete(j);
	if (ec == 40401 || ec == 40402)
		rc = -ENOENT;
	else if (ec == 40403)
		rc = -ENODATA;
	else if (status == 401 || status == 403)
		rc = -EACCES;
	else if (status >= 500 || status == 429)
		rc = -EIO;
	else if (status == 404)
		rc = -ENOENT;
	else
		rc = -EINVAL;
	return rc;
}

static int escape_subject(gcb_registry_t *r, const char *subject, char *buf, size_t size,
			  char *errstr, size_t errstr_size)
{
	char *e = curl_easy_escape(r->curl, subject, 0);
	int n;

	if (!e) {
		snprintf(errstr, errstr_size, "schema registry: out of memory");
		return -ENOMEM;
	}
	n = snprintf(buf, size, "%s", e);
	curl_free(e);
	if (n < 0 || (size_t)n >= size) {
		snprintf(errstr, errstr_size, "schema registry: subject too long");
		return -ENAMETOOLONG;
	}
	return 0;
}

static char *schema_body(const char *schema)
{
	cJSON *o = cJSON_CreateObject();
	char *s = NULL;

	if (o && cJSON_AddStringToObject(o, "schema", schema))
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Reads a non-negative integer member of a 2xx reply. */
static int get_u32(const cJSON *j, const char *name, uint32_t *v)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, name);

	if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 4294967295.0 ||
	    n->valuedouble != (double)(uint32_t)n->valuedouble)
		return -EPROTO;
	*v = (uint32_t)n->valuedouble;
	return 0;
}

/*
 * POST a {"schema": ...} body to path; on 2xx, *reply is the parsed JSON
 * (the caller deletes it).
 */
static int post_schema(gcb_registry_t *r, const char *path, const char *schema, cJSON **reply,
		       long *status, char *errstr, size_t errstr_size)
{
	char *body = schema_body(schema);
	int rc;

	*reply = NULL;
	if (!body) {
		snprintf(errstr, errstr_size, "schema registry POST %s: out of memory", path);
		return -ENOMEM;
	}
	rc = call(r, "POST", path, body, status, errstr, errstr_size);
	free(body);
	if (rc)
		return rc;
	if (*status < 200 || *status > 299)
		return fail_reply(r, "POST", path, *status, errstr, errstr_size);
	*reply = cJSON_Parse(r->reply.body.data);
	if (!*reply) {
		snprintf(errstr, errstr_size, "schema registry POST %s: HTTP %ld reply is not JSON",
			 path, *status);
		return -EPROTO;
	}
	r->last_code = 0;
	return 0;
}

int gcb_registry_lookup(gcb_registry_t *r, const char *subject, const char *schema,
			gcb_registry_schema_t *out, char *errstr, size_t errstr_size)
{
	char esc[1024], path[1200];
	cJSON *j;
	long status;
	int rc;

	rc = escape_subject(r, subject, esc, sizeof(esc), errstr, errstr_size);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/subjects/%s", esc);
	rc = post_schema(r, path, schema, &j, &status, errstr, errstr_size);
	if (rc)
		return rc;
	if (get_u32(j, "id", &out->id) || get_u32(j, "version", &out->version)) {
		snprintf(errstr, errstr_size,
			 "schema registry POST %s: reply has no integer \"id\" and \"version\"",
			 path);
		rc = -EPROTO;
	}
	cJSON_Delete(j);
	return rc;
}

static const gcb_registry_schema_t *cache_find(const gcb_registry_t *r, const char *subject,
					       uint64_t fp)
{
	size_t i;

	for (i = 0; i < r->ncache; i++)
		if (r->cache[i].fingerprint == fp && strcmp(r->cache[i].subject, subject) == 0)
			return &r->cache[i].s;
	return NULL;
}

static void cache_add(gcb_registry_t *r, const char *subject, uint64_t fp,
		      const gcb_registry_schema_t *s)
{
	cache_ent_t *e;

	if (GCB_ARRAY_RESERVE(r->cache, r->capcache, r->ncache + 1, 8, 0) != 0)
		return; /* only a cache: the next call asks the registry again */
	e = &r->cache[r->ncache];
	e->subject = strdup(subject);
	if (!e->subject)
		return;
	e->fingerprint = fp;
	e->s = *s;
	r->ncache++;
}

int gcb_registry_cached(const gcb_registry_t *r, const char *subject, uint64_t fingerprint,
			gcb_registry_schema_t *out)
{
	const gcb_registry_schema_t *hit = cache_find(r, subject, fingerprint);

	if (hit)
		*out = *hit;
	return hit != NULL;
}

int gcb_registry_register(gcb_registry_t *r, const char *subject, const char *schema,
			  uint64_t fingerprint, gcb_registry_schema_t *out, char *errstr,
			  size_t errstr_size)
{
	const gcb_registry_schema_t *hit = cache_find(r, subject, fingerprint);
	char esc[1024], path[1200];
	uint32_t id;
	cJSON *j;
	long status;
	int rc;

	if (hit) {
		*out = *hit;
		return 0;
	}
	rc = escape_subject(r, subject, esc, sizeof(esc), errstr, errstr_size);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/subjects/%s/versions", esc);
	rc = post_schema(r, path, schema, &j, &status, errstr, errstr_size);
	if (rc)
		return rc;
	rc = get_u32(j, "id", &id);
	cJSON_Delete(j);
	if (rc) {
		snprintf(errstr, errstr_size,
			 "schema registry POST %s: reply has no integer \"id\"", path);
		return rc;
	}
	rc = gcb_registry_lookup(r, subject, schema, out, errstr, errstr_size);
	if (rc)
		return rc;
	if (out->id != id) {
		snprintf(errstr, errstr_size,
			 "schema registry: subject %s: registered as id %u but looked up as id %u",
			 subject, id, out->id);
		return -EPROTO;
	}
	cache_add(r, subject, fingerprint, out);
	return 0;
}

int gcb_registry_check(gcb_registry_t *r, const char *subject, const char *schema, int *compatible,
		       char *msg, size_t msg_size, char *errstr, size_t errstr_size)
{
	char esc[1024], path[1300];
	const cJSON *ok, *msgs, *m0;
	cJSON *j;
	long status;
	int rc;

	*compatible = 0;
	if (msg_size)
		msg[0] = '\0';
	rc = escape_subject(r, subject, esc, sizeof(esc), errstr, errstr_size);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "/compatibility/subjects/%s/versions/latest?verbose=true",
		 esc);
	rc = post_schema(r, path, schema, &j, &status, errstr, errstr_size);
	if (rc == -ENOENT) {
		/* nothing registered under the subject yet: anything goes */
		*compatible = 1;
		return 0;
	}
	if (rc)
		return rc;
	ok = cJSON_GetObjectItemCaseSensitive(j, "is_compatible");
	if (!cJSON_IsBool(ok)) {
		cJSON_Delete(j);
		snprintf(errstr, errstr_size,
			 "schema registry POST %s: reply has no boolean \"is_compatible\"", path);
		return -EPROTO;
	}
	*compatible = cJSON_IsTrue(ok);
	msgs = cJSON_GetObjectItemCaseSensitive(j, "messages");
	m0 = cJSON_IsArray(msgs) ? cJSON_GetArrayItem(msgs, 0) : NULL;
	if (!*compatible && msg_size && cJSON_IsString(m0))
		snprintf(msg, msg_size, "%s", m0->valuestring);
	cJSON_Delete(j);
	return 0;
}

/*
 * Which stream to poll: a configured id, verified with GET (404 is a fatal
 * configuration error), or a definition file, created once with POST. The
 * created id is remembered in <state_dir>/<instance>.stream (JSON, 0600)
 * together with the definition it was created from; it is reused while GET
 * finds it and the definition is unchanged, and a new stream is created
 * otherwise (a new stream starts at its oldest retained event).
 */
#include "stages/fetcher/gcb_fetcher_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "shm/gcb_counters_source.h"
#include "lib/gcb_log.h"

#define DEFINITION_MAX (256u << 10)

static int id_valid(const char *s, size_t n)
{
	if (n == 0 || n > GCB_SOURCE_STREAM_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

/*
 * GET the stream: 1 exists, 0 unknown (404), -ECANCELED when stopping.
 * Transient failures are retried here.
 */
/*
 * The stream's retention, when its answer states it ("retentionSeconds", a
 * positive number): it replaces genesys.poll.retention in the estimate of
 * the margin left while the spool is full. Anything else is ignored.
 */
static void stream_retention(gcb_fetcher_t *f)
{
	const gcb_http_resp_t *r = &f->src.api_http.resp;
	cJSON *o = cJSON_ParseWithLength(r->body, r->body_len);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "retentionSeconds");

	if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble <= 10.0 * 365 * 86400) {
		f->retention_ms = (uint64_t)v->valuedouble * 1000u;
		gcb_log_info("the stream states a retention of %llu s",
			     (unsigned long long)(f->retention_ms / 1000));
	}
	cJSON_Delete(o);
}

static int stream_exists(gcb_fetcher_t *f, const char *id)
{
	char url[GCB_SOURCE_URL_MAX + GCB_SOURCE_STREAM_MAX + 64];
	const gcb_http_resp_t *r = &f->src.api_http.resp;
	int rc;

	snprintf(url, sizeof(url), "%s/api/v2/eventstreams/%s", f->src.api, id);
	for (;;) {
		rc = gcb_source_api_call(&f->src, "GET", url, NULL, 0, f->src.conf->request_timeout_ms);
		if (rc == -ECANCELED)
			return rc;
		if (rc == -EACCES) {
			rc = gcb_source_backoff(&f->src, 1, -1, "token request refused");
		} else if (rc == -EAGAIN) {
			rc = gcb_source_backoff(&f->src, 0, f->src.token.retry_after_ms, "token request");
		} else if (rc != 0) {
			gcb_log_warn("GET stream %s failed: %s", id,
				     gcb_http_strerror(&f->src.api_http));
			rc = gcb_source_backoff(&f->src, 0, -1, "GET stream");
		} else if (r->status == 200) {
			gcb_backoff_reset(&f->src.backoff);
			stream_retention(f);
			return 1;
		} else if (r->status == 404) {
			gcb_source_log_answer(&f->src, "GET stream");
			return 0;
		} else {
			gcb_source_log_answer(&f->src, "GET stream");
			if (r->status == 429)
				gcb_counter_add(f->src.counters, GCB_SC_HTTP_429, 1);
			else if (r->status >= 500)
				gcb_counter_add(f->src.counters, GCB_SC_HTTP_5XX, 1);
			else if (r->status != 401)
				gcb_counter_add(f->src.counters, GCB_SC_HTTP_OTHER, 1);
			rc = gcb_source_backoff(
			    &f->src, r->status != 429 && r->status < 500 && r->status != 408,
			    r->retry_after_ms, "GET stream");
		}
		if (rc != 0)
			return rc;
	}
}

/* POST the definition; 0 with the new id in f->src.stream_id. */
static int stream_create(gcb_fetcher_t *f, const char *def, size_t def_len)
{
	char url[GCB_SOURCE_URL_MAX + 64];
	const gcb_http_resp_t *r = &f->src.api_http.resp;
	int rc;

	snprintf(url, sizeof(url), "%s/api/v2/eventstreams", f->src.api);
	for (;;) {
		rc =
		    gcb_source_api_call(&f->src, "POST", url, def, def_len, f->src.conf->request_timeout_ms);
		if (rc == -ECANCELED)
			return rc;
		if (rc == -EACCES) {
			rc = gcb_source_backoff(&f->src, 1, -1, "token request refused");
		} else if (rc == -EAGAIN) {
			rc = gcb_source_backoff(&f->src, 0, f->src.token.retry_after_ms, "token request");
		} else if (rc != 0) {
			gcb_log_warn("POST stream failed: %s", gcb_http_strerror(&f->src.api_http));
			rc = gcb_source_backoff(&f->src, 0, -1, "POST stream");
		} else if (r->status == 200 || r->status == 201) {
			cJSON *o = cJSON_ParseWithLength(r->body, r->body_len);
			const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");

			if (cJSON_IsString(id) &&
			    id_valid(id->valuestring, strlen(id->valuestring))) {
				snprintf(f->src.stream_id, sizeof(f->src.stream_id), "%s", id->valuestring);
				cJSON_Delete(o);
				gcb_backoff_reset(&f->src.backoff);
				stream_retention(f);
				return 0;
			}
			cJSON_Delete(o);
			gcb_counter_add(f->src.counters, GCB_SC_MALFORMED, 1);
			gcb_log_error("POST stream: answer without a usable id correlation_id=%s",
				      r->correlation_id);
			rc = gcb_source_backoff(&f->src, 0, -1, "POST stream");
		} else {
			gcb_source_log_answer(&f->src, "POST stream");
			if (r->status == 400 || r->status == 422) {
				gcb_log_error("the stream definition was rejected: fix %s",
					      f->src.conf->stream_definition_path);
				return -EINVAL;
			}
			rc = gcb_source_backoff(&f->src, r->status != 429 && r->status < 500,
						 r->retry_after_ms, "POST stream");
		}
		if (rc != 0)
			return rc;
	}
}

static int read_definition(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t n = 0;
	cJSON *o = NULL;
	int rc = -EINVAL;

	if (fd < 0) {
		gcb_log_error("open(%s) failed: %s", path, strerror(errno));
		return -EINVAL;
	}
	if ((buf = malloc(DEFINITION_MAX + 1)) == NULL)
		goto out;
	for (;;) {
		ssize_t k = read(fd, buf + n, DEFINITION_MAX - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			gcb_log_error("read(%s) failed: %s", path, strerror(errno));
			goto out;
		}
		if (k == 0)
			break;
		n += (size_t)k;
		if (n == DEFINITION_MAX) {
			gcb_log_error("%s: stream definition larger than %u bytes", path,
				      DEFINITION_MAX);
			goto out;
		}
	}
	buf[n] = '\0';
	o = cJSON_ParseWithLength(buf, n);
	if (!cJSON_IsObject(o) || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "name")) ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "eventTypes"))) {
		gcb_log_error("%s: not a stream definition (need an object with \"name\" and an "
			      "\"eventTypes\" array)",
			      path);
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	cJSON_Delete(o);
	free(buf);
	close(fd);
	return rc;
}

/* The definition's canonical text (cJSON unformatted): what "unchanged" means. */
static char *definition_canonical(const char *def, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(def, len);
	char *s = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

static int remembered_id(gcb_fetcher_t *f, const char *name, const char *canon, char *id,
			 size_t id_size)
{
	char buf[DEFINITION_MAX / 4];
	size_t len;
	cJSON *o;
	const cJSON *i, *d;
	int rc = -ENOENT;

	if (gcb_ckpt_read_file(&f->src.ckpt, name, buf, sizeof(buf), &len) != 0)
		return -ENOENT;
	o = cJSON_ParseWithLength(buf, len);
	i = cJSON_GetObjectItemCaseSensitive(o, "id");
	d = cJSON_GetObjectItemCaseSensitive(o, "definition");
	if (cJSON_IsString(i) && id_valid(i->valuestring, strlen(i->valuestring)) &&
	    strlen(i->valuestring) < id_size) {
		if (cJSON_IsString(d) && strcmp(d->valuestring, canon) == 0) {
			strcpy(id, i->valuestring);
			rc = 0;
		} else {
			gcb_log_warn("stream definition changed since stream %s was created: "
				     "creating a new stream",
				     i->valuestring);
		}
	}
	cJSON_Delete(o);
	return rc;
}

static int remember_id(gcb_fetcher_t *f, const char *name, const char *canon)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	int rc = -ENOMEM;

	if (o == NULL)
		return -ENOMEM;
	if (cJSON_AddStringToObject(o, "id", f->src.stream_id) != NULL &&
	    cJSON_AddStringToObject(o, "definition", canon) != NULL &&
	    (text = cJSON_PrintUnformatted(o)) != NULL) {
		rc = gcb_ckpt_write_file(&f->src.ckpt, name, text, strlen(text));
		free(text);
	}
	cJSON_Delete(o);
	return rc;
}

int gcb_fetcher_stream_resolve(gcb_fetcher_t *f)
{
	const gcb_source_conf_t *c = f->src.conf;
	char name[NAME_MAX + 1], id[GCB_SOURCE_STREAM_MAX + 1];
	char *def = NULL, *canon = NULL;
	size_t def_len = 0;
	int rc;

	if (c->stream_id != NULL && c->stream_id[0] != '\0') {
		snprintf(f->src.stream_id, sizeof(f->src.stream_id), "%s", c->stream_id);
		rc = stream_exists(f, f->src.stream_id);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			gcb_log_error(
			    "stream %s does not exist (404): check the configured stream id",
			    f->src.stream_id);
			return -ENOENT;
		}
		gcb_log_info("polling stream %s", f->src.stream_id);
		return 0;
	}

	if ((rc = read_definition(c->stream_definition_path, &def, &def_len)) != 0)
		return rc;
	if ((canon = definition_canonical(def, def_len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(name, sizeof(name), "%s.stream", f->src.ctx->shm->hdr->instance);
	if (remembered_id(f, name, canon, id, sizeof(id)) == 0) {
		rc = stream_exists(f, id);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			snprintf(f->src.stream_id, sizeof(f->src.stream_id), "%s", id);
			gcb_log_info("polling stream %s (created earlier from %s)", f->src.stream_id,
				     c->stream_definition_path);
			rc = 0;
			goto out;
		}
		gcb_log_warn("remembered stream %s no longer exists: creating a new one", id);
	}
	if ((rc = stream_create(f, def, def_len)) != 0)
		goto out;
	if ((rc = remember_id(f, name, canon)) != 0) {
		gcb_log_error("cannot remember stream id %s in %s: %s", f->src.stream_id, f->src.ckpt.dir,
			      strerror(-rc));
		goto out;
	}
	gcb_log_info("created stream %s from %s", f->src.stream_id, c->stream_definition_path);
out:
	free(canon);
	free(def);
	return rc;
}

void gcb_fetcher_stream_remembered(gcb_ckpt_t *ck, const char *instance, char *id, size_t size)
{
	char name[NAME_MAX + 1], buf[DEFINITION_MAX / 4];
	size_t len;
	cJSON *o;
	const cJSON *i;

	id[0] = '\0';
	snprintf(name, sizeof(name), "%s.stream", instance);
	if (gcb_ckpt_read_file(ck, name, buf, sizeof(buf), &len) != 0)
		return;
	o = cJSON_ParseWithLength(buf, len);
	i = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (cJSON_IsString(i) && strlen(i->valuestring) < size)
		strcpy(id, i->valuestring);
	cJSON_Delete(o);
}

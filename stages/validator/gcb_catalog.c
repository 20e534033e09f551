#include "stages/validator/gcb_catalog.h"

#include "stages/validator/gcb_avsc_compat.h"
#include "stages/validator/gcb_topic.h"

#include <errno.h>
#include <fnmatch.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_array.h"

typedef struct loader {
	gcb_catalog_t *c;
	const char *file;
	char *errstr;
	size_t errstr_size;
	int no_ids; /* GCB_CATALOG_NO_IDS: ids are assigned later */
} loader_t;

__attribute__((format(printf, 2, 3))) static int lfail(loader_t *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!l->errstr_size)
		return -EINVAL;
	n = snprintf(l->errstr, l->errstr_size, "%s: ", l->file);
	if (n < 0 || (size_t)n >= l->errstr_size)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(l->errstr + n, l->errstr_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int jpath_init(gcb_jpath_t *p, const char *text)
{
	char *s, *save = NULL, *tok;

	memset(p, 0, sizeof(*p));
	p->text = text;
	if (!*text)
		return -EINVAL;
	p->buf = strdup(text);
	if (!p->buf)
		return -ENOMEM;
	for (s = p->buf; (tok = strtok_r(s, ".", &save)); s = NULL) {
		if (p->nseg == GCB_CATALOG_PATH_MAX)
			return -E2BIG;
		p->seg[p->nseg++] = tok;
	}
	return p->nseg ? 0 : -EINVAL;
}

const cJSON *gcb_jpath_get(const gcb_jpath_t *p, const cJSON *root)
{
	const cJSON *j = root;

	for (unsigned i = 0; i < p->nseg && j; i++) {
		if (!cJSON_IsObject(j))
			return NULL;
		j = cJSON_GetObjectItemCaseSensitive(j, p->seg[i]);
	}
	return j;
}

static int parse_filter(loader_t *l, gcb_route_t *r, const cJSON *jf)
{
	const cJSON *e;

	if (!jf || cJSON_IsNull(jf))
		return 0;
	if (cJSON_IsString(jf)) {
		/* As Genesys writes it: a JSON object serialized into a string. */
		r->filter = cJSON_Parse(jf->valuestring);
		if (!r->filter)
			return lfail(l, "route \"%s\": \"filter\" is not valid JSON", r->name);
	} else if (cJSON_IsObject(jf)) {
		r->filter = cJSON_Duplicate(jf, 1);
		if (!r->filter)
			return -ENOMEM;
	} else {
		return lfail(l, "route \"%s\": \"filter\" must be a JSON object in a string",
			     r->name);
	}
	if (!cJSON_IsObject(r->filter))
		return lfail(l, "route \"%s\": \"filter\" must hold a JSON object", r->name);
	cJSON_ArrayForEach(e, r->filter)
	{
		if (cJSON_IsObject(e))
			return lfail(l, "route \"%s\": filter key \"%s\" needs a value or an array",
				     r->name, e->string);
	}
	return 0;
}

static int parse_match(loader_t *l, gcb_route_t *r, const cJSON *jm)
{
	const cJSON *e;
	unsigned i = 0;
	int rc;

	if (!cJSON_IsObject(jm) || !jm->child)
		return lfail(l, "route \"%s\": \"match\" must be a non-empty object", r->name);
	r->nmatch = (unsigned)cJSON_GetArraySize(jm);
	r->match = calloc(r->nmatch, sizeof(*r->match));
	if (!r->match)
		return -ENOMEM;
	cJSON_ArrayForEach(e, jm)
	{
		gcb_route_match_t *m = &r->match[i++];

		rc = jpath_init(&m->path, e->string);
		if (rc)
			return rc == -ENOMEM ? rc
					     : lfail(l, "route \"%s\": bad match path \"%s\"",
						     r->name, e->string);
		if (cJSON_IsString(e)) {
			m->value = e->valuestring;
		} else if (cJSON_IsObject(e) &&
			   cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "glob"))) {
			m->value = cJSON_GetObjectItemCaseSensitive(e, "glob")->valuestring;
			m->glob = 1;
		} else {
			return lfail(
			    l, "route \"%s\": match \"%s\" must be a string or {\"glob\": ...}",
			    r->name, e->string);
		}
	}
	return 0;
}

/*
 * {"topic_segment": N}: the key is segment N of topicName. The route must
 * match on topicName (or the key could never be found), and its pattern must
 * have a segment N.
 */
static int parse_key_segment(loader_t *l, gcb_route_t *r, const cJSON *jk)
{
	const cJSON *seg = cJSON_GetObjectItemCaseSensitive(jk, "topic_segment");
	const gcb_route_match_t *tm = NULL;

	if (!cJSON_IsNumber(seg) || cJSON_GetArraySize(jk) != 1)
		return lfail(l,
			     "route \"%s\": \"key\" must be a JSON path string or "
			     "{\"topic_segment\": N}",
			     r->name);
	if (seg->valuedouble < 0 || seg->valuedouble > GCB_TOPIC_SEGMENT_MAX ||
	    seg->valuedouble != (double)(int)seg->valuedouble)
		return lfail(l, "route \"%s\": \"topic_segment\" must be an integer 0..%d", r->name,
			     GCB_TOPIC_SEGMENT_MAX);
	r->key_segment = (int)seg->valuedouble;
	for (unsigned k = 0; k < r->nmatch; k++)
		if (r->match[k].path.nseg == 1 && strcmp(r->match[k].path.seg[0], "topicName") == 0)
			tm = &r->match[k];
	if (!tm)
		return lfail(l, "route \"%s\": a \"topic_segment\" key needs a \"topicName\" match",
			     r->name);
	if (gcb_topic_nsegments(tm->value) <= (unsigned)r->key_segment)
		return lfail(l, "route \"%s\": topicName pattern \"%s\" has no segment %d", r->name,
			     tm->value, r->key_segment);
	snprintf(r->key_desc, sizeof(r->key_desc), "topicName[%d]", r->key_segment);
	r->key.text = r->key_desc;
	return 0;
}

static int schema_for(loader_t *l, const char *dir, const char *file, gcb_schema_t **out)
{
	gcb_catalog_t *c = l->c;
	char path[PATH_MAX];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", file[0] == '/' ? "" : dir,
			     file[0] == '/' ? "" : "/", file) >= sizeof(path))
		return lfail(l, "schema path too long");
	for (size_t i = 0; i < c->nschemas; i++) {
		if (strcmp(c->schema_paths[i], path) == 0) {
			*out = c->schemas[i];
			return 0;
		}
	}
	if (GCB_ARRAY_RESERVE(c->schemas, c->schemas_cap, c->nschemas + 1, 8, 0) != 0 ||
	    GCB_ARRAY_RESERVE(c->schema_paths, c->schema_paths_cap, c->nschemas + 1, 8, 0) != 0)
		return -ENOMEM;
	rc = gcb_schema_load_file(&c->schemas[c->nschemas], path, l->errstr, l->errstr_size);
	if (rc)
		return rc;
	c->schema_paths[c->nschemas] = strdup(path);
	if (!c->schema_paths[c->nschemas]) {
		gcb_schema_destroy(c->schemas[c->nschemas]);
		return -ENOMEM;
	}
	*out = c->schemas[c->nschemas++];
	return 0;
}

static int lookup_id(loader_t *l, const char *ids_file, gcb_route_t *r)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(l->c->ids_json, r->schema->fullname);
	const cJSON *id, *ver;

	if (l->no_ids)
		return 0;
	if (!e)
		return lfail(l, "route \"%s\": schema \"%s\" has no id in %s", r->name,
			     r->schema->fullname, ids_file);
	id = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "id") : e;
	ver = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "version") : NULL;
	if (!cJSON_IsNumber(id) || id->valuedouble < 0 || id->valuedouble > UINT32_MAX ||
	    id->valuedouble != (double)(uint32_t)id->valuedouble)
		return lfail(l, "%s: id of \"%s\" must be an integer 0..2^32-1", ids_file,
			     r->schema->fullname);
	r->schema_id = (uint32_t)id->valuedouble;
	r->schema_version = 1;
	if (cJSON_IsNumber(ver) && ver->valuedouble >= 0 && ver->valuedouble <= UINT32_MAX)
		r->schema_version = (uint32_t)ver->valuedouble;
	return 0;
}

static int parse_route(loader_t *l, const char *dir, const char *ids_file, const cJSON *jr,
		       gcb_route_t *r, size_t idx)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(jr, "name");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(jr, "schema");
	const cJSON *topic = cJSON_GetObjectItemCaseSensitive(jr, "topic");
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(jr, "key");
	int rc;

	r->received_at = -1;
	r->key_segment = -1;
	if (!cJSON_IsObject(jr))
		return lfail(l, "route %zu is not an object", idx);
	r->name = cJSON_IsString(name) ? name->valuestring : "(unnamed)";
	if (!cJSON_IsString(schema) || !cJSON_IsString(topic) ||
	    !(cJSON_IsString(key) || cJSON_IsObject(key)) || !*topic->valuestring)
		return lfail(l, "route \"%s\" needs \"schema\", \"topic\" and \"key\" strings",
			     r->name);
	r->topic = topic->valuestring;
	rc = parse_match(l, r, cJSON_GetObjectItemCaseSensitive(jr, "match"));
	if (rc)
		return rc;
	if (cJSON_IsObject(key)) {
		rc = parse_key_segment(l, r, key);
	} else {
		rc = jpath_init(&r->key, key->valuestring);
		if (rc && rc != -ENOMEM)
			rc = lfail(l, "route \"%s\": bad key path", r->name);
	}
	if (rc)
		return rc;
	rc = parse_filter(l, r, cJSON_GetObjectItemCaseSensitive(jr, "filter"));
	if (rc)
		return rc;
	rc = schema_for(l, dir, schema->valuestring, &r->schema);
	if (rc)
		return rc;
	if (r->schema->root->type != AVRO_RECORD)
		return lfail(l, "route \"%s\": schema %s is not a record", r->name,
			     r->schema->origin);
	r->received_at = gcb_schema_field_index(r->schema, "received_at");
	if (r->received_at >= 0) {
		const gcb_snode_t *t = r->schema->root->fields[r->received_at].type;

		if (t->type != AVRO_INT64)
			return lfail(l, "route \"%s\": %s: received_at must be a long", r->name,
				     r->schema->origin);
	}
	return lookup_id(l, ids_file, r);
}

int gcb_catalog_load(gcb_catalog_t **out, const char *routes_path, const char *ids_path,
		     char *errstr, size_t errstr_size)
{
	loader_t l = {.file = routes_path, .errstr = errstr, .errstr_size = errstr_size};
	char dir[PATH_MAX], ids_buf[PATH_MAX];
	const cJSON *routes, *e;
	char *text = NULL;
	size_t len, i = 0;
	int rc;

	*out = NULL;
	l.c = calloc(1, sizeof(*l.c));
	if (!l.c)
		return -ENOMEM;
	{
		char tmp[PATH_MAX];

		snprintf(tmp, sizeof(tmp), "%s", routes_path);
		snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	}
	if (!ids_path) {
		if ((size_t)snprintf(ids_buf, sizeof(ids_buf), "%s/schema-ids.json", dir) >=
		    sizeof(ids_buf)) {
			rc = lfail(&l, "path too long");
			goto fail;
		}
		ids_path = ids_buf;
	}

	rc = gcb_schema_read_file(routes_path, &text, &len);
	if (rc) {
		lfail(&l, "cannot read: %s", strerror(-rc));
		goto fail;
	}
	l.c->routes_json = cJSON_ParseWithLength(text, len);
	free(text);
	if (!cJSON_IsObject(l.c->routes_json)) {
		rc = lfail(&l, "not a JSON object");
		goto fail;
	}
	l.no_ids = *ids_path == '\0';
	if (l.no_ids) {
		l.c->ids_json = cJSON_CreateObject();
		if (!l.c->ids_json) {
			rc = -ENOMEM;
			goto fail;
		}
	} else {
		rc = gcb_schema_read_file(ids_path, &text, &len);
		if (rc) {
			l.file = ids_path;
			lfail(&l, "cannot read: %s", strerror(-rc));
			goto fail;
		}
		l.c->ids_json = cJSON_ParseWithLength(text, len);
		free(text);
	}
	if (!cJSON_IsObject(l.c->ids_json)) {
		l.file = ids_path;
		rc = lfail(&l, "not a JSON object");
		goto fail;
	}

	if (cJSON_GetObjectItemCaseSensitive(l.c->routes_json, "dlq_topic")) {
		rc = lfail(&l, "\"dlq_topic\" is not read from the routing file: the dead-letter "
			       "topic is the configuration key producer.dlq_topic (remove "
			       "\"dlq_topic\" here and set that key)");
		goto fail;
	}
	if (cJSON_GetObjectItemCaseSensitive(l.c->routes_json, "strict")) {
		rc = lfail(&l, "\"strict\" is not read from the routing file: strict validation is "
			       "the configuration key schemas.strict (gcb-validate: --strict); "
			       "remove \"strict\" here");
		goto fail;
	}
	routes = cJSON_GetObjectItemCaseSensitive(l.c->routes_json, "routes");
	if (!cJSON_IsArray(routes)) {
		rc = lfail(&l, "no \"routes\" array");
		goto fail;
	}
	l.c->nroutes = (size_t)cJSON_GetArraySize(routes);
	l.c->routes = calloc(l.c->nroutes ? l.c->nroutes : 1, sizeof(*l.c->routes));
	if (!l.c->routes) {
		rc = -ENOMEM;
		goto fail;
	}
	cJSON_ArrayForEach(e, routes)
	{
		rc = parse_route(&l, dir, ids_path, e, &l.c->routes[i], i);
		i++;
		if (rc)
			goto fail;
	}
	*out = l.c;
	return 0;
fail:
	if (rc == -ENOMEM)
		lfail(&l, "out of memory");
	gcb_catalog_destroy(l.c);
	return rc;
}

void gcb_catalog_destroy(gcb_catalog_t *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nroutes; i++) {
		gcb_route_t *r = &c->routes[i];

		if (r->match)
			for (unsigned k = 0; k < r->nmatch; k++)
				free(r->match[k].path.buf);
		free(r->match);
		free(r->key.buf);
		cJSON_Delete(r->filter);
	}
	free(c->routes);
	for (size_t i = 0; i < c->nschemas; i++) {
		gcb_schema_destroy(c->schemas[i]);
		free(c->schema_paths[i]);
	}
	free(c->schemas);
	free(c->schema_paths);
	cJSON_Delete(c->routes_json);
	cJSON_Delete(c->ids_json);
	free(c);
}

const gcb_route_t *gcb_catalog_route(const gcb_catalog_t *c, const cJSON *event)
{
	for (size_t i = 0; i < c->nroutes; i++) {
		const gcb_route_t *r = &c->routes[i];
		unsigned k;

		for (k = 0; k < r->nmatch; k++) {
			const gcb_route_match_t *m = &r->match[k];
			const cJSON *v = gcb_jpath_get(&m->path, event);

			if (!cJSON_IsString(v))
				break;
			if (m->glob ? fnmatch(m->value, v->valuestring, 0) != 0
				    : strcmp(m->value, v->valuestring) != 0)
				break;
		}
		if (k == r->nmatch)
			return r;
	}
	return NULL;
}

static int filter_value_matches(const cJSON *allowed, const cJSON *v)
{
	const cJSON *a;

	if (!cJSON_IsArray(allowed))
		return cJSON_Compare(allowed, v, 1);
	cJSON_ArrayForEach(a, allowed)
	{
		if (cJSON_Compare(a, v, 1))
			return 1;
	}
	return 0;
}

int gcb_route_filter_pass(const gcb_route_t *r, const cJSON *event)
{
	const cJSON *data, *f;

	if (!r->filter)
		return 1;
	data = cJSON_GetObjectItemCaseSensitive(event, "data");
	cJSON_ArrayForEach(f, r->filter)
	{
		const cJSON *v =
		    cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, f->string) : NULL;

		if (!v || !filter_value_matches(f, v))
			return 0;
	}
	return 1;
}

int gcb_catalog_check_compat(const gcb_catalog_t *old, const gcb_catalog_t *fresh, char *errstr,
			     size_t errstr_size)
{
	for (size_t i = 0; i < fresh->nschemas; i++) {
		const gcb_schema_t *n = fresh->schemas[i];

		for (size_t k = 0; k < old->nschemas; k++) {
			const gcb_schema_t *o = old->schemas[k];
			gcb_avsc_problems_t pr;
			int rc;

			if (strcmp(o->fullname, n->fullname) != 0 ||
			    (o->text_len == n->text_len &&
			     memcmp(o->text, n->text, n->text_len) == 0))
				continue;
			gcb_avsc_problems_init(&pr);
			rc = gcb_avsc_compat_check(o->avsc, n->avsc, &pr);
			if (rc == -EINVAL)
				snprintf(errstr, errstr_size,
					 "%s: not backward compatible with the %s in use: %s%s%s",
					 n->origin, n->fullname, pr.n ? pr.v[0].path : "",
					 pr.n && *pr.v[0].path ? ": " : "",
					 pr.n ? pr.v[0].reason : "incompatible");
			else if (rc)
				snprintf(errstr, errstr_size, "%s: compatibility check failed: %s",
					 n->origin, strerror(-rc));
			gcb_avsc_problems_fini(&pr);
			if (rc)
				return rc;
		}
	}
	return 0;
}

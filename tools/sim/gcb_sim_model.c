#include "tools/sim/gcb_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/sim/gcb_sim_notif.h"

#define MAX_DEPTH 3 /* nested models filled below the event body */
#define FILE_MAX  (64u << 20)

struct gcb_sim_model {
	gcb_sim_model_conf_t conf;
	cJSON *doc;
	const cJSON *models; /* name -> [{"name","type","enum"?}] */
	const cJSON *topics; /* [{"topic","class"}] */
	unsigned long drifts;
};

gcb_sim_model_t *gcb_sim_model_load(const char *path, const gcb_sim_model_conf_t *conf,
				    char *errstr, size_t errstr_size)
{
	gcb_sim_model_t *m = calloc(1, sizeof(*m));
	FILE *f = fopen(path, "r");
	char *buf = malloc(FILE_MAX);
	size_t n = 0;

	if (!m || !buf) {
		snprintf(errstr, errstr_size, "out of memory");
		goto fail;
	}
	if (!f) {
		snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
		goto fail;
	}
	n = fread(buf, 1, FILE_MAX, f);
	m->doc = cJSON_ParseWithLength(buf, n);
	m->models = cJSON_GetObjectItemCaseSensitive(m->doc, "models");
	m->topics = cJSON_GetObjectItemCaseSensitive(m->doc, "topics");
	if (!cJSON_IsObject(m->models) || !cJSON_IsArray(m->topics)) {
		snprintf(errstr, errstr_size, "%s: not a model table (\"models\" and \"topics\")",
			 path);
		goto fail;
	}
	m->conf = *conf;
	fclose(f);
	free(buf);
	return m;
fail:
	if (f)
		fclose(f);
	free(buf);
	gcb_sim_model_destroy(m);
	return NULL;
}

void gcb_sim_model_destroy(gcb_sim_model_t *m)
{
	if (!m)
		return;
	cJSON_Delete(m->doc);
	free(m);
}

/* The class of topic: uuid segments become {id} for the lookup. */
static const char *class_of(const gcb_sim_model_t *m, const char *topic)
{
	char pat[256];
	size_t k = 0;
	const cJSON *t;

	for (const char *s = topic; *s && k + 5 < sizeof(pat);) {
		size_t l = strcspn(s, ".");

		if (l == 36 && s[8] == '-' && s[13] == '-') {
			memcpy(pat + k, "{id}", 4);
			k += 4;
		} else {
			if (k + l + 1 >= sizeof(pat))
				return NULL;
			memcpy(pat + k, s, l);
			k += l;
		}
		s += l;
		if (*s == '.')
			pat[k++] = *s++;
	}
	pat[k] = '\0';
	cJSON_ArrayForEach(t, m->topics)
	{
		const cJSON *tp = cJSON_GetObjectItemCaseSensitive(t, "topic");
		const cJSON *cl = cJSON_GetObjectItemCaseSensitive(t, "class");

		if (cJSON_IsString(tp) && cJSON_IsString(cl) && !strcmp(tp->valuestring, pat))
			return cl->valuestring;
	}
	return NULL;
}

static cJSON *value(gcb_sim_model_t *m, const char *type, const cJSON *en, int depth,
		    gcb_sim_rand_t *r);

static void fill_object(gcb_sim_model_t *m, const char *model, cJSON *obj, int depth,
			gcb_sim_rand_t *r, int *added)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(m->models, model), *f;

	cJSON_ArrayForEach(f, fields)
	{
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(f, "type");
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(f, "enum");
		cJSON *v;

		if (!cJSON_IsString(nm) || !cJSON_IsString(ty))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(obj, nm->valuestring) != NULL)
			continue; /* the generator's own value stays */
		if (!gcb_sim_rand_chance(r, m->conf.fill))
			continue;
		if ((v = value(m, ty->valuestring, en, depth, r)) == NULL)
			continue;
		if (cJSON_IsArray(en) && cJSON_IsString(v) &&
		    gcb_sim_rand_chance(r, m->conf.drift)) {
			/* Genesys adds enum values without notice. */
			char nv[48];

			snprintf(nv, sizeof(nv), "SIM_NEW_VALUE_%u", gcb_sim_rand_below(r, 1000));
			cJSON_Delete(v);
			v = cJSON_CreateString(nv);
		}
		cJSON_AddItemToObject(obj, nm->valuestring, v);
		(*added)++;
	}
}

static cJSON *value(gcb_sim_model_t *m, const char *type, const cJSON *en, int depth,
		    gcb_sim_rand_t *r)
{
	size_t tl = strlen(type);
	char inner[128];

	if (!strncmp(type, "list[", 5) && type[tl - 1] == ']') {
		cJSON *a = cJSON_CreateArray(), *v;

		snprintf(inner, sizeof(inner), "%.*s", (int)(tl - 6), type + 5);
		if ((v = value(m, inner, NULL, depth, r)) != NULL)
			cJSON_AddItemToArray(a, v);
		return a;
	}
	if (!strncmp(type, "dict(str, ", 10) && type[tl - 1] == ')') {
		cJSON *o = cJSON_CreateObject(), *v;

		snprintf(inner, sizeof(inner), "%.*s", (int)(tl - 11), type + 10);
		if (strcmp(inner, "object") && (v = value(m, inner, NULL, depth, r)) != NULL)
			cJSON_AddItemToObject(o, "k1", v);
		return o;
	}
	if (!strcmp(type, "str") || !strcmp(type, "date")) {
		char s[40];

		if (cJSON_IsArray(en) && cJSON_GetArraySize(en) > 0) {
			const cJSON *e = cJSON_GetArrayItem(
			    en, (int)gcb_sim_rand_below(r, (uint32_t)cJSON_GetArraySize(en)));

			return cJSON_CreateString(cJSON_IsString(e) ? e->valuestring : "");
		}
		if (!strcmp(type, "date"))
			return cJSON_CreateString("2026-11-27");
		gcb_sim_rand_uuid(r, s);
		return cJSON_CreateString(s);
	}
	if (!strcmp(type, "int"))
		return cJSON_CreateNumber((double)gcb_sim_rand_below(r, 100000));
	if (!strcmp(type, "float"))
		return cJSON_CreateNumber((double)gcb_sim_rand_below(r, 10000) / 100.0);
	if (!strcmp(type, "bool"))
		return cJSON_CreateBool(gcb_sim_rand_chance(r, 0.5));
	if (!strcmp(type, "datetime")) {
		char t[32];

		gcb_sim_notif_iso(gcb_sim_notif_now_ms(), t);
		return cJSON_CreateString(t);
	}
	if (cJSON_GetObjectItemCaseSensitive(m->models, type) != NULL && depth < MAX_DEPTH) {
		cJSON *o = cJSON_CreateObject();
		int added = 0;

		fill_object(m, type, o, depth + 1, r, &added);
		return o;
	}
	return NULL; /* "object", unknown types, too deep: left out */
}

int gcb_sim_model_fill(gcb_sim_model_t *m, const char *topic, cJSON *body, gcb_sim_rand_t *rnd)
{
	const char *cls = class_of(m, topic);
	int added = 0;

	if (cls == NULL || !cJSON_IsObject(body))
		return 0;
	fill_object(m, cls, body, 0, rnd, &added);
	if (gcb_sim_rand_chance(rnd, m->conf.drift)) {
		char name[48];

		/* A field Genesys might add tomorrow. */
		snprintf(name, sizeof(name), "simDriftField%lu", m->drifts++ % 8);
		cJSON_AddStringToObject(body, name, "added by gcb-sim");
		added++;
	}
	return added;
}

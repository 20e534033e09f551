/*
 * Filter compilation (cJSON, once per stream) and matching (raw text compare
 * against the field table recorded while the event was serialized).
 */
#include "tools/sim/gcb_sim_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_type(const char *s, const char *a, const char *b)
{
	if (!s)
		return -1;
	if (!strcmp(s, a))
		return 0;
	if (!strcmp(s, b))
		return 1;
	return -1;
}

static int add_key(gcb_sim_filter_rule_t *r, const cJSON *item)
{
	gcb_sim_filter_key_t *k = &r->keys[r->nkeys];
	int n = cJSON_IsArray(item) ? cJSON_GetArraySize(item) : 1;
	const cJSON *v;

	k->key = strdup(item->string);
	k->vals = calloc((size_t)(n ? n : 1), sizeof(*k->vals));
	if (!k->key || !k->vals)
		goto fail;
	r->nkeys++;
	if (!cJSON_IsArray(item)) {
		k->vals[0] = cJSON_PrintUnformatted(item);
		if (!k->vals[0])
			return -ENOMEM;
		k->nvals = 1;
		return 0;
	}
	cJSON_ArrayForEach(v, item)
	{
		k->vals[k->nvals] = cJSON_PrintUnformatted(v);
		if (!k->vals[k->nvals])
			return -ENOMEM;
		k->nvals++;
	}
	return 0;
fail:
	free(k->key);
	free(k->vals);
	k->key = NULL;
	k->vals = NULL;
	return -ENOMEM;
}

static int compile_rule(gcb_sim_filter_rule_t *r, const cJSON *et, char *errstr, size_t errstr_size)
{
	const cJSON *fs, *item;
	cJSON *obj = NULL;
	int rc = -EINVAL;

	if (!cJSON_IsObject(et)) {
		snprintf(errstr, errstr_size, "eventTypes entries must be objects");
		return -EINVAL;
	}
	r->entity_type =
	    parse_type(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(et, "entityType")),
		       "interaction", "agentstate");
	r->event_type =
	    parse_type(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(et, "eventType")),
		       "created", "updated");
	if (r->entity_type < 0 || r->event_type < 0) {
		snprintf(errstr, errstr_size,
			 "entityType must be interaction|agentstate and eventType "
			 "created|updated");
		return -EINVAL;
	}
	fs = cJSON_GetObjectItemCaseSensitive(et, "filter");
	if (!fs || cJSON_IsNull(fs))
		return 0;
	if (!cJSON_IsString(fs)) {
		snprintf(errstr, errstr_size,
			 "filter must be a JSON object serialized as a string");
		return -EINVAL;
	}
	if (fs->valuestring[strspn(fs->valuestring, " \t\r\n")] == '\0')
		return 0;
	obj = cJSON_Parse(fs->valuestring);
	if (!cJSON_IsObject(obj)) {
		snprintf(errstr, errstr_size, "filter is not a JSON object: %.80s",
			 fs->valuestring);
		goto out;
	}
	r->keys = calloc((size_t)cJSON_GetArraySize(obj) + 1, sizeof(*r->keys));
	if (!r->keys) {
		rc = -ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(item, obj)
	{
		if (cJSON_IsObject(item)) {
			snprintf(errstr, errstr_size,
				 "filter value of %.60s must be a scalar or "
				 "an array",
				 item->string);
			goto out;
		}
		rc = add_key(r, item);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	cJSON_Delete(obj);
	return rc;
}

int gcb_sim_filter_init(gcb_sim_filter_t *f, const cJSON *event_types, char *errstr,
			size_t errstr_size)
{
	const cJSON *et;
	int rc;

	memset(f, 0, sizeof(*f));
	if (!cJSON_IsArray(event_types) || cJSON_GetArraySize(event_types) == 0) {
		snprintf(errstr, errstr_size, "eventTypes must be a non-empty array");
		return -EINVAL;
	}
	f->rules = calloc((size_t)cJSON_GetArraySize(event_types), sizeof(*f->rules));
	if (!f->rules) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return -ENOMEM;
	}
	cJSON_ArrayForEach(et, event_types)
	{
		rc = compile_rule(&f->rules[f->nrules++], et, errstr, errstr_size);
		if (rc < 0) {
			gcb_sim_filter_fini(f);
			return rc;
		}
	}
	return 0;
}

void gcb_sim_filter_fini(gcb_sim_filter_t *f)
{
	for (int i = 0; i < f->nrules; i++) {
		gcb_sim_filter_rule_t *r = &f->rules[i];

		for (int k = 0; k < r->nkeys; k++) {
			for (int v = 0; v < r->keys[k].nvals; v++)
				cJSON_free(r->keys[k].vals[v]);
			free(r->keys[k].vals);
			free(r->keys[k].key);
		}
		free(r->keys);
	}
	free(f->rules);
	memset(f, 0, sizeof(*f));
}

static int key_matches(const gcb_sim_filter_key_t *k, const gcb_sim_event_t *ev)
{
	const char *raw = "null";
	size_t len = 4;

	for (int i = 0; i < ev->nfields; i++) {
		if (!strcmp(ev->fields[i].key, k->key)) {
			raw = ev->json + ev->fields[i].off;
			len = ev->fields[i].len;
			break;
		}
	}
	for (int v = 0; v < k->nvals; v++)
		if (strlen(k->vals[v]) == len && !memcmp(k->vals[v], raw, len))
			return 1;
	return 0;
}

int gcb_sim_filter_match(const gcb_sim_filter_t *f, const gcb_sim_event_t *ev)
{
	if (f->match_all)
		return 1;
	for (int i = 0; i < f->nrules; i++) {
		const gcb_sim_filter_rule_t *r = &f->rules[i];
		int k;

		if (r->entity_type != ev->entity_type || r->event_type != ev->event_type)
			continue;
		for (k = 0; k < r->nkeys; k++)
			if (!key_matches(&r->keys[k], ev))
				break;
		if (k == r->nkeys)
			return 1;
	}
	return 0;
}

#include "tools/sim/gcb_sim_stream.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gcb_sim_streams {
	pthread_mutex_t lock;
	gcb_sim_rand_t rnd;
	int n;
	gcb_sim_stream_t *streams[GCB_SIM_STREAMS_MAX];
};

gcb_sim_streams_t *gcb_sim_streams_new(uint64_t seed, char *errstr, size_t errstr_size)
{
	gcb_sim_streams_t *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	gcb_sim_rand_init(&s->rnd, seed, 2);
	return s;
}

static void stream_free(gcb_sim_stream_t *st)
{
	if (!st)
		return;
	gcb_sim_filter_fini(&st->filter);
	cJSON_free(st->json);
	free(st);
}

void gcb_sim_streams_destroy(gcb_sim_streams_t *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		stream_free(s->streams[i]);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static int publish(gcb_sim_streams_t *s, gcb_sim_stream_t *st)
{
	pthread_mutex_lock(&s->lock);
	if (s->n == GCB_SIM_STREAMS_MAX) {
		pthread_mutex_unlock(&s->lock);
		return -ENOSPC;
	}
	s->streams[s->n++] = st;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int gcb_sim_streams_add_default(gcb_sim_streams_t *s, const char *id)
{
	gcb_sim_stream_t *st = calloc(1, sizeof(*st));
	cJSON *o = cJSON_CreateObject(), *ets;
	static const char *const types[][2] = {
	    {"interaction", "created"}, {"interaction", "updated"}, {"agentstate", "updated"}};
	char self[128];

	if (!st || !o || strlen(id) >= sizeof(st->id))
		goto fail;
	snprintf(st->id, sizeof(st->id), "%s", id);
	st->filter.match_all = 1;
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "name", "gcb-sim-default");
	ets = cJSON_AddArrayToObject(o, "eventTypes");
	for (int i = 0; i < 3; i++) {
		cJSON *et = cJSON_CreateObject();

		cJSON_AddStringToObject(et, "entityType", types[i][0]);
		cJSON_AddStringToObject(et, "eventType", types[i][1]);
		cJSON_AddItemToArray(ets, et);
	}
	cJSON_AddStringToObject(o, "description", "All simulated events, unfiltered");
	snprintf(self, sizeof(self), "/api/v2/eventstreams/%s", id);
	cJSON_AddStringToObject(o, "selfUri", self);
	st->json = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	o = NULL;
	if (!st->json || publish(s, st) < 0)
		goto fail;
	return 0;
fail:
	cJSON_Delete(o);
	stream_free(st);
	return -EINVAL;
}

int gcb_sim_streams_create(gcb_sim_streams_t *s, const char *body, size_t len,
			   const gcb_sim_stream_t **out, char *errstr, size_t errstr_size)
{
	gcb_sim_stream_t *st = NULL;
	cJSON *in = NULL, *o = NULL;
	const cJSON *name, *desc, *ets;
	char self[128];
	int rc = -EINVAL;

	in = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(in)) {
		snprintf(errstr, errstr_size, "body is not a JSON object");
		goto fail;
	}
	name = cJSON_GetObjectItemCaseSensitive(in, "name");
	desc = cJSON_GetObjectItemCaseSensitive(in, "description");
	ets = cJSON_GetObjectItemCaseSensitive(in, "eventTypes");
	if (name && !cJSON_IsString(name)) {
		snprintf(errstr, errstr_size, "name must be a string");
		goto fail;
	}
	if (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc)) {
		snprintf(errstr, errstr_size, "description must be a string");
		goto fail;
	}
	st = calloc(1, sizeof(*st));
	if (!st) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = gcb_sim_filter_init(&st->filter, ets, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	pthread_mutex_lock(&s->lock);
	gcb_sim_rand_uuid(&s->rnd, st->id);
	pthread_mutex_unlock(&s->lock);

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", st->id);
	if (name)
		cJSON_AddStringToObject(o, "name", name->valuestring);
	cJSON_AddItemToObject(o, "eventTypes", cJSON_Duplicate(ets, 1));
	if (cJSON_IsString(desc))
		cJSON_AddStringToObject(o, "description", desc->valuestring);
	snprintf(self, sizeof(self), "/api/v2/eventstreams/%s", st->id);
	cJSON_AddStringToObject(o, "selfUri", self);
	st->json = cJSON_PrintUnformatted(o);
	if (!st->json) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = publish(s, st);
	if (rc < 0) {
		snprintf(errstr, errstr_size, "too many streams (max %d)", GCB_SIM_STREAMS_MAX);
		goto fail;
	}
	cJSON_Delete(in);
	cJSON_Delete(o);
	*out = st;
	return 0;
fail:
	cJSON_Delete(in);
	cJSON_Delete(o);
	stream_free(st);
	return rc;
}

const gcb_sim_stream_t *gcb_sim_streams_find(gcb_sim_streams_t *s, const char *id, size_t id_len)
{
	const gcb_sim_stream_t *found = NULL;

	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < s->n; i++) {
		if (strlen(s->streams[i]->id) == id_len && !memcmp(s->streams[i]->id, id, id_len)) {
			found = s->streams[i];
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

int gcb_sim_streams_count(gcb_sim_streams_t *s)
{
	int n;

	pthread_mutex_lock(&s->lock);
	n = s->n;
	pthread_mutex_unlock(&s->lock);
	return n;
}

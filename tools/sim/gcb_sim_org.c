#include "tools/sim/gcb_sim_org.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_array.h"
#include "tools/sim/gcb_sim_notif_set.h"
#include "tools/sim/gcb_sim_rand.h"

#define PAGE_MAX 500

typedef struct list {
	gcb_sim_org_entity_t *v;
	int n;
	size_t cap;
	gcb_sim_strset_t ids;
} list_t;

struct gcb_sim_org {
	pthread_mutex_t lock;
	gcb_sim_rand_t rnd; /* ids added at run time */
	list_t queues, users;
};

static const char *const first_names[] = {"Ana",   "Ben",  "Chloe", "Dev",  "Elif", "Femi",
					  "Greta", "Hiro", "Ines",  "Jon",  "Kiri", "Luis",
					  "Mei",   "Nils", "Olu",   "Priya"};
static const char *const queue_names[] = {"Sales",     "Support", "Billing", "Retention",
					  "Technical", "VIP",	  "Returns", "Onboarding"};

static int push(list_t *l, const char *id, int is_queue)
{
	gcb_sim_org_entity_t *e;

	if (l->n >= GCB_SIM_ORG_MAX)
		return -E2BIG;
	if (GCB_ARRAY_RESERVE(l->v, l->cap, (size_t)l->n + 1, 64, 0) != 0)
		return -ENOMEM;
	e = &l->v[l->n];
	memcpy(e->id, id, 37);
	if (is_queue)
		snprintf(e->name, sizeof(e->name), "%s %d", queue_names[l->n % 8], l->n + 1);
	else
		snprintf(e->name, sizeof(e->name), "%s Agent %d", first_names[l->n % 16], l->n + 1);
	if (gcb_sim_strset_add(&l->ids, id, 36) < 0)
		return -ENOMEM;
	l->n++;
	return 0;
}

gcb_sim_org_t *gcb_sim_org_new(uint64_t seed, int queues, int users, char *errstr,
			       size_t errstr_size)
{
	gcb_sim_org_t *o = calloc(1, sizeof(*o));
	gcb_sim_rand_t r;
	char id[37];

	if (!o) {
		snprintf(errstr, errstr_size, "calloc() failed");
		return NULL;
	}
	pthread_mutex_init(&o->lock, NULL);
	gcb_sim_rand_init(&o->rnd, seed, 11);
	/* The same draws as the poll stream's traffic model (gcb_sim_gen.c):
	 * queues, four campaigns, agents, so both sources share one org. */
	gcb_sim_rand_init(&r, seed, 1);
	for (int i = 0; i < queues; i++) {
		gcb_sim_rand_uuid(&r, id);
		if (push(&o->queues, id, 1) < 0)
			goto fail;
	}
	for (int i = 0; i < 4; i++)
		gcb_sim_rand_uuid(&r, id);
	for (int i = 0; i < users; i++) {
		gcb_sim_rand_uuid(&r, id);
		if (push(&o->users, id, 0) < 0)
			goto fail;
	}
	return o;
fail:
	snprintf(errstr, errstr_size, "org: out of memory");
	gcb_sim_org_destroy(o);
	return NULL;
}

void gcb_sim_org_destroy(gcb_sim_org_t *o)
{
	if (!o)
		return;
	free(o->queues.v);
	free(o->users.v);
	gcb_sim_strset_fini(&o->queues.ids);
	gcb_sim_strset_fini(&o->users.ids);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

int gcb_sim_org_add(gcb_sim_org_t *o, int queues, int users)
{
	char id[37];
	int rc = 0;

	pthread_mutex_lock(&o->lock);
	for (int i = 0; i < queues && !rc; i++) {
		gcb_sim_rand_uuid(&o->rnd, id);
		rc = push(&o->queues, id, 1);
	}
	for (int i = 0; i < users && !rc; i++) {
		gcb_sim_rand_uuid(&o->rnd, id);
		rc = push(&o->users, id, 0);
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

void gcb_sim_org_counts(gcb_sim_org_t *o, int *queues, int *users)
{
	pthread_mutex_lock(&o->lock);
	*queues = o->queues.n;
	*users = o->users.n;
	pthread_mutex_unlock(&o->lock);
}

static int get(gcb_sim_org_t *o, list_t *l, int i, gcb_sim_org_entity_t *out)
{
	int rc = -ERANGE;

	pthread_mutex_lock(&o->lock);
	if (i >= 0 && i < l->n) {
		*out = l->v[i];
		rc = 0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int gcb_sim_org_queue(gcb_sim_org_t *o, int i, gcb_sim_org_entity_t *out)
{
	return get(o, &o->queues, i, out);
}

int gcb_sim_org_user(gcb_sim_org_t *o, int i, gcb_sim_org_entity_t *out)
{
	return get(o, &o->users, i, out);
}

static int has(gcb_sim_org_t *o, list_t *l, const char *id, size_t len)
{
	int yes;

	pthread_mutex_lock(&o->lock);
	yes = gcb_sim_strset_has(&l->ids, id, len);
	pthread_mutex_unlock(&o->lock);
	return yes;
}

int gcb_sim_org_has_queue(gcb_sim_org_t *o, const char *id, size_t len)
{
	return has(o, &o->queues, id, len);
}

int gcb_sim_org_has_user(gcb_sim_org_t *o, const char *id, size_t len)
{
	return has(o, &o->users, id, len);
}

static int page_arg(const gcb_sim_request_t *rq, const char *name, int def, int hi, int *out)
{
	const char *v = gcb_sim_request_arg(rq, name);
	char *end;
	long x;

	*out = def;
	if (!v)
		return 0;
	errno = 0;
	x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < 1 || x > hi)
		return -EINVAL;
	*out = (int)x;
	return 0;
}

int gcb_sim_org_api(gcb_sim_org_t *o, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp)
{
	int users = !strcmp(rq->path, "/api/v2/users");
	list_t *l = users ? &o->users : &o->queues;
	int size, number, total;
	cJSON *j, *arr;

	if (!users && strcmp(rq->path, "/api/v2/routing/queues"))
		return gcb_sim_reply_error(rp, 404, "not.found", "No such resource.");
	if (strcmp(rq->method, "GET"))
		return gcb_sim_reply_error(rp, 405, "method.not.allowed", "Use GET.");
	if (page_arg(rq, "pageSize", 25, PAGE_MAX, &size) < 0)
		return gcb_sim_reply_error(rp, 400, "bad.request", "pageSize must be 1..%d",
					   PAGE_MAX);
	if (page_arg(rq, "pageNumber", 1, 1 << 30, &number) < 0)
		return gcb_sim_reply_error(rp, 400, "bad.request", "pageNumber must be >= 1");
	j = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(j, "entities");
	pthread_mutex_lock(&o->lock);
	total = l->n;
	for (long i = (long)(number - 1) * size; i < total && i < (long)number * size; i++) {
		cJSON *e = cJSON_CreateObject();
		char uri[96];

		cJSON_AddStringToObject(e, "id", l->v[i].id);
		cJSON_AddStringToObject(e, "name", l->v[i].name);
		if (users) {
			cJSON_AddStringToObject(e, "state", "active");
			snprintf(uri, sizeof(uri), "/api/v2/users/%s", l->v[i].id);
		} else {
			cJSON_AddNumberToObject(e, "memberCount", 1 + i % 20);
			snprintf(uri, sizeof(uri), "/api/v2/routing/queues/%s", l->v[i].id);
		}
		cJSON_AddStringToObject(e, "selfUri", uri);
		cJSON_AddItemToArray(arr, e);
	}
	pthread_mutex_unlock(&o->lock);
	cJSON_AddNumberToObject(j, "pageSize", size);
	cJSON_AddNumberToObject(j, "pageNumber", number);
	cJSON_AddNumberToObject(j, "total", total);
	cJSON_AddNumberToObject(j, "pageCount", (total + size - 1) / size);
	return gcb_sim_reply_json(rp, 200, j);
}

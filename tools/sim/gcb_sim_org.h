/*
 * The simulated org for the notification source: queues and users with
 * stable seeded uuids (the first ones are the queue and agent ids of the poll
 * stream's traffic), the paged GET /api/v2/routing/queues and
 * GET /api/v2/users, and growth at run time (/admin/notify/org) so clients
 * that re-resolve their topics periodically can be tested. Thread-safe.
 */
#ifndef GCB_SIM_ORG_H
#define GCB_SIM_ORG_H

#include <stddef.h>
#include <stdint.h>

#include "tools/sim/gcb_sim_notif_reply.h"

#define GCB_SIM_ORG_MAX 1000000

typedef struct gcb_sim_org gcb_sim_org_t;

typedef struct gcb_sim_org_entity {
	char id[37];
	char name[48];
} gcb_sim_org_entity_t;

gcb_sim_org_t *gcb_sim_org_new(uint64_t seed, int queues, int users, char *errstr,
			       size_t errstr_size);
void gcb_sim_org_destroy(gcb_sim_org_t *o);

/* Adds @queues queues and @users users. 0 or -ENOMEM / -E2BIG. */
int gcb_sim_org_add(gcb_sim_org_t *o, int queues, int users);
void gcb_sim_org_counts(gcb_sim_org_t *o, int *queues, int *users);

/* Copies entity @i (0 <= i < count); -ERANGE when out of range. */
int gcb_sim_org_queue(gcb_sim_org_t *o, int i, gcb_sim_org_entity_t *out);
int gcb_sim_org_user(gcb_sim_org_t *o, int i, gcb_sim_org_entity_t *out);

/* 1 when a queue / user with id @id exists. */
int gcb_sim_org_has_queue(gcb_sim_org_t *o, const char *id, size_t len);
int gcb_sim_org_has_user(gcb_sim_org_t *o, const char *id, size_t len);

/* GET /api/v2/routing/queues and GET /api/v2/users (pageSize, pageNumber). */
int gcb_sim_org_api(gcb_sim_org_t *o, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp);

#endif

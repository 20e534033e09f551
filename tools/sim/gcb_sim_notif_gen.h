/*
 * Notification traffic: conversations started at --notify-rate per second
 * (and on demand through /admin/notify/generate), each on a random queue with
 * a random agent, living about 0.2-2 s. Over that life each emits its detail
 * events, queue and user conversation snapshots at every state change, and
 * its agent's routing status, activity and presence changes, published to the
 * channels subscribed to them; every conversation is stored for analytics.
 * One thread, which also expires channels (gcb_sim_notif_tick).
 */
#ifndef GCB_SIM_NOTIF_GEN_H
#define GCB_SIM_NOTIF_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "tools/sim/gcb_sim_analytics.h"
#include "tools/sim/gcb_sim_model.h"
#include "tools/sim/gcb_sim_notif.h"
#include "tools/sim/gcb_sim_org.h"

typedef struct gcb_sim_notif_gen_conf {
	uint64_t seed;
	double rate;		 /* conversations started per second; 0 = only on demand */
	gcb_sim_model_t *models; /* fills bodies from the model table; NULL: none (borrowed) */
} gcb_sim_notif_gen_conf_t;

typedef struct gcb_sim_notif_gen gcb_sim_notif_gen_t;

/* Borrows the other objects; starts the thread. */
gcb_sim_notif_gen_t *gcb_sim_notif_gen_new(const gcb_sim_notif_gen_conf_t *conf, gcb_sim_org_t *org,
					   gcb_sim_notif_t *hub, gcb_sim_analytics_t *an,
					   char *errstr, size_t errstr_size);
/* Stops and joins the thread. */
void gcb_sim_notif_gen_destroy(gcb_sim_notif_gen_t *g);
/* Starts @n conversations now; @life_ms > 0 fixes their life (else 0.2-2 s). */
void gcb_sim_notif_gen_start(gcb_sim_notif_gen_t *g, uint64_t n, int life_ms);
void gcb_sim_notif_gen_stats(gcb_sim_notif_gen_t *g, cJSON *stats);

#endif

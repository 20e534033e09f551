/*
 * Seeded traffic model: many concurrent conversations, each walking a
 * lifecycle (created/alerting -> connected -> held? -> completed or
 * disconnected with a disposition and durationMs), interleaved with agents
 * changing routing status and presence. The sequence of events is a pure
 * function of the configuration (seed, start time, sizes, fault rates).
 */
#ifndef GCB_SIM_GEN_H
#define GCB_SIM_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "tools/sim/gcb_sim_event.h"
#include "tools/sim/gcb_sim_rand.h"

typedef struct gcb_sim_gen_conf {
	uint64_t seed;
	int64_t start_ms;   /* virtual clock start, Unix ms */
	double mean_gap_ms; /* mean virtual time between events */
	int conversations;  /* concurrent conversation slots */
	int agents;
	int queues;
} gcb_sim_gen_conf_t;

typedef struct gcb_sim_gen gcb_sim_gen_t;

gcb_sim_gen_t *gcb_sim_gen_new(const gcb_sim_gen_conf_t *conf, char *errstr, size_t errstr_size);
void gcb_sim_gen_destroy(gcb_sim_gen_t *gen);

/*
 * Writes the next event into @ev (position @pos). @bad_rate and @drift_rate
 * are the probabilities that this event is made schema-invalid or drifted.
 */
void gcb_sim_gen_next(gcb_sim_gen_t *gen, uint64_t pos, double bad_rate, double drift_rate,
		      gcb_sim_event_t *ev);

#endif

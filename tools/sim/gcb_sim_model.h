/*
 * Payloads shaped by the Genesys model table (--models FILE: the part of the
 * SDK's generated models a checkout keeps as test data,
 * tests/fixtures/genesys/models.json). The generator builds each message's
 * meaningful core (ids, times, states, the values the tests follow); this
 * module then fills in the rest of the topic's model: every field absent
 * from the message is added with probability fill, with a value of its SDK
 * type (an allowed value for enums, nested models a few levels down), so
 * optional fields come and go at random as in a real org. Now and then
 * (drift) a field no model has is added, and an enum field takes a value
 * the API does not document: the open sets and the drift counter see real
 * use.
 */
#ifndef GCB_SIM_MODEL_H
#define GCB_SIM_MODEL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "tools/sim/gcb_sim_rand.h"

typedef struct gcb_sim_model gcb_sim_model_t;

typedef struct gcb_sim_model_conf {
	double fill;  /* chance that an absent field is added (0..1) */
	double drift; /* chance per message of an unknown field / an undocumented enum value */
} gcb_sim_model_conf_t;

/* Loads the table; NULL with errstr on error. */
gcb_sim_model_t *gcb_sim_model_load(const char *path, const gcb_sim_model_conf_t *conf,
				    char *errstr, size_t errstr_size);
void gcb_sim_model_destroy(gcb_sim_model_t *m);

/*
 * Fills body (a JSON object, the eventBody of topic) from the topic's model.
 * A topic the table does not map is left alone. Returns the number of
 * fields added. Not thread-safe: one caller (the generator thread).
 */
int gcb_sim_model_fill(gcb_sim_model_t *m, const char *topic, cJSON *body, gcb_sim_rand_t *rnd);

#endif

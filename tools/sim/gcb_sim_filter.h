/*
 * Stream filters (docs/genesys-api.md): a stream lists entityType/eventType pairs,
 * each with an optional filter, a JSON object serialized into a string whose
 * keys name fields of the event's data and whose values are one allowed value
 * or an array of them. An event matches when some pair has its types and every
 * key of that pair's filter matches. Keys may use a dotted path for nested
 * fields ("disposition.code"); a null allowed value matches a missing field.
 */
#ifndef GCB_SIM_FILTER_H
#define GCB_SIM_FILTER_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "tools/sim/gcb_sim_event.h"

typedef struct gcb_sim_filter_key {
	char *key;
	int nvals;
	char **vals; /* allowed values as compact JSON text; "null" for null */
} gcb_sim_filter_key_t;

typedef struct gcb_sim_filter_rule {
	int entity_type;
	int event_type;
	int nkeys;
	gcb_sim_filter_key_t *keys;
} gcb_sim_filter_rule_t;

typedef struct gcb_sim_filter {
	int match_all; /* the default stream: every event */
	int nrules;
	gcb_sim_filter_rule_t *rules;
} gcb_sim_filter_t;

/* Compiles a stream definition's "eventTypes" array; -EINVAL with a reason. */
int gcb_sim_filter_init(gcb_sim_filter_t *f, const cJSON *event_types, char *errstr,
			size_t errstr_size);
void gcb_sim_filter_fini(gcb_sim_filter_t *f);
int gcb_sim_filter_match(const gcb_sim_filter_t *f, const gcb_sim_event_t *ev);

#endif

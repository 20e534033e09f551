/*
 * One generated event as the simulator keeps it in its retention window: the
 * serialized JSON served to clients, plus what the filters and the logs need
 * (type, ids, and where each data field's value sits inside the JSON).
 */
#ifndef GCB_SIM_EVENT_H
#define GCB_SIM_EVENT_H

#include <stdint.h>

#define GCB_SIM_JSON_MAX   1024
#define GCB_SIM_FIELDS_MAX 16

typedef enum gcb_sim_entity {
	GCB_SIM_INTERACTION = 0,
	GCB_SIM_AGENTSTATE = 1,
} gcb_sim_entity_t;

typedef enum gcb_sim_evtype {
	GCB_SIM_CREATED = 0,
	GCB_SIM_UPDATED = 1,
} gcb_sim_evtype_t;

/*
 * A data field as it was written: @key is its name (nested fields use a dotted
 * path such as "disposition.code"), [@off, @off + @len) is its raw JSON value
 * inside the event's json (strings keep their quotes). Filters compare raw JSON
 * text, so drifted and malformed events are filtered exactly as served.
 */
typedef struct gcb_sim_field {
	const char *key;
	uint16_t off;
	uint16_t len;
} gcb_sim_field_t;

typedef struct gcb_sim_event {
	uint64_t pos; /* absolute position in the event log, from 0 */
	uint32_t sequence;
	uint8_t entity_type; /* gcb_sim_entity_t */
	uint8_t event_type;  /* gcb_sim_evtype_t */
	uint8_t nfields;
	uint8_t flags; /* GCB_SIM_EV_* */
	char id[37];
	char entity_id[37];
	uint16_t json_len;
	gcb_sim_field_t fields[GCB_SIM_FIELDS_MAX];
	char json[GCB_SIM_JSON_MAX];
} gcb_sim_event_t;

#define GCB_SIM_EV_BAD	 0x01 /* deliberately invalid for the schema */
#define GCB_SIM_EV_DRIFT 0x02 /* schema drift: renamed, missing or extra fields */

const char *gcb_sim_entity_name(int entity_type);
const char *gcb_sim_evtype_name(int event_type);

#endif

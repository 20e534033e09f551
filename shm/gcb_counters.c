/* The counter tables of every stage kind, generated from their X tables. */
#include "shm/gcb_counters.h"

#include <stddef.h>

#include "shm/gcb_counters_notif.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_counters_validator.h"

/* The fetcher slot: the shared counters, the poll source's, the notification
 * source's, in their index order (shm/gcb_counters_source.h). */
static const gcb_counter_def_t fetcher_defs[GCB_NC_END] = {
    GCB_SOURCE_COUNTERS(GCB_COUNTER_DEF) GCB_FETCHER_COUNTERS(GCB_COUNTER_DEF)
	GCB_NOTIF_COUNTERS(GCB_COUNTER_DEF)};
static const gcb_counter_def_t validator_defs[GCB_VC_COUNT] = {
    GCB_VALIDATOR_COUNTERS(GCB_COUNTER_DEF)};
static const gcb_counter_def_t producer_defs[GCB_PRODUCER_C_COUNT] = {
    GCB_PRODUCER_COUNTERS(GCB_COUNTER_DEF)};

const gcb_counter_def_t *gcb_counters_of_kind(uint32_t kind, unsigned *n)
{
	switch (kind) {
	case GCB_STAGE_KIND_FETCHER:
		*n = GCB_NC_END;
		return fetcher_defs;
	case GCB_STAGE_KIND_VALIDATOR:
		*n = GCB_VC_COUNT;
		return validator_defs;
	case GCB_STAGE_KIND_PRODUCER:
		*n = GCB_PRODUCER_C_COUNT;
		return producer_defs;
	}
	*n = 0;
	return NULL;
}

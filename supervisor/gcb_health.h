/*
 * Liveness and readiness of the pipeline, judged from the segment alone
 * (stage table and producer counters), once per supervisor loop turn.
 *
 * Ready: every stage is running with a fresh heartbeat, no drain is under
 * way, the source is not stalled (gcb_shm_source.h), and Kafka is reachable. Kafka counts as unreachable when records are
 * in flight and no acknowledgement came for kafka_stall_ms: librdkafka
 * accepts records while the brokers are down, so acknowledgements, not
 * produce calls, are the proof.
 */
#ifndef GCB_HEALTH_H
#define GCB_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_shm.h"
#include "shm/gcb_shm_source.h"

typedef struct gcb_health {
	uint64_t heartbeat_max_ms; /* older: the stage is not up */
	uint64_t kafka_stall_ms;
	uint64_t last_acked;	   /* delivered + dlq_delivered, last seen */
	uint64_t last_progress_ns; /* when last_acked last moved, or idle */
	int kafka_up;
	gcb_source_health_t source; /* the fetcher's stall report, last read */
	int ready;
	char why[256]; /* why not ready, "" when ready */
} gcb_health_t;

void gcb_health_init(gcb_health_t *h, uint64_t heartbeat_max_ms, uint64_t kafka_stall_ms);

/* Re-evaluates from the segment; call once per loop turn. */
void gcb_health_update(gcb_health_t *h, const gcb_shm_t *shm);

/*
 * 1 when every stage is running with a fresh heartbeat, else 0 with the
 * first stage that is not in why (may be NULL).
 */
int gcb_health_stages_up(const gcb_health_t *h, const gcb_shm_t *shm, char *why, size_t size);

/* Heartbeat age of a stage in ms (UINT64_MAX: never beat since its start). */
uint64_t gcb_health_heartbeat_age_ms(const gcb_shm_stage_t *st, uint64_t now_ns);

#endif

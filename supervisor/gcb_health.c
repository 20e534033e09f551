#include "supervisor/gcb_health.h"

#include <stdio.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_shm_source.h"

#define NS_PER_MS 1000000ull

static const char *const state_names[] = {"stopped", "starting", "running", "draining",
					  "waiting to restart"};

void gcb_health_init(gcb_health_t *h, uint64_t heartbeat_max_ms, uint64_t kafka_stall_ms)
{
	memset(h, 0, sizeof(*h));
	h->heartbeat_max_ms = heartbeat_max_ms;
	h->kafka_stall_ms = kafka_stall_ms;
	h->kafka_up = 1;
	snprintf(h->why, sizeof(h->why), "starting");
}

uint64_t gcb_health_heartbeat_age_ms(const gcb_shm_stage_t *st, uint64_t now_ns)
{
	uint64_t hb = atomic_load_explicit(&st->heartbeat_ns, memory_order_relaxed);

	if (hb == 0)
		return UINT64_MAX;
	return now_ns > hb ? (now_ns - hb) / NS_PER_MS : 0;
}

int gcb_health_stages_up(const gcb_health_t *h, const gcb_shm_t *shm, char *why, size_t size)
{
	uint64_t now = gcb_clock_mono_ns();

	for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
		const gcb_shm_stage_t *st = gcb_shm_stage(shm, i);
		uint32_t state = atomic_load(&st->state);
		uint64_t age = gcb_health_heartbeat_age_ms(st, now);

		if (state != GCB_STAGE_RUNNING && state != GCB_STAGE_DRAINING) {
			if (why != NULL)
				snprintf(why, size, "stage %s is %s", st->name,
					 state < 5 ? state_names[state] : "in an unknown state");
			return 0;
		}
		if (age > h->heartbeat_max_ms) {
			if (why != NULL)
				snprintf(why, size, "stage %s: no heartbeat for %.1fs", st->name,
					 (double)age / 1000.0);
			return 0;
		}
	}
	return 1;
}

static const gcb_shm_stage_t *producer_of(const gcb_shm_t *shm)
{
	for (unsigned i = 0; i < shm->hdr->stage_count; i++)
		if (gcb_shm_stage(shm, i)->kind == GCB_STAGE_KIND_PRODUCER)
			return gcb_shm_stage(shm, i);
	return NULL;
}

void gcb_health_update(gcb_health_t *h, const gcb_shm_t *shm)
{
	const gcb_shm_stage_t *p = producer_of(shm);
	uint64_t now = gcb_clock_mono_ns(), acked, in_flight = 0;
	uint32_t draining = atomic_load(&gcb_shm_pipeline(shm)->draining);

	if (p != NULL) {
		acked = gcb_counter_get(p->counters, GCB_PRODUCER_C_DELIVERED) +
			gcb_counter_get(p->counters, GCB_PRODUCER_C_DLQ_DELIVERED);
		in_flight = gcb_counter_get(p->counters, GCB_PRODUCER_C_IN_FLIGHT);
		/* Idle (nothing in flight) is not a stall: restart the clock. */
		if (acked != h->last_acked || in_flight == 0 || h->last_progress_ns == 0) {
			h->last_acked = acked;
			h->last_progress_ns = now;
		}
		h->kafka_up = (now - h->last_progress_ns) / NS_PER_MS < h->kafka_stall_ms;
	}

	gcb_shm_source_read(&gcb_shm_pipeline(shm)->source, &h->source);
	h->ready = 0;
	if (draining != 0) {
		snprintf(h->why, sizeof(h->why), "draining (stopping)");
	} else if (!gcb_health_stages_up(h, shm, h->why, sizeof(h->why))) {
		/* why set */
	} else if (h->source.stalled && strncmp(h->source.reason, "spool full", 10) == 0) {
		/* Kafka's outage outlasted the spool: polling stopped, the
		 * stream's retention runs (the reason says how long is left). */
		snprintf(h->why, sizeof(h->why), "%.150s; at cursor \"%.64s\"", h->source.reason,
			 h->source.cursor);
	} else if (h->source.stalled) {
		snprintf(h->why, sizeof(h->why), "source stalled at cursor \"%.64s\": %.150s",
			 h->source.cursor, h->source.reason);
	} else if (!h->kafka_up) {
		snprintf(h->why, sizeof(h->why),
			 "kafka: %llu record(s) in flight and no acknowledgement for %.1fs",
			 (unsigned long long)in_flight, (double)(now - h->last_progress_ns) / 1e9);
	} else {
		h->ready = 1;
		h->why[0] = '\0';
	}
}

/*
 * Self-test stages: a synthetic source, a relay and a verifying sink that
 * speak the real ring protocol (gcb_records.h) with the real restart rules,
 * without Genesys or Kafka. They prove the supervisor's lifecycle and the
 * rings' crash semantics end to end: every event's content is a function of
 * its sequence number, so the sink checks each one and records what it
 * "delivered" in a file that tests compare with what the source generated.
 */
#ifndef GCB_SELFTEST_H
#define GCB_SELFTEST_H

#include <stdint.h>

#include "stages/gcb_stage.h"

typedef struct gcb_selftest_conf {
	uint64_t total;        /* events the source generates, then it idles */
	uint32_t batch;        /* events per batch */
	uint32_t rate;         /* events per second, 0: as fast as the rings take them */
	const char *sink_path; /* the sink appends each delivered seq (8 bytes, native) */
	const char *fatal_path; /* when this file exists, relays exit 2 (tests) */
} gcb_selftest_conf_t;

/* Stage mains (gcb_stage_main_fn); arg is a gcb_selftest_conf_t. */
int gcb_selftest_source_main(gcb_stage_ctx_t *ctx, void *arg);
int gcb_selftest_relay_main(gcb_stage_ctx_t *ctx, void *arg);
int gcb_selftest_sink_main(gcb_stage_ctx_t *ctx, void *arg);

/* The JSON body of event seq, written into buf; returns its length. */
uint32_t gcb_selftest_body(uint64_t seq, char *buf, uint32_t size);

#endif

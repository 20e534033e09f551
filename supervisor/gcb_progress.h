/*
 * The live progress line and the closing summary that `make run` shows:
 * events fetched / delivered / dead-lettered, rates, ring fill. Read from
 * the stage counters in shared memory, like any tool would.
 */
#ifndef GCB_PROGRESS_H
#define GCB_PROGRESS_H

#include <stdint.h>

#include "shm/gcb_shm_source.h"
#include "supervisor/gcb_embedded.h"

typedef struct gcb_progress {
	int enabled;
	const gcb_embedded_t *embedded;
	const char *instance;
	uint64_t start_ns;
	uint64_t last_ns;
	uint64_t last_fetched;
	uint64_t last_delivered;
	uint64_t fetched, delivered, dlq, filtered, restarts;
	double fill_pct;
	gcb_source_health_t source;
	int hinted;
} gcb_progress_t;

void gcb_progress_init(gcb_progress_t *p, int enabled, const gcb_embedded_t *embedded,
		       const char *instance);

/* Called every supervisor loop turn; prints at most once a second. */
void gcb_progress_tick(gcb_progress_t *p, const void *shm);

/* Prints the totals (when enabled). */
void gcb_progress_summary(const gcb_progress_t *p);

#endif

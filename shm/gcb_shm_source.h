/*
 * The source's health in the segment (gcb_shm_source_t): one writer, the
 * fetcher; any number of readers (supervisor health, metrics, gcb-ringstat,
 * --progress), which may map the segment read-only.
 */
#ifndef GCB_SHM_SOURCE_H
#define GCB_SHM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_shm_layout.h"

typedef struct gcb_source_health {
	int stalled;
	uint64_t since_unix_ms;
	char reason[GCB_SHM_REASON_MAX];
	char cursor[GCB_SHM_CURSOR_MAX];
} gcb_source_health_t;

/* Writer: marks the source stalled at cursor for reason (both NUL-terminated). */
void gcb_shm_source_stall(gcb_shm_source_t *s, uint64_t since_unix_ms, const char *reason,
			  const char *cursor);

/* Writer: the source makes progress again. */
void gcb_shm_source_clear(gcb_shm_source_t *s);

/* Reader: a consistent copy (retries while the writer is mid-update). */
void gcb_shm_source_read(const gcb_shm_source_t *s, gcb_source_health_t *out);

#endif

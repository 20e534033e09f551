/*
 * The instance's segment as the supervisor sees it: created fresh, or
 * re-attached after a supervisor crash so that what the rings hold is not
 * fetched again.
 */
#ifndef GCB_INSTANCE_H
#define GCB_INSTANCE_H

#include "shm/gcb_shm.h"
#include "supervisor/gcb_supervisor.h"

/* Stage table order: fetcher, validator-0..N-1, producer. */
static inline unsigned gcb_instance_stage_count(const gcb_supervisor_conf_t *conf)
{
	return conf->validators + 2;
}

/*
 * Opens the segment for conf->instance. A valid segment left by a dead
 * supervisor (same layout version, same geometry, sane positions) is
 * re-attached: stages it lists that still run are killed (they write
 * nothing once we own the segment) and the rings are kept. Any other
 * segment under the name is replaced, with a log line saying why. A
 * segment whose supervisor is alive is refused (-EBUSY). Records this
 * process as the segment's supervisor.
 */
int gcb_instance_open(gcb_shm_t *shm, const gcb_supervisor_conf_t *conf, char *errstr,
		      size_t errstr_size);

/* Bytes written to the rings and not yet released by their consumers. */
uint64_t gcb_instance_bytes_in_rings(const gcb_shm_t *shm);

#endif

/*
 * The ring record walker of gcb-ringstat: counts and visits the records in
 * [release, tail) of one ring, checking every header, over memory that may
 * hold anything (a crashed instance, a stage that scribbled over its ring, a
 * fuzzer's bytes). It reads nothing outside ctl[0, GCB_RING_CTL_SIZE) and
 * data[0, capacity), takes at most capacity / 8 + 1 steps, and never writes
 * to either.
 */
#ifndef GCB_RINGSTAT_WALK_H
#define GCB_RINGSTAT_WALK_H

#include <stdint.h>

#include "shm/gcb_shm_layout.h"

/* Why a walk stopped early; 0 when it reached the tail. */
enum gcb_ringstat_corrupt {
	GCB_RINGSTAT_OK = 0,
	GCB_RINGSTAT_BAD_DESC,	    /* ring descriptor (magic, capacity, max_record) */
	GCB_RINGSTAT_BAD_POSITIONS, /* release/read/tail cannot be */
	GCB_RINGSTAT_BAD_LENGTH,    /* length > max_record */
	GCB_RINGSTAT_BAD_PADDING,   /* padding record that does not end the lap */
	GCB_RINGSTAT_CROSSES_LAP,   /* record running past the end of the data area */
	GCB_RINGSTAT_PAST_TAIL,	    /* record running past the tail */
	GCB_RINGSTAT_READ_INSIDE,   /* read position inside a record */
};

/* One record as the walker saw it. payload is NULL for padding. */
typedef struct gcb_ringstat_rec {
	uint64_t pos;  /* position of the header */
	uint64_t off;  /* pos mod capacity: offset in the data area */
	uint64_t size; /* bytes the record occupies, header and alignment included */
	uint32_t length;
	uint16_t type;
	uint16_t flags;
	uint64_t seq;
	const unsigned char *payload; /* length bytes, inside the data area */
	int unread;		      /* at or after the consumer's read position */
} gcb_ringstat_rec_t;

/* Returns non-zero to stop the walk. */
typedef int (*gcb_ringstat_visit_t)(void *arg, const gcb_ringstat_rec_t *rec);

typedef struct gcb_ringstat_walk {
	/* The snapshot the walk used (positions loaded release, read, tail). */
	uint64_t release;
	uint64_t read;
	uint64_t tail;
	uint64_t max_record;

	uint64_t records;	 /* non-padding records walked */
	uint64_t unread_records; /* of which at or after read */
	uint64_t payload_bytes;
	uint64_t pad_bytes;
	int stopped; /* the visitor asked to stop */

	int corrupt;	      /* enum gcb_ringstat_corrupt */
	int raced;	      /* release moved past the bad spot while walking: not corruption */
	uint64_t corrupt_pos; /* where the walk stopped */
	uint64_t corrupt_off; /* corrupt_pos mod capacity */
	char detail[128];     /* human-readable reason */
} gcb_ringstat_walk_t;

/*
 * Walks the ring whose control block is ctl (GCB_RING_CTL_SIZE bytes, 128-byte
 * aligned) and whose data area is data (capacity bytes, 8-byte aligned).
 * capacity is what the caller has mapped, not what ctl claims; ctl must agree.
 * Calls visit (may be NULL) for every record, padding included, in order.
 * Returns 0 when the walk reached the tail or the visitor stopped it,
 * -EBADMSG when it found something impossible (out->corrupt says what, and
 * out->raced whether the consumer released the spot meanwhile, which on a
 * live ring means the bytes were reused, not corrupt), -EINVAL on NULL
 * arguments.
 */
int gcb_ringstat_walk(const gcb_ring_ctl_t *ctl, const unsigned char *data, uint64_t capacity,
		      gcb_ringstat_visit_t visit, void *arg, gcb_ringstat_walk_t *out);

/*
 * gcb_ringstat_walk without a visitor, repeated (a few times) while a live
 * consumer's release makes the result a race rather than a finding.
 */
int gcb_ringstat_walk_stable(const gcb_ring_ctl_t *ctl, const unsigned char *data,
			     uint64_t capacity, gcb_ringstat_walk_t *out);

/* Short name of a corruption reason ("bad length", ...). */
const char *gcb_ringstat_corrupt_name(int corrupt);

#endif

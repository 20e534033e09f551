/*
 * Group coordination as the segment shows it (docs/multihost.md): which
 * units of work this instance owns and where its group membership stands.
 *
 * It lives in the header's reserved2[] words, which older readers ignore and
 * which are zero in a segment of an instance without coordination, so the
 * layout version does not change. Written by the fetcher stage (the group
 * member), read by the supervisor (/metrics) and gcb-ringstat. Every field
 * is a relaxed atomic word: readers want a recent value, not a snapshot.
 */
#ifndef GCB_SHM_COORD_H
#define GCB_SHM_COORD_H

#include <stdatomic.h>
#include <stdint.h>

#include "shm/gcb_shm_layout.h"

/* gcb_shm_coord_t.state */
enum gcb_shm_coord_state {
	GCB_SHM_COORD_OFF = 0,	   /* single-instance mode (coord.group unset) */
	GCB_SHM_COORD_JOINING,	   /* joining the group, nothing assigned yet */
	GCB_SHM_COORD_STABLE,	   /* member, assignment in effect */
	GCB_SHM_COORD_REBALANCING, /* draining or taking over units */
	GCB_SHM_COORD_LEAVING,	   /* leaving the group (stopping) */
};

#define GCB_SHM_COORD_STATE_NAMES                                                                  \
	{                                                                                          \
		"off", "joining", "stable", "rebalancing", "leaving"                               \
	}

typedef struct gcb_shm_coord {
	_Atomic uint64_t state;		/* enum gcb_shm_coord_state */
	_Atomic uint64_t owned;		/* bit u set: unit u owned (units 0..63) */
	_Atomic uint64_t units;		/* units in the group (coordination topic partitions) */
	_Atomic uint64_t generation;	/* group generation of the current assignment */
	_Atomic uint64_t rebalances;	/* assignments and revocations served */
	_Atomic uint64_t state_writes;	/* state records Kafka acknowledged */
	_Atomic uint64_t fenced;	/* units lost to a newer generation, writes refused */
	_Atomic uint64_t state_unix_ms; /* when the last state record was acknowledged */
} gcb_shm_coord_t;

_Static_assert(sizeof(gcb_shm_coord_t) == sizeof(((gcb_shm_header_t *)0)->reserved2),
	       "gcb_shm_coord_t must fill the header's reserved2 words exactly");

static inline gcb_shm_coord_t *gcb_shm_coord(gcb_shm_header_t *hdr)
{
	return (gcb_shm_coord_t *)(void *)hdr->reserved2;
}

static inline const gcb_shm_coord_t *gcb_shm_coord_ro(const gcb_shm_header_t *hdr)
{
	return (const gcb_shm_coord_t *)(const void *)hdr->reserved2;
}

#endif

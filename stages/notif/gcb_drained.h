/*
 * The drained log of the notification source: which messages are known to
 * be spooled, by the time they reached a socket.
 *
 * A read turn that began at T and read every live socket until it would
 * block spooled every message that reached them before T: the turn
 * drained them. A turn cut short (a channel's budget spent, the spool
 * full) proves nothing and is not added. A record spooled after a drained
 * turn ended comes after every message that reached a socket before that
 * turn began; gcb_drained_before() answers that for a record's spool time,
 * from a bounded log (at least 12.8 s of turns), erring early, never late.
 */
#ifndef GCB_DRAINED_H
#define GCB_DRAINED_H

#include <stdint.h>

#define GCB_DRAINED_LOG 256

typedef struct {
	uint64_t began_unix_ms; /* every message that reached a socket before it was read */
	uint64_t ended_unix_ms; /* by this time */
} gcb_drained_turn_t;

typedef struct {
	gcb_drained_turn_t v[GCB_DRAINED_LOG]; /* a ring, oldest first */
	unsigned head, n;
	uint64_t latest_unix_ms; /* the newest turn's start: 0 before the first */
} gcb_drained_t;

/* A turn that began at began_unix_ms drained every live socket by ended_unix_ms. */
void gcb_drained_add(gcb_drained_t *d, uint64_t began_unix_ms, uint64_t ended_unix_ms);

/* Every message that reached a socket before the returned time was spooled
 * ahead of a record spooled at spooled_unix_ms (0: not known). */
uint64_t gcb_drained_before(const gcb_drained_t *d, uint64_t spooled_unix_ms);

#endif

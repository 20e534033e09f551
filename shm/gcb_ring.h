/*
 * Single-producer single-consumer lock-free ring of variable-length records
 * over caller-provided (shared) memory. Layout in gcb_shm_layout.h.
 *
 * A gcb_ring_t is a process-local handle: it holds each side's private
 * position and its cached copy of the other side's position, so the shared
 * lines are touched only when the cache says the ring looks full or empty.
 * One process attaches as producer, one as consumer; either may die and be
 * replaced at any moment:
 *  - the producer publishes with one release store of the tail after the
 *    whole record (or batch) is written, so a producer that dies mid-record
 *    leaves nothing visible;
 *  - the consumer reads ahead of its release position; a consumer that dies
 *    leaves [release, read) in the ring and its successor reads it again.
 *
 * Errors are negative errno values: -EAGAIN (full / empty), -EMSGSIZE (record
 * larger than max_record), -EBADMSG (a record header that cannot be valid),
 * -EINVAL (bad arguments or a bad control block).
 */
#ifndef GCB_RING_H
#define GCB_RING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_shm_layout.h"

typedef struct gcb_ring {
	gcb_ring_ctl_t *ctl;
	unsigned char *data;
	uint64_t capacity;
	uint64_t mask;
	uint64_t max_record;

	/* producer side */
	uint64_t wpos;		 /* end of reserved records; > tail while a batch is open */
	uint64_t cached_release; /* last release position seen */
	uint64_t batch_records;	 /* reserved since the last commit */
	uint64_t batch_bytes;
	uint64_t batch_last_start; /* position of the last reserved record */

	/* consumer side */
	uint64_t rpos;	      /* private read position */
	uint64_t cached_tail; /* last tail seen */
	uint64_t unreleased_records;
	uint64_t unreleased_bytes;
	_Atomic uint32_t kicked; /* gcb_ring_kick_consumer() since the last wait */
	uint32_t spins;		 /* polls of the tail before gcb_ring_wait_readable sleeps */
	uint32_t spin_budget;	 /* this wait's polls: spins while they pay off, fewer after sleeps */

	uint32_t ops; /* throttles heartbeat stores */
} gcb_ring_t;

/* Bytes a ring with this data capacity occupies in the segment. */
static inline uint64_t gcb_ring_footprint(uint64_t capacity)
{
	return GCB_RING_CTL_SIZE + capacity;
}

/* Bytes a record with this payload occupies in the ring. */
static inline uint64_t gcb_ring_record_size(uint64_t length)
{
	return (GCB_RING_REC_HDR + length + GCB_RING_ALIGN - 1) & ~(uint64_t)(GCB_RING_ALIGN - 1);
}

/*
 * Initialises a ring over mem (GCB_RING_CTL_SIZE + capacity bytes, 128-byte
 * aligned). capacity must be a power of two >= 4096; max_record at most
 * capacity / 2 - 16 so a record always fits once the ring drains (0 picks that
 * limit). Not safe while any side is attached.
 */
int gcb_ring_format(void *mem, uint64_t capacity, uint64_t max_record, const char *name);

/*
 * Attaches to a formatted ring. The producer resumes at the tail, the
 * consumer at the release position. Records pid and start time of the
 * calling process for tools. readonly: attach for inspection only (no stores).
 */
int gcb_ring_attach_producer(gcb_ring_t *r, void *mem);
int gcb_ring_attach_consumer(gcb_ring_t *r, void *mem);
int gcb_ring_attach_readonly(gcb_ring_t *r, const void *mem, uint64_t mapped_bytes);

/* ---- producer ---- */

/*
 * Reserves space for one record of length payload bytes and returns its
 * header with length, type, flags and seq filled in; the caller writes the
 * payload. Reserved records become visible together at the next commit.
 * -EAGAIN when the ring has no room now, -EMSGSIZE when it never will.
 */
int gcb_ring_reserve(gcb_ring_t *r, uint32_t length, uint16_t type, uint16_t flags, uint64_t seq,
		     gcb_ring_rec_t **rec);

/*
 * Publishes every record reserved since the last commit (one release store of
 * the tail) and records the last one's seq in the control block, so that a
 * restarted producer knows how far its predecessor got (gcb_ring_last_seq).
 */
void gcb_ring_commit(gcb_ring_t *r);

/*
 * For a producer just attached: the last record its predecessors committed,
 * or NULL when none ever was. Exact even when the predecessor died in the
 * middle of a commit, and still readable after the consumer released it
 * (only the producer overwrites ring space, and it has not written yet). A
 * restarted stage uses it to know precisely how far its predecessor got.
 */
const gcb_ring_rec_t *gcb_ring_last_committed(const gcb_ring_t *r);

/* seq of gcb_ring_last_committed(), 0 when there is none. */
uint64_t gcb_ring_resume_seq(const gcb_ring_t *r);

/* Drops records reserved since the last commit. */
void gcb_ring_abort(gcb_ring_t *r);

/* reserve + copy + commit. */
int gcb_ring_write(gcb_ring_t *r, uint16_t type, uint16_t flags, uint64_t seq, const void *payload,
		   uint32_t length);

/*
 * Waits until a record of length bytes fits (0), or timeout_ms passes
 * (-ETIMEDOUT), or a signal arrives while it sleeps (-EINTR). Spins briefly,
 * then sleeps on a futex the consumer wakes; a release that frees too little
 * does not end the wait.
 */
int gcb_ring_wait_writable(gcb_ring_t *r, uint32_t length, int timeout_ms);

/* ---- consumer ---- */

/*
 * Returns the next unread record and advances the private read position. The
 * record stays valid and in the ring until released. -EAGAIN when empty,
 * -EBADMSG when the next header is impossible (the ring is corrupt).
 */
int gcb_ring_read(gcb_ring_t *r, const gcb_ring_rec_t **rec);

/* The private read position: after gcb_ring_read(), the end of that record. */
static inline uint64_t gcb_ring_read_pos(const gcb_ring_t *r)
{
	return r->rpos;
}

/*
 * Releases everything before pos (a value of gcb_ring_read_pos()), giving the
 * space back to the producer. pos must not go backwards nor past the read
 * position; -EINVAL otherwise.
 */
int gcb_ring_release(gcb_ring_t *r, uint64_t pos);

/* Releases everything read so far. */
void gcb_ring_release_all(gcb_ring_t *r);

/* Moves the read position back to the release position (read again). */
void gcb_ring_rewind(gcb_ring_t *r);

/*
 * Waits until a record is readable or the consumer was kicked (0), or
 * timeout_ms passes (-ETIMEDOUT), or a signal arrives while it sleeps
 * (-EINTR).
 */
int gcb_ring_wait_readable(gcb_ring_t *r, int timeout_ms);

/*
 * Ends a gcb_ring_wait_readable() on this handle, running or the next one,
 * from another thread of the consumer's process: a consumer that also waits
 * for something else (the producer stage: Kafka's delivery reports) sleeps on
 * the ring and has that other event kick it. No wake-up is lost.
 */
void gcb_ring_kick_consumer(gcb_ring_t *r);

/*
 * How often gcb_ring_wait_readable() polls the tail before it sleeps
 * (default 2000). Spinning catches a record that is a
 * microsecond away without a futex round trip, which pays off while records
 * stream; a consumer woken often for other reasons sets it lower, as each
 * spin-through costs tens of microseconds of CPU. The wait adapts below
 * this: every wait that ends in a sleep halves the next one's spins (down
 * to GCB_RING_SPINS_MIN), every wait a spin ends doubles them back, so a
 * trickle of records does not pay a full spin-through per record.
 */
static inline void gcb_ring_set_spins(gcb_ring_t *r, uint32_t spins)
{
	r->spins = r->spin_budget = spins;
}

/*
 * Reading a ring's state from outside its code: nothing outside shm/ reaches
 * into a control block's position lines. Positions are read with acquire,
 * so what a reader sees below tail is written; the statistics are relaxed.
 */

/* The producer's committed position (end of the last committed record). */
static inline uint64_t gcb_ring_ctl_tail(const gcb_ring_ctl_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)&c->prod.tail, memory_order_acquire);
}

/* The consumer's release position (everything before it is free). */
static inline uint64_t gcb_ring_ctl_released(const gcb_ring_ctl_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)&c->cons.release, memory_order_acquire);
}

/* Bytes committed and not yet released (0 on a torn read). */
static inline uint64_t gcb_ring_ctl_used(const gcb_ring_ctl_t *c)
{
	uint64_t rel = gcb_ring_ctl_released(c), tail = gcb_ring_ctl_tail(c);

	return tail > rel ? tail - rel : 0;
}

typedef struct gcb_ring_stats {
	uint64_t tail, released;
	uint64_t records_written, records_read; /* records_read counts at release */
	uint64_t bytes_written, bytes_read;	/* payload bytes */
	uint64_t full_stalls, empty_stalls;	/* sleeps on a full / an empty ring */
} gcb_ring_stats_t;

/* A snapshot of a ring's positions and statistics, for metrics and tools. */
static inline void gcb_ring_ctl_stats(const gcb_ring_ctl_t *c, gcb_ring_stats_t *st)
{
	gcb_ring_ctl_t *w = (gcb_ring_ctl_t *)c;

	st->tail = gcb_ring_ctl_tail(c);
	st->released = gcb_ring_ctl_released(c);
	st->records_written = atomic_load_explicit(&w->prod.records_written, memory_order_relaxed);
	st->records_read = atomic_load_explicit(&w->cons.records_read, memory_order_relaxed);
	st->bytes_written = atomic_load_explicit(&w->prod.bytes_written, memory_order_relaxed);
	st->bytes_read = atomic_load_explicit(&w->cons.bytes_read, memory_order_relaxed);
	st->full_stalls = atomic_load_explicit(&w->prod.full_stalls, memory_order_relaxed);
	st->empty_stalls = atomic_load_explicit(&w->cons.empty_stalls, memory_order_relaxed);
}

/* The same on an attached ring. */
static inline uint64_t gcb_ring_tail(const gcb_ring_t *r)
{
	return gcb_ring_ctl_tail(r->ctl);
}

static inline uint64_t gcb_ring_released(const gcb_ring_t *r)
{
	return gcb_ring_ctl_released(r->ctl);
}

/* The ring's name (its descriptor's, e.g. "fetch-0"). */
static inline const char *gcb_ring_name(const gcb_ring_t *r)
{
	return r->ctl->desc.name;
}

/* Producer side: bytes the ring takes now without waiting, open batch counted. */
static inline uint64_t gcb_ring_free(const gcb_ring_t *r)
{
	return r->capacity - (r->wpos - gcb_ring_released(r));
}

/* Records this side as alive now (for tools); cheap enough to call per loop. */
void gcb_ring_heartbeat_producer(gcb_ring_t *r);
void gcb_ring_heartbeat_consumer(gcb_ring_t *r);

#endif

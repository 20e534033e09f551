/*
 * SPSC ring in the Aeron / rigtorp mould; see gcb_ring.h for the contract and
 * gcb_shm_layout.h for the bytes.
 *
 * Memory ordering. The producer writes a record, then stores tail with
 * release order; the consumer loads tail with acquire order before reading
 * the record. The consumer finishes reading, then stores release with release
 * order; the producer loads release with acquire order before overwriting the
 * space. Nothing else orders the data.
 *
 * Sleeping. A side that finds nothing to do spins a little, then announces it
 * sleeps (waiting = 1), issues a full fence, checks once more, and sleeps on
 * the futex. The other side, after its release store, issues a full fence
 * and wakes only when it sees waiting = 1. The two fences make the
 * announce/check and publish/check pairs sequentially consistent, so either
 * the sleeper sees the new position or the publisher sees the flag: no lost
 * wake-up, and no syscall while both sides are busy.
 */
#include "shm/gcb_ring.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_futex.h"
#include "lib/gcb_proc.h"

#define GCB_RING_SPINS           2000
#define GCB_RING_SPINS_MIN       32
#define GCB_RING_HEARTBEAT_EVERY 1024u

#if defined(__x86_64__) || defined(__i386__)
#define gcb_cpu_relax() __builtin_ia32_pause()
#else
#define gcb_cpu_relax() atomic_signal_fence(memory_order_seq_cst)
#endif

#define LOAD_RLX(p)    atomic_load_explicit((p), memory_order_relaxed)
#define LOAD_ACQ(p)    atomic_load_explicit((p), memory_order_acquire)
#define STORE_RLX(p, v) atomic_store_explicit((p), (v), memory_order_relaxed)
#define STORE_REL(p, v) atomic_store_explicit((p), (v), memory_order_release)

int gcb_ring_format(void *mem, uint64_t capacity, uint64_t max_record, const char *name)
{
	gcb_ring_ctl_t *ctl = mem;
	uint64_t limit = capacity / 2 - GCB_RING_REC_HDR;

	if (mem == NULL || ((uintptr_t)mem % GCB_SHM_CACHE_LINE) != 0)
		return -EINVAL;
	if (capacity < 4096 || (capacity & (capacity - 1)) != 0)
		return -EINVAL;
	if (max_record == 0)
		max_record = limit;
	if (max_record > limit || max_record > UINT32_MAX)
		return -EINVAL;

	memset(ctl, 0, GCB_RING_CTL_SIZE);
	ctl->desc.capacity = capacity;
	ctl->desc.max_record = max_record;
	if (name != NULL)
		strncpy(ctl->desc.name, name, sizeof(ctl->desc.name) - 1);
	atomic_thread_fence(memory_order_release);
	ctl->desc.magic = GCB_RING_MAGIC;
	return 0;
}

static int ring_bind(gcb_ring_t *r, void *mem)
{
	gcb_ring_ctl_t *ctl = mem;

	memset(r, 0, sizeof(*r));
	if (ctl == NULL || ctl->desc.magic != GCB_RING_MAGIC)
		return -EINVAL;
	if (ctl->desc.capacity < 4096 || (ctl->desc.capacity & (ctl->desc.capacity - 1)) != 0 ||
	    ctl->desc.max_record > ctl->desc.capacity / 2)
		return -EINVAL;
	r->ctl = ctl;
	r->data = (unsigned char *)mem + GCB_RING_CTL_SIZE;
	r->capacity = ctl->desc.capacity;
	r->mask = ctl->desc.capacity - 1;
	r->max_record = ctl->desc.max_record;
	r->spins = r->spin_budget = GCB_RING_SPINS;
	return 0;
}

static void side_identify(_Atomic int32_t *pid, _Atomic uint64_t *start_time,
			  _Atomic uint64_t *heartbeat)
{
	uint64_t st = 0;
	pid_t self = getpid();

	(void)gcb_proc_start_time(self, &st);
	STORE_RLX(start_time, st);
	STORE_RLX(pid, (int32_t)self);
	STORE_RLX(heartbeat, gcb_clock_mono_ns());
}

/*
 * Commit stores prev_last_rec = last_rec, then last_rec = start of the
 * batch's last record + 1, then the tail (release). A committed record starts
 * before the tail; the record a dying producer was committing starts at the
 * tail. So whichever of the two slots points below the tail names the last
 * committed record, whatever instant the predecessor died at.
 */
const gcb_ring_rec_t *gcb_ring_last_committed(const gcb_ring_t *r)
{
	uint64_t tail = LOAD_ACQ(&r->ctl->prod.tail);
	uint64_t cand[2] = {LOAD_RLX(&r->ctl->prod.last_rec), LOAD_RLX(&r->ctl->prod.prev_last_rec)};

	for (int i = 0; i < 2; i++) {
		uint64_t start = cand[i] - 1;
		const gcb_ring_rec_t *h;

		if (cand[i] == 0 || start >= tail || tail - start > r->capacity)
			continue;
		h = (const gcb_ring_rec_t *)(r->data + (start & r->mask));
		if ((start & r->mask) + GCB_RING_REC_HDR > r->capacity || h->length > r->max_record)
			return NULL;
		return h;
	}
	return NULL;
}

uint64_t gcb_ring_resume_seq(const gcb_ring_t *r)
{
	const gcb_ring_rec_t *h = gcb_ring_last_committed(r);

	return h != NULL ? h->seq : 0;
}

int gcb_ring_attach_producer(gcb_ring_t *r, void *mem)
{
	int rc = ring_bind(r, mem);

	if (rc != 0)
		return rc;
	r->wpos = LOAD_ACQ(&r->ctl->prod.tail);
	r->cached_release = LOAD_ACQ(&r->ctl->cons.release);
	if (r->wpos < r->cached_release || r->wpos - r->cached_release > r->capacity)
		return -EINVAL;
	side_identify(&r->ctl->prod.pid, &r->ctl->prod.start_time, &r->ctl->prod.heartbeat_ns);
	return 0;
}

int gcb_ring_attach_consumer(gcb_ring_t *r, void *mem)
{
	int rc = ring_bind(r, mem);

	if (rc != 0)
		return rc;
	r->rpos = LOAD_ACQ(&r->ctl->cons.release);
	r->cached_tail = LOAD_ACQ(&r->ctl->prod.tail);
	if (r->cached_tail < r->rpos || r->cached_tail - r->rpos > r->capacity)
		return -EINVAL;
	STORE_RLX(&r->ctl->cons.read, r->rpos);
	side_identify(&r->ctl->cons.pid, &r->ctl->cons.start_time, &r->ctl->cons.heartbeat_ns);
	return 0;
}

int gcb_ring_attach_readonly(gcb_ring_t *r, const void *mem, uint64_t mapped_bytes)
{
	const gcb_ring_ctl_t *ctl = mem;

	memset(r, 0, sizeof(*r));
	if (mapped_bytes < GCB_RING_CTL_SIZE || ctl->desc.magic != GCB_RING_MAGIC)
		return -EINVAL;
	if (ctl->desc.capacity < 4096 || (ctl->desc.capacity & (ctl->desc.capacity - 1)) != 0 ||
	    ctl->desc.max_record > ctl->desc.capacity / 2 ||
	    mapped_bytes < gcb_ring_footprint(ctl->desc.capacity))
		return -EINVAL;
	/* The handle's pointers are non-const only for the writers' sake; a
	 * read-only handle is never passed to a function that stores. */
	r->ctl = (gcb_ring_ctl_t *)(uintptr_t)ctl;
	r->data = (unsigned char *)(uintptr_t)mem + GCB_RING_CTL_SIZE;
	r->capacity = ctl->desc.capacity;
	r->mask = ctl->desc.capacity - 1;
	r->max_record = ctl->desc.max_record;
	return 0;
}

void gcb_ring_heartbeat_producer(gcb_ring_t *r)
{
	STORE_RLX(&r->ctl->prod.heartbeat_ns, gcb_clock_mono_ns());
}

void gcb_ring_heartbeat_consumer(gcb_ring_t *r)
{
	STORE_RLX(&r->ctl->cons.heartbeat_ns, gcb_clock_mono_ns());
}

/* ---- producer ---- */

/* Room for need bytes at wpos, counting the padding a wrap costs. */
static inline __attribute__((always_inline)) int ring_room(gcb_ring_t *r, uint64_t need,
							 uint64_t *pad)
{
	uint64_t off = r->wpos & r->mask;
	uint64_t contiguous = r->capacity - off;
	uint64_t total;

	*pad = need > contiguous ? contiguous : 0;
	total = *pad + need;
	if (r->wpos + total - r->cached_release <= r->capacity)
		return 0;
	r->cached_release = LOAD_ACQ(&r->ctl->cons.release);
	if (r->wpos + total - r->cached_release <= r->capacity)
		return 0;
	return -EAGAIN;
}

int gcb_ring_reserve(gcb_ring_t *r, uint32_t length, uint16_t type, uint16_t flags, uint64_t seq,
		     gcb_ring_rec_t **rec)
{
	uint64_t need, pad;
	gcb_ring_rec_t *h;
	int rc;

	if (length > r->max_record)
		return -EMSGSIZE;
	if (type == GCB_RING_REC_PAD)
		return -EINVAL;
	need = gcb_ring_record_size(length);
	rc = ring_room(r, need, &pad);
	if (rc != 0)
		return rc;

	if (pad != 0) {
		/* Only length and type of a padding record are read; pad may be 8. */
		h = (gcb_ring_rec_t *)(r->data + (r->wpos & r->mask));
		h->length = (uint32_t)(pad - GCB_RING_ALIGN);
		h->type = GCB_RING_REC_PAD;
		r->wpos += pad;
	}
	h = (gcb_ring_rec_t *)(r->data + (r->wpos & r->mask));
	h->length = length;
	h->type = type;
	h->flags = flags;
	h->seq = seq;
	r->wpos += need;
	r->batch_records++;
	r->batch_bytes += length;
	r->batch_last_start = r->wpos - need;
	*rec = h;
	return 0;
}

void gcb_ring_commit(gcb_ring_t *r)
{
	gcb_ring_ctl_t *ctl = r->ctl;

	if (r->batch_records == 0)
		return;
	STORE_RLX(&ctl->prod.prev_last_rec, LOAD_RLX(&ctl->prod.last_rec));
	STORE_RLX(&ctl->prod.last_rec, r->batch_last_start + 1);
	STORE_REL(&ctl->prod.tail, r->wpos);
	STORE_RLX(&ctl->prod.records_written,
		  LOAD_RLX(&ctl->prod.records_written) + r->batch_records);
	STORE_RLX(&ctl->prod.bytes_written, LOAD_RLX(&ctl->prod.bytes_written) + r->batch_bytes);
	r->batch_records = 0;
	r->batch_bytes = 0;
	if ((++r->ops % GCB_RING_HEARTBEAT_EVERY) == 0)
		gcb_ring_heartbeat_producer(r);

	atomic_thread_fence(memory_order_seq_cst);
	if (LOAD_RLX(&ctl->cons_waiting) != 0) {
		STORE_RLX(&ctl->cons_waiting, 0);
		gcb_futex_wake_all(&ctl->cons_waiting);
	}
}

void gcb_ring_abort(gcb_ring_t *r)
{
	r->wpos = LOAD_RLX(&r->ctl->prod.tail);
	r->batch_records = 0;
	r->batch_bytes = 0;
}

int gcb_ring_write(gcb_ring_t *r, uint16_t type, uint16_t flags, uint64_t seq, const void *payload,
		   uint32_t length)
{
	gcb_ring_rec_t *rec;
	int rc = gcb_ring_reserve(r, length, type, flags, seq, &rec);

	if (rc != 0)
		return rc;
	memcpy(rec->payload, payload, length);
	gcb_ring_commit(r);
	return 0;
}

/* Milliseconds left until deadline_ns, rounded up; 0 once it has passed. */
static int ring_ms_left(uint64_t deadline_ns)
{
	uint64_t now = gcb_clock_mono_ns();

	return now >= deadline_ns ? 0 : (int)((deadline_ns - now + 999999u) / 1000000u);
}

/*
 * A wake-up only says the other side moved: a release may free less than
 * this record needs, and futexes wake spuriously. So sleep again until the
 * record fits or the whole timeout has passed. A signal ends the wait at once
 * (-EINTR), so that a stage whose handler set a flag looks at it now; the
 * futex call sets errno like any failing syscall.
 */
int gcb_ring_wait_writable(gcb_ring_t *r, uint32_t length, int timeout_ms)
{
	gcb_ring_ctl_t *ctl = r->ctl;
	uint64_t need, pad, deadline;
	int i, left, slept = 0, interrupted;

	if (length > r->max_record)
		return -EMSGSIZE;
	need = gcb_ring_record_size(length);
	for (i = 0; i < GCB_RING_SPINS; i++) {
		if (ring_room(r, need, &pad) == 0)
			return 0;
		gcb_cpu_relax();
	}

	deadline = gcb_clock_mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	gcb_ring_heartbeat_producer(r);
	for (;;) {
		STORE_RLX(&ctl->prod_waiting, 1);
		atomic_thread_fence(memory_order_seq_cst);
		if (ring_room(r, need, &pad) == 0) {
			STORE_RLX(&ctl->prod_waiting, 0);
			return 0;
		}
		left = ring_ms_left(deadline);
		if (left == 0) {
			STORE_RLX(&ctl->prod_waiting, 0);
			return -ETIMEDOUT;
		}
		if (!slept++)
			STORE_RLX(&ctl->prod.full_stalls, LOAD_RLX(&ctl->prod.full_stalls) + 1);
		errno = 0;
		gcb_futex_wait(&ctl->prod_waiting, 1, left);
		interrupted = errno == EINTR;
		STORE_RLX(&ctl->prod_waiting, 0);
		gcb_ring_heartbeat_producer(r);
		if (ring_room(r, need, &pad) == 0)
			return 0;
		if (interrupted)
			return -EINTR;
	}
}

/* ---- consumer ---- */

int gcb_ring_read(gcb_ring_t *r, const gcb_ring_rec_t **rec)
{
	gcb_ring_ctl_t *ctl = r->ctl;
	const gcb_ring_rec_t *h;
	uint64_t off, size;

	for (;;) {
		if (r->rpos == r->cached_tail) {
			r->cached_tail = LOAD_ACQ(&ctl->prod.tail);
			if (r->rpos == r->cached_tail) {
				STORE_RLX(&ctl->cons.read, r->rpos);
				return -EAGAIN;
			}
		}
		off = r->rpos & r->mask;
		h = (const gcb_ring_rec_t *)(r->data + off);
		if (h->type == GCB_RING_REC_PAD) {
			if (h->length != r->capacity - off - GCB_RING_ALIGN)
				return -EBADMSG;
			r->rpos += r->capacity - off;
			continue;
		}
		if (h->length > r->max_record)
			return -EBADMSG;
		size = gcb_ring_record_size(h->length);
		if (off + size > r->capacity || r->rpos + size > r->cached_tail)
			return -EBADMSG;
		r->rpos += size;
		/* The read position shares a line with the release position the
		 * producer polls when the ring is full: publish it every so
		 * often (and at every release and empty ring), not per record. */
		if ((++r->unreleased_records & 255) == 0)
			STORE_RLX(&ctl->cons.read, r->rpos);
		r->unreleased_bytes += h->length;
		*rec = h;
		return 0;
	}
}

/*
 * Counts the records and payload bytes in [from, to): read records, so their
 * headers were checked by gcb_ring_read().
 */
static void ring_count(const gcb_ring_t *r, uint64_t from, uint64_t to, uint64_t *records,
		       uint64_t *bytes)
{
	*records = 0;
	*bytes = 0;
	while (from < to) {
		const gcb_ring_rec_t *h = (const gcb_ring_rec_t *)(r->data + (from & r->mask));

		if (h->type == GCB_RING_REC_PAD) {
			from += r->capacity - (from & r->mask);
			continue;
		}
		(*records)++;
		*bytes += h->length;
		from += gcb_ring_record_size(h->length);
	}
}

int gcb_ring_release(gcb_ring_t *r, uint64_t pos)
{
	gcb_ring_ctl_t *ctl = r->ctl;
	uint64_t old = LOAD_RLX(&ctl->cons.release), records, bytes;

	if (pos > r->rpos || pos < old)
		return -EINVAL;
	if (pos == old)
		return 0;
	if (pos == r->rpos) {
		records = r->unreleased_records;
		bytes = r->unreleased_bytes;
	} else {
		ring_count(r, old, pos, &records, &bytes);
	}
	r->unreleased_records -= records;
	r->unreleased_bytes -= bytes;
	STORE_RLX(&ctl->cons.read, r->rpos);
	STORE_REL(&ctl->cons.release, pos);
	/* Counted after the release store: a consumer killed in between leaves
	 * the counters short by one release, never counting a record twice. */
	STORE_RLX(&ctl->cons.records_read, LOAD_RLX(&ctl->cons.records_read) + records);
	STORE_RLX(&ctl->cons.bytes_read, LOAD_RLX(&ctl->cons.bytes_read) + bytes);
	if ((++r->ops % GCB_RING_HEARTBEAT_EVERY) == 0)
		gcb_ring_heartbeat_consumer(r);

	atomic_thread_fence(memory_order_seq_cst);
	if (LOAD_RLX(&ctl->prod_waiting) != 0) {
		STORE_RLX(&ctl->prod_waiting, 0);
		gcb_futex_wake_all(&ctl->prod_waiting);
	}
	return 0;
}

void gcb_ring_release_all(gcb_ring_t *r)
{
	(void)gcb_ring_release(r, r->rpos);
}

void gcb_ring_rewind(gcb_ring_t *r)
{
	r->rpos = LOAD_RLX(&r->ctl->cons.release);
	r->unreleased_records = 0;
	r->unreleased_bytes = 0;
	STORE_RLX(&r->ctl->cons.read, r->rpos);
}

/*
 * Adapts the next wait's spins: a wait that ended while spinning had them pay
 * off (twice as many next time, up to r->spins); one that went on to sleep
 * burnt them all (half as many).
 */
static void spin_paid(gcb_ring_t *r, int paid)
{
	uint32_t b = r->spin_budget;

	if (paid)
		b = b >= r->spins / 2 ? r->spins : 2 * b;
	else
		b = b / 2 >= GCB_RING_SPINS_MIN ? b / 2 : GCB_RING_SPINS_MIN;
	r->spin_budget = b < r->spins ? b : r->spins;
}

int gcb_ring_wait_readable(gcb_ring_t *r, int timeout_ms)
{
	gcb_ring_ctl_t *ctl = r->ctl;
	uint64_t deadline;
	int i, left, slept = 0, interrupted;

	for (i = 0; i < (int)r->spin_budget; i++) {
		if (r->rpos != r->cached_tail ||
		    (r->cached_tail = LOAD_ACQ(&ctl->prod.tail)) != r->rpos ||
		    atomic_exchange_explicit(&r->kicked, 0, memory_order_acquire)) {
			spin_paid(r, 1);
			return 0;
		}
		gcb_cpu_relax();
	}
	spin_paid(r, 0);

	/* Publish the read position before sleeping, so tools see how far we got. */
	STORE_RLX(&ctl->cons.read, r->rpos);
	deadline = gcb_clock_mono_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	gcb_ring_heartbeat_consumer(r);
	for (;;) {
		STORE_RLX(&ctl->cons_waiting, 1);
		atomic_thread_fence(memory_order_seq_cst);
		r->cached_tail = LOAD_ACQ(&ctl->prod.tail);
		if (r->rpos != r->cached_tail ||
		    atomic_exchange_explicit(&r->kicked, 0, memory_order_acquire)) {
			STORE_RLX(&ctl->cons_waiting, 0);
			return 0;
		}
		left = ring_ms_left(deadline);
		if (left == 0) {
			STORE_RLX(&ctl->cons_waiting, 0);
			return -ETIMEDOUT;
		}
		if (!slept++)
			STORE_RLX(&ctl->cons.empty_stalls, LOAD_RLX(&ctl->cons.empty_stalls) + 1);
		errno = 0;
		gcb_futex_wait(&ctl->cons_waiting, 1, left);
		interrupted = errno == EINTR;
		STORE_RLX(&ctl->cons_waiting, 0);
		gcb_ring_heartbeat_consumer(r);
		r->cached_tail = LOAD_ACQ(&ctl->prod.tail);
		if (r->rpos != r->cached_tail ||
		    atomic_exchange_explicit(&r->kicked, 0, memory_order_acquire))
			return 0;
		if (interrupted)
			return -EINTR;
	}
}

/*
 * The same announce/fence/check pairing as a commit, with the kick flag in
 * place of the tail: the waiter stores waiting = 1, fences and then reads
 * kicked; we store kicked = 1, fence and then read waiting. One of the two
 * sees the other's store.
 */
void gcb_ring_kick_consumer(gcb_ring_t *r)
{
	gcb_ring_ctl_t *ctl = r->ctl;

	atomic_store_explicit(&r->kicked, 1, memory_order_release);
	atomic_thread_fence(memory_order_seq_cst);
	if (LOAD_RLX(&ctl->cons_waiting) != 0) {
		STORE_RLX(&ctl->cons_waiting, 0);
		gcb_futex_wake_all(&ctl->cons_waiting);
	}
}

/*
 * Every value read from the ring is untrusted: positions are checked against
 * each other and the capacity before any offset is formed, a header is copied
 * out (memcpy, so unaligned or torn bytes are harmless) and checked before its
 * length is used, and each step moves the position forward by at least 8
 * bytes while the positions allow at most capacity bytes: the loop ends.
 */
#include "tools/ringstat/gcb_ringstat_walk.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define LOAD_ACQ(p) atomic_load_explicit((p), memory_order_acquire)

static const char *const corrupt_names[] = {
    [GCB_RINGSTAT_OK] = "ok",
    [GCB_RINGSTAT_BAD_DESC] = "bad ring descriptor",
    [GCB_RINGSTAT_BAD_POSITIONS] = "impossible positions",
    [GCB_RINGSTAT_BAD_LENGTH] = "bad length",
    [GCB_RINGSTAT_BAD_PADDING] = "bad padding",
    [GCB_RINGSTAT_CROSSES_LAP] = "record crosses the end of the lap",
    [GCB_RINGSTAT_PAST_TAIL] = "record runs past the tail",
    [GCB_RINGSTAT_READ_INSIDE] = "read position inside a record",
};

const char *gcb_ringstat_corrupt_name(int corrupt)
{
	if (corrupt < 0 || (unsigned)corrupt >= sizeof(corrupt_names) / sizeof(corrupt_names[0]))
		return "unknown";
	return corrupt_names[corrupt];
}

__attribute__((format(printf, 5, 6))) static int
walk_fail(gcb_ringstat_walk_t *w, int why, uint64_t pos, uint64_t capacity, const char *fmt, ...)
{
	va_list ap;

	w->corrupt = why;
	w->corrupt_pos = pos;
	w->corrupt_off = capacity != 0 ? pos % capacity : 0;
	va_start(ap, fmt);
	vsnprintf(w->detail, sizeof(w->detail), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Checks the snapshot before any offset is derived from it. */
static int walk_check(const gcb_ring_ctl_t *ctl, uint64_t capacity, gcb_ringstat_walk_t *w)
{
	if (ctl->desc.magic != GCB_RING_MAGIC)
		return walk_fail(w, GCB_RINGSTAT_BAD_DESC, 0, capacity, "ring magic is %#llx",
				 (unsigned long long)ctl->desc.magic);
	if (capacity < 4096 || (capacity & (capacity - 1)) != 0 || ctl->desc.capacity != capacity)
		return walk_fail(
		    w, GCB_RINGSTAT_BAD_DESC, 0, capacity, "ring capacity %llu (mapped %llu)",
		    (unsigned long long)ctl->desc.capacity, (unsigned long long)capacity);
	if (w->max_record > capacity / 2 - GCB_RING_REC_HDR)
		return walk_fail(w, GCB_RINGSTAT_BAD_DESC, 0, capacity,
				 "max_record %llu exceeds half the capacity",
				 (unsigned long long)w->max_record);
	if (w->release > w->tail || w->tail - w->release > capacity)
		return walk_fail(w, GCB_RINGSTAT_BAD_POSITIONS, w->release, capacity,
				 "release %llu, tail %llu", (unsigned long long)w->release,
				 (unsigned long long)w->tail);
	if (w->read < w->release || w->read > w->tail)
		return walk_fail(w, GCB_RINGSTAT_BAD_POSITIONS, w->release, capacity,
				 "read %llu outside [release %llu, tail %llu]",
				 (unsigned long long)w->read, (unsigned long long)w->release,
				 (unsigned long long)w->tail);
	if (w->release % GCB_RING_ALIGN != 0 || w->tail % GCB_RING_ALIGN != 0 ||
	    w->read % GCB_RING_ALIGN != 0)
		return walk_fail(
		    w, GCB_RINGSTAT_BAD_POSITIONS, w->release, capacity,
		    "position not %u-byte aligned (release %llu, read %llu, tail %llu)",
		    GCB_RING_ALIGN, (unsigned long long)w->release, (unsigned long long)w->read,
		    (unsigned long long)w->tail);
	return 0;
}

int gcb_ringstat_walk(const gcb_ring_ctl_t *ctl, const unsigned char *data, uint64_t capacity,
		      gcb_ringstat_visit_t visit, void *arg, gcb_ringstat_walk_t *w)
{
	uint64_t pos, steps, max_steps;
	int rc;

	if (w == NULL)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	if (ctl == NULL || data == NULL)
		return -EINVAL;

	/* release, read, tail in this order, each monotonic: a live ring then
	 * still gives release <= read <= tail. */
	w->release = LOAD_ACQ(&ctl->cons.release);
	w->read = LOAD_ACQ(&ctl->cons.read);
	w->tail = LOAD_ACQ(&ctl->prod.tail);
	w->max_record = ctl->desc.max_record;
	rc = walk_check(ctl, capacity, w);
	if (rc != 0)
		return rc;

	max_steps = capacity / GCB_RING_ALIGN + 1;
	for (pos = w->release, steps = 0; pos < w->tail && steps < max_steps; steps++) {
		uint64_t off = pos % capacity, room = capacity - off, left = w->tail - pos;
		gcb_ringstat_rec_t rec;
		unsigned char hdr[GCB_RING_REC_HDR];

		memset(&rec, 0, sizeof(rec));
		rec.pos = pos;
		rec.off = off;
		rec.unread = pos >= w->read;
		/* off is 8-aligned, capacity a multiple of 8: 8 bytes are there. */
		memcpy(hdr, data + off, GCB_RING_ALIGN);
		memcpy(&rec.length, hdr + offsetof(gcb_ring_rec_t, length), sizeof(rec.length));
		memcpy(&rec.type, hdr + offsetof(gcb_ring_rec_t, type), sizeof(rec.type));

		if (rec.type == GCB_RING_REC_PAD) {
			if (rec.length != room - GCB_RING_ALIGN)
				return walk_fail(w, GCB_RINGSTAT_BAD_PADDING, pos, capacity,
						 "padding length %u, the lap has %llu bytes left",
						 rec.length, (unsigned long long)room);
			if (room > left)
				return walk_fail(w, GCB_RINGSTAT_PAST_TAIL, pos, capacity,
						 "padding of %llu bytes, %llu before the tail",
						 (unsigned long long)room,
						 (unsigned long long)left);
			rec.size = room;
		} else {
			if (rec.length > w->max_record)
				return walk_fail(w, GCB_RINGSTAT_BAD_LENGTH, pos, capacity,
						 "length %u > max_record %llu", rec.length,
						 (unsigned long long)w->max_record);
			rec.size = (GCB_RING_REC_HDR + (uint64_t)rec.length + GCB_RING_ALIGN - 1) &
				   ~(uint64_t)(GCB_RING_ALIGN - 1);
			if (rec.size > room)
				return walk_fail(w, GCB_RINGSTAT_CROSSES_LAP, pos, capacity,
						 "record of %llu bytes, %llu left in the lap",
						 (unsigned long long)rec.size,
						 (unsigned long long)room);
			if (rec.size > left)
				return walk_fail(w, GCB_RINGSTAT_PAST_TAIL, pos, capacity,
						 "record of %llu bytes, %llu before the tail",
						 (unsigned long long)rec.size,
						 (unsigned long long)left);
			memcpy(hdr + GCB_RING_ALIGN, data + off + GCB_RING_ALIGN,
			       GCB_RING_REC_HDR - GCB_RING_ALIGN);
			memcpy(&rec.flags, hdr + offsetof(gcb_ring_rec_t, flags),
			       sizeof(rec.flags));
			memcpy(&rec.seq, hdr + offsetof(gcb_ring_rec_t, seq), sizeof(rec.seq));
			rec.payload = data + off + GCB_RING_REC_HDR;
		}
		if (w->read > pos && w->read < pos + rec.size)
			return walk_fail(w, GCB_RINGSTAT_READ_INSIDE, pos, capacity,
					 "read %llu inside the record at %llu..%llu",
					 (unsigned long long)w->read, (unsigned long long)pos,
					 (unsigned long long)(pos + rec.size));

		if (rec.type == GCB_RING_REC_PAD) {
			w->pad_bytes += rec.size;
		} else {
			w->records++;
			w->unread_records += rec.unread;
			w->payload_bytes += rec.length;
		}
		pos += rec.size;
		if (visit != NULL && visit(arg, &rec) != 0) {
			w->stopped = 1;
			return 0;
		}
	}
	return 0;
}

int gcb_ringstat_walk_stable(const gcb_ring_ctl_t *ctl, const unsigned char *data,
			     uint64_t capacity, gcb_ringstat_walk_t *w)
{
	int rc = -EINVAL, attempt;

	for (attempt = 0; attempt < 5; attempt++) {
		rc = gcb_ringstat_walk(ctl, data, capacity, NULL, NULL, w);
		if (rc != -EBADMSG || w->corrupt == GCB_RINGSTAT_BAD_DESC)
			return rc;
		/* Bytes in [release, tail) are immutable until released. The
		 * finding stands unless the consumer released past it since
		 * (the producer may have reused the bytes under us), or, for
		 * positions, one of them moved between our loads. */
		if (w->corrupt == GCB_RINGSTAT_BAD_POSITIONS) {
			if (LOAD_ACQ(&ctl->cons.release) == w->release &&
			    LOAD_ACQ(&ctl->cons.read) == w->read &&
			    LOAD_ACQ(&ctl->prod.tail) == w->tail)
				return rc;
		} else if (LOAD_ACQ(&ctl->cons.release) <= w->corrupt_pos) {
			return rc;
		}
	}
	w->raced = 1;
	return rc;
}

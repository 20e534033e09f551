/*
 * From the spool into the rings. Every loop turn the records after the read
 * position are assembled into one batch in a fixed scratch buffer (no
 * allocation per record) and written with the fetcher's batch writer once
 * the ring it goes to has room for all of it: the loop never waits for ring
 * space, so the channels keep being read while Kafka is slow. A batch's
 * cursor is the spool position after its last record (gcb_spool_pos_format),
 * so the checkpoint names the first record not yet acknowledged, and the
 * spool releases segments wholly before it.
 *
 * A ring without room is tried again by the loop's timer: within 1 ms while
 * the consumers are draining it (the last try wrote a batch), backing off to
 * 10 ms while they are stopped (Kafka down). A fixed 10 ms made the drain of
 * a backlog one ring per 10 ms, whatever the consumers could take.
 */
#include "stages/notif/gcb_notif_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shm/gcb_counters_source.h"
#include "lib/gcb_log.h"

#define POS_TEXT_MAX	  48
#define RING_RETRY_MIN_MS 1
#define RING_RETRY_MAX_MS 10

static int never_wait(void *arg, int why)
{
	(void)arg;
	(void)why;
	return 1;
}

int gcb_notif_feed_init(gcb_notif_t *n)
{
	uint64_t cap = UINT64_MAX;

	for (unsigned i = 0; i < n->n_rings; i++)
		if (n->rings[i].capacity < cap)
			cap = n->rings[i].capacity;
	/* A batch never needs more than half the smallest ring (so the batch
	 * writer never splits it), nor less than one largest message. */
	n->scratch_size = cap / 2;
	if (n->scratch_size < n->max_message)
		n->scratch_size = n->max_message;
	n->scratch = malloc(n->scratch_size);
	n->batch.events = calloc(GCB_NOTIF_BATCH_EVENTS, sizeof(*n->batch.events));
	n->batch.cap = GCB_NOTIF_BATCH_EVENTS;
	if (n->scratch == NULL || n->batch.events == NULL) {
		gcb_log_error("malloc() of the %zu-byte feed buffer failed", n->scratch_size);
		return -ENOMEM;
	}
	n->src.writer.wait = never_wait;
	n->src.writer.wait_arg = n;
	return 0;
}

void gcb_notif_feed_fini(gcb_notif_t *n)
{
	free(n->scratch);
	free(n->batch.events);
	n->scratch = NULL;
	n->batch.events = NULL;
}

static int seek_text(gcb_notif_t *n, const char *text, const char *from)
{
	gcb_spool_pos_t pos;
	char buf[POS_TEXT_MAX];
	int rc;

	if (gcb_spool_pos_parse(text, &pos) != 0) {
		gcb_log_error("%s cursor \"%s\" is not a spool position: replaying the spool from "
			      "its oldest record",
			      from, text);
		return -EINVAL;
	}
	if ((rc = gcb_spool_seek(n->spool, pos)) != 0) {
		gcb_log_error("gcb_spool_seek(%s) failed: %s: replaying the spool from its oldest "
			      "record",
			      text, strerror(-rc));
		return rc;
	}
	gcb_spool_pos_format(gcb_spool_read_pos(n->spool), buf, sizeof(buf));
	gcb_log_info("resuming the spool at %s (%s)", buf, from);
	return 0;
}

void gcb_notif_feed_resume(gcb_notif_t *n)
{
	gcb_source_t *f = &n->src;
	char stream[GCB_SOURCE_STREAM_MAX + 1];
	gcb_spool_pos_t pos;
	uint64_t batch = 0;
	size_t len;
	int rc;

	if (gcb_batch_last_cursor(f->pipe, f->cursor, sizeof(f->cursor), &len) == 0 &&
	    seek_text(n, f->cursor, "after the last batch in shared memory") == 0)
		goto loaded;
	rc = gcb_ckpt_load(&f->ckpt, stream, sizeof(stream), f->cursor, sizeof(f->cursor), &batch);
	if (rc == 0 && strcmp(stream, GCB_NOTIF_STREAM) != 0) {
		gcb_log_warn("checkpoint %s/%s belongs to stream %s: replaying the spool from its "
			     "oldest record",
			     f->ckpt.dir, f->ckpt.name, stream);
	} else if (rc == 0) {
		if (seek_text(n, f->cursor, "checkpoint") == 0 &&
		    gcb_spool_pos_parse(f->cursor, &pos) == 0)
			(void)gcb_spool_release(n->spool, pos);
	} else if (rc == -ENOENT) {
		gcb_log_info("no checkpoint in %s: replaying the spool from its oldest record",
			     f->ckpt.dir);
	} else {
		gcb_log_error("checkpoint %s/%s unreadable (%s): replaying the spool from its "
			      "oldest record",
			      f->ckpt.dir, f->ckpt.name, strerror(-rc));
	}
loaded:
	gcb_spool_pos_format(gcb_spool_read_pos(n->spool), n->prev_cursor, sizeof(n->prev_cursor));
	n->released_seq = atomic_load(&f->pipe->checkpoint_batch_seq);
}

/* Appends spooled records to the batch in scratch. 0 or -EIO. */
static int build(gcb_notif_t *n, uint64_t limit)
{
	gcb_batch_writer_t *w = &n->src.writer;
	gcb_spool_rec_t rec;
	int rc;

	while (n->batch.n_events < n->batch.cap) {
		uint64_t sz, mx;

		rc = gcb_spool_peek(n->spool, &rec, n->scratch + n->scratch_used,
				    n->scratch_size - n->scratch_used);
		if (rc == 0 || (rc == -ENOBUFS && n->batch.n_events > 0))
			break;
		if (rc < 0) {
			gcb_log_error("gcb_spool_peek() failed: %s", strerror(-rc));
			return rc == -ENOBUFS ? -EIO : rc;
		}
		sz = gcb_batch_record_bytes(w, rec.len);
		mx = sz > n->batch_maxrec ? sz : n->batch_maxrec;
		if (n->batch.n_events > 0 && n->batch_bytes + sz + mx > limit)
			break;
		n->batch.events[n->batch.n_events].off = (uint32_t)n->scratch_used;
		n->batch.events[n->batch.n_events].len = rec.len;
		n->batch.n_events++;
		n->scratch_used += rec.len;
		n->batch_bytes += sz;
		n->batch_maxrec = mx;
		n->batch_arrival_ms = rec.arrival_unix_ms;
		gcb_spool_consume(n->spool, &rec);
		n->batch.cursor_len = (size_t)gcb_spool_pos_format(rec.next, n->batch.cursor,
								   sizeof(n->batch.cursor));
	}
	return 0;
}

/* Bytes ring r can take now without waiting (its producer is this process). */
static uint64_t ring_free(const gcb_ring_t *r)
{
	return gcb_ring_free(r);
}

/* No room: the loop tries again soon if this try wrote something, later and later if not. */
static int blocked(gcb_notif_t *n, unsigned written)
{
	n->ring_blocked = 1;
	if (written > 0 || n->ring_retry_ms == 0)
		n->ring_retry_ms = RING_RETRY_MIN_MS;
	else if ((n->ring_retry_ms *= 2) > RING_RETRY_MAX_MS)
		n->ring_retry_ms = RING_RETRY_MAX_MS;
	return 0;
}

int gcb_notif_feed(gcb_notif_t *n)
{
	gcb_source_t *f = &n->src;
	gcb_shm_pipeline_t *p = f->pipe;
	int was_blocked = n->ring_blocked;
	unsigned written = 0;

	n->ring_blocked = 0;
	for (int turns = 0; turns < 16; turns++) {
		uint64_t b = atomic_load_explicit(&p->fetched_batch_seq, memory_order_relaxed) + 1;
		gcb_ring_t *r = &n->rings[b % n->n_rings];
		int rc;

		if ((rc = build(n, r->capacity / 2)) != 0)
			return rc;
		if (n->batch.n_events == 0)
			return 0;
		if (b > GCB_SHM_CURSOR_SLOTS &&
		    atomic_load_explicit(&p->checkpoint_batch_seq, memory_order_acquire) <
			b - GCB_SHM_CURSOR_SLOTS) {
			/* 64 batches since the last checkpoint: store one now. */
			gcb_source_checkpoint(f, 1);
			if (atomic_load(&p->checkpoint_batch_seq) < b - GCB_SHM_CURSOR_SLOTS)
				return blocked(n, written);
		}
		if (ring_free(r) < n->batch_bytes + n->batch_maxrec) {
			if (!was_blocked)
				gcb_notif_count(n, GCB_SC_RING_FULL_WAITS, 1);
			return blocked(n, written);
		}
		rc = gcb_batch_write(&f->writer, n->scratch, &n->batch, n->prev_cursor,
				     n->batch_arrival_ms);
		if (rc == -ECANCELED)
			return blocked(n, written);
		if (rc != 0) {
			gcb_log_error("writing a batch of %zu spooled messages failed: %s",
				      n->batch.n_events, strerror(-rc));
			return rc;
		}
		written++;
		memcpy(n->prev_cursor, n->batch.cursor, n->batch.cursor_len + 1);
		gcb_notif_batch_written(n, b, n->batch_arrival_ms);
		n->batch.n_events = 0;
		n->scratch_used = 0;
		n->batch_bytes = 0;
		n->batch_maxrec = 0;
	}
	return 0;
}

void gcb_notif_feed_release(gcb_notif_t *n)
{
	gcb_shm_pipeline_t *p = n->src.pipe;
	uint64_t ck = atomic_load_explicit(&p->checkpoint_batch_seq, memory_order_acquire);
	const gcb_shm_cursor_slot_t *s = &p->cursors[ck % GCB_SHM_CURSOR_SLOTS];
	char text[GCB_SHM_CURSOR_MAX];
	gcb_spool_pos_t pos;
	uint32_t len;
	int rc;

	if (ck == n->released_seq || ck == 0)
		return;
	/* This process is the slot's only writer: it cannot change under us. */
	len = s->length;
	if (atomic_load_explicit(&s->batch_seq, memory_order_acquire) != ck || len >= sizeof(text))
		return;
	memcpy(text, s->cursor, len);
	text[len] = '\0';
	n->released_seq = ck;
	if (gcb_spool_pos_parse(text, &pos) != 0)
		return;
	if ((rc = gcb_spool_release(n->spool, pos)) != 0)
		gcb_log_error("gcb_spool_release(%s) failed: %s", text, strerror(-rc));
}

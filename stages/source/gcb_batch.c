#include "stages/source/gcb_batch.h"

#include <errno.h>
#include <string.h>

#include "shm/gcb_counters_source.h"
#include "shm/gcb_shm_cursor.h"
#include "lib/gcb_log.h"

#define RING_WAIT_MS 200

static void count_add(gcb_batch_writer_t *w, unsigned idx, uint64_t n)
{
	if (w->counters != NULL)
		gcb_counter_add(w->counters, idx, n);
}

/*
 * The cursor slot of batch F+1 is written before its commit and
 * fetched_batch_seq after it, so a fetcher killed in between leaves a
 * committed batch nobody published. The ring it went to knows: its last
 * committed record (exact even once released) belongs to batch F+1.
 */
static void recover_unpublished(gcb_batch_writer_t *w)
{
	gcb_shm_pipeline_t *p = w->pipe;
	uint64_t f = atomic_load_explicit(&p->fetched_batch_seq, memory_order_acquire);
	const gcb_shm_cursor_slot_t *s = &p->cursors[(f + 1) % GCB_SHM_CURSOR_SLOTS];
	const gcb_ring_rec_t *last;
	const gcb_rec_event_t *ev;

	if (atomic_load_explicit(&s->batch_seq, memory_order_acquire) != f + 1)
		return;
	last = gcb_ring_last_committed(&w->rings[(f + 1) % w->n_rings]);
	if (last == NULL || last->type != GCB_REC_EVENT || last->length < GCB_BATCH_REC_FIXED)
		return;
	ev = (const gcb_rec_event_t *)last->payload;
	if (ev->batch_seq != f + 1)
		return;
	gcb_log_warn("batch %llu was committed by the previous fetcher but not published: "
		     "publishing it now",
		     (unsigned long long)(f + 1));
	atomic_store_explicit(&p->fetched_batch_seq, f + 1, memory_order_release);
}

void gcb_batch_writer_init(gcb_batch_writer_t *w, gcb_ring_t *rings, unsigned n_rings,
			   gcb_shm_pipeline_t *pipe, const char *stream, uint32_t max_event_bytes,
			   _Atomic uint64_t *counters)
{
	memset(w, 0, sizeof(*w));
	w->rings = rings;
	w->n_rings = n_rings;
	w->pipe = pipe;
	w->stream = stream;
	w->stream_len = (uint32_t)strlen(stream);
	w->max_event_bytes = max_event_bytes;
	w->counters = counters;
	for (unsigned i = 0; i < n_rings; i++)
		if (gcb_ring_resume_seq(&rings[i]) > w->last_seq)
			w->last_seq = gcb_ring_resume_seq(&rings[i]);
	recover_unpublished(w);
}

static uint32_t payload_len(const gcb_batch_writer_t *w, size_t json_len)
{
	return (uint32_t)(GCB_BATCH_REC_FIXED + json_len + w->stream_len);
}

uint64_t gcb_batch_record_bytes(const gcb_batch_writer_t *w, size_t json_len)
{
	return gcb_ring_record_size(payload_len(w, json_len));
}

static void slot_store(gcb_shm_pipeline_t *p, uint64_t b, const char *cursor, size_t len)
{
	gcb_shm_cursor_slot_t *s = &p->cursors[b % GCB_SHM_CURSOR_SLOTS];

	/* Seqlock-like for readers in other processes: 0 while the bytes change. */
	atomic_store_explicit(&s->batch_seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy(s->cursor, cursor, len);
	s->cursor[len] = '\0';
	s->length = (uint32_t)len;
	atomic_store_explicit(&s->batch_seq, b, memory_order_release);
}

static int wait_slot(gcb_batch_writer_t *w, uint64_t b)
{
	int waited = 0;

	while (b > GCB_SHM_CURSOR_SLOTS &&
	       atomic_load_explicit(&w->pipe->checkpoint_batch_seq, memory_order_acquire) <
		   b - GCB_SHM_CURSOR_SLOTS) {
		if (!waited++)
			count_add(w, GCB_SC_SLOT_WAITS, 1);
		if (w->wait(w->wait_arg, GCB_BATCH_WAIT_SLOT) != 0)
			return -ECANCELED;
	}
	return 0;
}

/*
 * 1 when the event travels cut: a record of r cannot carry it whole, or it
 * is bound for the DLQ (above max_event_bytes) and larger than the DLQ
 * takes, where a whole copy would be refused by Kafka for good.
 */
static int event_cut(const gcb_ring_t *r, const gcb_batch_writer_t *w, size_t json_len)
{
	return json_len > UINT32_MAX / 2 || (uint64_t)payload_len(w, json_len) > r->max_record ||
	       (w->dlq_value_max != 0 && json_len > w->max_event_bytes &&
		json_len > w->dlq_value_max);
}

/*
 * JSON bytes the record carries: all, or for a cut event its first part,
 * as much as the record holds next to the cut event's fields, and at most
 * max_event_bytes (check_rings() guarantees the record holds that much).
 */
static uint32_t event_json_len(const gcb_ring_t *r, const gcb_batch_writer_t *w, size_t json_len)
{
	uint64_t fixed = (uint64_t)payload_len(w, 0) + GCB_BATCH_CUT_META_MAX;
	uint64_t room = r->max_record > fixed ? r->max_record - fixed : 0;

	if (!event_cut(r, w, json_len))
		return (uint32_t)json_len;
	if (w->dlq_value_max != 0 && room > w->dlq_value_max)
		room = w->dlq_value_max;
	return (uint32_t)(room < w->max_event_bytes ? room : w->max_event_bytes);
}

/* Record payload bytes of the event, cut events' fields included. */
static uint32_t event_payload_len(const gcb_ring_t *r, const gcb_batch_writer_t *w, size_t json_len)
{
	uint32_t jl = event_json_len(r, w, json_len);

	return payload_len(w, jl) + (event_cut(r, w, json_len) ? GCB_BATCH_CUT_META_MAX : 0);
}

/* Keeps a cut event whole; fills the digest and the file name. */
static int keep_cut(gcb_batch_writer_t *w, const char *event, size_t len,
		    char sha256[GCB_BATCH_SHA256_HEX + 1], char name[GCB_BATCH_KEPT_NAME])
{
	int rc;

	sha256[0] = name[0] = '\0';
	if (w->keep == NULL)
		return 0;
	rc = w->keep(w->keep_arg, event, len, sha256, name, GCB_BATCH_KEPT_NAME);
	sha256[GCB_BATCH_SHA256_HEX] = '\0';
	name[GCB_BATCH_KEPT_NAME - 1] = '\0';
	return rc;
}

/*
 * Writes events [from, to) of res as batch b; cursor goes to the batch's
 * slot, not into the records (gcb_records.h).
 */
static int write_one(gcb_batch_writer_t *w, const char *body, const gcb_poll_result_t *res,
		     size_t from, size_t to, uint64_t b, const char *cursor, size_t cursor_len,
		     uint64_t received_unix_ms)
{
	gcb_ring_t *r = &w->rings[b % w->n_rings];
	uint64_t seq = w->last_seq, bytes = 0;
	int rc, waited = 0;

	if ((rc = wait_slot(w, b)) != 0)
		return rc;
	for (size_t i = from; i < to; i++) {
		const gcb_poll_span_t *sp = &res->events[i];
		uint32_t jl = event_json_len(r, w, sp->len);
		uint32_t len = event_payload_len(r, w, sp->len);
		int cut = jl != sp->len;
		uint16_t flags = (i + 1 == to ? GCB_REC_F_BATCH_END : 0) |
				 (cut ? GCB_REC_F_CUT : 0) |
				 (res->raw_answer ? GCB_REC_F_RAW_ANSWER : 0);
		char sha256[GCB_BATCH_SHA256_HEX + 1], kept[GCB_BATCH_KEPT_NAME];
		uint32_t sha_len = 0, kept_len = 0;
		gcb_ring_rec_t *rec;
		gcb_rec_event_t *ev;
		uint32_t off = GCB_BATCH_REC_FIXED;

		if (cut) {
			/* Durable before the batch can be committed, let alone acked. */
			if ((rc = keep_cut(w, body + sp->off, sp->len, sha256, kept)) != 0) {
				gcb_ring_abort(r);
				gcb_log_error("keeping an event of %u bytes failed: %s", sp->len,
					      strerror(-rc));
				return rc;
			}
			sha_len = (uint32_t)strlen(sha256);
			kept_len = (uint32_t)strlen(kept);
			len = payload_len(w, jl) + sha_len + kept_len;
		}

		while ((rc = gcb_ring_reserve(r, len, GCB_REC_EVENT, flags, seq + 1, &rec)) ==
		       -EAGAIN) {
			if (!waited++)
				count_add(w, GCB_SC_RING_FULL_WAITS, 1);
			if (gcb_ring_wait_writable(r, len, RING_WAIT_MS) == 0)
				continue;
			if (w->wait(w->wait_arg, GCB_BATCH_WAIT_RING) != 0) {
				gcb_ring_abort(r);
				return -ECANCELED;
			}
		}
		if (rc != 0) {
			gcb_ring_abort(r);
			gcb_log_error("gcb_ring_reserve() failed for a %u-byte record: %s", len,
				      strerror(-rc));
			return rc;
		}
		seq++;
		ev = (gcb_rec_event_t *)rec->payload;
		memset(ev, 0, GCB_BATCH_REC_FIXED);
		ev->batch_seq = b;
		ev->received_unix_ms = received_unix_ms;
		ev->event_len = sp->len;
		ev->fields[GCB_EVF_JSON] = (gcb_rec_field_t){off, jl};
		memcpy(ev->data, body + sp->off, jl);
		off += jl;
		ev->fields[GCB_EVF_STREAM] = (gcb_rec_field_t){off, w->stream_len};
		memcpy((unsigned char *)ev + off, w->stream, w->stream_len);
		off += w->stream_len;
		if (cut) {
			ev->fields[GCB_EVF_SHA256] = (gcb_rec_field_t){off, sha_len};
			memcpy((unsigned char *)ev + off, sha256, sha_len);
			off += sha_len;
			ev->fields[GCB_EVF_QUARANTINE] = (gcb_rec_field_t){off, kept_len};
			memcpy((unsigned char *)ev + off, kept, kept_len);
		}
		bytes += jl;
		if (sp->len > w->max_event_bytes)
			count_add(w, GCB_SC_OVERSIZED_EVENTS, 1);
		if (cut) {
			count_add(w, GCB_SC_UNCARRIABLE_EVENTS, 1);
			gcb_log_error(
			    "event of %u bytes is larger than %s (%llu): forwarded cut to "
			    "its first %u bytes, whole in %s (seq %llu, batch %llu)",
			    sp->len,
			    payload_len(w, sp->len) > r->max_record ? "the ring's largest record"
								    : "the dead-letter topic takes",
			    payload_len(w, sp->len) > r->max_record
				? (unsigned long long)r->max_record
				: (unsigned long long)w->dlq_value_max,
			    jl, kept_len ? kept : "(not kept)", (unsigned long long)seq,
			    (unsigned long long)b);
		}
	}
	/* The slot before the commit: a reader of the batch's records (the
	 * producer, for dead letters) finds its cursor there. wait_slot() made
	 * sure the batch this slot held before is checkpointed, i.e. no record
	 * of it is left in any ring to read the slot. */
	slot_store(w->pipe, b, cursor, cursor_len);
	gcb_ring_commit(r);
	atomic_store_explicit(&w->pipe->fetched_batch_seq, b, memory_order_release);
	w->last_seq = seq;
	count_add(w, GCB_SC_EVENTS, to - from);
	count_add(w, GCB_SC_BYTES, bytes);
	count_add(w, GCB_SC_BATCHES, 1);
	return 0;
}

int gcb_batch_write(gcb_batch_writer_t *w, const char *body, const gcb_poll_result_t *res,
		    const char *prev_cursor, uint64_t received_unix_ms)
{
	size_t from = 0, prev_len = strlen(prev_cursor);
	unsigned parts = 0;

	if (res->cursor_len >= GCB_SHM_CURSOR_MAX || prev_len >= GCB_SHM_CURSOR_MAX)
		return -ENAMETOOLONG;
	while (from < res->n_events) {
		uint64_t b =
		    atomic_load_explicit(&w->pipe->fetched_batch_seq, memory_order_relaxed) + 1;
		const gcb_ring_t *r = &w->rings[b % w->n_rings];
		uint64_t sum = 0, maxrec = 0;
		size_t to = from;
		int last, rc;

		/* A batch fits an empty ring when its records plus one padding
		 * record (smaller than its largest record) fit the capacity. */
		while (to < res->n_events) {
			uint64_t sz =
			    gcb_ring_record_size(event_payload_len(r, w, res->events[to].len));
			uint64_t mx = sz > maxrec ? sz : maxrec;

			if (to > from && sum + sz + mx > r->capacity)
				break;
			sum += sz;
			maxrec = mx;
			to++;
		}
		last = to == res->n_events;
		if (!last && parts == 0)
			count_add(w, GCB_SC_SPLIT_BATCHES, 1);
		parts++;
		rc = write_one(w, body, res, from, to, b, last ? res->cursor : prev_cursor,
			       last ? res->cursor_len : prev_len, received_unix_ms);
		if (rc != 0)
			return rc;
		from = to;
	}
	return 0;
}

int gcb_batch_last_cursor(const gcb_shm_pipeline_t *pipe, char *cursor, size_t size, size_t *len)
{
	uint64_t f = atomic_load_explicit(&pipe->fetched_batch_seq, memory_order_acquire);

	return gcb_shm_cursor_read(pipe, f, cursor, size, len);
}

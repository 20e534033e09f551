/*
 * The poll source's spool: appending answers, feeding the rings from the
 * spool, releasing what the checkpoint covers, the full state and the
 * operator's view of it (see gcb_fetcher_spool.h, docs/fetcher.md).
 *
 * The feed works like the notification source's (stages/notif/
 * gcb_notif_feed.c): a batch is assembled in a fixed scratch buffer and
 * written only once the ring it goes to has room for all of it, so the
 * fetcher never waits for ring space while it can poll. The complete
 * answers readable in the spool go as one batch with the last one's next
 * cursor, up to half a ring or FEED_EVENTS events: a backlog of small
 * answers takes a few batches, not one per answer, so it is not held to
 * GCB_SHM_CURSOR_SLOTS batches per checkpoint round trip. An answer that
 * does not fit travels in several batches, all but the last carrying the
 * cursor the answer was polled after, as the batch writer does.
 */
#include "stages/fetcher/gcb_fetcher_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_fetcher.h"
#include "shm/gcb_shm_source.h"
#include "stages/fetcher/gcb_fetcher_spoolrec.h"
#include "lib/gcb_log.h"

#define FEED_TURNS	 GCB_SHM_CURSOR_SLOTS /* batches per feed: one checkpoint's worth */
#define FEED_EVENTS	 1000 /* events of one batch at most: genesys.poll.limit's maximum */
#define SAMPLE_MS	 1000
#define REPORT_MS	 1000
#define RESUME_BEAT_RECS 1024
/* Bytes a record of len payload bytes takes in the spool (docs/spool.md). */
#define SPOOL_REC_BYTES(len) ((((uint64_t)24 + (len)) + 7u) & ~(uint64_t)7u)
/* Room kept for segment headers of rotations an answer may cause. */
#define SPOOL_SLACK (4u * 32u)


/* ---- open and close ---- */

int gcb_fetcher_pspool_open(gcb_fetcher_t *f)
{
	const gcb_source_conf_t *c = f->src.conf;
	gcb_fetcher_pspool_t *ps = calloc(1, sizeof(*ps));
	gcb_spool_conf_t sc = {0};
	gcb_spool_stats_t st;
	uint64_t cap = UINT64_MAX, maxrec = 0;
	char err[256];
	int rc;

	if (ps == NULL) {
		gcb_log_error("calloc() of the spool state failed");
		return -ENOMEM;
	}
	f->ps = ps;
	for (unsigned i = 0; i < f->src.writer.n_rings; i++) {
		if (f->src.writer.rings[i].capacity < cap)
			cap = f->src.writer.rings[i].capacity;
		if (f->src.writer.rings[i].max_record > maxrec)
			maxrec = f->src.writer.rings[i].max_record;
	}
	/*
	 * An event larger than a ring record travels cut (gcb_batch.h);
	 * one above event.max_bytes goes to the DLQ. The spool holds events up
	 * to the larger of the two, plus room: what is larger still goes to
	 * the rings directly once the spool is drained (gcb_fetcher.c).
	 */
	if (maxrec < c->max_event_bytes)
		maxrec = c->max_event_bytes;
	ps->max_record = (uint32_t)(maxrec + (64u << 10));
	ps->scratch_size = cap / 2;
	if (ps->scratch_size < ps->max_record)
		ps->scratch_size = ps->max_record;
	ps->scratch = malloc(ps->scratch_size);
	ps->abuf = malloc(ps->max_record);
	ps->batch.events = calloc(FEED_EVENTS, sizeof(*ps->batch.events));
	ps->batch.cap = FEED_EVENTS;
	if (ps->scratch == NULL || ps->abuf == NULL || ps->batch.events == NULL) {
		gcb_log_error("malloc() of the %zu-byte spool feed buffer failed",
			      ps->scratch_size);
		return -ENOMEM;
	}
	sc.dir = c->spool.dir;
	sc.segment_bytes = c->spool.segment_bytes;
	sc.max_bytes = c->spool.max_bytes;
	sc.sync_interval_ms = c->spool.sync_interval_ms;
	sc.max_record = ps->max_record;
	if ((rc = gcb_spool_open(&ps->spool, &sc, err, sizeof(err))) != 0) {
		gcb_log_error("spool %s: %s", c->spool.dir, err);
		return -EINVAL;
	}
	gcb_spool_stats(ps->spool, &st);
	gcb_counter_add(f->src.counters, GCB_SC_SPOOL_RECOVERED_BYTES, st.recovered_tail_bytes);
	ps->syncs = st.syncs;
	return 0;
}

/* ---- the feed ---- */

static void batch_reset(gcb_fetcher_pspool_t *ps)
{
	ps->batch.n_events = 0;
	ps->scratch_used = 0;
	ps->batch_bytes = 0;
	ps->batch_maxrec = 0;
	ps->ready = 0;
	ps->complete = 0;
	memset(&ps->whole, 0, sizeof(ps->whole));
	memset(&ps->carry, 0, sizeof(ps->carry));
}

/* The batch ends with a complete answer: remember the point. */
static void whole_mark(gcb_fetcher_pspool_t *ps)
{
	ps->whole.n_events = ps->batch.n_events;
	ps->whole.scratch_used = ps->scratch_used;
	ps->whole.bytes = ps->batch_bytes;
	ps->whole.maxrec = ps->batch_maxrec;
}

/* Drops the events of a torn answer, keeping the complete ones before it. */
static void whole_rollback(gcb_fetcher_pspool_t *ps)
{
	ps->batch.n_events = ps->whole.n_events;
	ps->scratch_used = ps->whole.scratch_used;
	ps->batch_bytes = ps->whole.bytes;
	ps->batch_maxrec = ps->whole.maxrec;
}

/*
 * Nothing more is readable. Complete answers in the batch go now; the events
 * of an answer still open after them are held back (carried into the next
 * batch), so that an answer cut off by a crash delays nothing before it and
 * is still dropped whole when it is spooled again. 1 when the batch is ready.
 */
static int whole_ready(gcb_fetcher_pspool_t *ps)
{
	if (ps->whole.n_events == 0 && (ps->open || ps->batch.n_events == 0))
		return 0;
	ps->carry.n_events = ps->batch.n_events - ps->whole.n_events;
	ps->carry.bytes = ps->batch_bytes - ps->whole.bytes;
	ps->carry.maxrec = ps->batch_maxrec;
	/* The batch ends at the last complete answer; scratch_used still
	 * covers the carried events (batch_next() moves them). */
	ps->batch.n_events = ps->whole.n_events;
	ps->batch_bytes = ps->whole.bytes;
	ps->batch_maxrec = ps->whole.maxrec;
	ps->ready = 1;
	ps->complete = 1;
	return 1;
}

/* After a batch was written: the next starts with what it carried, if any. */
static void batch_next(gcb_fetcher_pspool_t *ps)
{
	size_t base = ps->whole.scratch_used, n = ps->carry.n_events;
	size_t used = ps->scratch_used - base;
	uint64_t bytes = ps->carry.bytes, maxrec = ps->carry.maxrec;

	if (!ps->open || !ps->complete) {
		batch_reset(ps); /* a split batch took the open answer's events along */
		return;
	}
	memmove(ps->scratch, ps->scratch + base, used);
	for (size_t i = 0; i < n; i++) {
		ps->batch.events[i] = ps->batch.events[ps->whole.n_events + i];
		ps->batch.events[i].off -= (uint32_t)base;
	}
	batch_reset(ps);
	ps->batch.n_events = n;
	ps->scratch_used = used;
	ps->batch_bytes = bytes;
	ps->batch_maxrec = n > 0 ? maxrec : 0;
	memcpy(ps->batch_from, ps->prev, ps->prev_len + 1);
}

static void set_cursor(gcb_poll_result_t *b, const char *c, size_t len)
{
	memcpy(b->cursor, c, len);
	b->cursor[len] = '\0';
	b->cursor_len = len;
}

/* The open answer's events so far go as one batch; the answer goes on. */
static void split(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps)
{
	set_cursor(&ps->batch, ps->prev, ps->prev_len);
	ps->ready = 1;
	ps->complete = 0;
	gcb_counter_add(f->src.counters, GCB_SC_SPLIT_BATCHES, 1);
}

static void begin(gcb_fetcher_pspool_t *ps, const gcb_spool_rec_t *rec, const char *c, size_t len)
{
	ps->open = 1;
	ps->begin_pos = rec->pos;
	memmove(ps->prev, c, len);
	ps->prev[len] = '\0';
	ps->prev_len = len;
	if (ps->batch.n_events == 0) {
		memcpy(ps->batch_from, ps->prev, len + 1);
		ps->batch_arrival_ms = rec->arrival_unix_ms;
	}
}

/* Reads spooled records into the batch until it is ready or none is readable. */
static int build(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps, uint64_t limit, uint64_t limit_rec)
{
	gcb_batch_writer_t *w = &f->src.writer;
	gcb_spool_rec_t rec;
	gcb_spoolrec_t r;
	int rc;

	while (!ps->ready) {
		char *at = ps->scratch + ps->scratch_used;
		uint64_t sz, mx;

		rc = gcb_spool_peek(ps->spool, &rec, at, ps->scratch_size - ps->scratch_used);
		if (rc == 0) {
			(void)whole_ready(ps);
			return 0;
		}
		if (rc == -ENOBUFS && ps->batch.n_events > 0) {
			if (!whole_ready(ps))
				split(f, ps);
			return 0;
		}
		if (rc < 0) {
			gcb_log_error("gcb_spool_peek() failed: %s", strerror(-rc));
			return rc == -ENOBUFS ? -EIO : rc;
		}
		if (gcb_spoolrec_decode(at, rec.len, GCB_SHM_CURSOR_MAX, &r) != 0) {
			/* Not written by this code (the CRC held): skip it, say so. */
			gcb_log_error("spool record at %" PRIu64 ":%" PRIu64
				      " is not a poll-source record (%u bytes): skipped",
				      rec.pos.seg, rec.pos.off, rec.len);
			gcb_spool_consume(ps->spool, &rec);
			continue;
		}
		switch (r.type) {
		case GCB_SPOOLREC_BEGIN:
			if (ps->open && ps->batch.n_events > ps->whole.n_events) {
				/* An answer cut off by a crash or a full spool: it was
				 * polled and spooled again after this marker. */
				uint64_t torn = ps->batch.n_events - ps->whole.n_events;

				gcb_log_warn("spooled answer after cursor \"%s\" is incomplete: "
					     "dropped, the same events follow",
					     ps->prev);
				ps->unread_events -= torn <= ps->unread_events ? torn : ps->unread_events;
				whole_rollback(ps);
			}
			if (ps->batch.n_events == 0)
				batch_reset(ps);
			begin(ps, &rec, r.data, r.len);
			gcb_spool_consume(ps->spool, &rec);
			break;
		case GCB_SPOOLREC_EVENT:
			if (!ps->open)
				/* Its begin marker was lost (a corrupt older segment was
				 * skipped): re-polling would start after the last answer
				 * read whole. */
				begin(ps, &rec, ps->batch.n_events > 0 ? ps->batch.cursor : ps->last_fed,
				      ps->batch.n_events > 0 ? ps->batch.cursor_len
							     : strlen(ps->last_fed));
			sz = gcb_batch_record_bytes(w, r.len);
			/* An event a ring record cannot carry travels cut (the batch
			 * writer): its record is the ring's largest at most. Counted
			 * whole, one such event would never find room in an empty ring. */
			if (sz > gcb_ring_record_size(limit_rec))
				sz = gcb_ring_record_size(limit_rec);
			mx = sz > ps->batch_maxrec ? sz : ps->batch_maxrec;
			if (ps->batch.n_events > 0 && (ps->batch_bytes + sz + mx > limit ||
						       ps->batch.n_events == ps->batch.cap)) {
				split(f, ps);
				return 0;
			}
			ps->batch.events[ps->batch.n_events].off =
			    (uint32_t)(ps->scratch_used + (size_t)(r.data - at));
			ps->batch.events[ps->batch.n_events].len = (uint32_t)r.len;
			ps->batch.n_events++;
			ps->scratch_used += rec.len;
			ps->batch_bytes += sz;
			ps->batch_maxrec = mx;
			gcb_spool_consume(ps->spool, &rec);
			break;
		case GCB_SPOOLREC_END:
			gcb_spool_consume(ps->spool, &rec);
			if (!ps->open)
				break; /* nothing of its answer is left to feed */
			set_cursor(&ps->batch, r.data, r.len);
			ps->batch.has_more = r.has_more;
			ps->complete = 1;
			ps->open = 0;
			/* The next answers join this batch while they are readable
			 * and fit; an empty answer only moves the cursor. */
			if (ps->batch.n_events == 0)
				ps->ready = 1;
			else
				whole_mark(ps);
			break;
		}
	}
	return 0;
}

static int feed(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps)
{
	gcb_shm_pipeline_t *p = f->src.pipe;
	int was_blocked = ps->blocked;

	ps->blocked = 0;
	for (unsigned turns = 0; turns < FEED_TURNS; turns++) {
		uint64_t b = atomic_load_explicit(&p->fetched_batch_seq, memory_order_relaxed) + 1;
		gcb_ring_t *r = &f->src.writer.rings[b % f->src.writer.n_rings];
		gcb_spool_pos_t done;
		int rc;

		if ((rc = build(f, ps, r->capacity / 2, r->max_record)) != 0)
			return rc;
		if (!ps->ready)
			return 0;
		if (ps->batch.n_events == 0) {
			memcpy(ps->last_fed, ps->batch.cursor, ps->batch.cursor_len + 1);
			batch_reset(ps);
			continue;
		}
		if (b > GCB_SHM_CURSOR_SLOTS &&
		    atomic_load_explicit(&p->checkpoint_batch_seq, memory_order_acquire) <
			b - GCB_SHM_CURSOR_SLOTS) {
			/* 64 batches since the last checkpoint: store one now. */
			gcb_source_checkpoint(&f->src, 1);
			if (atomic_load(&p->checkpoint_batch_seq) < b - GCB_SHM_CURSOR_SLOTS) {
				ps->blocked = 1;
				return 0;
			}
		}
		if (gcb_ring_free(r) < ps->batch_bytes + ps->batch_maxrec) {
			if (!was_blocked)
				gcb_counter_add(f->src.counters, GCB_SC_RING_FULL_WAITS, 1);
			ps->blocked = 1;
			return 0;
		}
		f->feeding = 1;
		rc = gcb_batch_write(&f->src.writer, ps->scratch, &ps->batch, ps->batch_from,
				     ps->batch_arrival_ms);
		f->feeding = 0;
		if (rc == -ECANCELED) {
			ps->blocked = 1;
			return 0;
		}
		if (rc != 0) {
			gcb_log_error("writing a batch of %zu spooled events failed: %s",
				      ps->batch.n_events, strerror(-rc));
			return rc;
		}
		gcb_log_debug("batch %llu: %zu events, hasMore=%d (from the spool)",
			      (unsigned long long)atomic_load(&p->fetched_batch_seq),
			      ps->batch.n_events, ps->batch.has_more);
		/* Released once checkpointed: up to the last answer read, or up to
		 * the open answer's begin marker while part of it is still to come. */
		done = ps->open ? ps->begin_pos : gcb_spool_read_pos(ps->spool);
		ps->fed[b % GCB_SHM_CURSOR_SLOTS].seq = b;
		ps->fed[b % GCB_SHM_CURSOR_SLOTS].pos = done;
		ps->unread_events -= ps->batch.n_events <= ps->unread_events ? ps->batch.n_events
									     : ps->unread_events;
		if (ps->complete)
			memcpy(ps->last_fed, ps->batch.cursor, ps->batch.cursor_len + 1);
		batch_next(ps);
	}
	return 0;
}

static void release(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps)
{
	uint64_t ck = atomic_load_explicit(&f->src.pipe->checkpoint_batch_seq, memory_order_acquire);
	uint64_t best = 0;
	gcb_spool_pos_t pos = {0, 0};
	int rc;

	if (ck == ps->released_seq)
		return;
	ps->released_seq = ck;
	for (unsigned i = 0; i < GCB_SHM_CURSOR_SLOTS; i++) {
		if (ps->fed[i].seq == 0 || ps->fed[i].seq > ck)
			continue;
		if (ps->fed[i].seq > best) {
			best = ps->fed[i].seq;
			pos = ps->fed[i].pos;
		}
		ps->fed[i].seq = 0;
	}
	if (best != 0 && (rc = gcb_spool_release(ps->spool, pos)) != 0)
		gcb_log_error("gcb_spool_release(%" PRIu64 ":%" PRIu64 ") failed: %s", pos.seg,
			      pos.off, strerror(-rc));
}

/* ---- the full state and the gauges ---- */

static void fmt_left(char *buf, size_t size, uint64_t deadline, uint64_t now)
{
	if (deadline <= now)
		snprintf(buf, size, "has probably run out already (events may be lost upstream)");
	else
		snprintf(buf, size, "runs out in about %" PRIu64 " s", (deadline - now) / 1000);
}

static void report_full(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps, uint64_t bytes)
{
	char reason[GCB_SHM_REASON_MAX], left[96];

	fmt_left(left, sizeof(left), ps->deadline_ms, gcb_clock_real_ms());
	snprintf(reason, sizeof(reason),
		 "spool full (%" PRIu64 " of %" PRIu64 " bytes): polling stopped; the upstream "
		 "retention %s",
		 bytes, f->src.conf->spool.max_bytes, left);
	/* A framing stall says more about the source: it keeps the report. */
	if (!f->stall.stalled)
		gcb_shm_source_stall(&f->src.pipe->source, ps->full_since_ms, reason, f->src.cursor);
}

static void full_begin(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps)
{
	gcb_spool_stats_t st;
	char left[96];
	uint64_t now = gcb_clock_real_ms();

	if (ps->full)
		return;
	gcb_spool_stats(ps->spool, &st);
	ps->full = 1;
	ps->full_since_ms = now;
	ps->deadline_ms = gcb_fetcher_pspool_deadline(ps->caught_up_ms, now, f->retention_ms);
	fmt_left(left, sizeof(left), ps->deadline_ms, now);
	gcb_counter_add(f->src.counters, GCB_SC_SPOOL_FULL, 1);
	gcb_counter_set(f->src.counters, GCB_FC_SPOOL_FULL_NOW, 1);
	gcb_counter_set(f->src.counters, GCB_FC_RETENTION_DEADLINE_UNIX_MS, ps->deadline_ms);
	gcb_log_error("spool full (%" PRIu64 " bytes, spool.max_size %" PRIu64
		      "): polling stopped at cursor \"%s\" until the spool is below 3/4 of "
		      "that; the upstream retention (%" PRIu64 " s) %s",
		      st.bytes, f->src.conf->spool.max_bytes, f->src.cursor, f->retention_ms / 1000, left);
	report_full(f, ps, st.bytes);
	ps->next_report_ms = gcb_clock_mono_ms() + REPORT_MS;
}

int gcb_fetcher_pspool_is_full(gcb_fetcher_t *f)
{
	gcb_fetcher_pspool_t *ps = f->ps;
	gcb_spool_stats_t st;

	if (ps == NULL || !ps->full)
		return 0;
	gcb_spool_stats(ps->spool, &st);
	if (st.bytes >= f->src.conf->spool.max_bytes / 4 * 3)
		return 1;
	gcb_log_info("spool down to %" PRIu64 " bytes (below 3/4 of spool.max_size): polling "
		     "again after %" PRIu64 " s stopped",
		     st.bytes, (gcb_clock_real_ms() - ps->full_since_ms) / 1000);
	ps->full = 0;
	gcb_counter_set(f->src.counters, GCB_FC_SPOOL_FULL_NOW, 0);
	gcb_counter_set(f->src.counters, GCB_FC_RETENTION_DEADLINE_UNIX_MS, 0);
	if (!f->stall.stalled)
		gcb_shm_source_clear(&f->src.pipe->source);
	return 0;
}

static void gauges(gcb_fetcher_t *f, gcb_fetcher_pspool_t *ps, uint64_t now)
{
	gcb_spool_stats_t st;
	uint64_t rate;

	gcb_spool_stats(ps->spool, &st);
	if (st.unread_records == 0 && !ps->open && !ps->ready)
		ps->unread_events = 0; /* the bound taken at a restart ends here */
	gcb_counter_set(f->src.counters, GCB_SC_SPOOL_BYTES, st.bytes);
	gcb_counter_set(f->src.counters, GCB_SC_SPOOL_UNREAD, st.unread_records);
	gcb_counter_set(f->src.counters, GCB_FC_SPOOL_EVENTS, ps->unread_events);
	gcb_counter_set(f->src.counters, GCB_FC_SPOOL_OLDEST_UNIX_MS,
			ps->open || ps->ready ? ps->batch_arrival_ms : 0);
	if (st.syncs > ps->syncs)
		gcb_counter_add(f->src.counters, GCB_SC_SPOOL_SYNCS, st.syncs - ps->syncs);
	ps->syncs = st.syncs;
	if (now >= ps->next_sample_ms) {
		if (ps->samp_n == GCB_PSPOOL_RATE_SAMPLES) {
			memmove(ps->samp_bytes, ps->samp_bytes + 1,
				sizeof(ps->samp_bytes[0]) * (GCB_PSPOOL_RATE_SAMPLES - 1));
			memmove(ps->samp_ms, ps->samp_ms + 1,
				sizeof(ps->samp_ms[0]) * (GCB_PSPOOL_RATE_SAMPLES - 1));
			ps->samp_n--;
		}
		ps->samp_bytes[ps->samp_n] = st.bytes;
		ps->samp_ms[ps->samp_n] = now;
		ps->samp_n++;
		ps->next_sample_ms = now + SAMPLE_MS;
		rate = gcb_fetcher_pspool_rate(ps->samp_bytes, ps->samp_ms, ps->samp_n);
		gcb_counter_set(f->src.counters, GCB_FC_SPOOL_FILL_BPS, rate);
		gcb_counter_set(
		    f->src.counters, GCB_FC_SPOOL_FULL_IN_MS,
		    gcb_fetcher_pspool_full_in_ms(st.bytes, f->src.conf->spool.max_bytes, rate));
	}
	if (ps->full && now >= ps->next_report_ms) {
		report_full(f, ps, st.bytes);
		ps->next_report_ms = now + REPORT_MS;
	}
}

int gcb_fetcher_pspool_service(gcb_fetcher_t *f)
{
	gcb_fetcher_pspool_t *ps = f->ps;
	uint64_t now = gcb_clock_mono_ms();
	int rc;

	if (ps == NULL)
		return 0;
	if (ps->err != 0)
		return ps->err;
	if ((rc = gcb_spool_flush(ps->spool, now, 0)) != 0) {
		gcb_log_error("spool flush failed: %s", strerror(-rc));
		return ps->err = rc;
	}
	if ((rc = feed(f, ps)) != 0)
		return ps->err = rc;
	release(f, ps);
	gauges(f, ps, now);
	/* Answers spooled while the rings were full are fed from the tick: a
	 * long poll that ticked at its usual pace would hold them back (a
	 * backlog of small answers went into the rings at 80 batches a second). */
	f->src.api_http.tick_ms =
	    gcb_fetcher_pspool_drained(f) ? GCB_HTTP_TICK_MS : GCB_FETCHER_SPOOL_TICK_MS;
	return 0;
}

int gcb_fetcher_pspool_drained(const gcb_fetcher_t *f)
{
	const gcb_fetcher_pspool_t *ps = f->ps;
	gcb_spool_stats_t st;

	if (ps == NULL)
		return 1;
	gcb_spool_stats(ps->spool, &st);
	return st.unread_records == 0 && !ps->ready && !ps->open;
}

/* ---- appending ---- */

static int append(gcb_fetcher_pspool_t *ps, uint64_t ms, int type, int has_more, const char *data,
		  size_t len)
{
	size_t h = gcb_spoolrec_header(type, has_more, ps->abuf);

	memcpy(ps->abuf + h, data, len);
	return gcb_spool_append(ps->spool, ms, ps->abuf, (uint32_t)(h + len));
}

int gcb_fetcher_pspool_append(gcb_fetcher_t *f, const char *body, uint64_t received_ms)
{
	gcb_fetcher_pspool_t *ps = f->ps;
	const gcb_poll_result_t *res = &f->poll;
	size_t chain_len = strlen(ps->chain);
	uint64_t need =
	    SPOOL_REC_BYTES(1 + chain_len) + SPOOL_REC_BYTES(2 + res->cursor_len) + SPOOL_SLACK;
	gcb_spool_stats_t st;
	int rc;

	if (ps->err != 0)
		return ps->err;
	for (size_t i = 0; i < res->n_events; i++) {
		if ((uint64_t)res->events[i].len + 1 > ps->max_record)
			return -EMSGSIZE;
		need += SPOOL_REC_BYTES(1 + (uint64_t)res->events[i].len);
	}
	gcb_spool_stats(ps->spool, &st);
	if (st.bytes + need > f->src.conf->spool.max_bytes) {
		full_begin(f, ps);
		return -ENOSPC;
	}
	rc = append(ps, received_ms, GCB_SPOOLREC_BEGIN, 0, ps->chain, chain_len);
	for (size_t i = 0; rc == 0 && i < res->n_events; i++)
		rc = append(ps, received_ms, GCB_SPOOLREC_EVENT, 0, body + res->events[i].off,
			    res->events[i].len);
	if (rc == 0)
		rc = append(ps, received_ms, GCB_SPOOLREC_END, res->has_more, res->cursor,
			    res->cursor_len);
	if (rc == -ENOSPC) {
		/* The estimate missed (rotation headers): the part appended is
		 * dropped by the feed at the next begin marker. */
		full_begin(f, ps);
		return rc;
	}
	if (rc != 0) {
		gcb_log_error("spool append failed: %s", strerror(-rc));
		return ps->err = -EIO;
	}
	gcb_counter_add(f->src.counters, GCB_SC_SPOOL_APPENDS, res->n_events + 2);
	ps->unread_events += res->n_events;
	ps->appended_answers++;
	memcpy(ps->chain, res->cursor, res->cursor_len + 1);
	/* The operator's gauges include the answer at once, not at the next
	 * feed: until then nothing else shows it is on its way to the rings. */
	gcb_spool_stats(ps->spool, &st);
	gcb_counter_set(f->src.counters, GCB_SC_SPOOL_UNREAD, st.unread_records);
	gcb_counter_set(f->src.counters, GCB_FC_SPOOL_EVENTS, ps->unread_events);
	return 0;
}

void gcb_fetcher_pspool_passed(gcb_fetcher_t *f, const char *next)
{
	if (f->ps != NULL)
		snprintf(f->ps->chain, sizeof(f->ps->chain), "%s", next);
}

void gcb_fetcher_pspool_caught_up(gcb_fetcher_t *f, int has_more, uint64_t now_unix_ms)
{
	if (f->ps != NULL && !has_more)
		f->ps->caught_up_ms = now_unix_ms;
}

/* ---- resume ---- */

/*
 * Reads records from the read position to the end. With find set, stops at
 * the first answer that begins at find: at its begin marker naming find, or
 * after an end marker naming it (1, *at that position). The end marker
 * matters when the answer after it is not spooled yet (the feed had caught
 * up, so the last batch ends with the last spooled answer), or when its
 * begin marker names a later cursor (empty answers in between are not
 * spooled). Every end marker after `after` sets ps->chain (*ends counts
 * them).
 */
static int scan(gcb_fetcher_t *f, const char *find, gcb_spool_pos_t after, gcb_spool_pos_t *at,
		unsigned *ends)
{
	gcb_fetcher_pspool_t *ps = f->ps;
	size_t flen = find != NULL ? strlen(find) : 0;
	gcb_spool_rec_t rec;
	gcb_spoolrec_t r;
	uint64_t recs = 0;
	int rc;

	for (;;) {
		rc = gcb_spool_peek(ps->spool, &rec, ps->scratch, ps->scratch_size);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			gcb_log_error("gcb_spool_peek() failed while resuming: %s", strerror(-rc));
			return rc == -ENOBUFS ? -EIO : rc;
		}
		if (++recs % RESUME_BEAT_RECS == 0)
			gcb_stage_heartbeat(f->src.ctx);
		if (gcb_spoolrec_decode(ps->scratch, rec.len, GCB_SHM_CURSOR_MAX, &r) == 0) {
			if (find != NULL && r.type == GCB_SPOOLREC_BEGIN && r.len == flen &&
			    memcmp(r.data, find, flen) == 0) {
				*at = rec.pos;
				return 1;
			}
			if (find != NULL && r.type == GCB_SPOOLREC_END && r.len == flen &&
			    memcmp(r.data, find, flen) == 0) {
				gcb_spool_consume(ps->spool, &rec);
				*at = gcb_spool_read_pos(ps->spool);
				return 1;
			}
			if (r.type == GCB_SPOOLREC_END && gcb_spool_pos_cmp(rec.pos, after) > 0) {
				memcpy(ps->chain, r.data, r.len);
				ps->chain[r.len] = '\0';
				(*ends)++;
			}
		}
		gcb_spool_consume(ps->spool, &rec);
	}
}

/*
 * The cursor after the last whole spooled answer beyond `after`, into
 * ps->chain: the newest segment is read first, older ones only while no end
 * marker is found, so a restart reads about one segment, not the spool.
 */
static int last_end(gcb_fetcher_t *f, gcb_spool_pos_t after, unsigned *ends)
{
	gcb_fetcher_pspool_t *ps = f->ps;
	gcb_spool_pos_t end = gcb_spool_end(ps->spool), oldest = gcb_spool_oldest(ps->spool);
	gcb_spool_pos_t at;
	int rc;

	for (uint64_t seg = end.seg; seg >= oldest.seg && seg >= after.seg; seg--) {
		gcb_spool_pos_t from = {seg, oldest.off};

		if ((rc = gcb_spool_seek(ps->spool, from)) != 0)
			return rc;
		if ((rc = scan(f, NULL, after, &at, ends)) < 0)
			return rc;
		if (*ends > 0 || seg == 0)
			break;
	}
	return 0;
}

int gcb_fetcher_pspool_resume(gcb_fetcher_t *f, const char *resume, int from_ckpt)
{
	gcb_fetcher_pspool_t *ps = f->ps;
	gcb_spool_pos_t oldest = gcb_spool_oldest(ps->spool), match = oldest;
	gcb_spool_stats_t st;
	unsigned ends = 0;
	int found, rc;

	/*
	 * The first answer that begins where the resume cursor is: answers
	 * before it are in the rings or in Kafka already. It lies near the
	 * start (segments the checkpoint covers are released). Then the cursor
	 * after the last whole answer, where polling goes on.
	 */
	ps->chain[0] = '\0';
	if ((found = scan(f, resume, oldest, &match, &ends)) < 0)
		return found;
	if (found) {
		ends = 0;
		if ((rc = last_end(f, match, &ends)) != 0)
			return rc;
	}
	if (ends == 0)
		snprintf(ps->chain, sizeof(ps->chain), "%s", resume);
	if ((rc = gcb_spool_seek(ps->spool, match)) != 0)
		return rc;
	gcb_spool_stats(ps->spool, &st);
	if (found && from_ckpt)
		(void)gcb_spool_release(ps->spool, match);
	/* Markers included: an upper bound until the replay is fed. */
	ps->unread_events = st.unread_records;
	if (found)
		gcb_log_info("spool: replaying %" PRIu64 " spooled records from %" PRIu64
			     ":%" PRIu64 " (after cursor \"%s\"); polling from cursor \"%s\"",
			     st.unread_records, match.seg, match.off, resume, ps->chain);
	else if (st.unread_records > 0)
		/* Nothing begins at the resume cursor: the spool cannot say which
		 * of its answers Kafka has. Replay all (duplicates, no loss). */
		gcb_log_warn(
		    "spool: no spooled answer begins at cursor \"%s\": replaying all %" PRIu64
		    " spooled records (some may be duplicates); polling from cursor \"%s\"",
		    resume, st.unread_records, ps->chain);
	snprintf(ps->last_fed, sizeof(ps->last_fed), "%s", resume);
	snprintf(f->src.cursor, sizeof(f->src.cursor), "%s", ps->chain);
	ps->released_seq = atomic_load(&f->src.pipe->checkpoint_batch_seq);
	return 0;
}

void gcb_fetcher_pspool_close(gcb_fetcher_t *f)
{
	gcb_fetcher_pspool_t *ps = f->ps;

	if (ps == NULL)
		return;
	if (ps->spool != NULL && ps->err == 0) {
		/* What the rings take now need not wait for the next run. */
		if (gcb_spool_sync(ps->spool) == 0)
			(void)gcb_fetcher_pspool_service(f);
		gcb_source_checkpoint(&f->src, 1);
		release(f, ps);
	}
	gcb_spool_close(ps->spool);
	free(ps->scratch);
	free(ps->abuf);
	free(ps->batch.events);
	free(ps);
	f->ps = NULL;
}

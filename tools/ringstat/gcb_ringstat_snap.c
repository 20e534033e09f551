/*
 * Snapshot and diagnosis. The header was checked at attach, but a live
 * segment is written by other processes, so every offset, count and size is
 * checked again here before it is used to form a pointer.
 */
#include "tools/ringstat/gcb_ringstat.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "lib/gcb_proc.h"
#include "shm/gcb_ring.h"

#define LOAD(p) atomic_load_explicit((p), memory_order_acquire)

void gcb_ringstat_name_copy(char *dst, const char *src, size_t src_size)
{
	size_t i;

	for (i = 0; i < src_size && src[i] != '\0'; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static double age_seconds(uint64_t now_ns, uint64_t then_ns)
{
	if (then_ns == 0)
		return -1.0;
	return then_ns >= now_ns ? 0.0 : (double)(now_ns - then_ns) / 1e9;
}

static void proc_fill(gcb_ringstat_proc_t *p, int32_t pid, uint64_t start_time, uint64_t hb_ns,
		      uint64_t now_ns)
{
	p->pid = pid;
	p->start_time = start_time;
	p->alive = pid > 0 && gcb_proc_alive(pid, start_time);
	p->heartbeat_ns = hb_ns;
	p->heartbeat_age = age_seconds(now_ns, hb_ns);
}

/* Youngest of two ages where < 0 means none. */
static double age_min(double a, double b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int stages_valid(const gcb_shm_t *shm, uint64_t off, uint64_t count, uint64_t size)
{
	if (size != sizeof(gcb_shm_stage_t) || off % GCB_SHM_CACHE_LINE != 0 || off > shm->size)
		return 0;
	return count <= (shm->size - off) / size;
}

int gcb_ringstat_pipeline_valid(const gcb_shm_t *shm)
{
	uint64_t off = shm->hdr->pipeline_offset;

	return shm->hdr->pipeline_size == sizeof(gcb_shm_pipeline_t) &&
	       off % GCB_SHM_CACHE_LINE == 0 && off <= shm->size &&
	       sizeof(gcb_shm_pipeline_t) <= shm->size - off;
}

static void snap_stages(gcb_ringstat_snap_t *snap, const gcb_shm_t *shm,
			const gcb_ringstat_opts_t *opts)
{
	unsigned i;

	for (i = 0; i < snap->nstages; i++) {
		const gcb_shm_stage_t *src =
		    (const gcb_shm_stage_t *)(shm->base + shm->hdr->stage_table_offset +
					      (uint64_t)i * sizeof(gcb_shm_stage_t));
		gcb_ringstat_stage_t *st = &snap->stages[i];
		int running;

		gcb_ringstat_name_copy(st->name, src->name, sizeof(src->name));
		st->kind = src->kind;
		st->index = src->index;
		st->state = LOAD(&src->state);
		proc_fill(&st->proc, LOAD(&src->pid), LOAD(&src->start_time),
			  LOAD(&src->heartbeat_ns), snap->mono_ns);
		st->restarts = LOAD(&src->restarts);
		if (st->kind == GCB_STAGE_KIND_FETCHER) {
			st->channels = LOAD(&src->counters[GCB_NC_CHANNELS]);
			st->topics = LOAD(&src->counters[GCB_NC_TOPICS]);
			st->topics_rejected = LOAD(&src->counters[GCB_NC_TOPICS_REJECTED]);
			st->gaps_pending = LOAD(&src->counters[GCB_NC_GAPS_PENDING]);
			st->notif =
			    st->channels || st->topics || st->topics_rejected || st->gaps_pending;
			st->spool_bytes = LOAD(&src->counters[GCB_SC_SPOOL_BYTES]);
			st->spool_events = LOAD(&src->counters[GCB_FC_SPOOL_EVENTS]);
			st->spool_oldest_unix_ms =
			    LOAD(&src->counters[GCB_FC_SPOOL_OLDEST_UNIX_MS]);
			st->spool_fill_bps = LOAD(&src->counters[GCB_FC_SPOOL_FILL_BPS]);
			st->spool_full_in_ms = LOAD(&src->counters[GCB_FC_SPOOL_FULL_IN_MS]);
			st->spool_full_now = LOAD(&src->counters[GCB_FC_SPOOL_FULL_NOW]);
			st->retention_deadline_unix_ms =
			    LOAD(&src->counters[GCB_FC_RETENTION_DEADLINE_UNIX_MS]);
			st->spool = !st->notif && (st->spool_bytes || st->spool_full_now);
		}
		st->last_exit = LOAD(&src->last_exit);
		st->started_unix_ms = LOAD(&src->started_unix_ms);
		st->uptime = -1.0;
		if (st->proc.alive && st->started_unix_ms != 0)
			st->uptime = st->started_unix_ms >= snap->real_ms
					 ? 0.0
					 : (double)(snap->real_ms - st->started_unix_ms) / 1e3;

		running = st->state == GCB_STAGE_RUNNING || st->state == GCB_STAGE_DRAINING ||
			  st->state == GCB_STAGE_STARTING;
		st->status = "ok";
		if (st->proc.pid != 0) {
			double age =
			    st->proc.heartbeat_age >= 0 ? st->proc.heartbeat_age : st->uptime;

			if (!st->proc.alive)
				st->status = "dead";
			else if (running && age > opts->hung_seconds)
				st->status = "hung";
		} else if (st->state == GCB_STAGE_BACKOFF) {
			st->status = "backoff";
		} else if (running) {
			st->status = "dead";
		} else {
			st->status = "stopped";
			/* Exited and not restarted (a fatal exit): not healthy. */
			if (st->last_exit != -1)
				st->status = "dead";
		}
		st->degraded = strcmp(st->status, "ok") != 0 && strcmp(st->status, "stopped") != 0;
		snap->degraded |= st->degraded;
	}
}

/* seq of the last committed record (0: none), from the read-only mapping. */
static uint64_t last_committed_seq(const gcb_ring_ctl_t *ctl, uint64_t mapped)
{
	gcb_ring_t ro;

	if (gcb_ring_attach_readonly(&ro, ctl, mapped) != 0)
		return 0;
	return gcb_ring_resume_seq(&ro);
}

static void ring_side(gcb_ringstat_side_t *side, const gcb_ringstat_snap_t *snap, int32_t pid,
		      uint64_t start_time, uint64_t hb_ns, int32_t stage)
{
	proc_fill(&side->proc, pid, start_time, hb_ns, snap->mono_ns);
	side->stage = (stage >= 0 && (unsigned)stage < snap->nstages) ? stage : -1;
	side->freshest_age = side->proc.heartbeat_age;
	/* A stage heart-beats every second even when its ring is idle; count
	 * it when the stage row is the same process as the ring side. */
	if (side->stage >= 0 && snap->stages[side->stage].proc.pid == pid &&
	    snap->stages[side->stage].proc.start_time == start_time)
		side->freshest_age =
		    age_min(side->freshest_age, snap->stages[side->stage].proc.heartbeat_age);
}

static void ring_issue(gcb_ringstat_ring_t *r, int diag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void ring_issue(gcb_ringstat_ring_t *r, int diag, const char *fmt, ...)
{
	va_list ap;

	r->issues |= 1u << diag;
	if (r->diag != GCB_RINGSTAT_DIAG_OK && r->diag <= diag)
		return;
	r->diag = diag;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static void ring_diagnose(gcb_ringstat_ring_t *r, const gcb_ringstat_snap_t *snap,
			  const gcb_ringstat_opts_t *opts)
{
	const gcb_ringstat_walk_t *w = &r->walk;
	uint64_t waiting = r->used_bytes;

	if (w->corrupt != GCB_RINGSTAT_OK && !w->raced) {
		ring_issue(r, GCB_RINGSTAT_DIAG_CORRUPT, "%s: %s",
			   gcb_ringstat_corrupt_name(w->corrupt), w->detail);
		return;
	}
	/* The stage heartbeat (every second) is the evidence here: a ring
	 * side's own heartbeat goes quiet whenever its ring is idle. */
	if (r->prod.proc.alive &&
	    (r->prod.freshest_age < 0 || r->prod.freshest_age > opts->hung_seconds))
		ring_issue(r, GCB_RINGSTAT_DIAG_PRODUCER_HUNG,
			   "producer pid %d alive, last heartbeat %.1fs ago (threshold %.1fs)",
			   (int)r->prod.proc.pid, r->prod.freshest_age, opts->hung_seconds);
	if (waiting == 0)
		return;
	if (!snap->supervisor.alive)
		ring_issue(r, GCB_RINGSTAT_DIAG_ORPHANED,
			   "%llu bytes waiting and no live supervisor",
			   (unsigned long long)waiting);
	if (r->cons.proc.pid == 0)
		ring_issue(r, GCB_RINGSTAT_DIAG_ORPHANED,
			   "%llu records waiting and no consumer ever attached",
			   (unsigned long long)w->records);
	else if (!r->cons.proc.alive)
		ring_issue(r, GCB_RINGSTAT_DIAG_ORPHANED,
			   "%llu records waiting; consumer pid %d is dead",
			   (unsigned long long)w->records, (int)r->cons.proc.pid);
	if (r->prod.proc.pid != 0 && !r->prod.proc.alive)
		ring_issue(r, GCB_RINGSTAT_DIAG_ORPHANED,
			   "%llu records waiting; producer pid %d is dead",
			   (unsigned long long)w->records, (int)r->prod.proc.pid);

	if (r->cons.proc.alive) {
		/* Progress the tool saw itself wins; before it has watched for
		 * stall_seconds, the consumer's ring heartbeat decides (it is
		 * refreshed on every wait and every 1024 releases). */
		double watched =
		    r->first_mono_ns == 0 ? 0 : (double)(snap->mono_ns - r->first_mono_ns) / 1e9;

		if (r->idle_seconds >= 0 && watched >= opts->stall_seconds) {
			if (r->idle_seconds >= opts->stall_seconds)
				ring_issue(r, GCB_RINGSTAT_DIAG_CONSUMER_STALLED,
					   "%llu records waiting, no consumer progress for "
					   "%.1fs (pid %d alive)",
					   (unsigned long long)w->records, r->idle_seconds,
					   (int)r->cons.proc.pid);
		} else if (r->cons.proc.heartbeat_age < 0 ||
			   r->cons.proc.heartbeat_age > opts->stall_seconds) {
			ring_issue(r, GCB_RINGSTAT_DIAG_CONSUMER_STALLED,
				   "%llu records waiting, consumer pid %d alive, ring "
				   "heartbeat %.1fs ago (threshold %.1fs)",
				   (unsigned long long)w->records, (int)r->cons.proc.pid,
				   r->cons.proc.heartbeat_age, opts->stall_seconds);
		}
	}
}

static const gcb_ringstat_ring_t *prev_ring(const gcb_ringstat_snap_t *prev,
					    const gcb_ringstat_ring_t *r)
{
	if (prev == NULL || r->index >= prev->nrings)
		return NULL;
	const gcb_ringstat_ring_t *p = &prev->rings[r->index];

	if (!p->valid || p->offset != r->offset || p->capacity != r->capacity ||
	    strcmp(p->name, r->name) != 0)
		return NULL;
	return p;
}

static void ring_rates(gcb_ringstat_ring_t *r, const gcb_ringstat_snap_t *snap,
		       const gcb_ringstat_snap_t *prev)
{
	const gcb_ringstat_ring_t *p = prev_ring(prev, r);
	double dt;

	r->first_mono_ns = snap->mono_ns;
	r->progress_mono_ns = snap->mono_ns;
	r->idle_seconds = -1.0;
	if (p == NULL)
		return;
	r->first_mono_ns = p->first_mono_ns;
	if (p->walk.read == r->walk.read && p->walk.release == r->walk.release &&
	    r->walk.tail != r->walk.release)
		r->progress_mono_ns = p->progress_mono_ns;
	r->idle_seconds = (double)(snap->mono_ns - r->progress_mono_ns) / 1e9;

	dt = (double)(snap->mono_ns - prev->mono_ns) / 1e9;
	if (dt <= 0)
		return;
	r->have_rates = 1;
	r->interval = dt;
	/* Counters only grow; a smaller value means the ring was re-formatted. */
	r->rec_in_rate = r->records_written >= p->records_written
			     ? (double)(r->records_written - p->records_written) / dt
			     : 0;
	r->bytes_in_rate = r->bytes_written >= p->bytes_written
			       ? (double)(r->bytes_written - p->bytes_written) / dt
			       : 0;
	r->rec_out_rate = r->records_read >= p->records_read
			      ? (double)(r->records_read - p->records_read) / dt
			      : 0;
	r->bytes_out_rate =
	    r->bytes_read >= p->bytes_read ? (double)(r->bytes_read - p->bytes_read) / dt : 0;
}

int gcb_ringstat_ring_locate(const gcb_shm_t *shm, unsigned i, const gcb_ring_ctl_t **ctl,
			     const unsigned char **data)
{
	uint64_t off, cap;

	if (i >= GCB_SHM_MAX_RINGS)
		return -EBADF;
	off = shm->hdr->rings[i].offset;
	cap = shm->hdr->rings[i].capacity;
	if (off % GCB_SHM_CACHE_LINE != 0 || off > shm->size ||
	    shm->size - off < GCB_RING_CTL_SIZE || cap > shm->size - off - GCB_RING_CTL_SIZE ||
	    cap < 4096 || (cap & (cap - 1)) != 0)
		return -EBADF;
	*ctl = (const gcb_ring_ctl_t *)(shm->base + off);
	if (data != NULL)
		*data = shm->base + off + GCB_RING_CTL_SIZE;
	return 0;
}

static void snap_ring(gcb_ringstat_snap_t *snap, const gcb_shm_t *shm, unsigned i,
		      const gcb_ringstat_snap_t *prev, const gcb_ringstat_opts_t *opts)
{
	const gcb_shm_ring_desc_t *d = &shm->hdr->rings[i];
	gcb_ringstat_ring_t *r = &snap->rings[i];
	const gcb_ring_ctl_t *ctl;
	uint64_t off = d->offset, cap = d->capacity;

	r->index = i;
	r->prod.stage = -1;
	r->cons.stage = -1;
	gcb_ringstat_name_copy(r->name, d->name, sizeof(d->name));
	r->offset = off;
	r->capacity = cap;
	r->idle_seconds = -1.0;
	if (gcb_ringstat_ring_locate(shm, i, &ctl, NULL) != 0) {
		r->diag = GCB_RINGSTAT_DIAG_CORRUPT;
		r->issues = 1u << GCB_RINGSTAT_DIAG_CORRUPT;
		r->walk.corrupt = GCB_RINGSTAT_BAD_DESC;
		snprintf(r->detail, sizeof(r->detail),
			 "bad ring descriptor: offset %llu, capacity %llu, segment %zu bytes",
			 (unsigned long long)off, (unsigned long long)cap, shm->size);
		snap->degraded = 1;
		return;
	}
	r->valid = 1;
	r->max_record = ctl->desc.max_record;
	(void)gcb_ringstat_walk_stable(ctl, shm->base + off + GCB_RING_CTL_SIZE, cap, &r->walk);
	/* Counters after the walk: they may run a little ahead of it, never behind. */
	r->records_written = LOAD(&ctl->prod.records_written);
	r->bytes_written = LOAD(&ctl->prod.bytes_written);
	r->last_seq = last_committed_seq(ctl, shm->size - off);
	r->records_read = LOAD(&ctl->cons.records_read);
	r->bytes_read = LOAD(&ctl->cons.bytes_read);
	ring_side(&r->prod, snap, LOAD(&ctl->prod.pid), LOAD(&ctl->prod.start_time),
		  LOAD(&ctl->prod.heartbeat_ns), d->producer_stage);
	ring_side(&r->cons, snap, LOAD(&ctl->cons.pid), LOAD(&ctl->cons.start_time),
		  LOAD(&ctl->cons.heartbeat_ns), d->consumer_stage);
	r->prod.stalls = LOAD(&ctl->prod.full_stalls);
	r->cons.stalls = LOAD(&ctl->cons.empty_stalls);
	if (r->walk.corrupt == GCB_RINGSTAT_OK || r->walk.raced) {
		r->used_bytes = r->walk.tail - r->walk.release;
		/* Positions read while they raced can span more than a lap. */
		if (r->walk.tail < r->walk.release)
			r->used_bytes = 0;
		else if (r->used_bytes > cap)
			r->used_bytes = cap;
		r->full_pct = 100.0 * (double)r->used_bytes / (double)cap;
	}
	ring_rates(r, snap, prev);
	ring_diagnose(r, snap, opts);
	if (r->diag != GCB_RINGSTAT_DIAG_OK)
		snap->degraded = 1;
}

int gcb_ringstat_snap_take(gcb_ringstat_snap_t *snap, const gcb_shm_t *shm,
			   const gcb_ringstat_snap_t *prev, const gcb_ringstat_opts_t *opts)
{
	const gcb_shm_header_t *h = shm->hdr;
	uint64_t stage_off = h->stage_table_offset;
	uint32_t nstages = h->stage_count, nrings = h->ring_count;
	unsigned i;

	memset(snap, 0, sizeof(*snap));
	snap->mono_ns = gcb_clock_mono_ns();
	snap->real_ms = gcb_clock_real_ms();
	snprintf(snap->path, sizeof(snap->path), "%s", shm->path);
	gcb_ringstat_name_copy(snap->instance, h->instance, sizeof(h->instance));
	snap->layout_version = LOAD(&h->layout_version);
	snap->segment_size = h->segment_size;
	snap->created_unix_ms = h->created_unix_ms;
	proc_fill(&snap->creator, h->creator_pid, h->creator_start_time, 0, snap->mono_ns);
	proc_fill(&snap->supervisor, LOAD(&h->supervisor_pid), LOAD(&h->supervisor_start_time),
		  LOAD(&h->supervisor_heartbeat_ns), snap->mono_ns);

	if (!stages_valid(shm, stage_off, nstages, h->stage_size)) {
		nstages = 0;
		snap->degraded = 1;
	}
	if (nstages > 0) {
		snap->stages = calloc(nstages, sizeof(*snap->stages));
		if (snap->stages == NULL)
			return -ENOMEM;
	}
	snap->nstages = nstages;
	snap_stages(snap, shm, opts);

	snap->nrings = nrings > GCB_SHM_MAX_RINGS ? GCB_SHM_MAX_RINGS : nrings;
	for (i = 0; i < snap->nrings; i++)
		snap_ring(snap, shm, i, prev, opts);

	if (!snap->supervisor.alive) {
		snap->seg_diag = GCB_RINGSTAT_SEG_ORPHANED;
		if (snap->supervisor.pid == 0)
			snprintf(snap->seg_detail, sizeof(snap->seg_detail),
				 "no supervisor has attached");
		else
			snprintf(snap->seg_detail, sizeof(snap->seg_detail),
				 "supervisor pid %d is dead", (int)snap->supervisor.pid);
	} else if (snap->supervisor.heartbeat_age > opts->hung_seconds) {
		snap->seg_diag = GCB_RINGSTAT_SEG_SUPERVISOR_HUNG;
		snprintf(snap->seg_detail, sizeof(snap->seg_detail),
			 "supervisor pid %d alive, last heartbeat %.1fs ago (threshold %.1fs)",
			 (int)snap->supervisor.pid, snap->supervisor.heartbeat_age,
			 opts->hung_seconds);
	}
	if (gcb_ringstat_pipeline_valid(shm)) {
		gcb_shm_source_read(&gcb_shm_pipeline(shm)->source, &snap->source);
		if (snap->source.stalled && snap->seg_diag == GCB_RINGSTAT_SEG_OK) {
			/* The poll source reports a full spool as its state: named apart,
			 * it is Kafka's outage, not the source's fault. */
			snap->seg_diag = strncmp(snap->source.reason, "spool full", 10) == 0
					     ? GCB_RINGSTAT_SEG_SPOOL_FULL
					     : GCB_RINGSTAT_SEG_SOURCE_STALLED;
			snprintf(snap->seg_detail, sizeof(snap->seg_detail), "at cursor \"%.48s\": %.96s",
				 snap->source.cursor, snap->source.reason);
		}
	}
	{
		const gcb_shm_coord_t *co = gcb_shm_coord_ro(h);

		snap->coord.state = atomic_load_explicit(&co->state, memory_order_relaxed);
		snap->coord.owned = atomic_load_explicit(&co->owned, memory_order_relaxed);
		snap->coord.units = atomic_load_explicit(&co->units, memory_order_relaxed);
		snap->coord.generation = atomic_load_explicit(&co->generation, memory_order_relaxed);
		snap->coord.rebalances = atomic_load_explicit(&co->rebalances, memory_order_relaxed);
		snap->coord.state_writes =
		    atomic_load_explicit(&co->state_writes, memory_order_relaxed);
		snap->coord.fenced = atomic_load_explicit(&co->fenced, memory_order_relaxed);
		snap->coord.state_unix_ms =
		    atomic_load_explicit(&co->state_unix_ms, memory_order_relaxed);
	}
	if (!stages_valid(shm, stage_off, h->stage_count, h->stage_size))
		snprintf(snap->seg_detail + strlen(snap->seg_detail),
			 sizeof(snap->seg_detail) - strlen(snap->seg_detail),
			 "%sstage table outside the segment", snap->seg_detail[0] ? "; " : "");
	if (snap->seg_diag != GCB_RINGSTAT_SEG_OK)
		snap->degraded = 1;
	return 0;
}

void gcb_ringstat_snap_fini(gcb_ringstat_snap_t *snap)
{
	free(snap->stages);
	snap->stages = NULL;
	snap->nstages = 0;
}

/* The human view of a snapshot: header, stage table, one block per ring. */
#include "tools/ringstat/gcb_ringstat.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *fmt_bytes(double b, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	unsigned u = 0;

	while (b >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		b /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%.0f B", b);
	else
		snprintf(buf, size, "%.1f %s", b, units[u]);
	return buf;
}

static const char *fmt_dur(double s, char *buf, size_t size)
{
	unsigned long long t;

	if (s < 0)
		snprintf(buf, size, "never");
	else if (s < 60)
		snprintf(buf, size, "%.1fs", s);
	else if ((t = (unsigned long long)s) < 3600)
		snprintf(buf, size, "%llum%02llus", t / 60, t % 60);
	else if (t < 86400)
		snprintf(buf, size, "%lluh%02llum", t / 3600, t / 60 % 60);
	else
		snprintf(buf, size, "%llud%02lluh", t / 86400, t / 3600 % 24);
	return buf;
}

static const char *fmt_time(uint64_t unix_ms, char *buf, size_t size)
{
	time_t t = (time_t)(unix_ms / 1000);
	struct tm tm;

	if (unix_ms == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(buf, size, "unknown");
	else
		strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

static const char *alive_str(const gcb_ringstat_proc_t *p)
{
	if (p->pid == 0)
		return "none";
	return p->alive ? "alive" : "dead";
}

static void print_side(FILE *out, const char *what, const gcb_ringstat_snap_t *snap,
		       const gcb_ringstat_side_t *s, const char *stall_name)
{
	char a[32];

	fprintf(out, "  %-9s pid %-7d %-5s", what, (int)s->proc.pid, alive_str(&s->proc));
	if (s->stage >= 0)
		fprintf(out, " stage %-14s", snap->stages[s->stage].name);
	fprintf(out, " heartbeat %s ago, %s stalls %llu\n",
		fmt_dur(s->proc.heartbeat_age, a, sizeof(a)), stall_name,
		(unsigned long long)s->stalls);
}

static void print_ring(FILE *out, const gcb_ringstat_snap_t *snap, const gcb_ringstat_ring_t *r)
{
	const gcb_ringstat_walk_t *w = &r->walk;
	char a[32], b[32];

	fprintf(out, "\nring %u %s", r->index, r->name);
	if (r->valid && (r->prod.stage >= 0 || r->cons.stage >= 0))
		fprintf(out, " (%s -> %s)",
			r->prod.stage >= 0 ? snap->stages[r->prod.stage].name : "?",
			r->cons.stage >= 0 ? snap->stages[r->cons.stage].name : "?");
	fputc('\n', out);
	if (!r->valid) {
		fprintf(out, "  diagnosis: %s: %s\n", gcb_ringstat_diag_name(r->diag), r->detail);
		return;
	}
	fprintf(out, "  capacity  %s (%llu bytes), max record %llu\n",
		fmt_bytes((double)r->capacity, a, sizeof(a)), (unsigned long long)r->capacity,
		(unsigned long long)r->max_record);
	fprintf(out,
		"  in use    %llu bytes (%.1f%% full), %llu records (%llu unread, %llu read "
		"not released)\n",
		(unsigned long long)r->used_bytes, r->full_pct, (unsigned long long)w->records,
		(unsigned long long)w->unread_records,
		(unsigned long long)(w->records - w->unread_records));
	fprintf(out, "  positions write(tail) %llu  read %llu  release %llu\n",
		(unsigned long long)w->tail, (unsigned long long)w->read,
		(unsigned long long)w->release);
	fprintf(out, "  written   %llu records, %s   read %llu records, %s   last seq %llu\n",
		(unsigned long long)r->records_written,
		fmt_bytes((double)r->bytes_written, a, sizeof(a)),
		(unsigned long long)r->records_read, fmt_bytes((double)r->bytes_read, b, sizeof(b)),
		(unsigned long long)r->last_seq);
	if (r->have_rates) {
		fprintf(out, "  rates     in %.1f rec/s %s/s", r->rec_in_rate,
			fmt_bytes(r->bytes_in_rate, a, sizeof(a)));
		fprintf(out, "   out %.1f rec/s %s/s  (over %.2fs)\n", r->rec_out_rate,
			fmt_bytes(r->bytes_out_rate, b, sizeof(b)), r->interval);
	} else {
		fprintf(out, "  rates     - (use --watch)\n");
	}
	print_side(out, "producer", snap, &r->prod, "full");
	print_side(out, "consumer", snap, &r->cons, "empty");
	if (r->idle_seconds >= 0 && r->used_bytes > 0)
		fprintf(out, "  progress  none seen for %s with records waiting\n",
			fmt_dur(r->idle_seconds, a, sizeof(a)));
	if (r->diag == GCB_RINGSTAT_DIAG_CORRUPT)
		fprintf(out, "  diagnosis: corrupt at offset %llu: %s\n",
			(unsigned long long)w->corrupt_off, r->detail);
	else if (r->diag != GCB_RINGSTAT_DIAG_OK)
		fprintf(out, "  diagnosis: %s: %s\n", gcb_ringstat_diag_name(r->diag), r->detail);
	else if (w->raced)
		fprintf(out, "  diagnosis: ok (ring moved while walked; counts approximate)\n");
	else
		fprintf(out, "  diagnosis: ok\n");
}
/* The poll source's spool: how far it extends the margin of an outage. */
static void print_spool(FILE *out, const gcb_ringstat_snap_t *snap, const gcb_ringstat_stage_t *st)
{
	char a[32], b[32], c[32], d[32];
	double age = st->spool_oldest_unix_ms == 0 || st->spool_oldest_unix_ms > snap->real_ms
			 ? 0.0
			 : (double)(snap->real_ms - st->spool_oldest_unix_ms) / 1e3;

	fprintf(out, "%s spool: %s, %llu events not yet in the rings, oldest %s, filling %s/s, ",
		st->name, fmt_bytes((double)st->spool_bytes, a, sizeof(a)),
		(unsigned long long)st->spool_events,
		st->spool_oldest_unix_ms ? fmt_dur(age, b, sizeof(b)) : "-",
		fmt_bytes((double)st->spool_fill_bps, c, sizeof(c)));
	if (st->spool_full_in_ms)
		fprintf(out, "full in %s\n",
			fmt_dur((double)st->spool_full_in_ms / 1e3, d, sizeof(d)));
	else
		fprintf(out, "not growing\n");
	if (st->spool_full_now) {
		double left = st->retention_deadline_unix_ms > snap->real_ms
				  ? (double)(st->retention_deadline_unix_ms - snap->real_ms) / 1e3
				  : 0.0;

		fprintf(out,
			"%s spool FULL: polling stopped; upstream retention runs out in %s "
			"(estimate)\n",
			st->name, fmt_dur(left, a, sizeof(a)));
	}
}

void gcb_ringstat_print_text(FILE *out, const gcb_ringstat_snap_t *snap)
{
	char a[32], b[40];
	unsigned i;

	fprintf(out, "segment   %s  instance %s  layout v%u  size %s (%llu bytes)\n", snap->path,
		snap->instance, snap->layout_version,
		fmt_bytes((double)snap->segment_size, a, sizeof(a)),
		(unsigned long long)snap->segment_size);
	fprintf(out, "created   %s by pid %d (%s)\n", fmt_time(snap->created_unix_ms, b, sizeof(b)),
		(int)snap->creator.pid, alive_str(&snap->creator));
	fprintf(out, "supervisor pid %d %s, heartbeat %s ago\n", (int)snap->supervisor.pid,
		alive_str(&snap->supervisor),
		fmt_dur(snap->supervisor.heartbeat_age, a, sizeof(a)));
	if (snap->seg_diag == GCB_RINGSTAT_SEG_SOURCE_STALLED)
		fprintf(out, "segment diagnosis: source stalled %s\n", snap->seg_detail);
	else if (snap->seg_diag == GCB_RINGSTAT_SEG_SPOOL_FULL)
		fprintf(out, "segment diagnosis: spool full, polling stopped %s\n",
			snap->seg_detail);
	else if (snap->seg_diag != GCB_RINGSTAT_SEG_OK || snap->seg_detail[0] != '\0')
		fprintf(out, "segment diagnosis: %s: %s\n",
			gcb_ringstat_seg_diag_name(snap->seg_diag), snap->seg_detail);
	else
		fprintf(out, "segment diagnosis: ok\n");
	if (snap->source.stalled) {
		char since[40];

		fprintf(out, "source    stalled since %s at cursor \"%s\": %s\n",
			fmt_time(snap->source.since_unix_ms, since, sizeof(since)),
			snap->source.cursor, snap->source.reason);
	}

	fprintf(out, "\n%-16s %-8s %-5s %-9s %-9s %-9s %-8s %-22s %s\n", "STAGE", "PID", "ALIVE",
		"STATE", "STATUS", "HEARTBEAT", "RESTARTS", "LAST EXIT", "UPTIME");
	for (i = 0; i < snap->nstages; i++) {
		const gcb_ringstat_stage_t *st = &snap->stages[i];
		char hb[32], ex[48], up[32];

		gcb_ringstat_exit_str(st->last_exit, ex, sizeof(ex));
		fprintf(out, "%-16s %-8d %-5s %-9s %-9s %-9s %-8llu %-22s %s\n", st->name,
			(int)st->proc.pid,
			st->proc.pid == 0 ? "-" : (st->proc.alive ? "yes" : "no"),
			gcb_ringstat_state_name(st->state), st->status,
			fmt_dur(st->proc.heartbeat_age, hb, sizeof(hb)),
			(unsigned long long)st->restarts, ex,
			st->uptime < 0 ? "-" : fmt_dur(st->uptime, up, sizeof(up)));
	}
	for (i = 0; i < snap->nstages; i++) {
		const gcb_ringstat_stage_t *st = &snap->stages[i];

		if (st->notif)
			fprintf(out,
				"%s notifications: %llu channels, %llu topics, %llu rejected by "
				"the service, %llu gaps pending\n",
				st->name, (unsigned long long)st->channels,
				(unsigned long long)st->topics,
				(unsigned long long)st->topics_rejected,
				(unsigned long long)st->gaps_pending);
		if (st->spool)
			print_spool(out, snap, st);
	}
	for (i = 0; i < snap->nrings; i++)
		print_ring(out, snap, &snap->rings[i]);
	fprintf(out, "\nstatus: %s\n", snap->degraded ? "degraded" : "healthy");
}

/*
 * The --json view: one document per snapshot, keys documented in
 * docs/ringstat.md and kept stable (add keys, never rename or drop them).
 * Ages and rates are numbers of seconds / per second, null when unknown.
 */
#include "tools/ringstat/gcb_ringstat.h"

#include <stdio.h>
#include <string.h>

#define JSON_JSON_VERSION 1
#define JW_DEPTH	  16

typedef struct jw {
	FILE *out;
	int pretty;
	int depth;
	int first[JW_DEPTH];
} jw_t;

static void jw_sep(jw_t *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->out);
		j->first[j->depth] = 0;
		if (j->pretty)
			fprintf(j->out, "\n%*s", 2 * j->depth, "");
	}
	if (key != NULL)
		fprintf(j->out, j->pretty ? "\"%s\": " : "\"%s\":", key);
}

static void jw_open(jw_t *j, const char *key, char c)
{
	jw_sep(j, key);
	fputc(c, j->out);
	if (j->depth + 1 < JW_DEPTH)
		j->depth++;
	j->first[j->depth] = 1;
}

static void jw_close(jw_t *j, char c)
{
	int empty = j->first[j->depth];

	j->depth--;
	if (j->pretty && !empty)
		fprintf(j->out, "\n%*s", 2 * j->depth, "");
	fputc(c, j->out);
}

static void jw_str(jw_t *j, const char *key, const char *s)
{
	jw_sep(j, key);
	fputc('"', j->out);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(j->out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(j->out, "\\u%04x", c);
		else
			fputc(c, j->out);
	}
	fputc('"', j->out);
}

static void jw_u64(jw_t *j, const char *key, uint64_t v)
{
	jw_sep(j, key);
	fprintf(j->out, "%llu", (unsigned long long)v);
}

static void jw_i64(jw_t *j, const char *key, int64_t v)
{
	jw_sep(j, key);
	fprintf(j->out, "%lld", (long long)v);
}

static void jw_bool(jw_t *j, const char *key, int v)
{
	jw_sep(j, key);
	fputs(v ? "true" : "false", j->out);
}

static void jw_null(jw_t *j, const char *key)
{
	jw_sep(j, key);
	fputs("null", j->out);
}

/* Seconds or rates: null when negative (unknown). */
static void jw_num(jw_t *j, const char *key, double v)
{
	jw_sep(j, key);
	if (v < 0)
		fputs("null", j->out);
	else
		fprintf(j->out, "%.3f", v);
}

static void json_proc(jw_t *j, const char *key, const gcb_ringstat_proc_t *p, int with_hb)
{
	jw_open(j, key, '{');
	jw_i64(j, "pid", p->pid);
	jw_bool(j, "alive", p->alive);
	if (with_hb)
		jw_num(j, "heartbeat_age_s", p->heartbeat_age);
	jw_close(j, '}');
}

static void json_side(jw_t *j, const char *key, const gcb_ringstat_snap_t *snap,
		      const gcb_ringstat_side_t *s, const char *stall_key)
{
	jw_open(j, key, '{');
	jw_i64(j, "pid", s->proc.pid);
	jw_bool(j, "alive", s->proc.alive);
	if (s->stage >= 0)
		jw_str(j, "stage", snap->stages[s->stage].name);
	else
		jw_null(j, "stage");
	jw_num(j, "heartbeat_age_s", s->proc.heartbeat_age);
	jw_num(j, "freshest_heartbeat_age_s", s->freshest_age);
	jw_u64(j, stall_key, s->stalls);
	jw_close(j, '}');
}

static void json_ring(jw_t *j, const gcb_ringstat_snap_t *snap, const gcb_ringstat_ring_t *r)
{
	const gcb_ringstat_walk_t *w = &r->walk;
	int d;

	jw_open(j, NULL, '{');
	jw_u64(j, "index", r->index);
	jw_str(j, "name", r->name);
	jw_bool(j, "valid", r->valid);
	jw_u64(j, "offset", r->offset);
	jw_u64(j, "capacity", r->capacity);
	jw_u64(j, "max_record", r->max_record);
	jw_u64(j, "used_bytes", r->used_bytes);
	jw_u64(j, "used_records", w->records);
	jw_u64(j, "unread_records", w->unread_records);
	jw_u64(j, "unreleased_records", w->records - w->unread_records);
	jw_num(j, "full_pct", r->full_pct);
	jw_u64(j, "tail", w->tail);
	jw_u64(j, "read", w->read);
	jw_u64(j, "release", w->release);
	jw_u64(j, "records_written", r->records_written);
	jw_u64(j, "bytes_written", r->bytes_written);
	jw_u64(j, "records_read", r->records_read);
	jw_u64(j, "bytes_read", r->bytes_read);
	jw_u64(j, "last_seq", r->last_seq);
	if (r->have_rates) {
		jw_open(j, "rates", '{');
		jw_num(j, "interval_s", r->interval);
		jw_num(j, "records_in_per_s", r->rec_in_rate);
		jw_num(j, "bytes_in_per_s", r->bytes_in_rate);
		jw_num(j, "records_out_per_s", r->rec_out_rate);
		jw_num(j, "bytes_out_per_s", r->bytes_out_rate);
		jw_close(j, '}');
	} else {
		jw_null(j, "rates");
	}
	jw_num(j, "idle_s", r->idle_seconds);
	json_side(j, "producer", snap, &r->prod, "full_stalls");
	json_side(j, "consumer", snap, &r->cons, "empty_stalls");
	jw_str(j, "diagnosis", gcb_ringstat_diag_name(r->diag));
	jw_str(j, "detail", r->detail);
	if (r->diag == GCB_RINGSTAT_DIAG_CORRUPT) {
		jw_u64(j, "corrupt_offset", w->corrupt_off);
		jw_u64(j, "corrupt_position", w->corrupt_pos);
		jw_str(j, "corrupt_reason", gcb_ringstat_corrupt_name(w->corrupt));
	} else {
		jw_null(j, "corrupt_offset");
		jw_null(j, "corrupt_position");
		jw_null(j, "corrupt_reason");
	}
	jw_open(j, "issues", '[');
	for (d = 1; d < GCB_RINGSTAT_DIAG_COUNT; d++)
		if (r->issues & (1u << d))
			jw_str(j, NULL, gcb_ringstat_diag_name(d));
	jw_close(j, ']');
	jw_close(j, '}');
}

void gcb_ringstat_print_json(FILE *out, const gcb_ringstat_snap_t *snap, int pretty)
{
	jw_t j = {.out = out, .pretty = pretty};
	unsigned i;

	jw_open(&j, NULL, '{');
	jw_i64(&j, "json_version", JSON_JSON_VERSION);
	jw_u64(&j, "time_unix_ms", snap->real_ms);
	jw_str(&j, "status", snap->degraded ? "degraded" : "healthy");
	jw_i64(&j, "exit_code", snap->degraded ? 1 : 0);

	jw_open(&j, "segment", '{');
	jw_str(&j, "path", snap->path);
	jw_str(&j, "instance", snap->instance);
	jw_u64(&j, "layout_version", snap->layout_version);
	jw_u64(&j, "size", snap->segment_size);
	jw_u64(&j, "created_unix_ms", snap->created_unix_ms);
	json_proc(&j, "creator", &snap->creator, 0);
	json_proc(&j, "supervisor", &snap->supervisor, 1);
	jw_str(&j, "diagnosis", gcb_ringstat_seg_diag_name(snap->seg_diag));
	jw_str(&j, "detail", snap->seg_detail);
	jw_close(&j, '}');

	jw_open(&j, "source", '{');
	jw_bool(&j, "stalled", snap->source.stalled);
	jw_u64(&j, "stalled_since_unix_ms", snap->source.since_unix_ms);
	jw_str(&j, "cursor", snap->source.cursor);
	jw_str(&j, "reason", snap->source.reason);
	jw_close(&j, '}');

	jw_open(&j, "stages", '[');
	for (i = 0; i < snap->nstages; i++) {
		const gcb_ringstat_stage_t *st = &snap->stages[i];
		char ex[48];

		jw_open(&j, NULL, '{');
		jw_u64(&j, "index", i);
		jw_str(&j, "name", st->name);
		jw_str(&j, "kind", gcb_shm_stage_kind_name(st->kind) != NULL
				       ? gcb_shm_stage_kind_name(st->kind)
				       : "unknown");
		jw_i64(&j, "pid", st->proc.pid);
		jw_bool(&j, "alive", st->proc.alive);
		jw_str(&j, "state", gcb_ringstat_state_name(st->state));
		jw_str(&j, "status", st->status);
		jw_num(&j, "heartbeat_age_s", st->proc.heartbeat_age);
		jw_u64(&j, "restarts", st->restarts);
		if (st->last_exit == -1) {
			jw_null(&j, "last_exit");
			jw_null(&j, "last_exit_status");
		} else {
			gcb_ringstat_exit_str(st->last_exit, ex, sizeof(ex));
			jw_str(&j, "last_exit", ex);
			jw_i64(&j, "last_exit_status", st->last_exit);
		}
		jw_num(&j, "uptime_s", st->uptime);
		if (st->notif) {
			jw_open(&j, "notifications", '{');
			jw_u64(&j, "channels", st->channels);
			jw_u64(&j, "topics", st->topics);
			jw_u64(&j, "topics_rejected", st->topics_rejected);
			jw_u64(&j, "gaps_pending", st->gaps_pending);
			jw_close(&j, '}');
		}
		if (st->spool) {
			jw_open(&j, "spool", '{');
			jw_u64(&j, "bytes", st->spool_bytes);
			jw_u64(&j, "events", st->spool_events);
			jw_u64(&j, "oldest_unix_ms", st->spool_oldest_unix_ms);
			jw_u64(&j, "fill_bytes_per_second", st->spool_fill_bps);
			jw_u64(&j, "full_in_ms", st->spool_full_in_ms);
			jw_bool(&j, "full", st->spool_full_now != 0);
			jw_u64(&j, "retention_deadline_unix_ms", st->retention_deadline_unix_ms);
			jw_close(&j, '}');
		}
		jw_close(&j, '}');
	}
	jw_close(&j, ']');

	jw_open(&j, "rings", '[');
	for (i = 0; i < snap->nrings; i++)
		json_ring(&j, snap, &snap->rings[i]);
	jw_close(&j, ']');
	jw_close(&j, '}');
	fputc('\n', out);
}

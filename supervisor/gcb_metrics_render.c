#include "supervisor/gcb_metrics_render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm_source.h"
#include "supervisor/gcb_metrics_table.h"

#define MAX_DESCS GCB_SHM_STAGE_COUNTERS
#define MAX_HISTS 4u

void gcb_textbuf_printf(gcb_textbuf_t *b, const char *fmt, ...)
{
	va_list ap;

	if (b->oom)
		return;
	if (b->buf.first == 0)
		b->buf.first = 16384;
	va_start(ap, fmt);
	if (gcb_buf_vprintf(&b->buf, fmt, ap) != 0)
		b->oom = 1;
	va_end(ap);
}

void gcb_textbuf_fini(gcb_textbuf_t *b)
{
	gcb_buf_fini(&b->buf);
	memset(b, 0, sizeof(*b));
}

static void family(gcb_textbuf_t *b, const char *name, const char *type, const char *help)
{
	gcb_textbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void raw_value(gcb_textbuf_t *b, uint64_t v, double scale)
{
	if (scale == 1.0)
		gcb_textbuf_printf(b, " %llu\n", (unsigned long long)v);
	else
		gcb_textbuf_printf(b, " %.6f\n", (double)v * scale);
}

static uint64_t counter(const gcb_shm_stage_t *st, unsigned i)
{
	return gcb_counter_get(st->counters, i);
}

static void stage_counters(gcb_textbuf_t *b, const gcb_shm_t *shm, uint32_t kind)
{
	gcb_metric_desc_t d[MAX_DESCS];
	unsigned n = gcb_metrics_table(kind, d, MAX_DESCS);

	for (unsigned k = 0; k < n; k++) {
		family(b, d[k].name, d[k].type == GCB_METRIC_GAUGE ? "gauge" : "counter",
		       d[k].help);
		for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
			const gcb_shm_stage_t *st = gcb_shm_stage(shm, i);

			if (st->kind != kind)
				continue;
			gcb_textbuf_printf(b, "%s{stage=\"%s\"}", d[k].name, st->name);
			raw_value(b, counter(st, d[k].index), d[k].scale);
		}
	}
}

static void histograms(gcb_textbuf_t *b, const gcb_shm_t *shm)
{
	gcb_metric_hist_t h[MAX_HISTS];
	unsigned n = gcb_metrics_histograms(h, MAX_HISTS);

	for (unsigned k = 0; k < n; k++) {
		family(b, h[k].name, h[k].nbuckets != 0 ? "histogram" : "summary", h[k].help);
		for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
			const gcb_shm_stage_t *st = gcb_shm_stage(shm, i);
			uint64_t count;

			if (st->kind != GCB_STAGE_KIND_PRODUCER)
				continue;
			count = counter(st, (unsigned)h[k].count_index);
			for (unsigned j = 0; j < h[k].nbuckets; j++) {
				uint64_t v = counter(st, h[k].bucket_index[j]);

				/* Counters are read one by one while the producer
				 * runs: never let a bucket exceed the count. */
				gcb_textbuf_printf(b, "%s_bucket{stage=\"%s\",le=\"%g\"} %llu\n",
						   h[k].name, st->name, h[k].bucket_le[j],
						   (unsigned long long)(v < count ? v : count));
			}
			if (h[k].nbuckets != 0)
				gcb_textbuf_printf(b, "%s_bucket{stage=\"%s\",le=\"+Inf\"} %llu\n",
						   h[k].name, st->name, (unsigned long long)count);
			gcb_textbuf_printf(b, "%s_sum{stage=\"%s\"} %.6f\n", h[k].name, st->name,
					   (double)counter(st, h[k].sum_index) / 1e6);
			gcb_textbuf_printf(b, "%s_count{stage=\"%s\"} %llu\n", h[k].name, st->name,
					   (unsigned long long)count);
		}
	}
}

/* The conventional shell form: exit code, or 128 + signal; -1 none. */
static int exit_code(int32_t status)
{
	if (status < 0)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

enum stage_metric { SM_UP, SM_STATE, SM_RESTARTS, SM_LAST_EXIT, SM_HB_AGE, SM_STARTED, SM_N };

static const struct {
	const char *name, *type, *help;
} stage_metrics[SM_N] = {
    [SM_UP] = {"gcbridge_stage_up", "gauge",
	       "1 when the stage runs with a fresh heartbeat, else 0"},
    [SM_STATE] = {"gcbridge_stage_state", "gauge",
		  "0 stopped, 1 starting, 2 running, 3 draining, 4 waiting to restart"},
    [SM_RESTARTS] = {"gcbridge_stage_restarts_total", "counter",
		     "times the supervisor restarted the stage"},
    [SM_LAST_EXIT] = {"gcbridge_stage_last_exit_code", "gauge",
		      "exit code of the last exit (128 + signal when killed), -1 none"},
    [SM_HB_AGE] = {"gcbridge_stage_heartbeat_age_seconds", "gauge",
		   "time since the stage's last heartbeat"},
    [SM_STARTED] = {"gcbridge_stage_start_time_seconds", "gauge",
		    "when the stage was last started, Unix time"},
};

static void stages(gcb_textbuf_t *b, const gcb_shm_t *shm, const gcb_health_t *health)
{
	uint64_t now = gcb_clock_mono_ns();

	for (unsigned m = 0; m < SM_N; m++) {
		family(b, stage_metrics[m].name, stage_metrics[m].type, stage_metrics[m].help);
		for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
			const gcb_shm_stage_t *st = gcb_shm_stage(shm, i);
			uint64_t age = gcb_health_heartbeat_age_ms(st, now);
			uint32_t state = atomic_load(&st->state);

			gcb_textbuf_printf(b, "%s{stage=\"%s\",kind=\"%s\"}", stage_metrics[m].name,
					   st->name, gcb_shm_stage_kind_name(st->kind));
			switch (m) {
			case SM_UP:
				gcb_textbuf_printf(
				    b, " %d\n",
				    (state == GCB_STAGE_RUNNING || state == GCB_STAGE_DRAINING) &&
					(health == NULL || age <= health->heartbeat_max_ms));
				break;
			case SM_STATE:
				gcb_textbuf_printf(b, " %u\n", state);
				break;
			case SM_RESTARTS:
				raw_value(b, atomic_load(&st->restarts), 1.0);
				break;
			case SM_LAST_EXIT:
				gcb_textbuf_printf(b, " %d\n",
						   exit_code(atomic_load(&st->last_exit)));
				break;
			case SM_HB_AGE:
				if (age == UINT64_MAX)
					gcb_textbuf_printf(b, " NaN\n");
				else
					raw_value(b, age, 1e-3);
				break;
			default:
				raw_value(b, atomic_load(&st->started_unix_ms), 1e-3);
				break;
			}
		}
	}
}

enum ring_metric {
	RM_USED,
	RM_CAP,
	RM_WRITTEN,
	RM_READ,
	RM_BYTES_W,
	RM_BYTES_R,
	RM_FULL,
	RM_EMPTY,
	RM_N
};

static const struct {
	const char *name, *type, *help;
} ring_metrics[RM_N] = {
    [RM_USED] = {"gcbridge_ring_used_bytes", "gauge",
		 "bytes in use (written, not yet released by the consumer)"},
    [RM_CAP] = {"gcbridge_ring_capacity_bytes", "gauge", "data bytes of the ring"},
    [RM_WRITTEN] = {"gcbridge_ring_records_written_total", "counter", "records committed"},
    [RM_READ] = {"gcbridge_ring_records_read_total", "counter", "records released by the consumer"},
    [RM_BYTES_W] = {"gcbridge_ring_written_bytes_total", "counter", "payload bytes committed"},
    [RM_BYTES_R] = {"gcbridge_ring_read_bytes_total", "counter",
		    "payload bytes released by the consumer"},
    [RM_FULL] = {"gcbridge_ring_full_stalls_total", "counter",
		 "times the writer slept on a full ring (backpressure)"},
    [RM_EMPTY] = {"gcbridge_ring_empty_stalls_total", "counter",
		  "times the reader slept on an empty ring"},
};

static void rings(gcb_textbuf_t *b, const gcb_shm_t *shm)
{
	for (unsigned m = 0; m < RM_N; m++) {
		family(b, ring_metrics[m].name, ring_metrics[m].type, ring_metrics[m].help);
		for (unsigned i = 0; i < shm->hdr->ring_count; i++) {
			const gcb_ring_ctl_t *c = gcb_shm_ring_mem(shm, i);
			gcb_ring_stats_t st;
			uint64_t v;

			gcb_ring_ctl_stats(c, &st);
			switch (m) {
			case RM_USED:
				v = st.tail > st.released ? st.tail - st.released : 0;
				break;
			case RM_CAP:
				v = c->desc.capacity;
				break;
			case RM_WRITTEN:
				v = st.records_written;
				break;
			case RM_READ:
				v = st.records_read;
				break;
			case RM_BYTES_W:
				v = st.bytes_written;
				break;
			case RM_BYTES_R:
				v = st.bytes_read;
				break;
			case RM_FULL:
				v = st.full_stalls;
				break;
			default:
				v = st.empty_stalls;
				break;
			}
			gcb_textbuf_printf(b, "%s{ring=\"%s\"}", ring_metrics[m].name,
					   shm->hdr->rings[i].name);
			raw_value(b, v, 1.0);
		}
	}
}

static void gauge(gcb_textbuf_t *b, const char *name, const char *help, double v)
{
	family(b, name, "gauge", help);
	gcb_textbuf_printf(b, "%s %.6f\n", name, v);
}

static void pipeline(gcb_textbuf_t *b, const gcb_shm_t *shm, const gcb_health_t *health)
{
	const gcb_shm_pipeline_t *p = gcb_shm_pipeline(shm);
	uint64_t ck = atomic_load(&p->checkpoint_unix_ms), now_ms = gcb_clock_real_ms();
	uint64_t hb = atomic_load(&shm->hdr->supervisor_heartbeat_ns), now = gcb_clock_mono_ns();
	gcb_source_health_t src;

	family(b, "gcbridge_pipeline_batch_seq", "gauge",
	       "last batch fetched, acknowledged by Kafka, and checkpointed");
	gcb_textbuf_printf(b, "gcbridge_pipeline_batch_seq{step=\"fetched\"} %llu\n",
			   (unsigned long long)atomic_load(&p->fetched_batch_seq));
	gcb_textbuf_printf(b, "gcbridge_pipeline_batch_seq{step=\"acked\"} %llu\n",
			   (unsigned long long)atomic_load(&p->acked_batch_seq));
	gcb_textbuf_printf(b, "gcbridge_pipeline_batch_seq{step=\"checkpointed\"} %llu\n",
			   (unsigned long long)atomic_load(&p->checkpoint_batch_seq));
	family(b, "gcbridge_checkpoint_timestamp_seconds", "gauge",
	       "when the checkpoint was last written, Unix time (0: never)");
	gcb_textbuf_printf(b, "gcbridge_checkpoint_timestamp_seconds %.3f\n", (double)ck / 1e3);
	family(b, "gcbridge_checkpoint_age_seconds", "gauge",
	       "time since the checkpoint was last written (NaN: never)");
	if (ck == 0)
		gcb_textbuf_printf(b, "gcbridge_checkpoint_age_seconds NaN\n");
	else
		gcb_textbuf_printf(b, "gcbridge_checkpoint_age_seconds %.3f\n",
				   now_ms > ck ? (double)(now_ms - ck) / 1e3 : 0.0);
	gauge(b, "gcbridge_draining", "drain phase: 0 none, 1 fetcher, 2 validators, 3 producer",
	      (double)atomic_load(&p->draining));
	gauge(b, "gcbridge_reload_generation", "SIGHUP reloads since the segment was created",
	      (double)atomic_load(&p->reload_generation));
	gauge(b, "gcbridge_supervisor_heartbeat_age_seconds",
	      "time since the supervisor loop last turned",
	      now > hb ? (double)(now - hb) / 1e9 : 0.0);
	gauge(b, "gcbridge_segment_created_timestamp_seconds",
	      "when the shared-memory segment was created, Unix time",
	      (double)shm->hdr->created_unix_ms / 1e3);
	gcb_shm_source_read(&p->source, &src);
	gauge(b, "gcbridge_source_stalled",
	      "1 when the source cannot make progress by itself (/readyz says why)", src.stalled);
	gauge(b, "gcbridge_source_stalled_since_timestamp_seconds",
	      "when the current stall began, Unix time (0: not stalled)",
	      (double)src.since_unix_ms / 1e3);
	if (health != NULL) {
		gauge(b, "gcbridge_ready", "1 when /readyz answers 200", health->ready);
		gauge(b, "gcbridge_kafka_up",
		      "0 when records are in flight and Kafka acknowledged none for a while",
		      health->kafka_up);
	}
}

void gcb_metrics_render(gcb_textbuf_t *b, const gcb_shm_t *shm, const gcb_health_t *health,
			const char *version)
{
	b->buf.len = 0;
	b->oom = 0;
	family(b, "gcbridge_info", "gauge", "version and instance of the running gcbridge");
	gcb_textbuf_printf(b, "gcbridge_info{version=\"%s\",instance=\"", version);
	for (size_t i = 0; i < sizeof(shm->hdr->instance) && shm->hdr->instance[i] != '\0'; i++) {
		const char *c = &shm->hdr->instance[i];

		gcb_textbuf_printf(b, "%s%c", *c == '"' || *c == '\\' ? "\\" : "",
				   *c == '\n' ? ' ' : *c);
	}
	gcb_textbuf_printf(b, "\"} 1\n");
	pipeline(b, shm, health);
	stages(b, shm, health);
	rings(b, shm);
	for (uint32_t kind = GCB_STAGE_KIND_FETCHER; kind <= GCB_STAGE_KIND_PRODUCER; kind++)
		stage_counters(b, shm, kind);
	histograms(b, shm);
}

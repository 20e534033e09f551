#include "supervisor/gcb_progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_source.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"
#include "shm/gcb_shm_source.h"

void gcb_progress_init(gcb_progress_t *p, int enabled, const gcb_embedded_t *embedded,
		       const char *instance)
{
	memset(p, 0, sizeof(*p));
	p->enabled = enabled;
	p->embedded = embedded;
	p->instance = instance;
	p->start_ns = gcb_clock_mono_ns();
	p->last_ns = p->start_ns;
}

static void collect(gcb_progress_t *p, const gcb_shm_t *shm)
{
	uint64_t used = 0, cap = 0;

	p->fetched = p->delivered = p->dlq = p->filtered = p->restarts = 0;
	for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
		const gcb_shm_stage_t *st = gcb_shm_stage(shm, i);

		p->restarts += atomic_load_explicit(&st->restarts, memory_order_relaxed);
		if (st->kind == GCB_STAGE_KIND_FETCHER) {
			p->fetched += gcb_counter_get(st->counters, GCB_SC_EVENTS);
		} else if (st->kind == GCB_STAGE_KIND_PRODUCER) {
			p->delivered += gcb_counter_get(st->counters, GCB_PRODUCER_C_DELIVERED);
			p->dlq += gcb_counter_get(st->counters, GCB_PRODUCER_C_DLQ_DELIVERED);
			p->filtered += gcb_counter_get(st->counters, GCB_PRODUCER_C_FILTERED);
		}
	}
	for (unsigned i = 0; i < shm->hdr->ring_count; i++) {
		const gcb_ring_ctl_t *ctl = gcb_shm_ring_mem(shm, i);

		used += gcb_ring_ctl_tail(ctl) - gcb_ring_ctl_released(ctl);
		cap += ctl->desc.capacity;
	}
	p->fill_pct = cap != 0 ? 100.0 * (double)used / (double)cap : 0.0;
	gcb_shm_source_read(&gcb_shm_pipeline(shm)->source, &p->source);
}

static void hint(const gcb_progress_t *p)
{
	fprintf(stderr, "\ngcbridge is running. While it runs, in another terminal:\n");
	if (p->embedded->kafka_pid > 0)
		fprintf(stderr,
			"  kcat -b %s -C -t genesys.interactions -o beginning -e -f "
			"'%%k %%T %%h\\n'\n"
			"  kcat -b %s -C -t genesys.dlq -o beginning -e -f '%%h\\n'\n",
			p->embedded->bootstrap, p->embedded->bootstrap);
	fprintf(stderr,
		"  bin/gcb-ringstat %s            (rings and stages; --watch 1 to follow)\n"
		"Ctrl-C drains the pipeline and stops.\n\n",
		p->instance);
}

void gcb_progress_tick(gcb_progress_t *p, const void *shm)
{
	uint64_t now = gcb_clock_mono_ns();
	double dt;

	collect(p, shm); /* cheap: counters only; keeps the summary exact */
	if (now - p->last_ns < 1000000000ull)
		return;
	dt = (double)(now - p->last_ns) / 1e9;
	if (p->enabled) {
		if (!p->hinted) {
			hint(p);
			p->hinted = 1;
		}
		fprintf(stderr,
			"%s fetched %llu (%.0f/s)  delivered %llu (%.0f/s)  dlq %llu  filtered "
			"%llu  rings %.1f%%  restarts %llu\n",
			isatty(STDERR_FILENO) ? "\r\033[K" : "", (unsigned long long)p->fetched,
			(double)(p->fetched - p->last_fetched) / dt,
			(unsigned long long)p->delivered,
			(double)(p->delivered - p->last_delivered) / dt,
			(unsigned long long)p->dlq, (unsigned long long)p->filtered, p->fill_pct,
			(unsigned long long)p->restarts);
		/* A stall is news on every line until it ends: no progress figure
		 * should be read as "fine" while the source is stuck. */
		if (p->source.stalled)
			fprintf(stderr, "%sSTALLED at cursor \"%s\": %s\n",
				isatty(STDERR_FILENO) ? "\r\033[K" : "", p->source.cursor,
				p->source.reason);
	}
	p->last_ns = now;
	p->last_fetched = p->fetched;
	p->last_delivered = p->delivered;
}

void gcb_progress_summary(const gcb_progress_t *p)
{
	double secs = (double)(gcb_clock_mono_ns() - p->start_ns) / 1e9;

	if (!p->enabled)
		return;
	fprintf(stderr,
		"\nsummary: %.0fs, %llu events fetched, %llu delivered to Kafka, %llu to the "
		"dead-letter topic, %llu filtered, %llu stage restarts\n",
		secs, (unsigned long long)p->fetched, (unsigned long long)p->delivered,
		(unsigned long long)p->dlq, (unsigned long long)p->filtered,
		(unsigned long long)p->restarts);
}

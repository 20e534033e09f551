#include "supervisor/gcb_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_source.h"
#include "shm/gcb_counters_producer.h"
#include "lib/gcb_log.h"

#define STATUS_INTERVAL_NS 2000000000ull

void gcb_notify_init(gcb_notify_t *n)
{
	uint64_t usec = 0;

	memset(n, 0, sizeof(*n));
	n->enabled = getenv("NOTIFY_SOCKET") != NULL;
	if (!n->enabled)
		return;
	/* Keep-alives at a third of the period: a busy loop turn or two
	 * (at most 100 ms each) never makes systemd kill a healthy daemon. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec != 0)
		n->watchdog_interval_ns = usec * 1000ull / 3;
	gcb_log_info("systemd notification enabled%s",
		     n->watchdog_interval_ns ? ", watchdog on" : "");
}

static void notify_send(const char *msg)
{
	int rc = sd_notify(0, msg);

	if (rc < 0)
		gcb_log_debug("sd_notify() failed: %s", strerror(-rc));
}

void gcb_notify_status(gcb_notify_t *n, const char *status)
{
	char msg[400];

	if (!n->enabled)
		return;
	snprintf(msg, sizeof(msg), "STATUS=%s", status);
	notify_send(msg);
}

static void progress(gcb_notify_t *n, const gcb_shm_t *shm, const gcb_health_t *health)
{
	uint64_t fetched = 0, delivered = 0, dlq = 0, restarts = 0;

	for (unsigned i = 0; i < shm->hdr->stage_count; i++) {
		const gcb_shm_stage_t *st = gcb_shm_stage(shm, i);

		restarts += atomic_load(&st->restarts);
		if (st->kind == GCB_STAGE_KIND_FETCHER) {
			fetched += gcb_counter_get(st->counters, GCB_SC_EVENTS);
		} else if (st->kind == GCB_STAGE_KIND_PRODUCER) {
			delivered += gcb_counter_get(st->counters, GCB_PRODUCER_C_DELIVERED);
			dlq += gcb_counter_get(st->counters, GCB_PRODUCER_C_DLQ_DELIVERED);
		}
	}
	snprintf(n->status, sizeof(n->status),
		 "%s; fetched %llu, delivered %llu, dlq %llu, restarts %llu",
		 health->ready ? "ready" : health->why, (unsigned long long)fetched,
		 (unsigned long long)delivered, (unsigned long long)dlq,
		 (unsigned long long)restarts);
	gcb_notify_status(n, n->status);
}

void gcb_notify_tick(gcb_notify_t *n, const gcb_shm_t *shm, const gcb_health_t *health)
{
	uint64_t now;

	if (!n->enabled)
		return;
	now = gcb_clock_mono_ns();
	if (n->watchdog_interval_ns != 0 && now - n->last_watchdog_ns >= n->watchdog_interval_ns) {
		notify_send("WATCHDOG=1");
		n->last_watchdog_ns = now;
	}
	if (!n->ready_sent && gcb_health_stages_up(health, shm, NULL, 0)) {
		notify_send("READY=1");
		n->ready_sent = 1;
		n->last_status_ns = 0;
	}
	if (!n->stopping_sent && atomic_load(&gcb_shm_pipeline(shm)->draining) != 0)
		gcb_notify_stopping(n);
	if (now - n->last_status_ns >= STATUS_INTERVAL_NS) {
		progress(n, shm, health);
		n->last_status_ns = now;
	}
}

void gcb_notify_stopping(gcb_notify_t *n)
{
	if (!n->enabled || n->stopping_sent)
		return;
	notify_send("STOPPING=1");
	n->stopping_sent = 1;
}

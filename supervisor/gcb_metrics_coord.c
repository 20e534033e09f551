/*
 * /metrics for group coordination (docs/multihost.md): the membership the
 * fetcher publishes in the segment header (shm/gcb_shm_coord.h). Apart from
 * gcb_metrics_render.c so that the family list of a single instance stays
 * as it was; every family here is present (zero) without coordination, so
 * alert rules can sum it over the group without "absent" cases.
 */
#include <stdatomic.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_shm_coord.h"
#include "supervisor/gcb_metrics_render.h"

static void fam(gcb_textbuf_t *b, const char *name, const char *type, const char *help)
{
	gcb_textbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one unlabelled sample. */
static void one(gcb_textbuf_t *b, const char *name, const char *type, const char *help,
		uint64_t value)
{
	fam(b, name, type, help);
	gcb_textbuf_printf(b, "%s %llu\n", name, (unsigned long long)value);
}

void gcb_metrics_render_coord(gcb_textbuf_t *b, const gcb_shm_t *shm)
{
	static const char *const names[] = GCB_SHM_COORD_STATE_NAMES;
	const gcb_shm_coord_t *c = gcb_shm_coord_ro(shm->hdr);
	uint64_t state = atomic_load_explicit(&c->state, memory_order_relaxed);
	uint64_t owned = atomic_load_explicit(&c->owned, memory_order_relaxed);
	uint64_t at = atomic_load_explicit(&c->state_unix_ms, memory_order_relaxed);
	uint64_t now = gcb_clock_real_ms();
	unsigned n = 0;

	fam(b, "gcbridge_coord_state", "gauge",
	    "group membership: 1 for the current state (off = single-instance mode)");
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		gcb_textbuf_printf(b, "gcbridge_coord_state{state=\"%s\"} %d\n", names[i],
				   state == i);
	one(b, "gcbridge_coord_units", "gauge",
	    "units of work in the group (partitions of the coordination topic)",
	    atomic_load_explicit(&c->units, memory_order_relaxed));
	fam(b, "gcbridge_coord_unit_owned", "gauge", "1 for each unit this instance runs");
	for (unsigned u = 0; u < 64; u++)
		if (owned & (UINT64_C(1) << u)) {
			gcb_textbuf_printf(b, "gcbridge_coord_unit_owned{unit=\"%u\"} 1\n", u);
			n++;
		}
	one(b, "gcbridge_coord_units_owned", "gauge", "units this instance runs", n);
	one(b, "gcbridge_coord_generation", "gauge",
	    "group generation of the current assignment (the state records' fence)",
	    atomic_load_explicit(&c->generation, memory_order_relaxed));
	one(b, "gcbridge_coord_rebalances_total", "counter",
	    "assignments and revocations served by this instance's fetcher",
	    atomic_load_explicit(&c->rebalances, memory_order_relaxed));
	one(b, "gcbridge_coord_state_writes_total", "counter",
	    "unit state records Kafka acknowledged",
	    atomic_load_explicit(&c->state_writes, memory_order_relaxed));
	one(b, "gcbridge_coord_fenced_total", "counter",
	    "units lost to a newer generation and state writes refused for it",
	    atomic_load_explicit(&c->fenced, memory_order_relaxed));
	fam(b, "gcbridge_coord_state_age_seconds", "gauge",
	    "time since this instance's last unit state record was acknowledged (NaN: never)");
	if (at == 0)
		gcb_textbuf_printf(b, "gcbridge_coord_state_age_seconds NaN\n");
	else
		gcb_textbuf_printf(b, "gcbridge_coord_state_age_seconds %.3f\n",
				   now > at ? (double)(now - at) / 1e3 : 0.0);
}

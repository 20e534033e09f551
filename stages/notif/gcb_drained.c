#include "stages/notif/gcb_drained.h"

/* Log entries are at least this far apart (the newest one is replaced until
 * then): GCB_DRAINED_LOG entries cover at least 12.8 s of reading. */
#define DRAINED_STEP_MS 50

void gcb_drained_add(gcb_drained_t *d, uint64_t began_unix_ms, uint64_t ended_unix_ms)
{
	unsigned newest = (d->head + GCB_DRAINED_LOG - 1) % GCB_DRAINED_LOG;
	gcb_drained_turn_t *e;

	if (began_unix_ms <= d->latest_unix_ms)
		return; /* nothing new, or the real clock stepped back: keep the surer value */
	d->latest_unix_ms = began_unix_ms;
	if (d->n >= 2) {
		unsigned before = (newest + GCB_DRAINED_LOG - 1) % GCB_DRAINED_LOG;

		/* Replacing the newest entry only makes later lookups find an
		 * older one: earlier, never wrong. */
		if (ended_unix_ms < d->v[before].ended_unix_ms + DRAINED_STEP_MS) {
			d->v[newest].began_unix_ms = began_unix_ms;
			d->v[newest].ended_unix_ms = ended_unix_ms;
			return;
		}
	}
	e = &d->v[d->head];
	e->began_unix_ms = began_unix_ms;
	e->ended_unix_ms = ended_unix_ms;
	d->head = (d->head + 1) % GCB_DRAINED_LOG;
	if (d->n < GCB_DRAINED_LOG)
		d->n++;
}

uint64_t gcb_drained_before(const gcb_drained_t *d, uint64_t spooled_unix_ms)
{
	for (unsigned k = 1; k <= d->n; k++) {
		const gcb_drained_turn_t *e =
		    &d->v[(d->head + GCB_DRAINED_LOG - k) % GCB_DRAINED_LOG];

		/* Strictly after: a record of the drained turn itself may come
		 * before messages that turn read later. */
		if (e->ended_unix_ms < spooled_unix_ms)
			return e->began_unix_ms;
	}
	return 0;
}

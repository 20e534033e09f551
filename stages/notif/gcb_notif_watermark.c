/*
 * The notification source's watermark: the time before which every message
 * that reached a live socket is in Kafka. A shard's live_until
 * (gcb_notif_shard.c) comes from here; a gap that starts too late loses the
 * messages before its start, so every value here errs early.
 *
 * A spooled record carries the time it was spooled (its arrival, kept for
 * the latency figures), which is later than what is known of the messages
 * before it: the drained log (gcb_drained.h) maps it back.
 */
#include "stages/notif/gcb_notif_int.h"

#include <stdatomic.h>

int gcb_notif_all_acked(const gcb_notif_t *n)
{
	gcb_spool_stats_t st;
	const gcb_shm_pipeline_t *p = n->src.pipe;

	gcb_spool_stats(n->spool, &st);
	return st.unread_records == 0 && n->batch.n_events == 0 &&
	       atomic_load_explicit(&p->acked_batch_seq, memory_order_acquire) >=
		   atomic_load_explicit(&p->fetched_batch_seq, memory_order_relaxed);
}

uint64_t gcb_notif_acked_until(const gcb_notif_t *n)
{
	uint64_t ck =
	    atomic_load_explicit(&n->src.pipe->checkpoint_batch_seq, memory_order_acquire);
	unsigned slot = (unsigned)(ck % GCB_SHM_CURSOR_SLOTS);

	if (gcb_notif_all_acked(n))
		return n->drained.latest_unix_ms;
	if (ck != 0 && n->arrival_seq[slot] == ck)
		return gcb_drained_before(&n->drained, n->arrival_ms[slot]);
	return 0;
}

void gcb_notif_batch_written(gcb_notif_t *n, uint64_t batch_seq, uint64_t arrival_unix_ms)
{
	unsigned slot = (unsigned)(batch_seq % GCB_SHM_CURSOR_SLOTS);

	n->arrival_seq[slot] = batch_seq;
	n->arrival_ms[slot] = arrival_unix_ms;
}

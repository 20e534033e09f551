/*
 * Synthetic source: behaves like the fetcher towards the rings (batches
 * striped over the fetch rings, cursor slots, exact resume after a crash).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "shm/gcb_records.h"
#include "stages/selftest/gcb_selftest.h"
#include "lib/gcb_log.h"

#define BODY_MAX 2048

uint32_t gcb_selftest_body(uint64_t seq, char *buf, uint32_t size)
{
	/* 40..~1000 bytes, varying with seq so records wrap at every offset. */
	unsigned pad = (unsigned)((seq * 2654435761u) % 960u);
	int n = snprintf(buf, size, "{\"seq\":%llu,\"pad\":\"%*s\"}", (unsigned long long)seq,
			 (int)pad, "");

	for (int i = 0; i < n; i++)
		if (buf[i] == ' ')
			buf[i] = (char)('a' + (seq + (uint64_t)i) % 26);
	return (uint32_t)n;
}

/* Where the previous source stopped: the last committed batch and event. */
static void find_resume_point(gcb_ring_t *out, unsigned n, uint64_t *batch, uint64_t *seq)
{
	*batch = 0;
	*seq = 0;
	for (unsigned i = 0; i < n; i++) {
		const gcb_ring_rec_t *rec = gcb_ring_last_committed(&out[i]);
		const gcb_rec_event_t *ev;

		if (rec == NULL || rec->length < sizeof(*ev))
			continue;
		ev = (const gcb_rec_event_t *)rec->payload;
		if (ev->batch_seq > *batch)
			*batch = ev->batch_seq;
		if (rec->seq > *seq)
			*seq = rec->seq;
	}
}

static void put_cursor(gcb_shm_pipeline_t *pipe, uint64_t batch, uint64_t last_seq)
{
	gcb_shm_cursor_slot_t *slot = &pipe->cursors[batch % GCB_SHM_CURSOR_SLOTS];
	int n = snprintf(slot->cursor, sizeof(slot->cursor), "selftest-%llu",
			 (unsigned long long)last_seq);

	slot->length = (uint32_t)n;
	atomic_store_explicit(&slot->batch_seq, batch, memory_order_release);
}

static int write_batch(gcb_stage_ctx_t *ctx, gcb_ring_t *ring, uint64_t batch, uint64_t first,
		       uint32_t count)
{
	char body[BODY_MAX];

	for (;;) {
		for (uint32_t k = 0; k < count; k++) {
			uint64_t seq = first + k;
			uint32_t blen = gcb_selftest_body(seq, body, sizeof(body));
			uint32_t hdr = sizeof(gcb_rec_event_t);
			gcb_ring_rec_t *rec;
			gcb_rec_event_t *ev;
			int rc;

			rc = gcb_ring_reserve(ring, hdr + blen, GCB_REC_EVENT,
					      k + 1 == count ? GCB_REC_F_BATCH_END : 0, seq, &rec);
			if (rc == -EAGAIN) {
				gcb_ring_abort(ring);
				goto wait;
			}
			if (rc != 0)
				return rc;
			ev = (gcb_rec_event_t *)rec->payload;
			memset(ev, 0, sizeof(*ev));
			ev->batch_seq = batch;
			ev->received_unix_ms = gcb_clock_real_ms();
			ev->fields[GCB_EVF_JSON] = (gcb_rec_field_t){hdr, blen};
			memcpy(ev->data, body, blen);
		}
		gcb_ring_commit(ring);
		return 0;
wait:
		/* Backpressure: the whole batch must fit; wait for the validator. */
		gcb_stage_heartbeat(ctx);
		if (gcb_stage_stopping(ctx))
			return -ECANCELED;
		(void)gcb_ring_wait_writable(ring, BODY_MAX, 200);
	}
}

int gcb_selftest_source_main(gcb_stage_ctx_t *ctx, void *arg)
{
	const gcb_selftest_conf_t *conf = arg;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	gcb_shm_pipeline_t *pipe = gcb_shm_pipeline(ctx->shm);
	unsigned n_in, n_out;
	uint64_t batch, seq, started_ns = gcb_clock_mono_ns(), started_seq;
	int rc;

	rc = gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out);
	if (rc != 0)
		return GCB_EXIT_RESTART;
	find_resume_point(out, n_out, &batch, &seq);
	started_seq = seq;
	gcb_log_info("source resumes after batch %llu, event %llu", (unsigned long long)batch,
		     (unsigned long long)seq);

	while (!gcb_stage_stopping(ctx)) {
		uint32_t count = conf->batch;

		gcb_stage_heartbeat(ctx);
		if (seq >= conf->total) {
			struct timespec ts = {0, 50 * 1000000L};

			nanosleep(&ts, NULL);
			continue;
		}
		if (count > conf->total - seq)
			count = (uint32_t)(conf->total - seq);
		if (conf->rate != 0) {
			uint64_t due = started_ns + (seq - started_seq) * 1000000000ull / conf->rate;
			uint64_t now = gcb_clock_mono_ns();

			if (due > now) {
				struct timespec ts = {0, (long)(due - now < 50000000 ? due - now
										   : 50000000)};

				nanosleep(&ts, NULL);
				continue;
			}
		}
		/* Cursor slot first, then the batch: see gcb_records.h. */
		put_cursor(pipe, batch + 1, seq + count);
		rc = write_batch(ctx, &out[(batch + 1) % n_out], batch + 1, seq + 1, count);
		if (rc == -ECANCELED)
			break;
		if (rc != 0) {
			gcb_log_error("writing batch %llu failed: %s",
				      (unsigned long long)(batch + 1), strerror(-rc));
			return GCB_EXIT_RESTART;
		}
		batch++;
		seq += count;
		atomic_store(&pipe->fetched_batch_seq, batch);
	}
	gcb_log_info("source stopped after event %llu", (unsigned long long)seq);
	return GCB_EXIT_OK;
}

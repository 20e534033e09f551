/*
 * Relay: a validator stand-in. One output record per input record, same
 * seq, batch and flags; input released only after the output is committed;
 * after a crash, input already turned into output is skipped (exactly once
 * across a relay restart).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "shm/gcb_records.h"
#include "stages/selftest/gcb_selftest.h"
#include "lib/gcb_log.h"

#define RELAY_BATCH 64

static int relay_one(gcb_ring_t *out, const gcb_ring_rec_t *in)
{
	const gcb_rec_event_t *ev = (const gcb_rec_event_t *)in->payload;
	uint32_t hdr = sizeof(gcb_rec_out_t), vlen;
	gcb_ring_rec_t *rec;
	gcb_rec_out_t *o;
	int rc;

	if (in->type != GCB_REC_EVENT || in->length < sizeof(*ev) ||
	    !gcb_rec_fields_valid(ev->fields, GCB_EVF_COUNT, sizeof(*ev), in->length))
		return -EBADMSG;
	vlen = ev->fields[GCB_EVF_JSON].len;
	rc = gcb_ring_reserve(out, hdr + vlen, GCB_REC_AVRO, in->flags, in->seq, &rec);
	if (rc != 0)
		return rc;
	o = (gcb_rec_out_t *)rec->payload;
	memset(o, 0, sizeof(*o));
	o->batch_seq = ev->batch_seq;
	o->received_unix_ms = ev->received_unix_ms;
	o->fields[GCB_OUTF_VALUE] = (gcb_rec_field_t){hdr, vlen};
	memcpy(o->data, gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]), vlen);
	return 0;
}

int gcb_selftest_relay_main(gcb_stage_ctx_t *ctx, void *arg)
{
	const gcb_selftest_conf_t *conf = arg;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	unsigned n_in, n_out, pending = 0;
	const gcb_ring_rec_t *rec;
	uint64_t done_seq;
	int rc;

	if (gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out) != 0)
		return GCB_EXIT_RESTART;
	done_seq = gcb_ring_resume_seq(&out[0]);

	for (;;) {
		gcb_stage_heartbeat(ctx);
		rc = gcb_ring_read(&in[0], &rec);
		if (rc == 0 && rec->seq <= done_seq) {
			gcb_ring_release_all(&in[0]); /* output exists already */
			continue;
		}
		if (rc == 0) {
			while ((rc = relay_one(&out[0], rec)) == -EAGAIN) {
				/* Output full: publish what we have, wait for the sink. */
				gcb_ring_commit(&out[0]);
				gcb_ring_release(&in[0], gcb_ring_read_pos(&in[0]) -
								 gcb_ring_record_size(rec->length));
				pending = 0;
				gcb_stage_heartbeat(ctx);
				if (gcb_stage_stop_requested || gcb_stage_orphaned(ctx))
					return GCB_EXIT_OK;
				(void)gcb_ring_wait_writable(&out[0], rec->length, 200);
			}
			if (rc != 0) {
				gcb_log_error("record %llu: %s", (unsigned long long)rec->seq,
					      strerror(-rc));
				return GCB_EXIT_RESTART;
			}
			if (++pending < RELAY_BATCH)
				continue;
		}
		if (pending != 0) {
			gcb_ring_commit(&out[0]);
			gcb_ring_release_all(&in[0]);
			pending = 0;
		}
		if (rc == -EAGAIN) {
			if (conf->fatal_path != NULL && access(conf->fatal_path, F_OK) == 0) {
				gcb_log_error("%s exists: permanent error", conf->fatal_path);
				return GCB_EXIT_FATAL;
			}
			if (gcb_stage_stop_requested || gcb_stage_orphaned(ctx))
				return GCB_EXIT_OK;
			if (gcb_stage_draining(ctx))
				return GCB_EXIT_OK; /* upstream gone and input empty */
			(void)gcb_ring_wait_readable(&in[0], 200);
		} else if (rc != 0) {
			gcb_log_error("input ring: %s", strerror(-rc));
			return GCB_EXIT_RESTART;
		}
	}
}

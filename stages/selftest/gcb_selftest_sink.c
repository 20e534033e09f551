/*
 * Sink: a producer stand-in. Reads the out rings in stripe order, checks
 * every event against what the source generated for its seq, "delivers" a
 * batch by appending its seqs to a file, then publishes acked_batch_seq and
 * releases: the producer's restart rules (gcb_records.h) exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm/gcb_records.h"
#include "stages/selftest/gcb_selftest.h"
#include "lib/gcb_log.h"

#define SEQ_BUF 4096

struct sink {
	gcb_stage_ctx_t *ctx;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS];
	unsigned n_in;
	int fd;
	uint64_t seqs[SEQ_BUF];
	unsigned nseqs;
	uint64_t expected_batch;
};

static int flush_seqs(struct sink *s)
{
	size_t len = s->nseqs * sizeof(uint64_t), off = 0;

	while (off < len) {
		ssize_t n = write(s->fd, (const char *)s->seqs + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	s->nseqs = 0;
	return 0;
}

static int check_event(const gcb_ring_rec_t *rec)
{
	const gcb_rec_out_t *o = (const gcb_rec_out_t *)rec->payload;
	char want[2048];
	uint32_t wlen;

	if (rec->type != GCB_REC_AVRO || rec->length < sizeof(*o) ||
	    !gcb_rec_fields_valid(o->fields, GCB_OUTF_COUNT, sizeof(*o), rec->length))
		return -EBADMSG;
	wlen = gcb_selftest_body(rec->seq, want, sizeof(want));
	if (o->fields[GCB_OUTF_VALUE].len != wlen ||
	    memcmp(gcb_rec_field_ptr(o, o->fields[GCB_OUTF_VALUE]), want, wlen) != 0)
		return -EILSEQ;
	return 0;
}

/* Consumes what is readable on the ring of the expected batch; 1 if it made
 * progress, 0 if it must wait, negative on a broken invariant. */
static int sink_step(struct sink *s)
{
	gcb_shm_pipeline_t *pipe = gcb_shm_pipeline(s->ctx->shm);
	gcb_ring_t *r = &s->in[s->expected_batch % s->n_in];
	const gcb_ring_rec_t *rec;
	int rc, progress = 0;

	while ((rc = gcb_ring_read(r, &rec)) == 0) {
		const gcb_rec_out_t *o = (const gcb_rec_out_t *)rec->payload;

		progress = 1;
		if (rec->length < sizeof(*o))
			return -EBADMSG;
		if (o->batch_seq < s->expected_batch) {
			/* Delivered before a restart; acked, never released. */
			gcb_ring_release_all(r);
			continue;
		}
		if (o->batch_seq > s->expected_batch) {
			gcb_log_error("stripe order broken: batch %llu where %llu belongs",
				      (unsigned long long)o->batch_seq,
				      (unsigned long long)s->expected_batch);
			return -EPROTO;
		}
		rc = check_event(rec);
		if (rc != 0) {
			gcb_log_error("event %llu: content differs from what the source made",
				      (unsigned long long)rec->seq);
			return rc;
		}
		if (s->nseqs == SEQ_BUF && (rc = flush_seqs(s)) != 0)
			return rc;
		s->seqs[s->nseqs++] = rec->seq;
		if (rec->flags & GCB_REC_F_BATCH_END) {
			if ((rc = flush_seqs(s)) != 0)
				return rc;
			atomic_store(&pipe->acked_batch_seq, s->expected_batch);
			gcb_ring_release_all(r);
			s->expected_batch++;
			return 1;
		}
	}
	return rc == -EAGAIN ? progress : rc;
}

static int all_empty(struct sink *s)
{
	for (unsigned i = 0; i < s->n_in; i++)
		if (gcb_ring_read_pos(&s->in[i]) != gcb_ring_tail(&s->in[i]))
			return 0;
	return 1;
}

int gcb_selftest_sink_main(gcb_stage_ctx_t *ctx, void *arg)
{
	const gcb_selftest_conf_t *conf = arg;
	gcb_ring_t unused[GCB_STAGE_MAX_RINGS];
	unsigned n_unused;
	struct sink *s;
	int rc, code = GCB_EXIT_OK;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return GCB_EXIT_RESTART;
	s->ctx = ctx;
	if (gcb_stage_attach_rings(ctx, s->in, &s->n_in, unused, &n_unused) != 0) {
		free(s);
		return GCB_EXIT_RESTART;
	}
	s->fd = open(conf->sink_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		gcb_log_error("open(\"%s\") failed: %s", conf->sink_path, strerror(errno));
		free(s);
		return GCB_EXIT_FATAL;
	}
	s->expected_batch = atomic_load(&gcb_shm_pipeline(ctx->shm)->acked_batch_seq) + 1;

	for (;;) {
		gcb_stage_heartbeat(ctx);
		rc = sink_step(s);
		if (rc < 0) {
			code = GCB_EXIT_RESTART;
			break;
		}
		if (rc > 0)
			continue;
		if (gcb_stage_stop_requested || gcb_stage_orphaned(ctx))
			break;
		if (gcb_stage_draining(ctx) && all_empty(s))
			break;
		(void)gcb_ring_wait_readable(&s->in[s->expected_batch % s->n_in], 200);
	}
	(void)flush_seqs(s);
	close(s->fd);
	free(s);
	return code;
}

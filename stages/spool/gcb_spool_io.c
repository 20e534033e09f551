/*
 * Spool I/O: appends as io_uring writes at their offsets and fdatasync
 * (IORING_FSYNC_DATASYNC) issued once the writes it must cover completed.
 * Without io_uring (old kernel, seccomp, GCB_SPOOL_NO_URING=1) the same
 * steps run as pwrite() and fdatasync(), synchronously.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stages/spool/gcb_spool_int.h"
#include "lib/gcb_log.h"
#include "lib/gcb_uring.h"

int gcb_spool_io_init(gcb_spool_t *s)
{
	const char *off = getenv("GCB_SPOOL_NO_URING");

	if (!s->ops->uring)
		return 0; /* a disk model sees only what goes through s->ops */
	if (off != NULL && off[0] != '\0' && strcmp(off, "0") != 0) {
		gcb_log_info("spool %s: GCB_SPOOL_NO_URING set, using plain system calls", s->dir);
		return 0;
	}
	s->have_uring = gcb_uring_init(&s->ring, GCB_SPOOL_QUEUE_DEPTH, "the spool uses");
	return 0;
}

void gcb_spool_io_fini(gcb_spool_t *s)
{
	if (s->have_uring)
		io_uring_queue_exit(&s->ring);
	s->have_uring = 0;
}

int gcb_spool_io_fail(gcb_spool_t *s, const char *call, int err)
{
	if (!s->failed) {
		char name[GCB_SPOOL_NAME_MAX];

		gcb_spool_seg_name(s->write_seg, name);
		gcb_log_error("%s(%s/%s) failed: %s; the spool refuses appends from now on", call,
			      s->dir, name, strerror(err));
	}
	s->failed = 1;
	return -EIO;
}

uint64_t gcb_spool_io_written_end(const gcb_spool_t *s)
{
	const struct gcb_spool_chunk *c = &s->chunks[s->cur];
	uint64_t end = c->file_off + c->sub;

	if (s->inflight_writes == 0)
		return end;
	for (unsigned i = 0; i < GCB_SPOOL_SLOTS; i++)
		if (s->slots[i].used && s->slots[i].off < end)
			end = s->slots[i].off;
	return end;
}

static int uring_submit(gcb_spool_t *s)
{
	int rc = gcb_uring_submit(&s->ring);

	if (rc < 0)
		return gcb_spool_io_fail(s, "io_uring_submit", -rc);
	return 0;
}

static int slot_issue(gcb_spool_t *s, unsigned i)
{
	struct gcb_spool_slot *sl = &s->slots[i];
	struct io_uring_sqe *sqe = gcb_uring_sqe(&s->ring);

	if (sqe == NULL)
		return gcb_spool_io_fail(s, "io_uring_get_sqe", EBUSY);
	io_uring_prep_write(sqe, s->wfd, sl->p, sl->len, sl->off);
	io_uring_sqe_set_data64(sqe, i);
	return uring_submit(s);
}

static int pwrite_all(gcb_spool_t *s, const unsigned char *p, uint32_t len, uint64_t off)
{
	while (len > 0) {
		ssize_t n = s->ops->pwrite(s->wfd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return gcb_spool_io_fail(s, "pwrite", n < 0 ? errno : EIO);
		p += n;
		off += (uint64_t)n;
		len -= (uint32_t)n;
	}
	return 0;
}

static int write_issue(gcb_spool_t *s, unsigned chunk, uint64_t off, const unsigned char *p,
		       uint32_t len)
{
	unsigned i;
	int rc;

	if (!s->have_uring)
		return pwrite_all(s, p, len, off);
	for (;;) {
		for (i = 0; i < GCB_SPOOL_SLOTS; i++)
			if (!s->slots[i].used)
				break;
		if (i < GCB_SPOOL_SLOTS)
			break;
		if ((rc = gcb_spool_io_reap(s, 1)) != 0 && s->ring_broken)
			return rc;
		if (s->failed)
			return -EIO;
	}
	s->slots[i] =
	    (struct gcb_spool_slot){.used = 1, .chunk = chunk, .off = off, .len = len, .p = p};
	s->chunks[chunk].inflight++;
	s->inflight_writes++;
	return slot_issue(s, i);
}

int gcb_spool_io_submit(gcb_spool_t *s)
{
	struct gcb_spool_chunk *c = &s->chunks[s->cur];
	uint32_t from = c->sub;

	if (s->failed)
		return -EIO;
	if (c->fill == c->sub)
		return 0;
	c->sub = c->fill;
	return write_issue(s, s->cur, c->file_off + from, c->buf + from, c->fill - from);
}

static void fsync_done(gcb_spool_t *s, uint64_t target)
{
	if (target > s->durable_end)
		s->durable_end = target;
	s->st.syncs++;
}

void gcb_spool_io_maybe_fsync(gcb_spool_t *s)
{
	struct io_uring_sqe *sqe;
	uint64_t target;

	if (s->failed || s->fsync_inflight || s->sync_want <= s->durable_end)
		return;
	target = gcb_spool_io_written_end(s);
	if (target < s->sync_want)
		return; /* the writes it must cover are still in flight */
	if (!s->have_uring) {
		if (s->ops->fdatasync(s->wfd) != 0)
			gcb_spool_io_fail(s, "fdatasync", errno);
		else
			fsync_done(s, target);
		return;
	}
	if ((sqe = gcb_uring_sqe(&s->ring)) == NULL) {
		gcb_spool_io_fail(s, "io_uring_get_sqe", EBUSY);
		return;
	}
	io_uring_prep_fsync(sqe, s->wfd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data64(sqe, GCB_SPOOL_TAG_FSYNC);
	s->fsync_inflight = 1;
	s->fsync_target = target;
	uring_submit(s);
}

static void complete(gcb_spool_t *s, uint64_t tag, int res)
{
	struct gcb_spool_slot *sl;

	if (tag == GCB_SPOOL_TAG_FSYNC) {
		s->fsync_inflight = 0;
		if (res < 0)
			gcb_spool_io_fail(s, "fdatasync", -res);
		else
			fsync_done(s, s->fsync_target);
		return;
	}
	if (tag >= GCB_SPOOL_SLOTS || !s->slots[tag].used)
		return;
	sl = &s->slots[tag];
	if (res == -EINTR || res == -EAGAIN || (res > 0 && (uint32_t)res < sl->len)) {
		if (res > 0) { /* short write: the rest goes again */
			sl->p += res;
			sl->off += (uint64_t)res;
			sl->len -= (uint32_t)res;
		}
		if (!s->failed && slot_issue(s, (unsigned)tag) == 0)
			return;
	} else if (res <= 0) {
		gcb_spool_io_fail(s, "write", res < 0 ? -res : EIO);
	}
	sl->used = 0;
	s->chunks[sl->chunk].inflight--;
	s->inflight_writes--;
}

int gcb_spool_io_reap(gcb_spool_t *s, int wait)
{
	struct io_uring_cqe *cqe;
	int rc, n = 0;

	if (!s->have_uring)
		return s->failed ? -EIO : 0;
	for (;;) {
		if (wait && n == 0 && (s->inflight_writes > 0 || s->fsync_inflight)) {
			do {
				rc = io_uring_wait_cqe(&s->ring, &cqe);
			} while (rc == -EINTR);
			if (rc < 0) {
				s->ring_broken = 1;
				return gcb_spool_io_fail(s, "io_uring_wait_cqe", -rc);
			}
		} else if (io_uring_peek_cqe(&s->ring, &cqe) != 0) {
			break;
		}
		complete(s, io_uring_cqe_get_data64(cqe), cqe->res);
		io_uring_cqe_seen(&s->ring, cqe);
		n++;
	}
	gcb_spool_io_maybe_fsync(s);
	return s->failed ? -EIO : 0;
}

int gcb_spool_io_wait_chunk(gcb_spool_t *s, unsigned chunk)
{
	while (s->chunks[chunk].inflight > 0) {
		/* A failed write frees its slot too, so only a broken ring stops this. */
		if (gcb_spool_io_reap(s, 1) != 0 && s->ring_broken)
			return -EIO;
	}
	return s->failed ? -EIO : 0;
}

int gcb_spool_io_drain(gcb_spool_t *s)
{
	gcb_spool_io_submit(s);
	while (s->inflight_writes > 0 || s->fsync_inflight)
		if (gcb_spool_io_reap(s, 1) != 0 && s->ring_broken)
			break;
	return s->failed ? -EIO : 0;
}

int gcb_spool_io_sync_now(gcb_spool_t *s)
{
	int rc;

	if ((rc = gcb_spool_io_drain(s)) != 0)
		return rc;
	if (s->durable_end >= s->append_end)
		return 0;
	s->sync_want = s->append_end;
	s->unsynced = 0;
	gcb_spool_io_maybe_fsync(s);
	return gcb_spool_io_drain(s);
}

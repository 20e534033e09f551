/*
 * io_uring helpers shared by the checkpoint and the spool: setup with a
 * logged fallback to plain system calls, an SQE even when the queue is full,
 * a submit that survives EINTR, and one synchronous operation.
 */
#ifndef GCB_URING_H
#define GCB_URING_H

#include <errno.h>
#include <string.h>

#include <liburing.h>

#include "lib/gcb_log.h"

/*
 * io_uring_queue_init(); on failure logs "io_uring_queue_init() failed:
 * <reason>; <fallback> plain system calls" (fallback e.g. "checkpoints
 * use"). 1 when the ring is usable, 0 when the caller falls back.
 */
static inline int gcb_uring_init(struct io_uring *ring, unsigned depth, const char *fallback)
{
	int rc = io_uring_queue_init(depth, ring, 0);

	if (rc == 0)
		return 1;
	gcb_log_warn("io_uring_queue_init() failed: %s; %s plain system calls", strerror(-rc),
		     fallback);
	return 0;
}

/* A free SQE; when the queue is full, what is queued is submitted first. */
static inline struct io_uring_sqe *gcb_uring_sqe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (sqe == NULL) {
		io_uring_submit(ring);
		sqe = io_uring_get_sqe(ring);
	}
	return sqe;
}

/* io_uring_submit(), again after EINTR: what it returns (-errno on failure). */
static inline int gcb_uring_submit(struct io_uring *ring)
{
	int rc;

	do {
		rc = io_uring_submit(ring);
	} while (rc == -EINTR);
	return rc;
}

/* Submits the one prepared SQE and returns its result (-errno on failure). */
static inline int gcb_uring_run1(struct io_uring *ring)
{
	struct io_uring_cqe *cqe;
	int rc = io_uring_submit(ring);

	if (rc < 0)
		return rc;
	do {
		rc = io_uring_wait_cqe(ring, &cqe);
	} while (rc == -EINTR);
	if (rc < 0)
		return rc;
	rc = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return rc;
}

#endif

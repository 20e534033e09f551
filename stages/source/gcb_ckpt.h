/*
 * The checkpoint file: the cursor after the newest batch Kafka has
 * acknowledged, stored as <state_dir>/<instance>.cursor, mode 0600:
 *
 *   {"version":1,"stream":"<id>","batch_seq":N,"cursor":"<cursor>","written_unix_ms":T}
 *
 * (one line, JSON-escaped). Writes go through io_uring (liburing): open the
 * temp file, write, fdatasync (IORING_FSYNC_DATASYNC), close, renameat over
 * the old file, fsync the directory; so a crash leaves the old or the new
 * file, never a torn one. Where io_uring is unavailable (old kernel,
 * seccomp) the same steps run as plain system calls, logged once. Those
 * go through a gcb_fileops_t table, so that a test can run them on a model
 * of the disk (gcb_ckpt_set_ops).
 */
#ifndef GCB_CKPT_H
#define GCB_CKPT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <liburing.h>

#include "shm/gcb_shm_layout.h"
#include "lib/gcb_fileops.h"

typedef struct gcb_ckpt {
	struct io_uring ring;
	int have_uring;
	const gcb_fileops_t *ops; /* the plain-system-call path */
	int dir_fd;
	char dir[PATH_MAX];
	char name[NAME_MAX + 1]; /* <instance>.cursor */
} gcb_ckpt_t;

/*
 * Opens (creating, mode 0700) state_dir and prepares io_uring. -errno with
 * errstr on failure: a state dir that cannot be used is a fatal config error.
 */
int gcb_ckpt_init(gcb_ckpt_t *c, const char *state_dir, const char *instance, char *errstr,
		  size_t errstr_size);
void gcb_ckpt_fini(gcb_ckpt_t *c);

/* Runs every change through ops (not io_uring unless ops->uring): tests. */
void gcb_ckpt_set_ops(gcb_ckpt_t *c, const gcb_fileops_t *ops);

/*
 * Durably replaces the checkpoint. 0 or -errno (the old file stays intact).
 */
int gcb_ckpt_store(gcb_ckpt_t *c, const char *stream, const char *cursor, uint64_t batch_seq,
		   uint64_t now_unix_ms);

/*
 * Reads the checkpoint. 0 with cursor (NUL-terminated) and, when stream is
 * not NULL, the stream id it belongs to; -ENOENT when there is none,
 * -EBADMSG when the file is not a checkpoint, -ENAMETOOLONG when a value
 * does not fit.
 */
int gcb_ckpt_load(gcb_ckpt_t *c, char *stream, size_t stream_size, char *cursor, size_t cursor_size,
		  uint64_t *batch_seq);

/*
 * Stores the cursor of pipe->acked_batch_seq when it is newer than
 * pipe->checkpoint_batch_seq and its cursor slot still holds it, then
 * publishes checkpoint_batch_seq / checkpoint_unix_ms. 1 stored, 0 nothing
 * to store, or -errno (the previous checkpoint stays).
 */
int gcb_ckpt_store_acked(gcb_ckpt_t *c, gcb_shm_pipeline_t *pipe, const char *stream);

/* Small io_uring-backed helpers, also used for the stream-id file. */
int gcb_ckpt_write_file(gcb_ckpt_t *c, const char *name, const char *data, size_t len);
int gcb_ckpt_read_file(gcb_ckpt_t *c, const char *name, char *buf, size_t size, size_t *len);

#endif

/*
 * Spool internals shared by its files (not for other modules).
 *
 * Writing: records are encoded into one of GCB_SPOOL_CHUNKS fixed chunks;
 * the filled part of the current chunk is submitted as one io_uring write
 * at its file offset each gcb_spool_flush() (and when the chunk is full).
 * Writes complete in any order, so "written_end" is the start of the
 * oldest write still in flight. An fdatasync is issued only once every
 * write below its target completed, so durable_end never covers a hole.
 */
#ifndef GCB_SPOOL_INT_H
#define GCB_SPOOL_INT_H

#include <limits.h>
#include <stdint.h>

#include <liburing.h>

#include "stages/spool/gcb_spool.h"

#define GCB_SPOOL_SEG_MAGIC   "GCBSPOOL"
#define GCB_SPOOL_VERSION     1u
#define GCB_SPOOL_SEG_HDR     32u
#define GCB_SPOOL_REC_MAGIC   0x43455253u /* "SREC" on disk */
#define GCB_SPOOL_REC_HDR     24u
#define GCB_SPOOL_CHUNKS      8u
#define GCB_SPOOL_CHUNK_MIN   (256u * 1024u)
#define GCB_SPOOL_SLOTS	      32u
#define GCB_SPOOL_WRITE_MIN   (64u * 1024u) /* submitted at once while others are in flight */
#define GCB_SPOOL_SCAN_BUF    (256u * 1024u)
#define GCB_SPOOL_QUEUE_DEPTH 64u
#define GCB_SPOOL_TAG_FSYNC   UINT64_MAX
#define GCB_SPOOL_NAME_MAX    32 /* 16 digits (20 at most) + ".spool" + NUL */
#define GCB_SPOOL_SEG_MAX     9999999999999998ull /* 16 digits, and one more after it */

/* Bytes a record of len payload bytes takes on disk. */
static inline uint64_t gcb_spool_rec_size(uint32_t len)
{
	return ((uint64_t)GCB_SPOOL_REC_HDR + len + 7u) & ~(uint64_t)7u;
}

struct gcb_spool_chunk {
	unsigned char *buf;
	uint64_t file_off; /* offset in the write segment of buf[0] */
	uint32_t fill;	   /* bytes encoded */
	uint32_t sub;	   /* bytes submitted */
	unsigned inflight; /* writes not yet completed */
};

struct gcb_spool_slot {
	int used;
	unsigned chunk;
	uint64_t off; /* first byte not yet written */
	uint32_t len;
	const unsigned char *p;
};

struct gcb_spool {
	gcb_spool_conf_t conf;
	const gcb_fileops_t *ops; /* every change to the files goes through it */
	char dir[PATH_MAX];
	int dir_fd;
	struct io_uring ring;
	int have_uring;
	int ring_broken; /* io_uring_wait_cqe() failed: nothing more to wait for */
	int failed;	 /* sticky: a write or fdatasync failed, the file state is unknown */

	/* Writing. */
	uint64_t first_seg; /* oldest segment on disk */
	uint64_t write_seg;
	int wfd;
	uint64_t append_end;  /* end of the records appended to write_seg */
	uint64_t durable_end; /* end covered by a completed fdatasync */
	uint64_t sync_want;   /* an fdatasync up to here was asked for */
	int fsync_inflight;
	uint64_t fsync_target;
	int unsynced; /* appends since the last sync request */
	uint64_t oldest_unsynced_ms;
	struct gcb_spool_chunk chunks[GCB_SPOOL_CHUNKS];
	unsigned cur;
	uint32_t chunk_size;
	unsigned char *mem;
	struct gcb_spool_slot slots[GCB_SPOOL_SLOTS];
	unsigned inflight_writes;

	/* Reading. */
	gcb_spool_pos_t rpos;
	int rfd;
	uint64_t rfd_seg;
	uint64_t rfd_size; /* file size when rfd_seg is closed */
	unsigned char *scan;

	gcb_spool_stats_t st;
};

/* gcb_spool_io.c: io_uring or plain system calls. */
int gcb_spool_io_init(gcb_spool_t *s);
void gcb_spool_io_fini(gcb_spool_t *s);
int gcb_spool_io_submit(gcb_spool_t *s);	 /* the current chunk's unsubmitted bytes */
int gcb_spool_io_reap(gcb_spool_t *s, int wait); /* completions; wait: at least one */
int gcb_spool_io_wait_chunk(gcb_spool_t *s, unsigned chunk);
int gcb_spool_io_drain(gcb_spool_t *s);	   /* every write done, no fsync in flight */
int gcb_spool_io_sync_now(gcb_spool_t *s); /* drain, fdatasync, wait */
void gcb_spool_io_maybe_fsync(gcb_spool_t *s);
uint64_t gcb_spool_io_written_end(const gcb_spool_t *s);
int gcb_spool_io_fail(gcb_spool_t *s, const char *call, int err);

/* gcb_spool_seg.c: segment files. */
void gcb_spool_seg_name(uint64_t seg, char *buf);
int gcb_spool_seg_create(gcb_spool_t *s, uint64_t seg);
/* Opens seg and checks its header: fd, or -ENOENT, -EBADMSG (logged), -errno. */
int gcb_spool_seg_open(gcb_spool_t *s, uint64_t seg, int flags, uint64_t *size);
/* Smallest and largest segment numbers in the dir and their count. */
int gcb_spool_seg_list(gcb_spool_t *s, uint64_t *min, uint64_t *max, uint64_t *count);
/* Smallest segment number above seg present in the dir, or 0. */
uint64_t gcb_spool_seg_next(gcb_spool_t *s, uint64_t seg);
/*
 * Checks records of an open segment from off while off < stop and off <
 * size: *end is the offset of the first bad record (*why says what is
 * wrong) or where it stopped (*why NULL); records and bytes checked are
 * added to *recs and *bytes. Reads through s->scan. 0 or -errno (pread).
 */
int gcb_spool_seg_check(gcb_spool_t *s, int fd, uint64_t off, uint64_t size, uint64_t stop,
			uint64_t *end, uint64_t *recs, uint64_t *bytes, const char **why);
int gcb_spool_seg_scan_all(gcb_spool_t *s, char *errstr, size_t errstr_size);

/* gcb_spool.c: closes the write segment, appends go to segment seg from now on. */
int gcb_spool_rotate_to(gcb_spool_t *s, uint64_t seg);

/* gcb_spool_read.c */
void gcb_spool_read_close(gcb_spool_t *s);

/* Little-endian field access. */
static inline void gcb_spool_put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline void gcb_spool_put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t gcb_spool_get32(const unsigned char *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline uint64_t gcb_spool_get64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#endif

/*
 * The spool: a durable, append-only, on-disk queue of source messages in
 * arrival order, in front of the fetch rings (docs/notifications.md). A push
 * source cannot be paused, so every message is appended here first; the
 * fetcher feeds the rings from the read position and deletes segments once
 * Kafka acknowledged everything in them.
 *
 * Files: <dir>/<seg>.spool, seg a 16-digit zero-padded decimal number,
 * mode 0600, dir 0700. Each record is checksummed (CRC-32C over header and
 * payload); appends go through io_uring, fdatasync is batched
 * (sync_interval_ms). A crash or power loss keeps everything that was
 * fdatasync'ed; a torn or corrupt tail found at open is cut off, logged and
 * counted, never served.
 *
 * Positions: (segment, byte offset) of a record boundary, ordered
 * lexicographically; the text form "<seg>:<off>" is what the checkpoint
 * stores. Memory: a fixed write buffer and nothing per record.
 */
#ifndef GCB_SPOOL_H
#define GCB_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "lib/gcb_fileops.h"

typedef struct gcb_spool gcb_spool_t;

typedef struct gcb_spool_pos {
	uint64_t seg;
	uint64_t off;
} gcb_spool_pos_t;

typedef struct gcb_spool_conf {
	const char *dir;	   /* created when missing */
	uint64_t segment_bytes;	   /* a segment is closed once it holds this much */
	uint64_t max_bytes;	   /* limit on bytes not yet released */
	unsigned sync_interval_ms; /* longest time from append to fdatasync */
	uint32_t max_record;	   /* largest payload accepted */
	const gcb_fileops_t *ops;  /* NULL: the real disk; tests put a disk model here */
} gcb_spool_conf_t;

typedef struct gcb_spool_rec {
	gcb_spool_pos_t pos;   /* where the record starts */
	gcb_spool_pos_t next;  /* where the next one starts */
	uint64_t arrival_unix_ms;
	uint32_t len;	       /* payload bytes, copied into the caller's buffer */
} gcb_spool_rec_t;

typedef struct gcb_spool_stats {
	uint64_t bytes;		 /* on disk, not yet released */
	uint64_t segments;	 /* segment files on disk */
	uint64_t appended;	 /* records appended since open */
	uint64_t appended_bytes;
	uint64_t syncs;		 /* fdatasync calls completed */
	uint64_t unread_records; /* appended (or replayed) but not yet read */
	uint64_t unread_bytes;
	uint64_t recovered_tail_bytes; /* cut off at open: torn or corrupt */
	uint64_t full_rejects;	       /* appends refused with -ENOSPC */
} gcb_spool_stats_t;

/*
 * Opens (creating) the spool in conf->dir and checks every record on disk.
 * The read position starts at the oldest record; gcb_spool_seek() moves it.
 * 0 with *out set, or -errno with errstr (unusable dir, io_uring and the
 * plain-syscall fallback both failing).
 */
int gcb_spool_open(gcb_spool_t **out, const gcb_spool_conf_t *conf, char *errstr,
		   size_t errstr_size);

/* Flushes, fdatasyncs and frees. NULL is a no-op. */
void gcb_spool_close(gcb_spool_t *s);

/*
 * Appends one record. 0; -ENOSPC when it would take the spool beyond
 * max_bytes (nothing appended); -EMSGSIZE above max_record; -EIO when the
 * disk failed (logged).
 */
int gcb_spool_append(gcb_spool_t *s, uint64_t arrival_unix_ms, const void *data, uint32_t len);

/*
 * Submits buffered appends and an fdatasync when sync_interval_ms has
 * passed since the oldest unsynced append (force: now), and reaps finished
 * io_uring completions. Call it every loop turn. 0 or -EIO.
 */
int gcb_spool_flush(gcb_spool_t *s, uint64_t now_mono_ms, int force);

/*
 * Blocking: submits every buffered append, fdatasyncs and waits, so that
 * gcb_spool_durable() covers everything appended. 0 or -EIO.
 */
int gcb_spool_sync(gcb_spool_t *s);

/* Milliseconds until gcb_spool_flush() has work, or -1 when none. */
int64_t gcb_spool_flush_due_ms(const gcb_spool_t *s, uint64_t now_mono_ms);

/* End of the records covered by a completed fdatasync. */
gcb_spool_pos_t gcb_spool_durable(const gcb_spool_t *s);

/*
 * Copies the record at the read position into buf (size bytes) without
 * moving the position. 1 with *rec; 0 when nothing is readable yet (only
 * records whose write has completed are); -ENOBUFS when size is too small
 * (rec->len tells the need); -EIO.
 */
int gcb_spool_peek(gcb_spool_t *s, gcb_spool_rec_t *rec, void *buf, size_t size);

/* Moves the read position past the record peek returned. */
void gcb_spool_consume(gcb_spool_t *s, const gcb_spool_rec_t *rec);

gcb_spool_pos_t gcb_spool_read_pos(const gcb_spool_t *s);

/* Where the next append goes (the end of what was appended), and the oldest record. */
gcb_spool_pos_t gcb_spool_end(const gcb_spool_t *s);
gcb_spool_pos_t gcb_spool_oldest(const gcb_spool_t *s);

/*
 * Moves the read position to pos (a position the checkpoint stored). A
 * position before the oldest record means the oldest record; one beyond
 * the end (records lost with a power failure after Kafka had them) means
 * the end, and appends then go to a new segment numbered after pos's, so
 * that no later record takes a position at or before pos. 0, -EINVAL when
 * pos is not a record boundary (or its segment number has more than 16
 * digits), or -EIO.
 */
int gcb_spool_seek(gcb_spool_t *s, gcb_spool_pos_t pos);

/*
 * Kafka acknowledged everything before upto: segments wholly before it are
 * unlinked and no longer count against max_bytes. 0 or -errno.
 */
int gcb_spool_release(gcb_spool_t *s, gcb_spool_pos_t upto);

void gcb_spool_stats(const gcb_spool_t *s, gcb_spool_stats_t *st);

/* "<seg>:<off>" and back. format: bytes written (excl. NUL); parse: 0 or -EINVAL. */
int gcb_spool_pos_format(gcb_spool_pos_t pos, char *buf, size_t size);
int gcb_spool_pos_parse(const char *text, gcb_spool_pos_t *pos);

/* a < b: -1, equal 0, a > b: 1. */
int gcb_spool_pos_cmp(gcb_spool_pos_t a, gcb_spool_pos_t b);

#endif

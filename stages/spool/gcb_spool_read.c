/*
 * Reading the spool: peek/consume at the read position, seek to a stored
 * position, release what Kafka acknowledged. Every record is checked
 * (magic, length, CRC-32C) again when it is read, so a record that went bad
 * after open is never served either.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "stages/spool/gcb_spool_crc.h"
#include "stages/spool/gcb_spool_int.h"
#include "lib/gcb_log.h"

/* Payload bytes read with the header; a longer payload takes a second read. */
#define PEEK_FIRST 4096u

void gcb_spool_read_close(gcb_spool_t *s)
{
	if (s->rfd >= 0)
		s->ops->close(s->rfd);
	s->rfd = -1;
	s->rfd_seg = 0;
}

/* The cached read fd for seg: fd, -ENOENT, -EBADMSG or -errno. */
static int read_fd(gcb_spool_t *s, uint64_t seg)
{
	uint64_t size;
	int fd;

	if (s->rfd >= 0 && s->rfd_seg == seg)
		return s->rfd;
	gcb_spool_read_close(s);
	if ((fd = gcb_spool_seg_open(s, seg, O_RDONLY, &size)) < 0)
		return fd;
	s->rfd = fd;
	s->rfd_seg = seg;
	s->rfd_size = size;
	return fd;
}

/* Moves the read position to the first record of the segment after seg. */
static void skip_segment(gcb_spool_t *s, uint64_t seg)
{
	uint64_t next = gcb_spool_seg_next(s, seg);

	if (next == 0 || next > s->write_seg)
		next = s->write_seg;
	s->rpos = (gcb_spool_pos_t){next, GCB_SPOOL_SEG_HDR};
}

/*
 * A record that fails its checks: in a closed segment the rest of that
 * segment is skipped (1: read on); in the segment being written it is a
 * disk fault this process cannot step over (-EIO).
 */
static int bad_record(gcb_spool_t *s, gcb_spool_pos_t pos, int closed, const char *why)
{
	char name[GCB_SPOOL_NAME_MAX];

	gcb_spool_seg_name(pos.seg, name);
	if (!closed) {
		gcb_log_error("spool %s/%s: %s at offset %" PRIu64 " of the segment being written",
			      s->dir, name, why, pos.off);
		return -EIO;
	}
	gcb_log_error("spool %s/%s: %s at offset %" PRIu64 ", skipping the rest of the segment",
		      s->dir, name, why, pos.off);
	skip_segment(s, pos.seg);
	return 1;
}

/*
 * The record at off of the write segment while it still sits in a write
 * chunk, or NULL. A record appended lately is read from there: no system
 * call, and no wait for its write to complete. Records never span chunks,
 * and a chunk's bytes stay until the chunk is taken for new appends.
 */
static const unsigned char *in_chunk(const gcb_spool_t *s, uint64_t off)
{
	for (unsigned i = 0; i < GCB_SPOOL_CHUNKS; i++) {
		const struct gcb_spool_chunk *c = &s->chunks[i];
		uint64_t rsz;

		if (c->fill == 0 || off < c->file_off ||
		    off + GCB_SPOOL_REC_HDR > c->file_off + c->fill)
			continue;
		rsz = gcb_spool_rec_size(gcb_spool_get32(c->buf + (off - c->file_off) + 4));
		return off + rsz <= c->file_off + c->fill ? c->buf + (off - c->file_off) : NULL;
	}
	return NULL;
}

/* A record from its chunk, as preadv would: the header, the payload if it fits. */
static ssize_t read_chunk(const unsigned char *p, unsigned char *h, void *buf, size_t size)
{
	uint32_t len = gcb_spool_get32(p + 4);

	memcpy(h, p, GCB_SPOOL_REC_HDR);
	if (buf == NULL || len > size)
		return GCB_SPOOL_REC_HDR;
	memcpy(buf, p + GCB_SPOOL_REC_HDR, len);
	return (ssize_t)(GCB_SPOOL_REC_HDR + len);
}

/*
 * A record's header and the first part of its payload from the file: 1 with
 * *n bytes read through *fd and *limit the end of what is written; 0 when
 * nothing is written there yet; 2 when the read position moved to the next
 * segment (read again); -EIO.
 */
static int read_file(gcb_spool_t *s, gcb_spool_pos_t pos, unsigned char *h, void *buf,
		     size_t size, ssize_t *n, int *fd, uint64_t *limit)
{
	int closed = pos.seg < s->write_seg;
	char name[GCB_SPOOL_NAME_MAX];
	struct iovec iov[2];

	if (closed) {
		*limit = UINT64_MAX;
	} else {
		*limit = gcb_spool_io_written_end(s);
		if (pos.off + GCB_SPOOL_REC_HDR > *limit) {
			gcb_spool_io_reap(s, 0);
			*limit = gcb_spool_io_written_end(s);
			if (pos.off + GCB_SPOOL_REC_HDR > *limit)
				return 0;
		}
	}
	*fd = read_fd(s, pos.seg);
	if (*fd == -ENOENT && closed) {
		skip_segment(s, pos.seg);
		return 2;
	}
	if (*fd == -EBADMSG && closed) {
		(void)bad_record(s, (gcb_spool_pos_t){pos.seg, 0}, 1, "no valid segment header");
		return 2;
	}
	if (*fd < 0) {
		gcb_spool_seg_name(pos.seg, name);
		gcb_log_error("openat(%s/%s) failed: %s", s->dir, name, strerror(-*fd));
		return -EIO;
	}
	/*
	 * The length is in the header: read the header and a first part of the
	 * payload, the rest once the length is known. Reading the whole of a
	 * large buffer each time would copy megabytes per record while a
	 * backlog is read (the file goes on after it).
	 */
	iov[0] = (struct iovec){h, GCB_SPOOL_REC_HDR};
	iov[1] = (struct iovec){buf, size < PEEK_FIRST ? size : PEEK_FIRST};
	do {
		*n = preadv(*fd, iov, buf != NULL && size > 0 ? 2 : 1, (off_t)pos.off);
	} while (*n < 0 && errno == EINTR);
	if (*n < 0) {
		gcb_spool_seg_name(pos.seg, name);
		gcb_log_error("preadv(%s/%s) failed: %s", s->dir, name, strerror(errno));
		return -EIO;
	}
	if (closed && *n == 0) {
		skip_segment(s, pos.seg); /* its end */
		return 2;
	}
	return 1;
}

int gcb_spool_peek(gcb_spool_t *s, gcb_spool_rec_t *rec, void *buf, size_t size)
{
	unsigned char h[GCB_SPOOL_REC_HDR];
	char name[GCB_SPOOL_NAME_MAX];

	for (;;) {
		gcb_spool_pos_t pos = s->rpos;
		int closed = pos.seg < s->write_seg;
		const unsigned char *mem = NULL;
		uint64_t limit = UINT64_MAX, rsz, end;
		uint32_t len;
		ssize_t n;
		int fd = -1, rc;

		if (pos.seg > s->write_seg)
			return 0;
		if (!closed && (mem = in_chunk(s, pos.off)) != NULL) {
			n = read_chunk(mem, h, buf, size);
		} else {
			rc = read_file(s, pos, h, buf, size, &n, &fd, &limit);
			if (rc == 2)
				continue;
			if (rc <= 0)
				return rc;
		}
		len = gcb_spool_get32(h + 4);
		rsz = gcb_spool_rec_size(len);
		end = pos.off + rsz;
		if ((size_t)n < sizeof(h) || gcb_spool_get32(h) != GCB_SPOOL_REC_MAGIC ||
		    gcb_spool_get32(h + 20) != 0 || (closed && end > s->rfd_size) ||
		    (!closed && end > s->append_end)) {
			if ((rc = bad_record(s, pos, closed, "no valid record")) < 0)
				return rc;
			continue;
		}
		if (!closed && end > limit)
			return 0; /* the rest of its write is in flight */
		rec->pos = pos;
		rec->len = len;
		rec->arrival_unix_ms = gcb_spool_get64(h + 8);
		rec->next = (gcb_spool_pos_t){pos.seg, end};
		if (len > size)
			return -ENOBUFS;
		if (mem == NULL && buf != NULL && size >= PEEK_FIRST && (size_t)n >= sizeof(h) &&
		    (size_t)n < sizeof(h) + len) {
			/* The payload's rest, beyond the first part. */
			size_t got = (size_t)n - sizeof(h);
			ssize_t m;

			do {
				m = pread(fd, (char *)buf + got, len - got,
					  (off_t)(pos.off + sizeof(h) + got));
			} while (m < 0 && errno == EINTR);
			if (m < 0) {
				gcb_spool_seg_name(pos.seg, name);
				gcb_log_error("pread(%s/%s) failed: %s", s->dir, name,
					      strerror(errno));
				return -EIO;
			}
			n += m;
		}
		if ((size_t)n < sizeof(h) + len ||
		    gcb_spool_crc32c(gcb_spool_crc32c(0, h, 16), buf, len) !=
			gcb_spool_get32(h + 16)) {
			if ((rc = bad_record(s, pos, closed, "CRC-32C mismatch")) < 0)
				return rc;
			continue;
		}
		/* The last record of a closed segment ends where the next one starts. */
		if (closed && end >= s->rfd_size)
			rec->next = (gcb_spool_pos_t){pos.seg + 1, GCB_SPOOL_SEG_HDR};
		return 1;
	}
}

void gcb_spool_consume(gcb_spool_t *s, const gcb_spool_rec_t *rec)
{
	uint64_t rsz = gcb_spool_rec_size(rec->len);

	s->rpos = rec->next;
	s->st.unread_records -= s->st.unread_records > 0;
	s->st.unread_bytes -= s->st.unread_bytes > rsz ? rsz : s->st.unread_bytes;
}

gcb_spool_pos_t gcb_spool_read_pos(const gcb_spool_t *s)
{
	return s->rpos;
}

gcb_spool_pos_t gcb_spool_end(const gcb_spool_t *s)
{
	return (gcb_spool_pos_t){s->write_seg, s->append_end};
}

gcb_spool_pos_t gcb_spool_oldest(const gcb_spool_t *s)
{
	return (gcb_spool_pos_t){s->first_seg, GCB_SPOOL_SEG_HDR};
}

/*
 * Counts the records from the boundary from up to pos (from <= pos). 0 with
 * *at = pos (or the first record after a missing segment pos points into),
 * or -EINVAL when pos is inside a record or a bad region. Data still in the
 * write buffer must have been written before (gcb_spool_io_drain).
 */
static int walk(gcb_spool_t *s, gcb_spool_pos_t from, gcb_spool_pos_t pos, gcb_spool_pos_t *at,
		uint64_t *recs, uint64_t *bytes)
{
	uint64_t seg = from.seg, off = from.off;
	const char *why;

	*recs = *bytes = 0;
	if (off < GCB_SPOOL_SEG_HDR)
		off = GCB_SPOOL_SEG_HDR;
	for (;;) {
		uint64_t size, end, next;
		int fd, rc;

		if (seg > pos.seg) {
			*at = (gcb_spool_pos_t){seg, GCB_SPOOL_SEG_HDR};
			return 0;
		}
		fd = gcb_spool_seg_open(s, seg, O_RDONLY, &size);
		if (fd >= 0 && seg == s->write_seg)
			size = s->append_end;
		if (fd >= 0) {
			rc = gcb_spool_seg_check(s, fd, off, size,
						 seg == pos.seg ? pos.off : UINT64_MAX, &end, recs,
						 bytes, &why);
			s->ops->close(fd);
			if (rc != 0)
				return rc;
			if (seg == pos.seg) {
				/* pos at or past the end of a closed segment is its end. */
				if (end == pos.off ||
				    (seg < s->write_seg && end == size && pos.off >= size)) {
					*at = pos;
					return 0;
				}
				return -EINVAL;
			}
		} else if (fd != -ENOENT && fd != -EBADMSG) {
			return fd;
		} else if (seg == pos.seg && pos.off > GCB_SPOOL_SEG_HDR) {
			return -EINVAL;
		}
		/* else: the start of a missing or unreadable segment means what follows */
		if (seg >= s->write_seg) {
			*at = (gcb_spool_pos_t){s->write_seg, s->append_end};
			return 0;
		}
		next = gcb_spool_seg_next(s, seg);
		seg = next == 0 || next > s->write_seg ? s->write_seg : next;
		off = GCB_SPOOL_SEG_HDR;
	}
}

static void unread_sub(gcb_spool_t *s, uint64_t recs, uint64_t bytes)
{
	s->st.unread_records -= recs < s->st.unread_records ? recs : s->st.unread_records;
	s->st.unread_bytes -= bytes < s->st.unread_bytes ? bytes : s->st.unread_bytes;
}

int gcb_spool_seek(gcb_spool_t *s, gcb_spool_pos_t pos)
{
	gcb_spool_pos_t oldest = {s->first_seg, GCB_SPOOL_SEG_HDR};
	gcb_spool_pos_t end, at, at2;
	uint64_t recs, bytes;
	int rc;

	if (pos.seg > GCB_SPOOL_SEG_MAX)
		return -EINVAL; /* no segment of this spool has such a number */
	if ((rc = gcb_spool_io_drain(s)) != 0)
		return rc;
	end = (gcb_spool_pos_t){s->write_seg, s->append_end};
	if (gcb_spool_pos_cmp(pos, oldest) < 0)
		pos = oldest;
	if (gcb_spool_pos_cmp(pos, end) > 0) {
		/*
		 * Records up to pos went with a power loss after Kafka had them.
		 * Appends must not take positions at or before pos again: a
		 * checkpoint still saying pos would skip them after the next
		 * crash. They go to a segment numbered after pos's.
		 */
		if ((rc = gcb_spool_rotate_to(s, pos.seg + 1)) != 0)
			return rc;
		gcb_log_warn("spool %s: checkpoint %" PRIu64 ":%" PRIu64 " lies beyond the "
			     "spool's end (lost with the power after Kafka had it): appending "
			     "from segment %" PRIu64,
			     s->dir, pos.seg, pos.off, s->write_seg);
		end = (gcb_spool_pos_t){s->write_seg, s->append_end};
		pos = end;
	}
	/* The unread counters follow the position: count what lies between. */
	if (gcb_spool_pos_cmp(pos, s->rpos) >= 0) {
		if ((rc = walk(s, s->rpos, pos, &at, &recs, &bytes)) != 0)
			return rc;
		unread_sub(s, recs, bytes);
	} else {
		if ((rc = walk(s, oldest, pos, &at, &recs, &bytes)) != 0)
			return rc;
		if ((rc = walk(s, at, s->rpos, &at2, &recs, &bytes)) != 0)
			return rc;
		s->st.unread_records += recs;
		s->st.unread_bytes += bytes;
	}
	s->rpos = at;
	return 0;
}

int gcb_spool_release(gcb_spool_t *s, gcb_spool_pos_t upto)
{
	char name[GCB_SPOOL_NAME_MAX];
	uint64_t limit = upto.seg, seg;
	struct stat st;

	if (limit < s->write_seg) {
		/* The end of a closed segment is the start of the next one. */
		gcb_spool_seg_name(limit, name);
		if (fstatat(s->dir_fd, name, &st, 0) == 0 && upto.off >= (uint64_t)st.st_size)
			limit++;
	}
	if (limit > s->write_seg)
		limit = s->write_seg;
	if (limit <= s->first_seg)
		return 0;
	if (s->rpos.seg < limit) {
		/* Acknowledged before it was read: happens only after a seek backwards. */
		gcb_spool_pos_t at;
		uint64_t recs, bytes;

		if (walk(s, s->rpos, (gcb_spool_pos_t){limit, GCB_SPOOL_SEG_HDR}, &at, &recs,
			 &bytes) == 0)
			unread_sub(s, recs, bytes);
		s->rpos = (gcb_spool_pos_t){limit, GCB_SPOOL_SEG_HDR};
	}
	for (seg = s->first_seg; seg < limit; seg++) {
		gcb_spool_seg_name(seg, name);
		if (fstatat(s->dir_fd, name, &st, 0) != 0)
			continue;
		if (s->rfd >= 0 && s->rfd_seg == seg)
			gcb_spool_read_close(s);
		if (s->ops->unlinkat(s->dir_fd, name, 0) != 0) {
			int rc = -errno;

			gcb_log_error("unlinkat(%s/%s) failed: %s", s->dir, name, strerror(errno));
			s->first_seg = seg;
			return rc;
		}
		s->st.segments--;
		s->st.bytes -=
		    (uint64_t)st.st_size < s->st.bytes ? (uint64_t)st.st_size : s->st.bytes;
		gcb_log_debug("spool %s/%s released", s->dir, name);
	}
	s->first_seg = limit;
	return 0;
}

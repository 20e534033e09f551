/*
 * Spool segment files: naming, creation, header checks, the record checker
 * and the scan at open that decides what is served and what is cut off.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/spool/gcb_spool_crc.h"
#include "stages/spool/gcb_spool_int.h"
#include "lib/gcb_log.h"

void gcb_spool_seg_name(uint64_t seg, char *buf)
{
	snprintf(buf, GCB_SPOOL_NAME_MAX, "%016" PRIu64 ".spool", seg);
}

/* Segment number of a file name, or 0 when it is not "<16 digits>.spool". */
static uint64_t seg_parse(const char *name)
{
	uint64_t v = 0;

	for (int i = 0; i < 16; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	return strcmp(name + 16, ".spool") == 0 ? v : 0;
}

static void seg_header(unsigned char *h, uint64_t seg)
{
	memset(h, 0, GCB_SPOOL_SEG_HDR);
	memcpy(h, GCB_SPOOL_SEG_MAGIC, 8);
	gcb_spool_put32(h + 8, GCB_SPOOL_VERSION);
	gcb_spool_put32(h + 12, GCB_SPOOL_SEG_HDR);
	gcb_spool_put64(h + 16, seg);
	gcb_spool_put32(h + 24, gcb_spool_crc32c(0, h, 24));
}

int gcb_spool_seg_create(gcb_spool_t *s, uint64_t seg)
{
	unsigned char h[GCB_SPOOL_SEG_HDR];
	char name[GCB_SPOOL_NAME_MAX];
	const char *call = "pwrite";
	int fd, err;

	gcb_spool_seg_name(seg, name);
	fd = s->ops->openat(s->dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    0600);
	if (fd < 0) {
		err = errno;
		gcb_log_error("openat(%s/%s) failed: %s", s->dir, name, strerror(err));
		return -err;
	}
	seg_header(h, seg);
	if (s->ops->pwrite(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h))
		goto fail;
	call = "fdatasync";
	if (s->ops->fdatasync(fd) != 0)
		goto fail;
	/* The new name must survive a crash as surely as the data in it. */
	call = "fsync(dir)";
	if (s->ops->fsync(s->dir_fd) != 0)
		goto fail;
	return fd;
fail:
	err = errno ? errno : EIO;
	gcb_log_error("%s(%s/%s) failed: %s", call, s->dir, name, strerror(err));
	s->ops->close(fd);
	s->ops->unlinkat(s->dir_fd, name, 0);
	return -err;
}

int gcb_spool_seg_open(gcb_spool_t *s, uint64_t seg, int flags, uint64_t *size)
{
	unsigned char h[GCB_SPOOL_SEG_HDR], want[GCB_SPOOL_SEG_HDR];
	char name[GCB_SPOOL_NAME_MAX];
	struct stat st;
	int fd, err;

	gcb_spool_seg_name(seg, name);
	fd = s->ops->openat(s->dir_fd, name, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		err = -errno;
		s->ops->close(fd);
		return err;
	}
	*size = (uint64_t)st.st_size;
	seg_header(want, seg);
	if (*size < GCB_SPOOL_SEG_HDR || pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, want, sizeof(h)) != 0) {
		s->ops->close(fd);
		return -EBADMSG;
	}
	return fd;
}

static DIR *dir_open(gcb_spool_t *s)
{
	int fd = openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	if ((d = fdopendir(fd)) == NULL)
		close(fd);
	return d;
}

int gcb_spool_seg_list(gcb_spool_t *s, uint64_t *min, uint64_t *max, uint64_t *count)
{
	DIR *d = dir_open(s);
	struct dirent *e;

	*min = *max = *count = 0;
	if (d == NULL)
		return -errno;
	while ((e = readdir(d)) != NULL) {
		uint64_t seg = seg_parse(e->d_name);

		if (seg == 0)
			continue;
		if (*count == 0 || seg < *min)
			*min = seg;
		if (*count == 0 || seg > *max)
			*max = seg;
		(*count)++;
	}
	closedir(d);
	return 0;
}

uint64_t gcb_spool_seg_next(gcb_spool_t *s, uint64_t seg)
{
	char name[GCB_SPOOL_NAME_MAX];
	uint64_t best = 0;
	struct dirent *e;
	DIR *d;

	/* Segments are numbered without gaps unless files were removed by hand. */
	gcb_spool_seg_name(seg + 1, name);
	if (faccessat(s->dir_fd, name, F_OK, 0) == 0)
		return seg + 1;
	if ((d = dir_open(s)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		uint64_t n = seg_parse(e->d_name);

		if (n > seg && (best == 0 || n < best))
			best = n;
	}
	closedir(d);
	return best;
}

/* Reads through s->scan: *p gets up to want bytes at off (fewer at the end). */
struct scan_win {
	int fd;
	uint64_t size, off;
	uint32_t len;
};

static int win_at(gcb_spool_t *s, struct scan_win *w, uint64_t off, uint32_t want,
		  const unsigned char **p, uint32_t *got)
{
	if (off < w->off || off + want > w->off + w->len) {
		uint64_t n = w->size - off;
		ssize_t k;

		if (n > GCB_SPOOL_SCAN_BUF)
			n = GCB_SPOOL_SCAN_BUF;
		do {
			k = pread(w->fd, s->scan, (size_t)n, (off_t)off);
		} while (k < 0 && errno == EINTR);
		if (k < 0)
			return -errno;
		w->off = off;
		w->len = (uint32_t)k;
	}
	*p = s->scan + (off - w->off);
	*got = (uint32_t)(w->off + w->len - off);
	if (*got > want)
		*got = want;
	return 0;
}

int gcb_spool_seg_check(gcb_spool_t *s, int fd, uint64_t off, uint64_t size, uint64_t stop,
			uint64_t *end, uint64_t *recs, uint64_t *bytes, const char **why)
{
	struct scan_win w = {.fd = fd, .size = size};
	const unsigned char *p;
	uint32_t got;
	int rc;

	*why = NULL;
	while (off < size && off < stop) {
		uint32_t len, crc, want;
		uint64_t rsz, at;

		if (size - off < GCB_SPOOL_REC_HDR) {
			*why = "torn record header";
			break;
		}
		if ((rc = win_at(s, &w, off, GCB_SPOOL_REC_HDR, &p, &got)) != 0)
			return rc;
		if (got < GCB_SPOOL_REC_HDR) {
			*why = "file shorter than it was";
			break;
		}
		len = gcb_spool_get32(p + 4);
		want = gcb_spool_get32(p + 16);
		if (gcb_spool_get32(p) != GCB_SPOOL_REC_MAGIC || gcb_spool_get32(p + 20) != 0) {
			*why = "no record header";
			break;
		}
		rsz = gcb_spool_rec_size(len);
		if (rsz > size - off) {
			*why = "record runs past the end of the file";
			break;
		}
		crc = gcb_spool_crc32c(0, p, 16);
		for (at = off + GCB_SPOOL_REC_HDR; at < off + GCB_SPOOL_REC_HDR + len; at += got) {
			uint64_t left = off + GCB_SPOOL_REC_HDR + len - at;

			want = left > GCB_SPOOL_SCAN_BUF ? GCB_SPOOL_SCAN_BUF : (uint32_t)left;
			if ((rc = win_at(s, &w, at, want, &p, &got)) != 0)
				return rc;
			if (got == 0)
				break;
			crc = gcb_spool_crc32c(crc, p, got);
		}
		if ((rc = win_at(s, &w, off, GCB_SPOOL_REC_HDR, &p, &got)) != 0)
			return rc;
		if (at < off + GCB_SPOOL_REC_HDR + len || got < GCB_SPOOL_REC_HDR) {
			*why = "file shorter than it was";
			break;
		}
		if (crc != gcb_spool_get32(p + 16)) {
			*why = "CRC-32C mismatch";
			break;
		}
		(*recs)++;
		*bytes += rsz;
		off += rsz;
	}
	*end = off;
	return 0;
}

/* Checks one segment at open; the newest one's bad tail is cut off. */
static int scan_one(gcb_spool_t *s, uint64_t seg, int newest, uint64_t *kept, char *errstr,
		    size_t errstr_size)
{
	char name[GCB_SPOOL_NAME_MAX];
	uint64_t size = 0, end, recs = 0, bytes = 0;
	const char *why;
	struct stat st;
	int fd, rc;

	gcb_spool_seg_name(seg, name);
	*kept = UINT64_MAX;
	fd = gcb_spool_seg_open(s, seg, newest ? O_RDWR : O_RDONLY, &size);
	if (fd == -EBADMSG) {
		size = fstatat(s->dir_fd, name, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
		s->st.recovered_tail_bytes += size;
		if (newest) {
			/* A segment being created when the process died. */
			gcb_log_warn("spool %s/%s: no valid segment header (%" PRIu64
				     " bytes), removed",
				     s->dir, name, size);
			if (s->ops->unlinkat(s->dir_fd, name, 0) != 0) {
				snprintf(errstr, errstr_size, "unlinkat(%s/%s) failed: %s", s->dir,
					 name, strerror(errno));
				return -errno;
			}
			return 0;
		}
		gcb_log_error("spool %s/%s: no valid segment header at offset 0, skipping the "
			      "whole segment (%" PRIu64 " bytes)",
			      s->dir, name, size);
		s->st.segments++;
		s->st.bytes += size;
		return 0;
	}
	if (fd < 0) {
		snprintf(errstr, errstr_size, "openat(%s/%s) failed: %s", s->dir, name,
			 strerror(-fd));
		return fd;
	}
	rc = gcb_spool_seg_check(s, fd, GCB_SPOOL_SEG_HDR, size, UINT64_MAX, &end, &recs, &bytes,
				 &why);
	if (rc != 0) {
		snprintf(errstr, errstr_size, "pread(%s/%s) failed: %s", s->dir, name,
			 strerror(-rc));
		s->ops->close(fd);
		return rc;
	}
	if (end < size) {
		s->st.recovered_tail_bytes += size - end;
		if (newest) {
			gcb_log_warn("spool %s/%s: %s at offset %" PRIu64 ", cutting off %" PRIu64
				     " bytes (a write the last run did not finish)",
				     s->dir, name, why, end, size - end);
			if (s->ops->ftruncate(fd, (off_t)end) != 0) {
				rc = -errno;
				snprintf(errstr, errstr_size, "ftruncate(%s/%s) failed: %s", s->dir,
					 name, strerror(errno));
				s->ops->close(fd);
				return rc;
			}
			size = end;
		} else {
			gcb_log_error("spool %s/%s: %s at offset %" PRIu64 ", skipping the rest of "
				      "the segment (%" PRIu64 " bytes)",
				      s->dir, name, why, end, size - end);
		}
	}
	/*
	 * What a crashed run left in the page cache is made durable before it
	 * is served. Older segments were synced before the next one was made.
	 */
	if (newest && s->ops->fdatasync(fd) != 0)
		gcb_log_warn("fdatasync(%s/%s) failed: %s", s->dir, name, strerror(errno));
	s->ops->close(fd);
	s->st.segments++;
	s->st.bytes += size;
	s->st.unread_records += recs;
	s->st.unread_bytes += bytes;
	*kept = size;
	return 0;
}

int gcb_spool_seg_scan_all(gcb_spool_t *s, char *errstr, size_t errstr_size)
{
	uint64_t min, max, count, seg, kept = UINT64_MAX;
	int rc, fd;

	if ((rc = gcb_spool_seg_list(s, &min, &max, &count)) != 0) {
		snprintf(errstr, errstr_size, "readdir(%s) failed: %s", s->dir, strerror(-rc));
		return rc;
	}
	if (count == 0) {
		min = max = 1;
	} else {
		for (seg = min; seg != 0 && seg <= max; seg = gcb_spool_seg_next(s, seg))
			if ((rc = scan_one(s, seg, seg == max, &kept, errstr, errstr_size)) != 0)
				return rc;
	}
	s->first_seg = min;
	if (kept != UINT64_MAX && kept < s->conf.segment_bytes) {
		uint64_t size;

		/* Go on appending to the newest segment. */
		fd = gcb_spool_seg_open(s, max, O_RDWR, &size);
		if (fd < 0) {
			snprintf(errstr, errstr_size, "openat(%s) failed: %s", s->dir,
				 strerror(-fd));
			return fd;
		}
		s->write_seg = max;
		s->append_end = size;
	} else {
		s->write_seg = (count == 0 || kept == UINT64_MAX) ? max : max + 1;
		if ((fd = gcb_spool_seg_create(s, s->write_seg)) < 0) {
			snprintf(errstr, errstr_size,
				 "creating spool segment %" PRIu64 " in %s failed: %s",
				 s->write_seg, s->dir, strerror(-fd));
			return fd;
		}
		s->append_end = GCB_SPOOL_SEG_HDR;
		s->st.segments++;
		s->st.bytes += GCB_SPOOL_SEG_HDR;
	}
	if (count == 0 || s->write_seg < s->first_seg)
		s->first_seg = s->write_seg;
	s->wfd = fd;
	if (s->ops->fsync(s->dir_fd) != 0)
		gcb_log_warn("fsync(%s) failed: %s", s->dir, strerror(errno));
	return 0;
}

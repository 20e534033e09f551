/* The spool: open, append, flush and sync (reading is in gcb_spool_read.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_dir.h"
#include "stages/spool/gcb_spool_crc.h"
#include "stages/spool/gcb_spool_int.h"
#include "lib/gcb_log.h"

#define SPOOL_SEGMENT_MIN 1024u

int gcb_spool_open(gcb_spool_t **out, const gcb_spool_conf_t *conf, char *errstr,
		   size_t errstr_size)
{
	gcb_spool_t *s;
	uint64_t chunk;
	int rc;

	*out = NULL;
	if (conf == NULL || conf->dir == NULL || conf->dir[0] == '\0') {
		snprintf(errstr, errstr_size, "spool dir not set");
		return -EINVAL;
	}
	if (conf->segment_bytes < SPOOL_SEGMENT_MIN || conf->max_bytes < conf->segment_bytes ||
	    conf->max_record == 0 || conf->max_record > (1u << 30)) {
		snprintf(errstr, errstr_size,
			 "spool limits unusable: segment_bytes >= %u, max_bytes >= segment_bytes, "
			 "0 < max_record <= 1 GiB",
			 SPOOL_SEGMENT_MIN);
		return -EINVAL;
	}
	if (strlen(conf->dir) >= PATH_MAX) {
		snprintf(errstr, errstr_size, "spool dir too long");
		return -ENAMETOOLONG;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(errstr, errstr_size, "out of memory");
		return -ENOMEM;
	}
	s->conf = *conf;
	snprintf(s->dir, sizeof(s->dir), "%s", conf->dir);
	s->conf.dir = s->dir;
	s->ops = conf->ops ? conf->ops : gcb_fileops_posix();
	s->dir_fd = s->wfd = s->rfd = -1;
	s->dir_fd = gcb_dir_open_private(s->dir, errstr, errstr_size);
	if (s->dir_fd < 0) {
		rc = s->dir_fd;
		s->dir_fd = -1;
		goto fail;
	}
	/* One writer per spool: a stage that is still dying must not append beside its successor.
	 */
	if (flock(s->dir_fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		snprintf(errstr, errstr_size, "flock(%s) failed: %s", s->dir,
			 errno == EWOULDBLOCK ? "the spool is open in another process"
					      : strerror(errno));
		goto fail;
	}
	/* A chunk holds at least one record of max_record bytes. */
	chunk = gcb_spool_rec_size(conf->max_record);
	if (chunk < GCB_SPOOL_CHUNK_MIN)
		chunk = GCB_SPOOL_CHUNK_MIN;
	chunk = (chunk + 4095) & ~(uint64_t)4095;
	s->chunk_size = (uint32_t)chunk;
	s->mem = aligned_alloc(4096, (size_t)chunk * GCB_SPOOL_CHUNKS);
	s->scan = aligned_alloc(4096, GCB_SPOOL_SCAN_BUF);
	if (s->mem == NULL || s->scan == NULL) {
		rc = -ENOMEM;
		snprintf(errstr, errstr_size, "out of memory for %u spool buffers of %u bytes",
			 GCB_SPOOL_CHUNKS, s->chunk_size);
		goto fail;
	}
	for (unsigned i = 0; i < GCB_SPOOL_CHUNKS; i++)
		s->chunks[i].buf = s->mem + (size_t)i * chunk;
	if ((rc = gcb_spool_seg_scan_all(s, errstr, errstr_size)) != 0)
		goto fail;
	s->durable_end = s->sync_want = s->append_end;
	s->chunks[0].file_off = s->append_end;
	s->rpos = (gcb_spool_pos_t){s->first_seg, GCB_SPOOL_SEG_HDR};
	gcb_spool_io_init(s);
	*out = s;
	return 0;
fail:
	if (s->wfd >= 0)
		s->ops->close(s->wfd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->mem);
	free(s->scan);
	free(s);
	return rc;
}

void gcb_spool_close(gcb_spool_t *s)
{
	if (s == NULL)
		return;
	if (!s->failed)
		gcb_spool_io_sync_now(s);
	else
		gcb_spool_io_drain(s);
	gcb_spool_io_fini(s);
	gcb_spool_read_close(s);
	if (s->wfd >= 0)
		s->ops->close(s->wfd);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	free(s->mem);
	free(s->scan);
	free(s);
}

/*
 * Closes the write segment and starts segment seg (> write_seg; the next
 * one unless a seek must skip numbers). The old segment is fdatasync'ed
 * before anything goes to the new one, so durable positions only ever grow
 * and no segment but the newest can have an unsynced tail.
 */
int gcb_spool_rotate_to(gcb_spool_t *s, uint64_t seg)
{
	uint64_t old = s->write_seg;
	int fd, rc;

	if ((rc = gcb_spool_io_sync_now(s)) != 0)
		return rc;
	if ((fd = gcb_spool_seg_create(s, seg)) < 0)
		return gcb_spool_io_fail(s, "creating the next segment after", -fd);
	if (s->rfd >= 0 && s->rfd_seg == old)
		s->rfd_size = s->append_end;
	s->ops->close(s->wfd);
	s->wfd = fd;
	s->write_seg = seg;
	s->append_end = s->durable_end = s->sync_want = GCB_SPOOL_SEG_HDR;
	s->unsynced = 0;
	for (unsigned i = 0; i < GCB_SPOOL_CHUNKS; i++)
		s->chunks[i].fill = s->chunks[i].sub = 0;
	s->chunks[s->cur].file_off = GCB_SPOOL_SEG_HDR;
	s->st.segments++;
	s->st.bytes += GCB_SPOOL_SEG_HDR;
	return 0;
}

int gcb_spool_append(gcb_spool_t *s, uint64_t arrival_unix_ms, const void *data, uint32_t len)
{
	struct gcb_spool_chunk *c;
	uint64_t need;
	unsigned char *p;
	uint32_t crc;
	int rc;

	if (s->failed)
		return -EIO;
	if (len > s->conf.max_record)
		return -EMSGSIZE;
	need = gcb_spool_rec_size(len);
	if (s->st.bytes + need > s->conf.max_bytes) {
		s->st.full_rejects++;
		return -ENOSPC;
	}
	c = &s->chunks[s->cur];
	if (c->fill + need > s->chunk_size) {
		/* Next chunk: it must be idle, its last write done. */
		if ((rc = gcb_spool_io_submit(s)) != 0)
			return rc;
		s->cur = (s->cur + 1) % GCB_SPOOL_CHUNKS;
		if ((rc = gcb_spool_io_wait_chunk(s, s->cur)) != 0)
			return rc;
		c = &s->chunks[s->cur];
		c->file_off = s->append_end;
		c->fill = c->sub = 0;
	}
	p = c->buf + c->fill;
	gcb_spool_put32(p, GCB_SPOOL_REC_MAGIC);
	gcb_spool_put32(p + 4, len);
	gcb_spool_put64(p + 8, arrival_unix_ms);
	crc = gcb_spool_crc32c(0, p, 16);
	if (len > 0) {
		memcpy(p + GCB_SPOOL_REC_HDR, data, len);
		crc = gcb_spool_crc32c(crc, p + GCB_SPOOL_REC_HDR, len);
	}
	gcb_spool_put32(p + 16, crc);
	gcb_spool_put32(p + 20, 0);
	memset(p + GCB_SPOOL_REC_HDR + len, 0, need - GCB_SPOOL_REC_HDR - len);
	c->fill += (uint32_t)need;
	s->append_end += need;
	s->st.bytes += need;
	s->st.appended++;
	s->st.appended_bytes += len;
	s->st.unread_records++;
	s->st.unread_bytes += need;
	if (!s->unsynced) {
		s->unsynced = 1;
		s->oldest_unsynced_ms = gcb_clock_mono_ms();
	}
	if (s->append_end >= s->conf.segment_bytes)
		return gcb_spool_rotate_to(s, s->write_seg + 1);
	return 0;
}

int gcb_spool_flush(gcb_spool_t *s, uint64_t now_mono_ms, int force)
{
	if (s->failed)
		return -EIO;
	{
		const struct gcb_spool_chunk *c = &s->chunks[s->cur];

		gcb_spool_io_reap(s, 0);
		if (s->unsynced &&
		    (force || now_mono_ms >= s->oldest_unsynced_ms + s->conf.sync_interval_ms)) {
			s->sync_want = s->append_end;
			s->unsynced = 0;
		}
		/*
		 * Writes go out at once when the disk is idle, so readers see records
		 * soon under light load; under heavy load they gather into larger
		 * writes while the previous ones are in flight.
		 */
		if (force || s->sync_want > s->durable_end || s->inflight_writes == 0 ||
		    c->fill - c->sub >= GCB_SPOOL_WRITE_MIN)
			gcb_spool_io_submit(s);
	}
	gcb_spool_io_maybe_fsync(s);
	return s->failed ? -EIO : 0;
}

int64_t gcb_spool_flush_due_ms(const gcb_spool_t *s, uint64_t now_mono_ms)
{
	const struct gcb_spool_chunk *c = &s->chunks[s->cur];
	uint64_t due;

	if (s->failed)
		return -1;
	if (c->fill > c->sub ||
	    (s->sync_want > s->durable_end && !s->fsync_inflight && s->inflight_writes == 0))
		return 0;
	if (s->inflight_writes > 0 || s->fsync_inflight)
		return 1; /* completions to reap */
	if (!s->unsynced)
		return -1;
	due = s->oldest_unsynced_ms + s->conf.sync_interval_ms;
	return due > now_mono_ms ? (int64_t)(due - now_mono_ms) : 0;
}

int gcb_spool_sync(gcb_spool_t *s)
{
	if (s->failed)
		return -EIO;
	return gcb_spool_io_sync_now(s);
}

gcb_spool_pos_t gcb_spool_durable(const gcb_spool_t *s)
{
	return (gcb_spool_pos_t){s->write_seg, s->durable_end};
}

void gcb_spool_stats(const gcb_spool_t *s, gcb_spool_stats_t *st)
{
	*st = s->st;
}

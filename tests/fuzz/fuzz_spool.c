/*
 * libFuzzer target for the spool's recovery at open (stages/spool): the
 * checks of segment headers and records and the cut of a torn or corrupt
 * tail. The first byte chooses:
 *   even  the rest is the content of one segment file, 0000000000000001.spool
 *   odd   structured: the rest, split at '\n', is appended record by record
 *         through the spool itself, which is closed; then the segment is
 *         damaged as the first bytes say (XOR one byte at an offset,
 *         truncate to a length) and opened again
 * Every open that succeeds is read to the end: each record served fits the
 * announced length and max_record, positions only grow, and a record
 * appended and not damaged is served with its bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/spool/gcb_spool.h"
#include "lib/gcb_log.h"

#define MAX_RECORD 4096
#define SEG_NAME   "0000000000000001.spool"

/* On tmpfs when there is one: the code under test fsyncs every write. */
static char dir[] = "/dev/shm/gcb-fuzz-spool.XXXXXX";
static char spool_dir[64];

static int scratch_dir(void)
{
	if (mkdtemp(dir) != NULL)
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/gcb-fuzz-spool.XXXXXX");
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static void cleanup(void)
{
	char path[128];

	for (unsigned seg = 1; seg <= 4; seg++) {
		snprintf(path, sizeof(path), "%s/%016u.spool", spool_dir, seg);
		unlink(path);
	}
}

static void at_exit(void)
{
	cleanup();
	rmdir(spool_dir);
	rmdir(dir);
}

static gcb_spool_t *open_spool(void)
{
	const gcb_spool_conf_t conf = {
	    .dir = spool_dir, .segment_bytes = 1u << 20, .max_bytes = 8u << 20, .max_record = MAX_RECORD};
	gcb_spool_t *s = NULL;
	char err[256] = "";

	if (gcb_spool_open(&s, &conf, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		return NULL;
	}
	return s;
}

/* Reads everything; returns the records served. */
static unsigned drain(gcb_spool_t *s, const uint8_t *want, size_t want_len)
{
	static unsigned char buf[MAX_RECORD];
	gcb_spool_pos_t last = {0, 0};
	gcb_spool_rec_t rec;
	unsigned n = 0;
	int rc;

	while ((rc = gcb_spool_peek(s, &rec, buf, sizeof(buf))) == 1) {
		if (rec.len > MAX_RECORD || gcb_spool_pos_cmp(rec.next, rec.pos) <= 0 ||
		    gcb_spool_pos_cmp(rec.pos, last) < 0)
			abort();
		if (want != NULL && n == 0 && (rec.len != want_len || memcmp(buf, want, want_len)))
			abort(); /* the first record, never damaged below its end */
		last = rec.next;
		gcb_spool_consume(s, &rec);
		n++;
	}
	if (rc != 0 && rc != -EIO)
		abort();
	return n;
}

static void raw(const uint8_t *data, size_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/" SEG_NAME, spool_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	gcb_spool_t *s = open_spool();

	if (s != NULL) {
		drain(s, NULL, 0);
		gcb_spool_close(s);
	}
}

static size_t first_end(size_t len)
{
	return 32 + ((24 + len + 7) & ~(size_t)7);
}

static void structured(const uint8_t *data, size_t size)
{
	const uint8_t *first = NULL;
	size_t first_len = 0, off = 6;
	uint32_t xor_at, cut_at;
	gcb_spool_t *s;
	char path[128];

	if (size < 6)
		return;
	xor_at = (uint32_t)data[0] << 8 | data[1];
	cut_at = (uint32_t)data[2] << 8 | data[3];
	if ((s = open_spool()) == NULL)
		abort(); /* an empty directory always opens */
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t n = nl != NULL ? (size_t)(nl - (data + off)) : size - off;

		if (n <= MAX_RECORD && gcb_spool_append(s, 1, data + off, (uint32_t)n) == 0 &&
		    first == NULL) {
			first = data + off;
			first_len = n;
		}
		off += n + 1;
	}
	if (gcb_spool_sync(s) != 0)
		abort();
	gcb_spool_close(s);

	snprintf(path, sizeof(path), "%s/" SEG_NAME, spool_dir);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	off_t end;

	if (fd < 0)
		return;
	end = lseek(fd, 0, SEEK_END);
	if (data[4] & 1) {
		unsigned char c;

		if (pread(fd, &c, 1, xor_at) == 1) {
			c ^= data[5] | 1;
			if (pwrite(fd, &c, 1, xor_at) != 1)
				abort();
		}
		/* Damage up to the end of the first record (32-byte segment
		 * header, then 24-byte record header, payload, padding to 8):
		 * it is not served intact. */
		if (first != NULL && xor_at < first_end(first_len))
			first = NULL;
	}
	if ((data[4] & 2) && cut_at < end) {
		if (ftruncate(fd, cut_at) != 0)
			abort();
		if (first != NULL && cut_at < first_end(first_len))
			first = NULL;
	}
	close(fd);
	if ((s = open_spool()) != NULL) {
		drain(s, first, first_len);
		gcb_spool_close(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready) {
		gcb_log_setup("fuzz", GCB_LOG_ERROR, GCB_LOG_LOGFMT);
		if (scratch_dir() != 0)
			abort();
		snprintf(spool_dir, sizeof(spool_dir), "%s/s", dir);
		if (mkdir(spool_dir, 0700) != 0)
			abort();
		atexit(at_exit);
		ready = 1;
	}
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		raw(data + 1, size - 1);
	else
		structured(data + 1, size - 1);
	cleanup();
	return 0;
}

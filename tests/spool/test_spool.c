/*
 * Unit tests for stages/spool: append/read order across segments, limits,
 * seek and release, reopen, recovery of torn and corrupt files, and a
 * crash test (SIGKILL while appending). The whole suite runs twice: with
 * io_uring and with the plain-syscall fallback (GCB_SPOOL_NO_URING=1).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/gcb_clock.h"
#include "stages/spool/gcb_spool.h"
#include "stages/spool/gcb_spool_crc.h"

#define MAXREC 4096u

struct fx {
	char dir[256];
	gcb_spool_conf_t conf;
	gcb_spool_t *s;
	unsigned char buf[MAXREC];
};

static unsigned dir_counter;

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/gcb-test-spool-%d-%u", tmp ? tmp : "/tmp",
		 (int)getpid(), dir_counter++);
	rm_dir(f->dir);
	f->conf = (gcb_spool_conf_t){.dir = f->dir,
				     .segment_bytes = 4096,
				     .max_bytes = 64u << 20,
				     .sync_interval_ms = 5,
				     .max_record = MAXREC};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	gcb_spool_close(f->s);
	rm_dir(f->dir);
	free(f);
	return 0;
}

static void do_open(struct fx *f)
{
	char err[256] = "";
	int rc = gcb_spool_open(&f->s, &f->conf, err, sizeof(err));

	if (rc != 0)
		fail_msg("gcb_spool_open: %d %s", rc, err);
}

static void reopen(struct fx *f)
{
	gcb_spool_close(f->s);
	f->s = NULL;
	do_open(f);
}

/* Distinct payloads: length varies (zero included), the first bytes carry i. */
static uint32_t payload(uint64_t i, unsigned char *p)
{
	uint32_t len = (uint32_t)((i * 37) % 300);

	if (i % 7 == 3)
		len = 0;
	else if (len < 8)
		len = 8;
	for (uint32_t k = 0; k < len; k++)
		p[k] = (unsigned char)(i * 131 + k);
	if (len >= 8)
		memcpy(p, &i, 8);
	return len;
}

static void append_n(struct fx *f, uint64_t from, uint64_t n)
{
	unsigned char p[MAXREC];

	for (uint64_t i = from; i < from + n; i++) {
		uint32_t len = payload(i, p);

		assert_int_equal(gcb_spool_append(f->s, 1000 + i, p, len), 0);
		if (i % 16 == 0)
			assert_int_equal(gcb_spool_flush(f->s, gcb_clock_mono_ns() / 1000000, 0),
					 0);
	}
}

/* Reads the next record and checks it is record i. */
static void expect_rec(struct fx *f, uint64_t i, gcb_spool_rec_t *rec)
{
	unsigned char p[MAXREC];
	uint32_t len = payload(i, p);
	int rc = gcb_spool_peek(f->s, rec, f->buf, sizeof(f->buf));

	if (rc != 1)
		fail_msg("record %llu: peek returned %d", (unsigned long long)i, rc);
	assert_int_equal(rec->len, len);
	assert_int_equal(rec->arrival_unix_ms, 1000 + i);
	assert_memory_equal(f->buf, p, len);
	assert_int_equal(gcb_spool_pos_cmp(rec->pos, gcb_spool_read_pos(f->s)), 0);
	assert_true(gcb_spool_pos_cmp(rec->next, rec->pos) > 0);
	gcb_spool_consume(f->s, rec);
}

static void expect_end(struct fx *f)
{
	gcb_spool_rec_t rec;

	assert_int_equal(gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)), 0);
}

static void seg_path(struct fx *f, uint64_t seg, char *path, size_t size)
{
	snprintf(path, size, "%s/%016llu.spool", f->dir, (unsigned long long)seg);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_crc(void **state)
{
	unsigned char b[1000];

	(void)state;
	assert_int_equal(gcb_spool_crc32c(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(gcb_spool_crc32c_sw(0, "123456789", 9), 0xE3069283u);
	assert_int_equal(gcb_spool_crc32c(0, "", 0), 0);
	for (unsigned i = 0; i < sizeof(b); i++)
		b[i] = (unsigned char)(i * 7 + 3);
	for (unsigned n = 0; n < sizeof(b); n += 37) {
		uint32_t a = gcb_spool_crc32c(0, b, n);

		assert_int_equal(a, gcb_spool_crc32c_sw(0, b, n));
		assert_int_equal(
		    a, gcb_spool_crc32c(gcb_spool_crc32c(0, b, n / 3), b + n / 3, n - n / 3));
	}
}

static void test_pos(void **state)
{
	gcb_spool_pos_t p, q = {7, 4096};
	char buf[64];

	(void)state;
	assert_int_equal(gcb_spool_pos_format(q, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "7:4096");
	assert_int_equal(gcb_spool_pos_parse(buf, &p), 0);
	assert_int_equal(gcb_spool_pos_cmp(p, q), 0);
	assert_int_equal(gcb_spool_pos_parse("18446744073709551615:0", &p), 0);
	assert_true(p.seg == UINT64_MAX && p.off == 0);
	gcb_spool_pos_format(p, buf, sizeof(buf));
	assert_string_equal(buf, "18446744073709551615:0");
	const char *bad[] = {"",
			     "1",
			     "1:",
			     ":1",
			     "a:1",
			     "1:2x",
			     "-1:2",
			     " 1:2",
			     "1:+2",
			     "1::2",
			     "18446744073709551616:0",
			     "1:99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(gcb_spool_pos_parse(bad[i], &p), -EINVAL);
	assert_int_equal(gcb_spool_pos_parse(NULL, &p), -EINVAL);
	assert_int_equal(gcb_spool_pos_cmp((gcb_spool_pos_t){1, 9}, (gcb_spool_pos_t){2, 1}), -1);
	assert_int_equal(gcb_spool_pos_cmp((gcb_spool_pos_t){2, 9}, (gcb_spool_pos_t){2, 1}), 1);
	assert_int_equal(gcb_spool_pos_cmp((gcb_spool_pos_t){2, 1}, (gcb_spool_pos_t){2, 9}), -1);
}

static void test_open_bad_conf(void **state)
{
	struct fx *f = *state;
	gcb_spool_conf_t c = f->conf;
	char err[128];

	c.dir = NULL;
	assert_int_equal(gcb_spool_open(&f->s, &c, err, sizeof(err)), -EINVAL);
	c = f->conf;
	c.max_bytes = 100;
	assert_int_equal(gcb_spool_open(&f->s, &c, err, sizeof(err)), -EINVAL);
	/* One process at a time. */
	do_open(f);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gcb_spool_t *other = NULL;

		_exit(gcb_spool_open(&other, &f->conf, err, sizeof(err)) == -EBUSY ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	c = f->conf;
	c.dir = "/proc/version/x";
	gcb_spool_t *bad = NULL;
	assert_true(gcb_spool_open(&bad, &c, err, sizeof(err)) < 0);
	assert_null(bad);
}

static void test_order_many_segments(void **state)
{
	struct fx *f = *state;
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	struct stat sb;
	char path[512];
	const uint64_t n = 3000;

	do_open(f);
	assert_int_equal(stat(f->dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	seg_path(f, 1, path, sizeof(path));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	expect_end(f);
	/* Interleaved: read what is written while appending. */
	uint64_t next = 0;
	for (uint64_t i = 0; i < n; i += 100) {
		append_n(f, i, 100);
		assert_int_equal(gcb_spool_flush(f->s, gcb_clock_mono_ns() / 1000000, 1), 0);
		if (i % 300 == 0)
			assert_int_equal(gcb_spool_sync(f->s), 0);
		while (next < i + 50) {
			int rc = gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf));

			assert_true(rc >= 0);
			if (rc == 0) {
				/* Written but not yet complete: the blocking sync completes it. */
				assert_int_equal(gcb_spool_sync(f->s), 0);
				continue;
			}
			expect_rec(f, next++, &rec);
		}
	}
	assert_int_equal(gcb_spool_sync(f->s), 0);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.appended, n);
	assert_true(st.segments > 20);
	assert_int_equal(st.unread_records, n - next);
	assert_int_equal(
	    gcb_spool_pos_cmp(gcb_spool_durable(f->s), (gcb_spool_pos_t){st.segments, 0}) > 0, 1);
	while (next < n)
		expect_rec(f, next++, &rec);
	expect_end(f);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.unread_records, 0);
	assert_int_equal(st.unread_bytes, 0);
	assert_true(st.syncs > 0);
	assert_int_equal(st.recovered_tail_bytes, 0);
	/* Every segment is on disk with the expected name. */
	for (uint64_t seg = 1; seg <= st.segments; seg++) {
		seg_path(f, seg, path, sizeof(path));
		assert_true(file_size(path) >= 32);
	}
}

static void test_unwritten_readable(void **state)
{
	struct fx *f = *state;
	unsigned char want[MAXREC];
	gcb_spool_rec_t rec;
	int64_t due;
	uint64_t now;

	f->conf.segment_bytes = 1 << 20;
	f->conf.sync_interval_ms = 1000;
	do_open(f);
	assert_int_equal(gcb_spool_flush_due_ms(f->s, 0), -1);
	assert_int_equal(gcb_spool_append(f->s, 1000, f->buf, payload(0, f->buf)), 0);
	/* Still in the write buffer: readable from there at once (a reader
	 * need not wait for the write), nothing durable. */
	assert_int_equal(gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)), 1);
	assert_int_equal(rec.len, payload(0, want));
	assert_memory_equal(f->buf, want, rec.len);
	assert_int_equal(gcb_spool_durable(f->s).off, 32);
	now = gcb_clock_mono_ns() / 1000000;
	due = gcb_spool_flush_due_ms(f->s, now);
	assert_true(due == 0); /* the write is to be submitted */
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(gcb_spool_flush(f->s, now, 0), 0);
		if (gcb_spool_flush_due_ms(f->s, now) > 1)
			break;
		if (i > 1000)
			usleep(100);
	}
	due = gcb_spool_flush_due_ms(f->s, now);
	assert_true(due > 1 && due <= 1000);
	assert_int_equal(gcb_spool_durable(f->s).off, 32); /* not due yet */
	assert_int_equal(gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)), 1);
	/* Due: the sync goes out and completes. */
	for (int i = 0; i < 1000000 && gcb_spool_durable(f->s).off == 32; i++) {
		assert_int_equal(gcb_spool_flush(f->s, now + 1000, 0), 0);
		if (i > 1000)
			usleep(100);
	}
	assert_true(gcb_spool_durable(f->s).off > 32);
	assert_int_equal(gcb_spool_flush_due_ms(f->s, now + 1000), -1);
	expect_rec(f, 0, &rec);
	/* A buffer too small. */
	append_n(f, 1, 1);
	assert_int_equal(gcb_spool_sync(f->s), 0);
	assert_int_equal(gcb_spool_peek(f->s, &rec, f->buf, 3), -ENOBUFS);
	assert_int_equal(rec.len, payload(1, f->buf));
	expect_rec(f, 1, &rec);
}

static void test_limits(void **state)
{
	struct fx *f = *state;
	unsigned char p[MAXREC + 1];
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	uint64_t i;
	int rc;

	f->conf.max_record = 1000;
	f->conf.max_bytes = 16384;
	do_open(f);
	memset(p, 'x', sizeof(p));
	assert_int_equal(gcb_spool_append(f->s, 1, p, 1001), -EMSGSIZE);
	assert_int_equal(gcb_spool_append(f->s, 1, p, 1000), 0);
	/* 16 KiB hold 16 such records at most: far more means no limit. */
	for (i = 0; i < 1000; i++) {
		rc = gcb_spool_append(f->s, 1, p, 1000);
		if (rc != 0)
			break;
	}
	assert_int_equal(rc, -ENOSPC);
	assert_int_equal(gcb_spool_append(f->s, 1, p, 1000), -ENOSPC);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.full_rejects, 2);
	assert_true(st.bytes <= 16384);
	assert_int_equal(st.appended, i + 1);
	assert_int_equal(gcb_spool_sync(f->s), 0);
	/* Read four segments' worth and release them: room again. */
	while (gcb_spool_read_pos(f->s).seg < 3) {
		assert_int_equal(gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)), 1);
		gcb_spool_consume(f->s, &rec);
	}
	assert_int_equal(gcb_spool_release(f->s, gcb_spool_read_pos(f->s)), 0);
	gcb_spool_stats(f->s, &st);
	assert_true(st.bytes <= 16384 - 4096);
	assert_int_equal(gcb_spool_append(f->s, 1, p, 1000), 0);
}

static void test_seek_release(void **state)
{
	struct fx *f = *state;
	gcb_spool_pos_t pos[1001], beyond;
	gcb_spool_stats_t st, st2;
	gcb_spool_rec_t rec;
	char path[512];
	uint64_t i;

	do_open(f);
	append_n(f, 0, 1000);
	assert_int_equal(gcb_spool_sync(f->s), 0);
	for (i = 0; i < 1000; i++) {
		pos[i] = gcb_spool_read_pos(f->s);
		expect_rec(f, i, &rec);
	}
	pos[1000] = gcb_spool_read_pos(f->s);
	expect_end(f);
	/* gcb_spool_sync() made everything durable. */
	assert_int_equal(gcb_spool_pos_cmp(gcb_spool_durable(f->s), pos[1000]), 0);
	/* Seek to every tenth boundary and read on. */
	for (i = 0; i <= 1000; i += 10) {
		assert_int_equal(gcb_spool_seek(f->s, pos[i]), 0);
		gcb_spool_stats(f->s, &st);
		assert_int_equal(st.unread_records, 1000 - i);
		if (i < 1000)
			expect_rec(f, i, &rec);
	}
	/* Inside a record, before the oldest, beyond the end. */
	assert_int_equal(gcb_spool_seek(f->s, (gcb_spool_pos_t){pos[5].seg, pos[5].off + 8}),
			 -EINVAL);
	assert_int_equal(gcb_spool_seek(f->s, (gcb_spool_pos_t){0, 0}), 0);
	expect_rec(f, 0, &rec);
	assert_int_equal(gcb_spool_seek(f->s, (gcb_spool_pos_t){UINT64_MAX, 5}), -EINVAL);
	/* The end of a segment equals the start of the next. */
	for (i = 1; i < 1000 && pos[i].seg == pos[0].seg; i++)
		;
	seg_path(f, pos[0].seg, path, sizeof(path));
	assert_int_equal(
	    gcb_spool_seek(f->s, (gcb_spool_pos_t){pos[0].seg, (uint64_t)file_size(path)}), 0);
	expect_rec(f, i, &rec);
	/* Release up to record 500: segments wholly before it go. */
	assert_int_equal(gcb_spool_seek(f->s, pos[500]), 0);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(gcb_spool_release(f->s, pos[500]), 0);
	gcb_spool_stats(f->s, &st2);
	assert_int_equal(st2.segments, st.segments - (pos[500].seg - 1));
	assert_true(st2.bytes < st.bytes);
	assert_int_equal(st2.unread_records, 500);
	seg_path(f, pos[500].seg - 1, path, sizeof(path));
	assert_int_equal(file_size(path), -1);
	seg_path(f, pos[500].seg, path, sizeof(path));
	assert_true(file_size(path) > 0);
	expect_rec(f, 500, &rec);
	/* Seeking before the released part lands on the oldest record left. */
	assert_int_equal(gcb_spool_seek(f->s, pos[0]), 0);
	assert_int_equal(
	    gcb_spool_pos_cmp(gcb_spool_read_pos(f->s), (gcb_spool_pos_t){pos[500].seg, 32}), 0);
	/* Releasing everything keeps the segment being written. */
	assert_int_equal(gcb_spool_release(f->s, (gcb_spool_pos_t){UINT64_MAX, 0}), 0);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.segments, 1);
	for (i = 0; gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)) == 1; i++)
		gcb_spool_consume(f->s, &rec);
	assert_int_equal(st.unread_records, i);
	assert_int_equal(gcb_spool_pos_cmp(gcb_spool_read_pos(f->s), pos[1000]), 0);
	append_n(f, 1000, 10);
	assert_int_equal(gcb_spool_sync(f->s), 0);
	for (i = 1000; i < 1010; i++)
		expect_rec(f, i, &rec);
	/*
	 * Beyond the end (a checkpoint whose records went with the power after
	 * Kafka had them): the end, and the next append takes a position after
	 * the checkpoint's, never one a stale checkpoint would skip.
	 */
	beyond = (gcb_spool_pos_t){rec.next.seg + 2, 4096};
	assert_int_equal(gcb_spool_seek(f->s, beyond), 0);
	expect_end(f);
	append_n(f, 1010, 1);
	assert_int_equal(gcb_spool_sync(f->s), 0);
	expect_rec(f, 1010, &rec);
	assert_true(gcb_spool_pos_cmp(rec.pos, beyond) > 0);
}

static void test_reopen_replays(void **state)
{
	struct fx *f = *state;
	gcb_spool_pos_t at;
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	uint64_t i, first;

	do_open(f);
	append_n(f, 0, 700);
	for (i = 0; i < 300; i++) {
		if (gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)) != 1)
			assert_int_equal(gcb_spool_sync(f->s), 0);
		expect_rec(f, i, &rec);
	}
	at = gcb_spool_read_pos(f->s);
	assert_int_equal(gcb_spool_release(f->s, at), 0);
	reopen(f); /* close flushes and syncs */
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.recovered_tail_bytes, 0);
	/* From the oldest: the first record of the segment holding record 300. */
	assert_int_equal(gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)), 1);
	memcpy(&first, f->buf, 8);
	assert_true(first <= 300);
	assert_int_equal(st.unread_records, 700 - first);
	for (i = first; i < 700; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
	/* From the stored position: exactly the unreleased, unacknowledged ones. */
	assert_int_equal(gcb_spool_seek(f->s, at), 0);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.unread_records, 400);
	append_n(f, 700, 50);
	reopen(f);
	assert_int_equal(gcb_spool_seek(f->s, at), 0);
	for (i = 300; i < 750; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
}

/* Writes n records, closes, and returns the newest segment and record ends. */
static uint64_t fill_and_close(struct fx *f, uint64_t n, gcb_spool_pos_t *ends)
{
	gcb_spool_rec_t rec;
	uint64_t newest;

	do_open(f);
	append_n(f, 0, n);
	assert_int_equal(gcb_spool_sync(f->s), 0);
	for (uint64_t i = 0; i < n; i++) {
		expect_rec(f, i, &rec);
		ends[i] = rec.next;
	}
	newest = gcb_spool_durable(f->s).seg;
	gcb_spool_close(f->s);
	f->s = NULL;
	return newest;
}

static void test_torn_tail(void **state)
{
	struct fx *f = *state;
	gcb_spool_pos_t ends[200];
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	char path[512];
	uint64_t newest, i, last;
	off_t size;

	newest = fill_and_close(f, 200, ends);
	seg_path(f, newest, path, sizeof(path));
	size = file_size(path);
	/* Find the last record in the newest segment and cut it in half. */
	for (last = 199; ends[last].seg != newest || ends[last].off != (uint64_t)size; last--)
		;
	assert_true(last > 0 && ends[last - 1].seg == newest);
	assert_int_equal(truncate(path, (off_t)(ends[last - 1].off + 13)), 0);
	do_open(f);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.recovered_tail_bytes, 13);
	assert_int_equal(file_size(path), (off_t)ends[last - 1].off);
	for (i = 0; i < last; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
	/* Appends continue right after the last good record. */
	append_n(f, last, 5);
	reopen(f);
	for (i = 0; i < last + 5; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
}

static void test_garbage_tail(void **state)
{
	struct fx *f = *state;
	gcb_spool_pos_t ends[200];
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	char path[512], junk[777];
	uint64_t newest, i;
	int fd;

	newest = fill_and_close(f, 200, ends);
	seg_path(f, newest, path, sizeof(path));
	memset(junk, 0x5A, sizeof(junk));
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	do_open(f);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.recovered_tail_bytes, sizeof(junk));
	assert_int_equal(st.unread_records, 200);
	for (i = 0; i < 200; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
}

/* Flips one payload byte of record k (at position pos). */
static void flip(struct fx *f, gcb_spool_pos_t pos)
{
	char path[512];
	unsigned char c;
	int fd;

	seg_path(f, pos.seg, path, sizeof(path));
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, (off_t)pos.off + 24 + 5), 1);
	c ^= 0x10;
	assert_int_equal(pwrite(fd, &c, 1, (off_t)pos.off + 24 + 5), 1);
	close(fd);
}

static void test_flipped_byte(void **state)
{
	struct fx *f = *state;
	gcb_spool_pos_t ends[300];
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	uint64_t newest, i, k, j;

	newest = fill_and_close(f, 300, ends);
	/* In an older segment: record k (not the first of its segment) and the rest of it go. */
	for (k = 10; ends[k - 1].seg != ends[k].seg || payload(k, f->buf) < 8; k++)
		;
	flip(f, ends[k - 1]);
	/* In the newest segment: its tail from the flipped record is cut off. */
	for (j = 299; ends[j - 1].seg == newest && ends[j - 1].off > 32; j--)
		;
	for (; payload(j, f->buf) < 8 || ends[j - 1].seg != newest; j++)
		;
	assert_true(j < 300);
	flip(f, ends[j - 1]);
	do_open(f);
	gcb_spool_stats(f->s, &st);
	assert_true(st.recovered_tail_bytes > 0);
	for (i = 0; i < k; i++)
		expect_rec(f, i, &rec);
	/* The next one served is the first of the next segment. */
	for (i = k; ends[i].seg == ends[k - 1].seg; i++)
		;
	i++;
	for (; i < j; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
	assert_true(gcb_spool_durable(f->s).seg == newest);
}

static void test_empty_files(void **state)
{
	struct fx *f = *state;
	gcb_spool_pos_t ends[100];
	gcb_spool_stats_t st;
	gcb_spool_rec_t rec;
	char path[512];
	uint64_t newest, i;
	int fd;

	/* An empty dir, then an empty segment file as the newest. */
	do_open(f);
	reopen(f);
	expect_end(f);
	gcb_spool_close(f->s);
	f->s = NULL;
	seg_path(f, 1, path, sizeof(path));
	assert_int_equal(truncate(path, 0), 0);
	do_open(f);
	gcb_spool_stats(f->s, &st);
	assert_int_equal(st.segments, 1);
	expect_end(f);
	gcb_spool_close(f->s);
	f->s = NULL;
	rm_dir(f->dir);

	newest = fill_and_close(f, 100, ends);
	/* An empty older segment is skipped; an empty newer one removed. */
	seg_path(f, 2, path, sizeof(path));
	assert_int_equal(truncate(path, 0), 0);
	seg_path(f, newest + 1, path, sizeof(path));
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	do_open(f);
	assert_int_equal(file_size(path), 32); /* made again, with a header */
	for (i = 0; i == 0 || ends[i - 1].seg == 1; i++)
		expect_rec(f, i, &rec);
	for (; ends[i - 1].seg == 2; i++)
		;
	for (; i < 100; i++)
		expect_rec(f, i, &rec);
	expect_end(f);
	/* Files that are not segments are left alone. */
	snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	reopen(f);
}

/*
 * A disk that fails: in a child, RLIMIT_FSIZE makes writes past 64 KiB fail
 * (EFBIG). The spool must say -EIO from then on, serve what was written
 * before, and close cleanly; a reopen sees only whole records.
 */
static void test_write_error(void **state)
{
	struct fx *f = *state;
	int status;
	pid_t pid;

	f->conf.segment_bytes = 1 << 20;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {64 * 1024, 64 * 1024};
		unsigned char p[MAXREC];
		char err[256];
		uint64_t i;
		int rc = 0;

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0 ||
		    gcb_spool_open(&f->s, &f->conf, err, sizeof(err)) != 0)
			_exit(10);
		for (i = 0; i < 100000 && rc == 0; i++) {
			rc = gcb_spool_append(f->s, 1000 + i, p, payload(i, p));
			if (rc == 0 && i % 16 == 0)
				rc = gcb_spool_sync(f->s);
		}
		if (rc != -EIO)
			_exit(11);
		if (gcb_spool_append(f->s, 1, p, 8) != -EIO || gcb_spool_sync(f->s) != -EIO ||
		    gcb_spool_flush(f->s, 0, 1) != -EIO)
			_exit(12);
		gcb_spool_close(f->s);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* What made it to disk is whole records 0..k-1. */
	do_open(f);
	gcb_spool_rec_t rec;
	uint64_t i = 0;
	while (gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)) == 1)
		expect_rec(f, i++, &rec);
	assert_true(i > 100);
}

/* The crash test: a child appends and reports durable positions; SIGKILL. */
static void crash_child(struct fx *f, int wfd)
{
	unsigned char p[MAXREC];
	gcb_spool_pos_t last = {0, 0};
	char err[256];

	if (gcb_spool_open(&f->s, &f->conf, err, sizeof(err)) != 0)
		_exit(3);
	for (uint64_t i = 0; i < 200000; i++) {
		uint32_t len = payload(i, p);
		gcb_spool_pos_t d;
		int rc = 0;

		if (gcb_spool_append(f->s, 1000 + i, p, len) != 0)
			_exit(4);
		if (i % 8 == 0)
			rc = gcb_spool_flush(f->s, gcb_clock_mono_ns() / 1000000, 0);
		if (i % 1000 == 999)
			rc = gcb_spool_sync(f->s);
		if (rc != 0)
			_exit(5);
		d = gcb_spool_durable(f->s);
		if (gcb_spool_pos_cmp(d, last) != 0) {
			if (write(wfd, &d, sizeof(d)) != (ssize_t)sizeof(d))
				_exit(6);
			last = d;
		}
	}
	_exit(0);
}

static void crash_round(struct fx *f, unsigned delay_ms)
{
	gcb_spool_pos_t d, last = {0, 0};
	gcb_spool_rec_t rec;
	gcb_spool_stats_t st;
	uint64_t start = gcb_clock_mono_ns() / 1000000, i = 0;
	int pfd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		crash_child(f, pfd[1]);
	}
	close(pfd[1]);
	/* Keep the pipe drained until the kill. */
	while (gcb_clock_mono_ns() / 1000000 < start + delay_ms) {
		struct pollfd pl = {.fd = pfd[0], .events = POLLIN};

		if (poll(&pl, 1, 5) > 0) {
			ssize_t n = read(pfd[0], &d, sizeof(d));

			if (n == 0)
				break;
			assert_int_equal(n, sizeof(d));
			last = d;
		}
	}
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
	while (read(pfd[0], &d, sizeof(d)) == (ssize_t)sizeof(d))
		last = d;
	close(pfd[0]);

	do_open(f);
	gcb_spool_stats(f->s, &st);
	while (gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)) == 1) {
		expect_rec(f, i++, &rec);
		if (gcb_spool_pos_cmp(rec.next, last) >= 0)
			break;
	}
	/* Everything up to the last reported durable position is there. */
	if (last.seg != 0 && gcb_spool_pos_cmp(last, (gcb_spool_pos_t){1, 32}) > 0)
		assert_true(gcb_spool_pos_cmp(rec.next, last) >= 0);
	/* And what follows it, when anything does, is intact and in order. */
	while (gcb_spool_peek(f->s, &rec, f->buf, sizeof(f->buf)) == 1)
		expect_rec(f, i++, &rec);
	expect_end(f);
	print_message("crash after %u ms: %llu records back, durable %llu:%llu, cut %llu bytes\n",
		      delay_ms, (unsigned long long)i, (unsigned long long)last.seg,
		      (unsigned long long)last.off, (unsigned long long)st.recovered_tail_bytes);
	gcb_spool_close(f->s);
	f->s = NULL;
	rm_dir(f->dir);
}

static void test_crash(void **state)
{
	struct fx *f = *state;
	unsigned seed = (unsigned)getpid() ^ (unsigned)gcb_clock_mono_ns();

	f->conf.segment_bytes = 64 * 1024;
	f->conf.max_bytes = 1ull << 30;
	f->conf.sync_interval_ms = 2;
	for (int r = 0; r < 3; r++)
		crash_round(f, 20 + rand_r(&seed) % 300);
}

static int group_uring(void **state)
{
	(void)state;
	unsetenv("GCB_SPOOL_NO_URING");
	return 0;
}

static int group_plain(void **state)
{
	(void)state;
	setenv("GCB_SPOOL_NO_URING", "1", 1);
	return 0;
}

#define SPOOL_TESTS                                                                                \
	cmocka_unit_test(test_crc), cmocka_unit_test(test_pos),                                    \
	    cmocka_unit_test_setup_teardown(test_open_bad_conf, setup, teardown),                  \
	    cmocka_unit_test_setup_teardown(test_order_many_segments, setup, teardown),            \
	    cmocka_unit_test_setup_teardown(test_unwritten_readable, setup, teardown),         \
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),                         \
	    cmocka_unit_test_setup_teardown(test_seek_release, setup, teardown),                   \
	    cmocka_unit_test_setup_teardown(test_reopen_replays, setup, teardown),                 \
	    cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),                      \
	    cmocka_unit_test_setup_teardown(test_garbage_tail, setup, teardown),                   \
	    cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),                   \
	    cmocka_unit_test_setup_teardown(test_empty_files, setup, teardown),                    \
	    cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),                    \
	    cmocka_unit_test_setup_teardown(test_crash, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {SPOOL_TESTS};
	int rc;

	rc = cmocka_run_group_tests_name("spool io_uring", tests, group_uring, NULL);
	rc |= cmocka_run_group_tests_name("spool plain syscalls", tests, group_plain, NULL);
	return rc;
}

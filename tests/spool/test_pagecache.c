/*
 * The io_uring fdatasync of the spool, seen by the kernel: records appended
 * through io_uring and covered by gcb_spool_durable() after gcb_spool_sync()
 * must have left no dirty page in the page cache. The disk model of
 * test_powercut.c sees only the plain-syscall path, and SIGKILL keeps the
 * page cache, so without this test an io_uring NOP in place of the fsync
 * (the mutant spool-uring-fsync-nop) went unnoticed.
 *
 * Method: mmap the segment read-only, touch each page, read its PFN from
 * /proc/self/pagemap and its flags from /proc/kpageflags (both need root).
 * A negative control in the same run writes a second file with write() and
 * no sync and requires its pages to be seen dirty, so that a clean result
 * means something on this machine. The kernel writes dirty pages back by
 * itself after vm.dirty_expire_centisecs; the test checks that it looked
 * well within that window. Needs a disk-backed file system (tmpfs pages are
 * never clean): /var/tmp, $GCB_ROOT or the current directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/gcb_clock.h"
#include "stages/spool/gcb_spool.h"
#include "stages/spool/gcb_spool_int.h"

#define KPF_DIRTY     4
#define KPF_WRITEBACK 8
#define PM_PRESENT    (1ull << 63)
#define PM_PFN_MASK   ((1ull << 55) - 1)

#define RECORDS 64
#define RECLEN	1000u

static char dir[PATH_MAX];
static char control[PATH_MAX + 16];

/* Removes the files of d and d itself. */
static void rm_dir(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	char path[PATH_MAX + 300];

	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", d, e->d_name);
		unlink(path);
	}
	closedir(dp);
	rmdir(d);
}

/* A writable directory on a disk-backed file system, made in dir; fails saying why not. */
static void pick_dir(void)
{
	const char *cand[] = {"/var/tmp", getenv("GCB_ROOT"), "."};
	char why[1024] = "";
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		struct statfs fs;

		if (cand[i] == NULL)
			continue;
		if (statfs(cand[i], &fs) != 0) {
			n += (size_t)snprintf(why + n, sizeof(why) - n, " %s: %s;", cand[i],
					      strerror(errno));
		} else if (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC) {
			n += (size_t)snprintf(why + n, sizeof(why) - n, " %s: tmpfs/ramfs;",
					      cand[i]);
		} else {
			snprintf(dir, sizeof(dir), "%s/gcb-test-pagecache-%d", cand[i],
				 (int)getpid());
			rm_dir(dir);
			if (mkdir(dir, 0700) == 0)
				return;
			n += (size_t)snprintf(why + n, sizeof(why) - n, " %s: mkdir: %s;", cand[i],
					      strerror(errno));
		}
		if (n >= sizeof(why))
			n = sizeof(why) - 1;
	}
	fail_msg("no writable disk-backed directory (page-cache state is meaningless "
		 "on tmpfs):%s",
		 why);
}

static long read_long(const char *path)
{
	FILE *fp = fopen(path, "r");
	long v = -1;

	if (fp == NULL || fscanf(fp, "%ld", &v) != 1)
		fail_msg("cannot read %s: %s", path, strerror(errno));
	fclose(fp);
	return v;
}

/*
 * Pages of path (its first len bytes) that the kernel flags dirty or under
 * writeback, counted in *dirty and *wb; *pages: how many were looked at.
 */
static void page_flags(const char *path, size_t len, unsigned *pages, unsigned *dirty, unsigned *wb)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	volatile const unsigned char *m;

	if (fd < 0 || pm < 0 || kf < 0)
		fail_msg("open %s, /proc/self/pagemap or /proc/kpageflags: %s", path,
			 strerror(errno));
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(m != MAP_FAILED);
	*pages = *dirty = *wb = 0;
	for (size_t off = 0; off < len; off += (size_t)psz) {
		uint64_t ent, flags;
		uintptr_t va = (uintptr_t)(m + off);

		(void)m[off]; /* maps the page-cache page into this process */
		if (pread(pm, &ent, 8, (off_t)(va / (uintptr_t)psz * 8)) != 8)
			fail_msg("pread pagemap: %s", strerror(errno));
		if (!(ent & PM_PRESENT) || (ent & PM_PFN_MASK) == 0)
			fail_msg("page at %zu of %s: no PFN in pagemap (not root?)", off, path);
		if (pread(kf, &flags, 8, (off_t)((ent & PM_PFN_MASK) * 8)) != 8)
			fail_msg("pread kpageflags: %s", strerror(errno));
		(*pages)++;
		*dirty += (flags >> KPF_DIRTY) & 1;
		*wb += (flags >> KPF_WRITEBACK) & 1;
	}
	munmap((void *)m, len);
	close(kf);
	close(pm);
	close(fd);
}

static void test_uring_sync_cleans_pages(void **state)
{
	unsigned char rec[RECLEN];
	gcb_spool_conf_t conf;
	gcb_spool_t *s = NULL;
	gcb_spool_pos_t end;
	char err[256] = "", seg[PATH_MAX + 64], name[GCB_SPOOL_NAME_MAX];
	long expire_ms = read_long("/proc/sys/vm/dirty_expire_centisecs") * 10;
	unsigned pages, dirty, wb, cpages, cdirty, cwb;
	uint64_t t0, elapsed_ms;
	struct stat st;
	int fd;

	(void)state;
	if (geteuid() != 0)
		fail_msg("needs root: /proc/self/pagemap hides PFNs and /proc/kpageflags is "
			 "unreadable otherwise (CI runs as root)");
	pick_dir();
	memset(rec, 'r', sizeof(rec));
	conf = (gcb_spool_conf_t){.dir = dir,
				  .segment_bytes = 16u << 20, /* one segment: no rotation */
				  .max_bytes = 64u << 20,
				  .sync_interval_ms = 60000, /* only gcb_spool_sync() syncs */
				  .max_record = RECLEN};
	unsetenv("GCB_SPOOL_NO_URING");

	t0 = gcb_clock_mono_ns();
	/* Negative control: written, never synced, so dirty until written back. */
	snprintf(control, sizeof(control), "%s/control", dir);
	fd = open(control, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	for (int i = 0; i < RECORDS; i++)
		assert_int_equal(write(fd, rec, sizeof(rec)), sizeof(rec));
	close(fd);

	if (gcb_spool_open(&s, &conf, err, sizeof(err)) != 0)
		fail_msg("gcb_spool_open(%s): %s", dir, err);
	if (!s->have_uring)
		fail_msg("the spool did not get io_uring (see its log): this test is about "
			 "the io_uring path");
	for (int i = 0; i < RECORDS; i++)
		assert_int_equal(gcb_spool_append(s, (uint64_t)i, rec, sizeof(rec)), 0);
	assert_int_equal(gcb_spool_sync(s), 0);
	end = gcb_spool_durable(s);
	assert_int_equal(end.seg, s->write_seg);
	assert_int_equal(end.off, s->append_end); /* the spool says: all durable */
	gcb_spool_seg_name(s->write_seg, name);
	snprintf(seg, sizeof(seg), "%s/%s", dir, name);
	assert_int_equal(stat(seg, &st), 0);
	assert_int_equal((uint64_t)st.st_size, end.off);

	page_flags(seg, (size_t)st.st_size, &pages, &dirty, &wb);
	page_flags(control, RECORDS * sizeof(rec), &cpages, &cdirty, &cwb);
	elapsed_ms = (gcb_clock_mono_ns() - t0) / 1000000;
	print_message("segment: %u pages, %u dirty, %u under writeback; control: %u pages, "
		      "%u dirty; %llu ms (dirty_expire %ld ms)\n",
		      pages, dirty, wb, cpages, cdirty, (unsigned long long)elapsed_ms, expire_ms);
	gcb_spool_close(s);

	if (elapsed_ms * 4 >= (uint64_t)expire_ms)
		fail_msg("took %llu ms, not well within vm.dirty_expire_centisecs (%ld ms): the "
			 "kernel may have written pages back by itself; the result means nothing",
			 (unsigned long long)elapsed_ms, expire_ms);
	if (cdirty != cpages)
		fail_msg("control: only %u of %u unsynced pages seen dirty: the method does not "
			 "work here (writeback under memory pressure, or kpageflags unreliable)",
			 cdirty, cpages);
	/*
	 * fdatasync waits for the writeback it starts, and nothing dirties the
	 * segment after it: a page under writeback here was not synced either.
	 */
	if (dirty != 0 || wb != 0)
		fail_msg("%u of %u segment pages dirty, %u under writeback after gcb_spool_sync() "
			 "reported them durable: the io_uring fdatasync did not reach the disk",
			 dirty, pages, wb);
}

static int teardown(void **state)
{
	(void)state;
	if (dir[0] != '\0')
		rm_dir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_uring_sync_cleans_pages, teardown),
	};

	return cmocka_run_group_tests_name("spool io_uring fdatasync in the page cache", tests,
					   NULL, NULL);
}

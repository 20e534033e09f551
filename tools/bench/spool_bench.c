/*
 * gcb-spool-bench: spool append throughput against the disk's own
 * sequential write bandwidth, measured in the same run on the same
 * filesystem (docs/spool.md).
 *
 *   gcb-spool-bench [--dir PARENT] [--mib N] [--seconds S] [--sync-ms MS]
 *
 * PARENT (default ".", the filesystem of the default instance.state_dir
 * ./state) gets a temporary gcb-spool-bench-<pid> directory, removed at the
 * end. Each phase writes N MiB (default 256) or stops after S seconds
 * (default 5), whichever comes first:
 *   disk:  1 MiB pwrite() blocks (O_DIRECT when the filesystem allows it),
 *          one fdatasync() at the end;
 *   spool: 512-byte and 4 KiB records through gcb_spool_append(), with
 *          gcb_spool_flush() every 32 appends (sync_interval MS, default
 *          10) and gcb_spool_sync() at the end.
 * Times include the final fdatasync.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "stages/spool/gcb_spool.h"
#include "lib/gcb_log.h"

#define MIB (1024u * 1024u)

static char dir[4096];

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char p[8192];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		if (unlink(p) != 0 && errno == EISDIR)
			rm_tree(p);
	}
	closedir(d);
	rmdir(path);
}

static double secs(uint64_t from_ns)
{
	return (double)(gcb_clock_mono_ns() - from_ns) / 1e9;
}

static double disk_bench(uint64_t total, double limit, const char **mode)
{
	char path[8192];
	void *buf;
	uint64_t done = 0, t0;
	double el;
	int fd;

	snprintf(path, sizeof(path), "%s/disk.bin", dir);
	if (posix_memalign(&buf, 4096, MIB) != 0)
		return -1;
	memset(buf, 0xA5, MIB);
	*mode = "O_DIRECT";
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
	if (fd >= 0 && pwrite(fd, buf, MIB, 0) != (ssize_t)MIB) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		*mode = "buffered";
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		fprintf(stderr, "open(%s) failed: %s\n", path, strerror(errno));
		free(buf);
		return -1;
	}
	if (ftruncate(fd, 0) != 0)
		perror("ftruncate");
	t0 = gcb_clock_mono_ns();
	while (done < total && secs(t0) < limit) {
		if (pwrite(fd, buf, MIB, (off_t)done) != (ssize_t)MIB) {
			fprintf(stderr, "pwrite(%s) failed: %s\n", path, strerror(errno));
			break;
		}
		done += MIB;
	}
	if (fdatasync(fd) != 0)
		fprintf(stderr, "fdatasync(%s) failed: %s\n", path, strerror(errno));
	el = secs(t0);
	close(fd);
	unlink(path);
	free(buf);
	printf("disk   1 MiB pwrite (%s) + fdatasync: %llu MiB in %.2f s = %.1f MB/s\n", *mode,
	       (unsigned long long)(done / MIB), el, (double)done / el / 1e6);
	return (double)done / el;
}

static double spool_bench(uint32_t size, uint64_t total, double limit, unsigned sync_ms,
			  double disk_bps)
{
	char sdir[8192], err[256];
	gcb_spool_conf_t conf = {.dir = sdir,
				 .segment_bytes = 64ull * MIB,
				 .max_bytes = 4 * total + 256ull * MIB,
				 .sync_interval_ms = sync_ms,
				 .max_record = size};
	gcb_spool_stats_t st;
	gcb_spool_t *s;
	unsigned char *payload = malloc(size);
	uint64_t n = 0, t0;
	double el, bps;
	int rc = 0;

	snprintf(sdir, sizeof(sdir), "%s/spool-%u", dir, size);
	if (payload == NULL || gcb_spool_open(&s, &conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcb_spool_open: %s\n", err);
		free(payload);
		return -1;
	}
	for (uint32_t i = 0; i < size; i++)
		payload[i] = (unsigned char)('a' + i % 26);
	t0 = gcb_clock_mono_ns();
	while ((uint64_t)n * size < total) {
		memcpy(payload, &n, sizeof(n));
		if ((rc = gcb_spool_append(s, n, payload, size)) != 0)
			break;
		n++;
		if (n % 32 == 0) {
			if ((rc = gcb_spool_flush(s, gcb_clock_mono_ms(), 0)) != 0)
				break;
			if (n % 1024 == 0 && secs(t0) >= limit)
				break;
		}
	}
	if (rc == 0)
		rc = gcb_spool_sync(s);
	el = secs(t0);
	gcb_spool_stats(s, &st);
	gcb_spool_close(s);
	free(payload);
	rm_tree(sdir);
	if (rc != 0) {
		fprintf(stderr, "spool bench failed: %s\n", strerror(-rc));
		return -1;
	}
	bps = (double)(st.bytes) / el;
	printf("spool  %5u B records: %llu in %.2f s = %.0f records/s, %.1f MB/s payload, "
	       "%.1f MB/s on disk, %llu fdatasyncs; spool/disk %.2f\n",
	       size, (unsigned long long)n, el, (double)n / el, (double)n * size / el / 1e6,
	       bps / 1e6, (unsigned long long)st.syncs, disk_bps > 0 ? bps / disk_bps : 0.0);
	return bps;
}

int main(int argc, char **argv)
{
	const char *parent = ".", *mode;
	uint64_t mib = 256;
	double limit = 5, disk;
	unsigned sync_ms = 10;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			parent = argv[++i];
		else if (strcmp(argv[i], "--mib") == 0 && i + 1 < argc)
			mib = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			limit = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--sync-ms") == 0 && i + 1 < argc)
			sync_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr,
				"usage: %s [--dir PARENT] [--mib N] [--seconds S] "
				"[--sync-ms MS]\n",
				argv[0]);
			return 2;
		}
	}
	if (mib == 0 || limit <= 0) {
		fprintf(stderr, "--mib and --seconds must be positive\n");
		return 2;
	}
	gcb_log_setup("spool-bench", GCB_LOG_WARN, GCB_LOG_LOGFMT);
	snprintf(dir, sizeof(dir), "%s/gcb-spool-bench-%d", parent, (int)getpid());
	if (mkdir(dir, 0700) != 0) {
		fprintf(stderr, "mkdir(%s) failed: %s\n", dir, strerror(errno));
		return 1;
	}
	printf("spool bench in %s: %llu MiB per phase, at most %.0f s each, sync_interval %u ms\n",
	       dir, (unsigned long long)mib, limit, sync_ms);
	disk = disk_bench(mib * MIB, limit, &mode);
	int rc = disk > 0 && spool_bench(512, mib * MIB, limit, sync_ms, disk) > 0 &&
			 spool_bench(4096, mib * MIB, limit, sync_ms, disk) > 0
		     ? 0
		     : 1;
	rm_tree(dir);
	return rc;
}

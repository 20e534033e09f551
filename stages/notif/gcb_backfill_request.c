/* Writing an on-demand backfill request (gcb_backfill_request.h). */
#include "stages/notif/gcb_backfill_request.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "stages/notif/gcb_backfill.h"

const char *gcb_backfill_request_check(uint64_t from_unix_ms, uint64_t to_unix_ms,
				       uint64_t now_unix_ms)
{
	if (from_unix_ms >= to_unix_ms)
		return "the interval is empty: from must be before to";
	if (to_unix_ms > now_unix_ms)
		return "the interval ends in the future: only the past can be backfilled";
	return NULL;
}

int gcb_backfill_request_write(const char *state_dir, const char *instance, uint64_t from_unix_ms,
			       uint64_t to_unix_ms, char *errstr, size_t errstr_size)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 64], path[PATH_MAX + 64], body[256], fi[40], ti[40];
	int fd = -1, dfd = -1, n, rc = 0;

	if (snprintf(dir, sizeof(dir), "%s/%s" GCB_BACKFILL_REQUEST_DIR, state_dir, instance) >=
	    (int)sizeof(dir)) {
		snprintf(errstr, errstr_size, "%s: path too long", state_dir);
		return -ENAMETOOLONG;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(errstr, errstr_size, "mkdir(%s) failed: %s", dir, strerror(errno));
		return rc;
	}
	gcb_backfill_format_iso_ms(from_unix_ms, fi);
	gcb_backfill_format_iso_ms(to_unix_ms, ti);
	n = snprintf(body, sizeof(body),
		     "{\"version\":1,\"from\":\"%s\",\"from_unix_ms\":%" PRIu64
		     ",\"to\":\"%s\",\"to_unix_ms\":%" PRIu64 "}\n",
		     fi, from_unix_ms, ti, to_unix_ms);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%d", dir, (int)getpid());
	snprintf(path, sizeof(path), "%s/req-%" PRIu64 "-%" PRIu64 "-%d.json", dir, from_unix_ms,
		 to_unix_ms, (int)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, body, (size_t)n) != n || fsync(fd) != 0) {
		rc = -errno;
		snprintf(errstr, errstr_size, "writing %s failed: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		snprintf(errstr, errstr_size, "rename(%s, %s) failed: %s", tmp, path,
			 strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
		rc = -errno;
		snprintf(errstr, errstr_size, "fsync(%s) failed: %s", dir, strerror(errno));
	}
	if (rc == 0)
		snprintf(errstr, errstr_size, "%s", path);
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

/*
 * On-demand backfill requests (gcb_backfill_request.h), taken by the running
 * notification source: every file of <state_dir>/<instance>.requests/ becomes
 * a closed gap "requested" in the gap log, and the file goes once the gap is
 * durable. Scanned at startup and then every REQUEST_SCAN_MS.
 */
#include "stages/notif/gcb_notif_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "stages/notif/gcb_backfill_request.h"
#include "lib/gcb_log.h"

#define REQUEST_MAX 4096

/* Sets a bad request aside under <name>.bad, naming the problem. */
static void set_aside(const char *dir, const char *name, const char *why)
{
	char from[PATH_MAX + 256], to[PATH_MAX + 256];

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(to, sizeof(to), "%s/%s.bad", dir, name);
	gcb_log_error("backfill request %s refused: %s (kept as %s)", from, why, to);
	if (rename(from, to) != 0)
		gcb_log_error("rename(%s, %s) failed: %s", from, to, strerror(errno));
}

/* 0 with the interval, or the problem in *why. */
static int read_request(int dfd, const char *name, uint64_t *from, uint64_t *to, const char **why)
{
	char buf[REQUEST_MAX];
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	const cJSON *f, *t;
	cJSON *o;
	int rc = -EINVAL;

	if (fd >= 0)
		close(fd);
	if (n < 0) {
		*why = "cannot be read";
		return -EIO;
	}
	o = cJSON_ParseWithLength(buf, (size_t)n);
	f = cJSON_GetObjectItemCaseSensitive(o, "from_unix_ms");
	t = cJSON_GetObjectItemCaseSensitive(o, "to_unix_ms");
	if (!cJSON_IsNumber(f) || !cJSON_IsNumber(t) || f->valuedouble < 0 || t->valuedouble < 0) {
		*why = "not a backfill request (from_unix_ms and to_unix_ms expected)";
	} else {
		*from = (uint64_t)f->valuedouble;
		*to = (uint64_t)t->valuedouble;
		*why = gcb_backfill_request_check(*from, *to, gcb_clock_real_ms());
		rc = *why == NULL ? 0 : -EINVAL;
	}
	cJSON_Delete(o);
	return rc;
}

void gcb_notif_requests_scan(gcb_notif_t *n)
{
	const gcb_source_conf_t *c = n->conf;
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (!n->gaps_ready || n->requests_stuck)
		return;
	snprintf(dir, sizeof(dir), "%s/%s" GCB_BACKFILL_REQUEST_DIR, c->state_dir,
		 n->src.ctx->shm->hdr->instance);
	if ((d = opendir(dir)) == NULL)
		return; /* no request was ever made */
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		uint64_t from = 0, to = 0, id;
		const char *why = NULL;

		if (e->d_name[0] == '.' || l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		if (read_request(dirfd(d), e->d_name, &from, &to, &why) != 0) {
			set_aside(dir, e->d_name, why);
			continue;
		}
		id = gcb_notif_gap_open(n, from, "requested", "");
		if (id == 0 || gcb_gaps_close(&n->gaps, id, to) != 0) {
			/* Not durable: the request stays for the next run (a
			 * repeat duplicates, never loses). */
			gcb_log_error("backfill request %s/%s: the gap log could not be written; "
				      "the request stays for the next start",
				      dir, e->d_name);
			n->requests_stuck = 1;
			break;
		}
		if (unlinkat(dirfd(d), e->d_name, 0) != 0 || fsync(dirfd(d)) != 0)
			gcb_log_warn("removing the request %s/%s failed: %s (it will be taken "
				     "again: duplicates, no loss)",
				     dir, e->d_name, strerror(errno));
		gcb_log_info("backfill request %s/%s taken: gap %" PRIu64 " from %" PRIu64
			     " to %" PRIu64 " (Unix ms)",
			     dir, e->d_name, id, from, to);
	}
	closedir(d);
}

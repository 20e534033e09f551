#include "stages/validator/gcb_reload.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)

static int watch_dir_of(int ifd, const char *path)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	return inotify_add_watch(ifd, dirname(tmp), WATCH_MASK) < 0 ? -errno : 0;
}

int gcb_reload_init(gcb_reload_t *r, const char *routes_path, const char *ids_path,
		    uint32_t generation)
{
	int rc;

	r->generation = generation;
	r->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->ifd < 0)
		return -errno;
	rc = watch_dir_of(r->ifd, routes_path);
	if (rc == 0 && ids_path)
		rc = watch_dir_of(r->ifd, ids_path);
	if (rc) {
		close(r->ifd);
		r->ifd = -1;
	}
	return rc;
}

int gcb_reload_due(gcb_reload_t *r, uint32_t generation)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int due = 0;

	if (generation != r->generation) {
		r->generation = generation;
		due = 1;
	}
	if (r->ifd < 0)
		return due;
	/* Drain every queued event: one reload covers a burst of editor writes. */
	while (read(r->ifd, buf, sizeof(buf)) > 0)
		due = 1;
	return due;
}

void gcb_reload_fini(gcb_reload_t *r)
{
	if (r->ifd >= 0)
		close(r->ifd);
	r->ifd = -1;
}

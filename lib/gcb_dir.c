#include "lib/gcb_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gcb_dir_open_private(const char *path, char *errstr, size_t errstr_size)
{
	struct stat st;
	int fd, rc;

	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		snprintf(errstr, errstr_size, "mkdir(%s) failed: %s", path, strerror(-rc));
		return rc;
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		if (rc == -ELOOP || rc == -ENOTDIR)
			snprintf(errstr, errstr_size,
				 "%s is not a directory (or is a symbolic link): point "
				 "instance.state_dir at a real directory",
				 path);
		else
			snprintf(errstr, errstr_size, "open(%s) failed: %s", path, strerror(-rc));
		return rc == -ELOOP || rc == -ENOTDIR ? -EPERM : rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		snprintf(errstr, errstr_size, "fstat(%s) failed: %s", path, strerror(-rc));
		return rc;
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		snprintf(errstr, errstr_size,
			 "state directory %s belongs to uid %u, not to this user (uid %u): "
			 "chown it to this user, or choose another instance.state_dir",
			 path, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if ((st.st_mode & 022) != 0) {
		close(fd);
		snprintf(errstr, errstr_size,
			 "state directory %s is writable by group or others (mode %04o): "
			 "chmod 0700 %s",
			 path, (unsigned)(st.st_mode & 07777), path);
		return -EPERM;
	}
	return fd;
}

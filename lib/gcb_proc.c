#include "lib/gcb_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int gcb_proc_start_time(pid_t pid, uint64_t *start_time)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';

	/* comm (field 2) may contain spaces and ')': fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -EIO;
	for (field = 2; field < 22 && *p != '\0'; p++) {
		if (*p == ' ')
			field++;
	}
	if (field != 22)
		return -EIO;
	*start_time = strtoull(p, NULL, 10);
	return 0;
}

int gcb_proc_alive(pid_t pid, uint64_t start_time)
{
	uint64_t st;

	if (pid <= 0)
		return 0;
	if (gcb_proc_start_time(pid, &st) != 0)
		return 0;
	return st == start_time;
}

/* /proc/<pid>/exe without the " (deleted)" a package upgrade appends. */
static int exe_of(pid_t pid, char *buf, size_t size)
{
	static const char deleted[] = " (deleted)";
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	if (n == 0 || (size_t)n >= size - 1)
		return -EIO;
	buf[n] = '\0';
	if ((size_t)n > sizeof(deleted) - 1 &&
	    strcmp(buf + n - (sizeof(deleted) - 1), deleted) == 0)
		buf[n - (sizeof(deleted) - 1)] = '\0';
	return 0;
}

/* The whole of /proc/<pid>/<file> (at most size bytes); its length or -errno. */
static ssize_t read_proc(pid_t pid, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n, len = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	while ((size_t)len < size && (n = read(fd, buf + len, size - (size_t)len)) > 0)
		len += n;
	close(fd);
	return len;
}

/* The effective uid of pid (the "Uid:" line of status: real, effective, ...). */
static int euid_of(pid_t pid, uid_t *uid)
{
	char buf[2048];
	ssize_t n = read_proc(pid, "status", buf, sizeof(buf) - 1);
	const char *p;
	unsigned long ruid, euid;

	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nUid:")) == NULL || sscanf(p + 5, "%lu %lu", &ruid, &euid) != 2)
		return -EIO;
	*uid = (uid_t)euid;
	return 0;
}

/*
 * Same program: the same /proc/<pid>/exe. gcbridge processes are not
 * dumpable (no secret in a core), so an unprivileged supervisor may not read
 * their exe link (EACCES); then the command line, which stays readable,
 * must be identical: stages are forked, never exec'd, and keep it.
 */
static int same_program(pid_t pid)
{
	char mine[PATH_MAX], theirs[PATH_MAX];
	ssize_t a, b;
	int rc = exe_of(pid, theirs, sizeof(theirs));

	if (rc == 0)
		return exe_of(getpid(), mine, sizeof(mine)) == 0 && strcmp(mine, theirs) == 0;
	if (rc != -EACCES && rc != -EPERM)
		return 0;
	a = read_proc(getpid(), "cmdline", mine, sizeof(mine));
	b = read_proc(pid, "cmdline", theirs, sizeof(theirs));
	return a > 0 && a == b && (size_t)a < sizeof(mine) && memcmp(mine, theirs, (size_t)a) == 0;
}

int gcb_proc_ours(pid_t pid, uint64_t start_time)
{
	uid_t uid;

	if (!gcb_proc_alive(pid, start_time))
		return 0;
	if (euid_of(pid, &uid) != 0 || uid != geteuid())
		return 0;
	return same_program(pid);
}

#include "shm/gcb_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	if (n <= 0 || (size_t)n >= size - 1)
		return -EIO;
	buf[n] = '\0';
	if ((size_t)n > sizeof(deleted) - 1 &&
	    strcmp(buf + n - (sizeof(deleted) - 1), deleted) == 0)
		buf[n - (sizeof(deleted) - 1)] = '\0';
	return 0;
}

int gcb_proc_ours(pid_t pid, uint64_t start_time)
{
	char path[64], mine[PATH_MAX], theirs[PATH_MAX];
	struct stat sb;

	if (!gcb_proc_alive(pid, start_time))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &sb) != 0 || sb.st_uid != geteuid())
		return 0;
	if (exe_of(getpid(), mine, sizeof(mine)) != 0 || exe_of(pid, theirs, sizeof(theirs)) != 0)
		return 0;
	return strcmp(mine, theirs) == 0;
}

#include "shm/gcb_proc.h"

#include <errno.h>
#include <fcntl.h>
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

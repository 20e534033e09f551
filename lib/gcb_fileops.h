/*
 * The file operations the spool and the checkpoint use to change what is on
 * disk, as a table, so that a test can put a model of the disk underneath
 * them (tests/spool/powercut.c: what is durable, what is only in the page
 * cache, and what a power cut leaves) — the way SQLite proves its crash
 * safety. Reads (pread, fstat, readdir) are not in the table: a model keeps
 * the real files as the page-cache view, so real reads see what they would.
 *
 * gcb_fileops_posix() is the real disk. uring says whether io_uring may be
 * used in place of pwrite/fdatasync/fsync/renameat: only on the real disk,
 * since a model sees nothing that bypasses the table.
 */
#ifndef GCB_FILEOPS_H
#define GCB_FILEOPS_H

#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

typedef struct gcb_fileops {
	/* Each returns what the system call returns and sets errno the same way. */
	int (*openat)(int dirfd, const char *name, int flags, mode_t mode);
	ssize_t (*pwrite)(int fd, const void *buf, size_t len, off_t off);
	int (*fdatasync)(int fd);
	int (*fsync)(int fd); /* files and directories (a directory's entries) */
	int (*ftruncate)(int fd, off_t len);
	int (*renameat)(int olddirfd, const char *from, int newdirfd, const char *to);
	int (*unlinkat)(int dirfd, const char *name, int flags);
	int (*close)(int fd);
	int uring;
} gcb_fileops_t;

static inline int gcb_fileops_openat_(int dirfd, const char *name, int flags, mode_t mode)
{
	return openat(dirfd, name, flags, mode);
}

static inline const gcb_fileops_t *gcb_fileops_posix(void)
{
	static const gcb_fileops_t posix = {
	    .openat = gcb_fileops_openat_,
	    .pwrite = pwrite,
	    .fdatasync = fdatasync,
	    .fsync = fsync,
	    .ftruncate = ftruncate,
	    .renameat = renameat,
	    .unlinkat = unlinkat,
	    .close = close,
	    .uring = 1,
	};
	return &posix;
}

#endif

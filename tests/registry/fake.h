/*
 * tests/registry/fake_registry.py as a child process: started on
 * 127.0.0.1:0, its URL read from the file it writes, stopped with SIGTERM.
 */
#ifndef GCB_TEST_FAKE_REGISTRY_H
#define GCB_TEST_FAKE_REGISTRY_H

#include <sys/types.h>

#define FAKE_PASSWORD "s3cr3t-Pa55word-xyzzy"

typedef struct fake {
	pid_t pid;
	char user[64]; /* "" without auth */
	char dir[256];
	char log[300];
	char url[512];	/* the base URL clients use (with the prefix) */
	char root[512]; /* scheme://host:port, for the test controls */
} fake_t;

/* prefix: NULL or e.g. "/apis/ccompat/v7"; user: NULL (no auth) or the basic-auth
 * user, whose password is FAKE_PASSWORD. 0, or -1 with a message on stderr. */
int fake_start(fake_t *f, const char *prefix, const char *user);

/* Stops it; -1 when its log ever contained FAKE_PASSWORD. */
int fake_stop(fake_t *f);

/* The next count API requests answer status (a test control, not the API). */
int fake_fail(const fake_t *f, int count, int status);

/* PUT /config/{subject} {"compatibility": level}. */
int fake_set_level(const fake_t *f, const char *subject, const char *level);

/* 1 when the file at path contains needle. */
int file_contains(const char *path, const char *needle);

#endif

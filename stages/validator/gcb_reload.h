/*
 * When to reload the schema set: the routing file's directory (and the schema
 * id file's, when elsewhere) changed (inotify), or the supervisor bumped the
 * pipeline's reload generation (SIGHUP). Checking is a non-blocking read, so
 * the stage loop polls it between events.
 */
#ifndef GCB_RELOAD_H
#define GCB_RELOAD_H

#include <stdint.h>

typedef struct gcb_reload {
	int ifd; /* inotify descriptor, -1 when unavailable (SIGHUP still works) */
	uint32_t generation;
} gcb_reload_t;

/* Watches the directories of routes_path and ids_path (NULL: none). 0, or
 * -errno with ifd = -1 (the caller may carry on without file watching). */
int gcb_reload_init(gcb_reload_t *r, const char *routes_path, const char *ids_path,
		    uint32_t generation);

/* 1 when something changed since the last call that returned 1. */
int gcb_reload_due(gcb_reload_t *r, uint32_t generation);

void gcb_reload_fini(gcb_reload_t *r);

#endif

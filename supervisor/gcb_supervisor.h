/*
 * The supervisor: owns the instance's segment, forks the stages, reaps and
 * restarts them, drains on SIGTERM. It never touches payloads: it reads and
 * writes only the header, the stage table and the pipeline's drain word, so a
 * stage that scribbles over a ring cannot take it down.
 */
#ifndef GCB_SUPERVISOR_H
#define GCB_SUPERVISOR_H

#include <stdint.h>

#include "stages/gcb_stage.h"

/* Exit codes of the daemon (the stages' own contract is in gcb_stage.h). */
#define GCB_DAEMON_EXIT_OK         0 /* drained and stopped cleanly */
#define GCB_DAEMON_EXIT_ERROR      1 /* could not start (segment, fork) */
#define GCB_DAEMON_EXIT_FATAL      2 /* bad config or a stage's permanent error */
#define GCB_DAEMON_EXIT_UNDRAINED  3 /* stopped before the rings were empty */

/* A stage's work, run in the forked child; returns the stage's exit code. */
typedef int (*gcb_stage_main_fn)(gcb_stage_ctx_t *ctx, void *arg);

typedef struct gcb_supervisor_conf {
	const char *instance;
	unsigned validators;
	uint64_t ring_size;       /* bytes per ring, power of two */
	uint64_t ring_max_record; /* 0: the most the ring size allows */

	uint64_t restart_min_ms;    /* first respawn delay of a stage that died young */
	uint64_t restart_max_ms;    /* cap of the doubling delay */
	uint64_t restart_stable_ms; /* a stage up this long restarts at once */
	uint64_t watchdog_ms;       /* heartbeat older than this: the stage is hung */
	uint64_t kill_grace_ms;     /* SIGTERM -> SIGKILL */
	uint64_t drain_timeout_ms;  /* SIGTERM to the daemon -> give up draining */

	gcb_stage_main_fn fetcher;
	gcb_stage_main_fn validator;
	gcb_stage_main_fn producer;
	void *stage_arg; /* passed to every stage main */

	/* Called in the supervisor on SIGHUP (may be NULL). The stages learn of
	 * it through pipeline->reload_generation. */
	void (*reload)(void *arg);
	void *reload_arg;

	/* Called after a complete drain, before the segment is removed: the
	 * last word on the checkpoint (may be NULL). */
	void (*after_drain)(const void *shm, void *arg);
	void *drain_arg;

	/* Called when a child that is not a stage exits (embedded services);
	 * may be NULL. */
	void (*on_child_exit)(int pid, int status, void *arg);
	void *child_arg;

	/* Called once per main-loop turn (metrics, progress line), and once
	 * more before the segment is detached; may be NULL. */
	void (*tick)(const void *shm, void *arg);
	void *tick_arg;

	/* One more descriptor for the loop's poll (the metrics endpoint):
	 * io_ready runs after every poll, readable or not, so it can also
	 * expire its timeouts. io_fd is ignored when io_ready is NULL.
	 * in_child runs first in every forked stage, to close what a stage
	 * must not inherit (a listening socket). Both may be NULL. */
	int io_fd;
	void (*io_ready)(void *arg);
	void (*in_child)(void *arg);
	void *io_arg;
} gcb_supervisor_conf_t;

/*
 * Runs the daemon until it is told to stop (SIGTERM/SIGINT: drain) or a
 * stage reports a permanent error. Re-attaches the instance's segment when
 * a previous supervisor died and left a valid one. Returns a
 * GCB_DAEMON_EXIT_* code.
 */
int gcb_supervisor_run(const gcb_supervisor_conf_t *conf);

#endif

/*
 * What every stage process shares with the supervisor.
 *
 * The supervisor forks a stage (no exec: the child inherits the parsed
 * configuration and the segment mapping), calls gcb_stage_enter() in the
 * child, then the stage's gcb_<kind>_main(), whose return value becomes the
 * process exit code:
 *
 *   GCB_EXIT_OK      0  clean stop (drain finished or asked to stop)
 *   GCB_EXIT_RESTART 1  handled error: restart this stage
 *   GCB_EXIT_FATAL   2  permanent error (bad config, bad credentials format,
 *                       bad schema directory): stop the whole daemon
 *
 * Death by a signal or any other code is a crash: the stage is restarted.
 *
 * A stage must call gcb_stage_heartbeat() at least every second, including
 * while it waits (ring waits take a timeout for this reason), stop taking
 * new work when gcb_stage_stopping() says so, and return.
 */
#ifndef GCB_STAGE_H
#define GCB_STAGE_H

#include <signal.h>
#include <stdatomic.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"

#define GCB_EXIT_OK      0
#define GCB_EXIT_RESTART 1
#define GCB_EXIT_FATAL   2

typedef struct gcb_stage_ctx {
	gcb_shm_t *shm;
	gcb_shm_stage_t *slot; /* this stage's row in the stage table */
	unsigned stage_index;
	pid_t parent; /* the supervisor; the stage exits when it is gone */
} gcb_stage_ctx_t;

/* Set by the stage's SIGTERM/SIGINT handler (installed by gcb_stage_enter). */
extern volatile sig_atomic_t gcb_stage_stop_requested;

/*
 * Child-side setup right after fork: names the log after the stage, asks the
 * kernel to SIGKILL the stage when the supervisor dies (and checks it did not
 * die already), installs the stop handler, fills ctx. 0 or -errno.
 */
int gcb_stage_enter(gcb_stage_ctx_t *ctx, gcb_shm_t *shm, unsigned stage_index);

/* The log level this process runs with, as last taken from the segment. */
extern uint32_t gcb_stage_log_level;

/* Takes the log level the supervisor published (SIGHUP) into this process. */
void gcb_stage_follow_log_level(const gcb_stage_ctx_t *ctx);

static inline void gcb_stage_heartbeat(const gcb_stage_ctx_t *ctx)
{
	atomic_store_explicit(&ctx->slot->heartbeat_ns, gcb_clock_mono_ns(),
			      memory_order_relaxed);
	if (atomic_load_explicit(&gcb_shm_pipeline(ctx->shm)->log_level, memory_order_relaxed) !=
	    gcb_stage_log_level)
		gcb_stage_follow_log_level(ctx);
}

/*
 * 1 when the stage should stop taking new work: a stop signal, a supervisor
 * that is gone (orphaned stages must not keep writing), or a drain.
 * Validators and the producer keep emptying their input rings while
 * draining; the fetcher stops fetching.
 */
int gcb_stage_stopping(const gcb_stage_ctx_t *ctx);

/*
 * Drain (SIGTERM to the daemon) runs in phases, one per stage kind, and the
 * supervisor starts a phase only when every stage of the previous one has
 * exited: 1 the fetcher stops fetching; 2 validators empty their input rings;
 * 3 the producer empties its rings and flushes Kafka. So when a stage sees
 * its phase, its input can no longer grow: "input empty" means "done".
 * pipeline->draining holds the current phase (0: not draining).
 */
static inline int gcb_stage_draining(const gcb_stage_ctx_t *ctx)
{
	uint32_t phase = atomic_load_explicit(&gcb_shm_pipeline(ctx->shm)->draining,
					      memory_order_acquire);

	return phase != 0 && phase >= ctx->slot->kind;
}

/* 1 when the supervisor process is gone. */
int gcb_stage_orphaned(const gcb_stage_ctx_t *ctx);

/* Ring names (GCB_RING_FETCH_FMT, GCB_RING_OUT_FMT) are part of the segment
 * contract: shm/gcb_shm_layout.h. A stage attaches to at most this many. */
#define GCB_STAGE_MAX_RINGS 16u

/*
 * Attaches this stage to its rings, by kind: the fetcher as producer of every
 * fetch ring (out), a validator as consumer of its fetch ring (in) and
 * producer of its out ring (out), the producer as consumer of every out ring
 * (in). Arrays hold GCB_STAGE_MAX_RINGS. 0 or -errno.
 */
int gcb_stage_attach_rings(const gcb_stage_ctx_t *ctx, gcb_ring_t *in, unsigned *n_in,
			   gcb_ring_t *out, unsigned *n_out);

#endif

#include "stages/gcb_stage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lib/gcb_log.h"

volatile sig_atomic_t gcb_stage_stop_requested;
uint32_t gcb_stage_log_level;

void gcb_stage_follow_log_level(const gcb_stage_ctx_t *ctx)
{
	uint32_t published = atomic_load_explicit(&gcb_shm_pipeline(ctx->shm)->log_level,
						  memory_order_relaxed);

	gcb_stage_log_level = published;
	if (published != 0)
		gcb_log_set_level((gcb_log_level_t)(published - 1));
}

static void stage_on_stop(int sig)
{
	(void)sig;
	gcb_stage_stop_requested = 1;
}

int gcb_stage_enter(gcb_stage_ctx_t *ctx, gcb_shm_t *shm, unsigned stage_index)
{
	struct sigaction sa;

	memset(ctx, 0, sizeof(*ctx));
	ctx->shm = shm;
	ctx->stage_index = stage_index;
	ctx->slot = gcb_shm_stage(shm, stage_index);
	ctx->parent = getppid();
	gcb_log_set_stage(ctx->slot->name);
	/* ps(1) and pgrep show the stage's name (the kernel keeps 15 bytes). */
	(void)prctl(PR_SET_NAME, ctx->slot->name, 0, 0, 0);

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return -errno;
	/* The parent may have died before prctl(): then we were re-parented. */
	if (getppid() != ctx->parent || ctx->parent == 1)
		return -ESRCH;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stage_on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	gcb_stage_heartbeat(ctx);
	return 0;
}

int gcb_stage_orphaned(const gcb_stage_ctx_t *ctx)
{
	return getppid() != ctx->parent;
}

int gcb_stage_stopping(const gcb_stage_ctx_t *ctx)
{
	return gcb_stage_stop_requested || gcb_stage_orphaned(ctx) || gcb_stage_draining(ctx);
}

static int attach_named(const gcb_stage_ctx_t *ctx, const char *fmt, unsigned i, int as_producer,
			gcb_ring_t *r)
{
	char name[GCB_SHM_NAME_MAX];
	int idx, rc;

	snprintf(name, sizeof(name), fmt, i);
	idx = gcb_shm_find_ring(ctx->shm, name);
	if (idx < 0) {
		gcb_log_error("ring \"%s\" not found in %s", name, ctx->shm->path);
		return idx;
	}
	rc = as_producer ? gcb_ring_attach_producer(r, gcb_shm_ring_mem(ctx->shm, (unsigned)idx))
			 : gcb_ring_attach_consumer(r, gcb_shm_ring_mem(ctx->shm, (unsigned)idx));
	if (rc != 0)
		gcb_log_error("attaching ring \"%s\" failed: %s", name, strerror(-rc));
	return rc;
}

static unsigned count_rings(const gcb_stage_ctx_t *ctx, const char *fmt)
{
	char name[GCB_SHM_NAME_MAX];
	unsigned n = 0;

	for (;;) {
		snprintf(name, sizeof(name), fmt, n);
		if (gcb_shm_find_ring(ctx->shm, name) < 0 || n == GCB_STAGE_MAX_RINGS)
			return n;
		n++;
	}
}

int gcb_stage_attach_rings(const gcb_stage_ctx_t *ctx, gcb_ring_t *in, unsigned *n_in,
			   gcb_ring_t *out, unsigned *n_out)
{
	unsigned i, n;
	int rc;

	*n_in = 0;
	*n_out = 0;
	switch (ctx->slot->kind) {
	case GCB_STAGE_KIND_FETCHER:
		n = count_rings(ctx, GCB_RING_FETCH_FMT);
		for (i = 0; i < n; i++)
			if ((rc = attach_named(ctx, GCB_RING_FETCH_FMT, i, 1, &out[i])) != 0)
				return rc;
		*n_out = n;
		return n > 0 ? 0 : -ENOENT;
	case GCB_STAGE_KIND_VALIDATOR:
		if ((rc = attach_named(ctx, GCB_RING_FETCH_FMT, ctx->slot->index, 0, &in[0])) != 0)
			return rc;
		if ((rc = attach_named(ctx, GCB_RING_OUT_FMT, ctx->slot->index, 1, &out[0])) != 0)
			return rc;
		*n_in = 1;
		*n_out = 1;
		return 0;
	case GCB_STAGE_KIND_PRODUCER:
		n = count_rings(ctx, GCB_RING_OUT_FMT);
		for (i = 0; i < n; i++)
			if ((rc = attach_named(ctx, GCB_RING_OUT_FMT, i, 0, &in[i])) != 0)
				return rc;
		*n_in = n;
		return n > 0 ? 0 : -ENOENT;
	}
	return -EINVAL;
}

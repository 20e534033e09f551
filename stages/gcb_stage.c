#include "stages/gcb_stage.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "supervisor/gcb_log.h"

volatile sig_atomic_t gcb_stage_stop_requested;

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

/*
 * The supervisor's single loop. Signals arrive through a signalfd, so no
 * work ever runs in a signal handler; children are reaped, restarted and
 * watched from here alone (nginx's and PostgreSQL's postmaster pattern).
 *
 * Restart policy (s6-like): a stage that ran at least restart_stable_ms is
 * restarted at once; one that died younger waits restart_min_ms, doubling
 * with every further early death up to restart_max_ms. A stage is never
 * given up on: a daemon that stops trying loses events.
 */
#include "supervisor/gcb_supervisor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_proc.h"
#include "supervisor/gcb_instance.h"
#include "lib/gcb_log.h"

#define LOOP_TICK_MS 100
#define NS_PER_MS    1000000ull
#define MAX_STAGES   (GCB_STAGE_MAX_RINGS + 2)

struct stage_rt {
	pid_t pid;
	uint64_t spawned_ns;
	uint64_t next_spawn_ns; /* 0: not scheduled */
	uint64_t term_sent_ns;  /* SIGTERM sent (watchdog or shutdown), 0: not */
	unsigned early_deaths;  /* consecutive deaths before restart_stable_ms */
	unsigned spawns;
	int drained; /* exited 0 in its drain phase: never respawned */
	int hung;    /* the watchdog sent the SIGTERM */
};

typedef struct gcb_supervisor {
	const gcb_supervisor_conf_t *conf;
	gcb_shm_t shm;
	unsigned nstages;
	struct stage_rt rt[MAX_STAGES];
	int sfd;
	sigset_t blocked;

	uint32_t drain_phase; /* 0, or the gcb_stage kind now draining */
	uint64_t drain_deadline_ns;

	int shutting_down; /* stopping every stage, then returning exit_code */
	int exit_code;
	uint64_t shutdown_kill_ns;
} gcb_supervisor_t;

static gcb_shm_stage_t *slot_of(const gcb_supervisor_t *sv, unsigned i)
{
	return gcb_shm_stage(&sv->shm, i);
}

static double ms_to_s(uint64_t ms)
{
	return (double)ms / 1000.0;
}

/* "exit 1", "killed by SIGKILL", for logs. */
static void describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(status))
							   ? sigabbrev_np(WTERMSIG(status))
							   : "?");
	else
		snprintf(buf, size, "status 0x%x", status);
}

static gcb_stage_main_fn stage_main(const gcb_supervisor_t *sv, uint32_t kind)
{
	switch (kind) {
	case GCB_STAGE_KIND_FETCHER:
		return sv->conf->fetcher;
	case GCB_STAGE_KIND_VALIDATOR:
		return sv->conf->validator;
	default:
		return sv->conf->producer;
	}
}

static __attribute__((noreturn)) void run_child(gcb_supervisor_t *sv, unsigned i)
{
	gcb_stage_ctx_t ctx;
	sigset_t none;
	int rc;

	/* Out of the supervisor's process group: a terminal's Ctrl-C (or any
	 * signal to the group) reaches only the supervisor, which drains the
	 * stages in order instead of having them all stop at once. */
	setpgid(0, 0);
	close(sv->sfd);
	if (sv->conf->in_child != NULL)
		sv->conf->in_child(sv->conf->io_arg);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_DFL);

	rc = gcb_stage_enter(&ctx, &sv->shm, i);
	if (rc == -ESRCH)
		_exit(GCB_EXIT_OK); /* the supervisor died while we were born */
	if (rc != 0) {
		gcb_log_error("stage setup failed: %s", strerror(-rc));
		_exit(GCB_EXIT_RESTART);
	}
	rc = stage_main(sv, ctx.slot->kind)(&ctx, sv->conf->stage_arg);
	_exit(rc);
}

static int spawn(gcb_supervisor_t *sv, unsigned i)
{
	gcb_shm_stage_t *slot = slot_of(sv, i);
	struct stage_rt *rt = &sv->rt[i];
	uint64_t st = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		gcb_log_error("fork() failed for stage %s: %s; retrying in %.1fs", slot->name,
			      strerror(errno), ms_to_s(sv->conf->restart_min_ms));
		rt->next_spawn_ns = gcb_clock_mono_ns() + sv->conf->restart_min_ms * NS_PER_MS;
		return -errno;
	}
	if (pid == 0)
		run_child(sv, i);

	(void)gcb_proc_start_time(pid, &st);
	if (rt->spawns++ > 0)
		atomic_fetch_add(&slot->restarts, 1);
	rt->pid = pid;
	rt->spawned_ns = gcb_clock_mono_ns();
	rt->next_spawn_ns = 0;
	rt->term_sent_ns = 0;
	rt->hung = 0;
	atomic_store(&slot->start_time, st);
	atomic_store(&slot->started_unix_ms, gcb_clock_real_ms());
	atomic_store(&slot->state, GCB_STAGE_STARTING);
	atomic_store(&slot->pid, (int32_t)pid);
	gcb_log_debug("started stage %s (pid %d)", slot->name, (int)pid);
	return 0;
}

static void signal_all(gcb_supervisor_t *sv, int sig)
{
	for (unsigned i = 0; i < sv->nstages; i++) {
		if (sv->rt[i].pid <= 0)
			continue;
		kill(sv->rt[i].pid, sig);
		if (sig == SIGTERM && sv->rt[i].term_sent_ns == 0)
			sv->rt[i].term_sent_ns = gcb_clock_mono_ns();
	}
}

static unsigned live_stages(const gcb_supervisor_t *sv)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sv->nstages; i++)
		n += sv->rt[i].pid > 0;
	return n;
}

/* Stops every stage (TERM, then KILL after the grace period); the loop
 * returns code once none is left. */
static void start_shutdown(gcb_supervisor_t *sv, int code)
{
	if (sv->shutting_down)
		return;
	sv->shutting_down = 1;
	sv->exit_code = code;
	sv->shutdown_kill_ns = gcb_clock_mono_ns() + sv->conf->kill_grace_ms * NS_PER_MS;
	for (unsigned i = 0; i < sv->nstages; i++)
		sv->rt[i].next_spawn_ns = 0;
	signal_all(sv, SIGTERM);
}

static void schedule_restart(gcb_supervisor_t *sv, unsigned i, const char *cause)
{
	struct stage_rt *rt = &sv->rt[i];
	gcb_shm_stage_t *slot = slot_of(sv, i);
	uint64_t now = gcb_clock_mono_ns(), up_ms = (now - rt->spawned_ns) / NS_PER_MS;
	uint64_t delay_ms = 0;

	if (up_ms >= sv->conf->restart_stable_ms) {
		rt->early_deaths = 0;
	} else {
		unsigned shift = rt->early_deaths < 16 ? rt->early_deaths : 16;

		rt->early_deaths++;
		delay_ms = sv->conf->restart_min_ms << shift;
		if (delay_ms > sv->conf->restart_max_ms)
			delay_ms = sv->conf->restart_max_ms;
	}
	rt->next_spawn_ns = now + delay_ms * NS_PER_MS;
	atomic_store(&slot->state, GCB_STAGE_BACKOFF);
	gcb_log_warn("stage %s %s after %.1fs up; restart %llu in %.1fs", slot->name, cause,
		     ms_to_s(up_ms), (unsigned long long)atomic_load(&slot->restarts) + 1,
		     ms_to_s(delay_ms));
}

static void on_exit_status(gcb_supervisor_t *sv, unsigned i, int status)
{
	struct stage_rt *rt = &sv->rt[i];
	gcb_shm_stage_t *slot = slot_of(sv, i);
	char how[48], cause[96];

	rt->pid = 0;
	rt->term_sent_ns = 0;
	atomic_store(&slot->pid, 0);
	atomic_store(&slot->last_exit, status);
	atomic_store(&slot->state, GCB_STAGE_STOPPED);
	describe_status(status, how, sizeof(how));

	if (sv->shutting_down) {
		gcb_log_info("stage %s stopped (%s)", slot->name, how);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == GCB_EXIT_FATAL) {
		gcb_log_error("stage %s exited with a permanent error (exit 2); stopping gcbridge "
			      "(see the stage's last error above)",
			      slot->name);
		start_shutdown(sv, GCB_DAEMON_EXIT_FATAL);
		return;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == GCB_EXIT_OK && sv->drain_phase != 0 &&
	    sv->drain_phase >= slot->kind) {
		rt->drained = 1;
		gcb_log_info("stage %s drained and stopped", slot->name);
		return;
	}
	if (rt->hung)
		snprintf(cause, sizeof(cause), "was hung (no heartbeat) and was stopped (%s)", how);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == GCB_EXIT_RESTART)
		snprintf(cause, sizeof(cause), "exited after a handled error (%s)", how);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == GCB_EXIT_OK)
		snprintf(cause, sizeof(cause), "exited unexpectedly (%s)", how);
	else
		snprintf(cause, sizeof(cause), "crashed (%s)", how);
	schedule_restart(sv, i, cause);
}

static void reap(gcb_supervisor_t *sv)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		unsigned i;

		for (i = 0; i < sv->nstages; i++) {
			if (sv->rt[i].pid == pid) {
				on_exit_status(sv, i, status);
				break;
			}
		}
		if (i == sv->nstages && sv->conf->on_child_exit != NULL)
			sv->conf->on_child_exit(pid, status, sv->conf->child_arg);
	}
}

static void watchdog(gcb_supervisor_t *sv, uint64_t now)
{
	for (unsigned i = 0; i < sv->nstages; i++) {
		struct stage_rt *rt = &sv->rt[i];
		gcb_shm_stage_t *slot = slot_of(sv, i);
		uint64_t hb, last;

		if (rt->pid <= 0)
			continue;
		if (rt->term_sent_ns != 0) {
			if (now - rt->term_sent_ns > sv->conf->kill_grace_ms * NS_PER_MS) {
				gcb_log_warn("stage %s (pid %d) ignored SIGTERM for %.1fs: SIGKILL",
					     slot->name, (int)rt->pid,
					     ms_to_s(sv->conf->kill_grace_ms));
				kill(rt->pid, SIGKILL);
				rt->term_sent_ns = now; /* repeat only after another grace */
			}
			continue;
		}
		hb = atomic_load_explicit(&slot->heartbeat_ns, memory_order_relaxed);
		last = hb > rt->spawned_ns ? hb : rt->spawned_ns;
		if (hb > rt->spawned_ns && atomic_load(&slot->state) == GCB_STAGE_STARTING)
			atomic_store(&slot->state, sv->drain_phase >= slot->kind
							   ? GCB_STAGE_DRAINING
							   : GCB_STAGE_RUNNING);
		if (now > last && now - last > sv->conf->watchdog_ms * NS_PER_MS) {
			gcb_log_warn("stage %s (pid %d) has not sent a heartbeat for %.1fs: hung; "
				     "SIGTERM",
				     slot->name, (int)rt->pid, (double)(now - last) / 1e9);
			rt->hung = 1;
			rt->term_sent_ns = now;
			kill(rt->pid, SIGTERM);
		}
	}
}

static void spawn_due(gcb_supervisor_t *sv, uint64_t now)
{
	for (unsigned i = 0; i < sv->nstages; i++) {
		struct stage_rt *rt = &sv->rt[i];

		if (rt->pid <= 0 && !rt->drained && rt->next_spawn_ns != 0 &&
		    now >= rt->next_spawn_ns)
			spawn(sv, i);
	}
}

static void begin_drain(gcb_supervisor_t *sv)
{
	sv->drain_phase = GCB_STAGE_KIND_FETCHER;
	sv->drain_deadline_ns = gcb_clock_mono_ns() + sv->conf->drain_timeout_ms * NS_PER_MS;
	atomic_store(&gcb_shm_pipeline(&sv->shm)->draining, sv->drain_phase);
	gcb_log_info("draining: the fetcher stops, then the rings empty into Kafka (at most "
		     "%.0fs)",
		     ms_to_s(sv->conf->drain_timeout_ms));
}

/* Moves to the next drain phase when every stage of this one is done;
 * returns 1 when the producer, the last, is. */
static int advance_drain(gcb_supervisor_t *sv)
{
	while (sv->drain_phase != 0) {
		for (unsigned i = 0; i < sv->nstages; i++)
			if (slot_of(sv, i)->kind == sv->drain_phase && !sv->rt[i].drained)
				return 0;
		if (sv->drain_phase == GCB_STAGE_KIND_PRODUCER)
			return 1;
		sv->drain_phase++;
		atomic_store(&gcb_shm_pipeline(&sv->shm)->draining, sv->drain_phase);
	}
	return 0;
}

/* Stages follow the supervisor's log level through the segment (SIGHUP). */
static void publish_log_level(gcb_supervisor_t *sv)
{
	atomic_store(&gcb_shm_pipeline(&sv->shm)->log_level, (uint32_t)gcb_log_level() + 1);
}

static void handle_signals(gcb_supervisor_t *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			if (sv->shutting_down)
				break;
			if (sv->drain_phase == 0) {
				begin_drain(sv);
			} else {
				gcb_log_warn("second stop signal: stopping without draining; what "
					     "the rings hold is kept for the next start");
				start_shutdown(sv, GCB_DAEMON_EXIT_UNDRAINED);
			}
			break;
		case SIGHUP:
			gcb_log_info("SIGHUP: reloading");
			if (sv->conf->reload != NULL)
				sv->conf->reload(sv->conf->reload_arg);
			publish_log_level(sv);
			atomic_fetch_add(&gcb_shm_pipeline(&sv->shm)->reload_generation, 1);
			break;
		default:
			break; /* SIGCHLD: reap() runs every turn */
		}
	}
}

static int setup_signals(gcb_supervisor_t *sv)
{
	sigemptyset(&sv->blocked);
	sigaddset(&sv->blocked, SIGCHLD);
	sigaddset(&sv->blocked, SIGTERM);
	sigaddset(&sv->blocked, SIGINT);
	sigaddset(&sv->blocked, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &sv->blocked, NULL) != 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	sv->sfd = signalfd(-1, &sv->blocked, SFD_NONBLOCK | SFD_CLOEXEC);
	return sv->sfd < 0 ? -errno : 0;
}

static int loop(gcb_supervisor_t *sv)
{
	struct pollfd pfd[2] = {{.fd = sv->sfd, .events = POLLIN},
				{.fd = sv->conf->io_fd, .events = POLLIN}};
	nfds_t npfd = sv->conf->io_ready != NULL && sv->conf->io_fd >= 0 ? 2 : 1;
	uint64_t now;

	for (;;) {
		now = gcb_clock_mono_ns();
		atomic_store_explicit(&sv->shm.hdr->supervisor_heartbeat_ns, now,
				      memory_order_relaxed);
		handle_signals(sv);
		reap(sv);

		if (sv->shutting_down) {
			if (live_stages(sv) == 0)
				return sv->exit_code;
			if (now > sv->shutdown_kill_ns) {
				gcb_log_warn("%u stage(s) still running after %.1fs: SIGKILL",
					     live_stages(sv), ms_to_s(sv->conf->kill_grace_ms));
				signal_all(sv, SIGKILL);
				sv->shutdown_kill_ns = now + sv->conf->kill_grace_ms * NS_PER_MS;
			}
		} else {
			if (advance_drain(sv)) {
				gcb_log_info("drained: every fetched event was delivered");
				return GCB_DAEMON_EXIT_OK;
			}
			if (sv->drain_phase != 0 && now > sv->drain_deadline_ns) {
				gcb_log_error("drain incomplete after %.0fs (stuck in the %s "
					      "phase): stopping; the rings are kept for the next "
					      "start",
					      ms_to_s(sv->conf->drain_timeout_ms),
					      sv->drain_phase == GCB_STAGE_KIND_FETCHER ? "fetcher"
					      : sv->drain_phase == GCB_STAGE_KIND_VALIDATOR
						      ? "validator"
						      : "producer");
				start_shutdown(sv, GCB_DAEMON_EXIT_UNDRAINED);
				continue;
			}
			watchdog(sv, now);
			spawn_due(sv, now);
			if (sv->conf->tick != NULL)
				sv->conf->tick(&sv->shm, sv->conf->tick_arg);
		}
		(void)poll(pfd, npfd, LOOP_TICK_MS);
		if (sv->conf->io_ready != NULL)
			sv->conf->io_ready(sv->conf->io_arg);
	}
}

int gcb_supervisor_run(const gcb_supervisor_conf_t *conf)
{
	gcb_supervisor_t sv;
	char err[256];
	int rc, code;

	memset(&sv, 0, sizeof(sv));
	sv.conf = conf;
	sv.sfd = -1;
	gcb_log_set_stage("supervisor");

	rc = setup_signals(&sv);
	if (rc != 0) {
		gcb_log_error("signalfd() failed: %s", strerror(-rc));
		return GCB_DAEMON_EXIT_ERROR;
	}
	rc = gcb_instance_open(&sv.shm, conf, err, sizeof(err));
	if (rc != 0) {
		gcb_log_error("%s", err);
		close(sv.sfd);
		return rc == -EBUSY || rc == -EPERM ? GCB_DAEMON_EXIT_FATAL : GCB_DAEMON_EXIT_ERROR;
	}
	sv.nstages = gcb_instance_stage_count(conf);
	publish_log_level(&sv);
	for (unsigned i = 0; i < sv.nstages; i++)
		spawn(&sv, i);
	gcb_log_info("running instance \"%s\": fetcher, %u validator(s), producer", conf->instance,
		     conf->validators);

	code = loop(&sv);
	if (conf->tick != NULL)
		conf->tick(&sv.shm, conf->tick_arg); /* the last word on the counters */

	/*
	 * The segment outlives the daemon only when that is the point: after
	 * exit 3 (stopped before the rings drained) the next start re-attaches
	 * it and sends what it holds without fetching it again, as after a
	 * killed supervisor. A permanent error (exit 2) needs a person and most
	 * likely a new configuration, so it leaves nothing behind: whatever the
	 * rings held was not acknowledged, hence is after the checkpoint the
	 * fetcher stored on its way out, and is fetched again.
	 */
	if (code == GCB_DAEMON_EXIT_OK) {
		if (conf->after_drain != NULL)
			conf->after_drain(&sv.shm, conf->drain_arg);
		(void)gcb_shm_unlink(conf->instance);
	} else if (code == GCB_DAEMON_EXIT_FATAL) {
		uint64_t held = gcb_instance_bytes_in_rings(&sv.shm);

		(void)gcb_shm_unlink(conf->instance);
		if (held != 0)
			gcb_log_info("segment %s removed; the %llu bytes its rings held are "
				     "fetched again from the checkpoint by the next start",
				     sv.shm.path, (unsigned long long)held);
		else
			gcb_log_info("segment %s removed", sv.shm.path);
	} else {
		atomic_store(&gcb_shm_pipeline(&sv.shm)->draining, 0);
		gcb_log_info("segment %s kept: it is re-attached by the next start",
			     sv.shm.path);
	}
	atomic_store(&sv.shm.hdr->supervisor_pid, 0);
	gcb_shm_detach(&sv.shm);
	close(sv.sfd);
	sigprocmask(SIG_UNBLOCK, &sv.blocked, NULL);
	return code;
}

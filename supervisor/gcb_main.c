/*
 * gcbridge: Genesys Cloud events into Kafka.
 *
 *   gcbridge [-c FILE]          run (no file: the embedded default)
 *   gcbridge -c FILE --check-config
 *   gcbridge -c FILE --skip-stalled-answer [--next-cursor CURSOR]
 *   gcbridge --version | --help
 *
 * Exit codes: 0 drained and stopped; 1 could not start; 2 bad configuration
 * or a stage's permanent error (the segment is removed); 3 stopped before the
 * rings were empty (they are kept and re-attached by the next start).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "lib/gcb_clock.h"
#include "stages/notif/gcb_backfill.h"
#include "stages/notif/gcb_backfill_request.h"
#include "stages/notif/gcb_preflight.h"
#include "supervisor/gcb_config.h"
#include "supervisor/gcb_embedded.h"
#include "supervisor/gcb_health.h"
#include "lib/gcb_log.h"
#include "supervisor/gcb_metrics.h"
#include "supervisor/gcb_notify.h"
#include "supervisor/gcb_pipeline.h"
#include "supervisor/gcb_progress.h"
#include "supervisor/gcb_supervisor.h"
#include "supervisor/gcb_topics.h"

#ifndef GCB_VERSION
#define GCB_VERSION "0.1.0"
#endif

/* Readiness: a heartbeat older than this (or than watchdog.timeout, if
 * shorter) means the stage is not up; records in flight with no Kafka
 * acknowledgement for KAFKA_STALL_MS mean Kafka is unreachable. */
#define READY_HEARTBEAT_MS 5000u
#define KAFKA_STALL_MS	   15000u

static struct {
	gcb_config_t cfg;
	const char *path;
	gcb_embedded_t embedded;
	gcb_progress_t progress;
	gcb_supervisor_conf_t sv;
	gcb_metrics_t *metrics;
	gcb_health_t health;
	gcb_notify_t notify;
	gcb_topics_t topics;
} g_daemon;

static uint64_t ready_heartbeat_ms(const gcb_config_t *cfg)
{
	return cfg->watchdog.timeout_ms < READY_HEARTBEAT_MS ? (uint64_t)cfg->watchdog.timeout_ms
							     : READY_HEARTBEAT_MS;
}

/* The supervisor keys that SIGHUP may change (marked reloadable in the table). */
static void supervisor_timings(gcb_supervisor_conf_t *sv, const gcb_config_t *cfg)
{
	sv->restart_min_ms = (uint64_t)cfg->restart.min_interval_ms;
	sv->restart_max_ms = (uint64_t)cfg->restart.max_backoff_ms;
	sv->restart_stable_ms = (uint64_t)cfg->restart.stable_after_ms;
	sv->watchdog_ms = (uint64_t)cfg->watchdog.timeout_ms;
	sv->kill_grace_ms = (uint64_t)cfg->watchdog.kill_grace_ms;
	sv->drain_timeout_ms = (uint64_t)cfg->drain.timeout_ms;
}

/*
 * The process holds secrets (the client secret, tokens, passwords): no core
 * file may carry them away and no other process of the same user may read
 * its memory or /proc/PID/environ. Stages are forked and inherit both.
 * Under AddressSanitizer the process stays dumpable: LeakSanitizer inspects
 * it from a ptrace()ing helper, which a non-dumpable process refuses to
 * unprivileged users.
 */
static void protect_process(void)
{
	const struct rlimit none = {0, 0};

	if (setrlimit(RLIMIT_CORE, &none) != 0)
		fprintf(stderr, "gcbridge: setrlimit(RLIMIT_CORE) failed: %s\n", strerror(errno));
#ifndef __SANITIZE_ADDRESS__
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fprintf(stderr, "gcbridge: prctl(PR_SET_DUMPABLE) failed: %s\n", strerror(errno));
#endif
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gcbridge [-c FILE] [--check-config] [--preflight] [--progress] [--version]\n"
		"                [--help]\n"
		"       gcbridge [-c FILE] --skip-stalled-answer [--next-cursor CURSOR]\n"
		"       gcbridge [-c FILE] --backfill-from ISO --backfill-to ISO\n"
		"\n"
		"  -c, --config FILE   configuration file (INI); without one gcbridge runs its\n"
		"                      embedded default: simulator + embedded Kafka\n"
		"      --check-config  validate, print the effective configuration (secrets\n"
		"                      masked) and the Kafka topics to create, and exit 0;\n"
		"                      or print every problem and exit 2\n"
		"      --backfill-from ISO --backfill-to ISO\n"
		"                      request an on-demand backfill of that interval from the\n"
		"                      Analytics API into the backfill topic (notification\n"
		"                      source); taken by the running instance, or at its start\n"
		"      --preflight     check the org a start would meet (token, transports,\n"
		"                      org size and channels, permissions, analytics watermark)\n"
		"                      and print a report: exit 0 clean, 1 problems that lose\n"
		"                      data, 2 a start would be refused\n"
		"      --progress      print a live progress line on stderr\n"
		"      --skip-stalled-answer\n"
		"                      the source is stalled on an answer it cannot read: have\n"
		"                      the running gcbridge send that answer to the DLQ whole\n"
		"                      and continue after it (at the cursor the answer names,\n"
		"                      or --next-cursor CURSOR)\n"
		"      --version       print the version\n"
		"\n"
		"Signals: TERM/INT drain and stop (twice: stop now), HUP reload.\n"
		"HTTP on metrics.listen (default 127.0.0.1:9464): /metrics /healthz /readyz.\n"
		"Exit codes: 0 clean, 1 cannot start, 2 bad config or permanent error,\n"
		"            3 stopped before the rings drained (kept for the next start).\n");
}

/* Reload findings go to the log like every other line of a running daemon. */
static void report_to_log(void *opaque, gcb_config_severity_t severity, const char *msg)
{
	(void)opaque;
	if (severity == GCB_CONFIG_ERROR)
		gcb_log_error("reload: %s", msg);
	else if (severity == GCB_CONFIG_WARNING)
		gcb_log_warn("reload: %s", msg);
	else
		gcb_log_info("reload: %s", msg);
}

static void on_reload(void *arg)
{
	char err[512];
	int n;

	(void)arg;
	if (g_daemon.path == NULL)
		return;
	n = gcb_config_reload(&g_daemon.cfg, g_daemon.path, report_to_log, NULL, err,
			      sizeof(err));
	if (n < 0) {
		gcb_log_error("reload of %s failed, keeping the running configuration: %s",
			      g_daemon.path, err);
		return;
	}
	gcb_log_set_level((gcb_log_level_t)g_daemon.cfg.log.level);
	supervisor_timings(&g_daemon.sv, &g_daemon.cfg);
	g_daemon.health.heartbeat_max_ms = ready_heartbeat_ms(&g_daemon.cfg);
	gcb_log_info("reloaded %s: %d key(s) applied", g_daemon.path, n);
}

static void on_child_exit(int pid, int status, void *arg)
{
	(void)arg;
	gcb_embedded_on_exit(&g_daemon.embedded, pid, status);
}

/* The fetcher leaves first in a drain; store what Kafka acknowledged after. */
static void after_drain(const void *shm, void *arg)
{
	const gcb_pipeline_t *p = arg;
	char err[512];

	if (gcb_fetcher_checkpoint_final(&p->fetcher, (gcb_shm_t *)(uintptr_t)shm, err,
					 sizeof(err)) < 0)
		gcb_log_error("final checkpoint failed: %s", err);
}

static void on_tick(const void *shm, void *arg)
{
	(void)arg;
	gcb_progress_tick(&g_daemon.progress, shm);
	gcb_health_update(&g_daemon.health, shm);
	gcb_notify_tick(&g_daemon.notify, shm, &g_daemon.health);
	if (g_daemon.metrics != NULL)
		gcb_metrics_set_source(g_daemon.metrics, shm, &g_daemon.health);
}

static void on_io(void *arg)
{
	gcb_metrics_run(arg);
}

static void in_child(void *arg)
{
	gcb_metrics_close_in_child(arg);
}

/* The endpoint starts after the embedded services are forked (so they do
 * not inherit its socket); a bad address is a configuration error, a port
 * in use is not a reason to stop moving events. */
static int start_metrics(gcb_supervisor_conf_t *sv, char *err, size_t size)
{
	const char *listen = g_daemon.cfg.metrics.listen;

	if (listen == NULL || listen[0] == '\0')
		return 0;
	g_daemon.metrics = gcb_metrics_new(listen, GCB_VERSION, err, size);
	if (g_daemon.metrics == NULL && errno == EINVAL)
		return GCB_DAEMON_EXIT_FATAL;
	if (g_daemon.metrics == NULL) {
		/* Events matter more than their metrics: run on, loudly. */
		gcb_log_error("%s; running without /metrics, /healthz and /readyz", err);
		return 0;
	}
	gcb_log_info("metrics listening on %.*s:%u (/metrics /healthz /readyz)",
		     (int)(strrchr(listen, ':') - listen), listen,
		     gcb_metrics_port(g_daemon.metrics));
	gcb_metrics_set_insecure(g_daemon.metrics, g_daemon.cfg.insecure);
	sv->io_fd = gcb_metrics_fd(g_daemon.metrics);
	sv->io_ready = on_io;
	sv->in_child = in_child;
	sv->io_arg = g_daemon.metrics;
	return 0;
}

/* --skip-stalled-answer: a request the running fetcher carries out. */
static int skip_stalled_answer(int skip, const char *next_cursor)
{
	gcb_pipeline_t pipeline;
	char err[1024];
	int rc;

	if (!skip) {
		fprintf(stderr, "gcbridge: --next-cursor goes with --skip-stalled-answer\n");
		gcb_config_fini(&g_daemon.cfg);
		return GCB_DAEMON_EXIT_FATAL;
	}
	rc = gcb_pipeline_init(&pipeline, &g_daemon.cfg, &g_daemon.embedded, err, sizeof(err));
	if (rc == 0)
		rc = gcb_fetcher_request_skip(&pipeline.fetcher, g_daemon.cfg.instance.name,
					      next_cursor, stdout, err, sizeof(err));
	gcb_config_fini(&g_daemon.cfg);
	if (rc != 0) {
		fprintf(stderr, "gcbridge: --skip-stalled-answer: %s\n", err);
		return GCB_DAEMON_EXIT_FATAL;
	}
	return GCB_DAEMON_EXIT_OK;
}

/*
 * gcbridge --backfill-from ISO --backfill-to ISO: an on-demand historical
 * backfill, left as a request for the notification source of this
 * configuration's instance (stages/notif/gcb_backfill_request.h).
 */
static int backfill_request(const char *from, const char *to)
{
	uint64_t f = 0, t = 0;
	const char *why;
	char err[1024];

	if (from == NULL || to == NULL) {
		fprintf(stderr, "gcbridge: --backfill-from and --backfill-to go together\n");
		goto fail;
	}
	if (gcb_backfill_parse_iso_ms(from, &f) != 0 || gcb_backfill_parse_iso_ms(to, &t) != 0) {
		fprintf(stderr, "gcbridge: --backfill-from/--backfill-to: expected ISO-8601 UTC "
				"such as 2026-11-27T00:00:00Z, got \"%s\" / \"%s\"\n",
			from, to);
		goto fail;
	}
	if ((why = gcb_backfill_request_check(f, t, gcb_clock_real_ms())) != NULL) {
		fprintf(stderr, "gcbridge: --backfill-from/--backfill-to: %s\n", why);
		goto fail;
	}
	if (g_daemon.cfg.genesys.source != GCB_CONFIG_SOURCE_NOTIFICATIONS) {
		fprintf(stderr, "gcbridge: an on-demand backfill needs genesys.source = "
				"notifications\n");
		goto fail;
	}
	if (gcb_backfill_request_write(g_daemon.cfg.instance.state_dir, g_daemon.cfg.instance.name,
				       f, t, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcbridge: %s\n", err);
		gcb_config_fini(&g_daemon.cfg);
		return GCB_DAEMON_EXIT_ERROR;
	}
	printf("backfill of %s to %s requested: %s (taken by the running gcbridge of instance "
	       "%s, or at its next start)\n",
	       from, to, err, g_daemon.cfg.instance.name);
	gcb_config_fini(&g_daemon.cfg);
	return 0;
fail:
	gcb_config_fini(&g_daemon.cfg);
	return GCB_DAEMON_EXIT_FATAL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"check-config", no_argument, NULL, 'C'},
		{"preflight", no_argument, NULL, 'F'},
		{"backfill-from", required_argument, NULL, 'B'},
		{"backfill-to", required_argument, NULL, 'T'},
		{"progress", no_argument, NULL, 'P'},
		{"skip-stalled-answer", no_argument, NULL, 'S'},
		{"next-cursor", required_argument, NULL, 'N'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	gcb_supervisor_conf_t *sv = &g_daemon.sv;
	gcb_pipeline_t pipeline;
	char err[1024];
	int check_only = 0, preflight = 0, progress = 0, skip = 0, c, rc;
	const char *next_cursor = NULL, *bf_from = NULL, *bf_to = NULL;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': g_daemon.path = optarg; break;
		case 'C': check_only = 1; break;
		case 'F': preflight = 1; break;
		case 'B': bf_from = optarg; break;
		case 'T': bf_to = optarg; break;
		case 'P': progress = 1; break;
		case 'S': skip = 1; break;
		case 'N': next_cursor = optarg; break;
		case 'V': printf("gcbridge %s\n", GCB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return GCB_DAEMON_EXIT_FATAL;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return GCB_DAEMON_EXIT_FATAL;
	}

	protect_process();
	rc = gcb_config_load(&g_daemon.cfg, g_daemon.path, NULL, NULL, err, sizeof(err));
	/* Before anything is forked: no child inherits an env: secret. */
	gcb_config_secret_scrub_env();
	if (rc != 0) {
		fprintf(stderr, "gcbridge: configuration rejected: %s\n", err);
		gcb_config_fini(&g_daemon.cfg);
		return GCB_DAEMON_EXIT_FATAL;
	}
	gcb_log_setup("supervisor", (gcb_log_level_t)g_daemon.cfg.log.level,
		      (gcb_log_format_t)g_daemon.cfg.log.format);
	if (skip || next_cursor != NULL)
		return skip_stalled_answer(skip, next_cursor);
	if (bf_from != NULL || bf_to != NULL)
		return backfill_request(bf_from, bf_to);
	if (preflight) {
		/* The org as a start would meet it (stages/notif/gcb_preflight.c). */
		rc = gcb_pipeline_init(&pipeline, &g_daemon.cfg, &g_daemon.embedded, err,
				       sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "gcbridge: configuration rejected: %s\n", err);
			gcb_config_fini(&g_daemon.cfg);
			return GCB_DAEMON_EXIT_FATAL;
		}
		rc = gcb_preflight_run(&pipeline.fetcher, stdout);
		gcb_config_fini(&g_daemon.cfg);
		return rc;
	}
	rc = gcb_topics_collect(&g_daemon.topics, &g_daemon.cfg, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "gcbridge: configuration rejected: %s\n", err);
		gcb_config_fini(&g_daemon.cfg);
		return GCB_DAEMON_EXIT_FATAL;
	}
	if (check_only) {
		rc = gcb_pipeline_init(&pipeline, &g_daemon.cfg, &g_daemon.embedded, err,
				       sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "gcbridge: configuration rejected: %s\n", err);
			gcb_config_fini(&g_daemon.cfg);
			return GCB_DAEMON_EXIT_FATAL;
		}
		gcb_config_print(&g_daemon.cfg, stdout);
		gcb_topics_print(&g_daemon.topics, stdout);
		gcb_config_fini(&g_daemon.cfg);
		return 0;
	}

	rc = gcb_embedded_start(&g_daemon.embedded, &g_daemon.cfg, &g_daemon.topics, err,
				sizeof(err));
	if (rc != 0) {
		gcb_log_error("%s", err);
		gcb_config_fini(&g_daemon.cfg);
		return GCB_DAEMON_EXIT_ERROR;
	}
	rc = gcb_pipeline_init(&pipeline, &g_daemon.cfg, &g_daemon.embedded, err, sizeof(err));
	if (rc != 0) {
		gcb_log_error("configuration rejected: %s", err);
		gcb_embedded_stop(&g_daemon.embedded);
		gcb_config_fini(&g_daemon.cfg);
		return GCB_DAEMON_EXIT_FATAL;
	}
	gcb_progress_init(&g_daemon.progress, progress, &g_daemon.embedded,
			  g_daemon.cfg.instance.name);

	sv->instance = g_daemon.cfg.instance.name;
	sv->validators = (unsigned)g_daemon.cfg.pipeline.validators;
	sv->ring_size = (uint64_t)g_daemon.cfg.ring.size;
	sv->ring_max_record = (uint64_t)g_daemon.cfg.ring.max_record;
	supervisor_timings(sv, &g_daemon.cfg);
	sv->fetcher = gcb_pipeline_fetcher_main;
	sv->validator = gcb_pipeline_validator_main;
	sv->producer = gcb_pipeline_producer_main;
	sv->stage_arg = &pipeline;
	sv->reload = on_reload;
	sv->on_child_exit = on_child_exit;
	sv->tick = on_tick;
	sv->after_drain = after_drain;
	sv->drain_arg = &pipeline;
	gcb_health_init(&g_daemon.health, ready_heartbeat_ms(&g_daemon.cfg), KAFKA_STALL_MS);
	gcb_notify_init(&g_daemon.notify);
	rc = start_metrics(sv, err, sizeof(err));
	if (rc != 0) {
		gcb_log_error("%s", err);
		gcb_embedded_stop(&g_daemon.embedded);
		gcb_config_fini(&g_daemon.cfg);
		return rc;
	}

	rc = gcb_supervisor_run(sv);

	gcb_notify_stopping(&g_daemon.notify);
	gcb_notify_status(&g_daemon.notify, rc == GCB_DAEMON_EXIT_OK ? "stopped: drained"
					    : rc == GCB_DAEMON_EXIT_UNDRAINED
						    ? "stopped: rings kept for the next start"
						    : "stopped: see the log");
	gcb_metrics_destroy(g_daemon.metrics);
	g_daemon.metrics = NULL;
	gcb_progress_summary(&g_daemon.progress);
	gcb_embedded_stop(&g_daemon.embedded);
	gcb_config_fini(&g_daemon.cfg);
	return rc;
}

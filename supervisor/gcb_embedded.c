#include "supervisor/gcb_embedded.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_dir.h"
#include "shm/gcb_shm.h"
#include "lib/gcb_log.h"

#define START_TIMEOUT_MS 15000
#define MAX_ARGS         48
#define MAX_TOPICS       16 /* "--topic NAME" pairs that fit beside the fixed arguments */

/* Directory of /proc/self/exe: the sibling programs live there. */
static int exe_dir(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* buf = a + b; -ENAMETOOLONG rather than a truncated path. */
static int path_join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s%s", a, b);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static pid_t spawn_child(char *const argv[], const char *log_path)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* Child: dies with gcbridge, but not with a Ctrl-C meant for gcbridge
	 * (its own process group): it must outlive the drain that follows. */
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	execv(argv[0], argv);
	_exit(127);
}

/* Waits for path to hold one line; copies it without the newline. */
static int wait_for_line(const char *path, pid_t pid, char *out, size_t size)
{
	uint64_t deadline = gcb_clock_mono_ns() + START_TIMEOUT_MS * 1000000ull;

	while (gcb_clock_mono_ns() < deadline) {
		FILE *f = fopen(path, "re");

		if (f != NULL) {
			char *got = fgets(out, (int)size, f);

			fclose(f);
			if (got != NULL && strchr(out, '\n') != NULL) {
				out[strcspn(out, "\r\n")] = '\0';
				return 0;
			}
		}
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -ECHILD;
		usleep(20000);
	}
	return -ETIMEDOUT;
}

/* Appends "--topic NAME" for each topic gcbridge writes to (gcb_topics.h). */
static void add_topics(const gcb_topics_t *topics, char **argv, int *argc, int max_topics)
{
	for (size_t i = 0; i < topics->count && (int)i < max_topics; i++) {
		argv[(*argc)++] = "--topic";
		argv[(*argc)++] = (char *)topics->topic[i].name;
	}
}

static int start_sim(gcb_embedded_t *e, const gcb_config_t *cfg, const char *bindir)
{
	char prog[PATH_MAX], url_file[600], log[600], seed[32];
	char *argv[MAX_ARGS];
	int argc = 0, rc;

	if (path_join(prog, sizeof(prog), bindir, "/gcb-sim") != 0 ||
	    path_join(url_file, sizeof(url_file), e->dir, "/sim.url") != 0 ||
	    path_join(log, sizeof(log), e->dir, "/sim.log") != 0)
		return -ENAMETOOLONG;
	snprintf(seed, sizeof(seed), "--seed=%llu", (unsigned long long)gcb_clock_real_ms());
	unlink(url_file);
	argv[argc++] = prog;
	argv[argc++] = "--listen=127.0.0.1:0";
	argv[argc++] = (char *)"--port-file";
	argv[argc++] = url_file;
	argv[argc++] = "--client-id=" GCB_EMBEDDED_CLIENT_ID;
	argv[argc++] = "--client-secret=" GCB_EMBEDDED_CLIENT_SECRET;
	argv[argc++] = "--stream-id=" GCB_EMBEDDED_STREAM_ID;
	argv[argc++] = seed;
	/* A realistic contact centre: steady traffic, a few bad and drifted
	 * events so the dead-letter topic has something to show. */
	argv[argc++] = "--rate=2000";
	argv[argc++] = "--conversations=400";
	argv[argc++] = "--agents=200";
	argv[argc++] = "--fault-bad-event-rate=0.002";
	argv[argc++] = "--fault-drift-rate=0.002";
	if (cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS) {
		/* Notification traffic over WebSocket channels, with heartbeats
		 * often enough that a dead channel shows within seconds. */
		argv[argc++] = "--queues=20";
		argv[argc++] = "--notify-rate=20";
		argv[argc++] = "--heartbeat-interval=5";
	}
	argv[argc] = NULL;

	e->sim_pid = spawn_child(argv, log);
	if (e->sim_pid < 0)
		return -errno;
	rc = wait_for_line(url_file, e->sim_pid, e->sim_url, sizeof(e->sim_url));
	if (rc == 0)
		gcb_log_info("embedded Genesys simulator at %s (log %s)", e->sim_url, log);
	return rc;
}

static int start_kafka(gcb_embedded_t *e, const gcb_topics_t *topics, const char *bindir)
{
	char prog[PATH_MAX], boot_file[600], log[600];
	char *argv[MAX_ARGS];
	int argc = 0, rc;

	if (path_join(prog, sizeof(prog), bindir, "/gcb-kafka-mock") != 0 ||
	    path_join(boot_file, sizeof(boot_file), e->dir, "/kafka.bootstrap") != 0 ||
	    path_join(log, sizeof(log), e->dir, "/kafka.log") != 0 ||
	    path_join(e->kafka_ctl, sizeof(e->kafka_ctl), e->dir, "/kafka.ctl") != 0)
		return -ENAMETOOLONG;
	unlink(boot_file);
	unlink(e->kafka_ctl);
	argv[argc++] = prog;
	argv[argc++] = "--brokers";
	argv[argc++] = "3";
	/* The mock cluster keeps about 5 MiB per partition and drops older
	 * messages: enough partitions that a demo run keeps what it shows. */
	argv[argc++] = "--partitions";
	argv[argc++] = "24";
	argv[argc++] = "--bootstrap-file";
	argv[argc++] = boot_file;
	argv[argc++] = "--control";
	argv[argc++] = e->kafka_ctl;
	add_topics(topics, argv, &argc, MAX_TOPICS);
	argv[argc] = NULL;

	e->kafka_pid = spawn_child(argv, log);
	if (e->kafka_pid < 0)
		return -errno;
	rc = wait_for_line(boot_file, e->kafka_pid, e->bootstrap, sizeof(e->bootstrap));
	if (rc == 0)
		gcb_log_info("embedded Kafka (librdkafka mock cluster, 3 brokers) at %s (log %s)",
			     e->bootstrap, log);
	return rc;
}

/*
 * Every run starts a new simulator with a new stream, so a checkpoint or a
 * segment left by an earlier embedded run holds cursors it never issued:
 * the embedded default starts from a clean slate (it is a demonstration;
 * nothing real is discarded).
 */
static void discard_previous_run(const gcb_config_t *cfg)
{
	char path[PATH_MAX];
	int found = 0;

	if (snprintf(path, sizeof(path), "%s/%s.cursor", cfg->instance.state_dir,
		     cfg->instance.name) < (int)sizeof(path))
		found |= unlink(path) == 0;
	if (snprintf(path, sizeof(path), "%s/%s.stream", cfg->instance.state_dir,
		     cfg->instance.name) < (int)sizeof(path))
		found |= unlink(path) == 0;
	found |= gcb_shm_unlink(cfg->instance.name) == 0;
	if (found)
		gcb_log_info("embedded simulator: state of an earlier run discarded (its stream "
			     "no longer exists)");
}

int gcb_embedded_start(gcb_embedded_t *e, const gcb_config_t *cfg, const gcb_topics_t *topics,
		       char *errstr, size_t errstr_size)
{
	char bindir[PATH_MAX];
	int rc;

	memset(e, 0, sizeof(*e));
	if (!cfg->embedded_sim && !cfg->embedded_kafka)
		return 0;
	rc = exe_dir(bindir, sizeof(bindir));
	if (rc != 0) {
		snprintf(errstr, errstr_size, "readlink(/proc/self/exe) failed: %s", strerror(-rc));
		return rc;
	}
	if (path_join(e->dir, sizeof(e->dir), cfg->instance.state_dir, "/embedded") != 0) {
		snprintf(errstr, errstr_size, "instance.state_dir: path too long");
		return -ENAMETOOLONG;
	}
	if ((rc = gcb_dir_open_private(cfg->instance.state_dir, errstr, errstr_size)) < 0)
		return rc;
	close(rc);
	if ((rc = gcb_dir_open_private(e->dir, errstr, errstr_size)) < 0)
		return rc;
	close(rc);
	if (cfg->embedded_sim)
		discard_previous_run(cfg);
	if (cfg->embedded_sim && (rc = start_sim(e, cfg, bindir)) != 0) {
		snprintf(errstr, errstr_size,
			 "the embedded simulator (%s/gcb-sim) did not start: %s; see %s/sim.log",
			 bindir, strerror(-rc), e->dir);
		goto fail;
	}
	if (cfg->embedded_kafka && (rc = start_kafka(e, topics, bindir)) != 0) {
		snprintf(errstr, errstr_size,
			 "the embedded Kafka (%s/gcb-kafka-mock) did not start: %s; see "
			 "%s/kafka.log",
			 bindir, strerror(-rc), e->dir);
		goto fail;
	}
	return 0;
fail:
	gcb_embedded_stop(e);
	return rc;
}

static void stop_child(pid_t *pid)
{
	uint64_t deadline;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	deadline = gcb_clock_mono_ns() + 5000000000ull;
	while (waitpid(*pid, NULL, WNOHANG) == 0) {
		if (gcb_clock_mono_ns() > deadline) {
			kill(*pid, SIGKILL);
			waitpid(*pid, NULL, 0);
			break;
		}
		usleep(10000);
	}
	*pid = 0;
}

void gcb_embedded_stop(gcb_embedded_t *e)
{
	stop_child(&e->sim_pid);
	stop_child(&e->kafka_pid);
}

void gcb_embedded_on_exit(gcb_embedded_t *e, pid_t pid, int status)
{
	pid_t *slot = pid == e->sim_pid ? &e->sim_pid : pid == e->kafka_pid ? &e->kafka_pid : NULL;

	if (slot == NULL || pid <= 0)
		return;
	gcb_log_error("embedded %s (pid %d) exited (status 0x%x); the pipeline waits for it, "
		      "nothing is lost; restart gcbridge",
		      slot == &e->sim_pid ? "simulator" : "Kafka", (int)pid, status);
	*slot = 0;
}

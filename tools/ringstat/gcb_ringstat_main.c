/*
 * gcb-ringstat: inspect a gcbridge instance's shared-memory segment, live or
 * after a crash, without changing it: the segment is opened O_RDONLY and
 * mapped PROT_READ, so not one byte can be stored.
 *
 *   gcb-ringstat [options] INSTANCE|PATH
 *
 * Exit: 0 healthy, 1 degraded, 2 cannot attach (or bad usage).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm/gcb_shm.h"
#include "tools/ringstat/gcb_ringstat.h"

#define EXIT_HEALTHY  0
#define EXIT_DEGRADED 1
#define EXIT_NOATTACH 2

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

/*
 * The mapping covers the size the segment had at attach; if someone shrinks
 * the file later, touching the lost pages raises SIGBUS. Say so and leave
 * with the cannot-attach status rather than dump core.
 */
static void on_sigbus(int sig)
{
	static const char msg[] = "gcb-ringstat: the segment shrank while mapped (SIGBUS)\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(EXIT_NOATTACH);
	_exit(EXIT_NOATTACH);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: gcb-ringstat [options] INSTANCE|PATH\n"
	    "  INSTANCE is looked up as /dev/shm/gcbridge-INSTANCE; an argument with '/' is a "
	    "path.\n"
	    "  --json               one JSON document (with --watch: one per line)\n"
	    "  --watch SECONDS      refresh every SECONDS (fractions allowed), with rates\n"
	    "  --count N            --watch: stop after N refreshes; --dump: records (0: all)\n"
	    "  --dump RING          print the records of RING (name or index) from release\n"
	    "  --bytes N            --dump: payload bytes shown per record (default 64)\n"
	    "  --stall-seconds S    consumer stalled after S s without progress (default 5)\n"
	    "  --hung-seconds S     a live process with an older heartbeat is hung (default 5)\n"
	    "  --wait-ms MS         wait for a segment still being created (default 1000)\n"
	    "exit status: 0 healthy, 1 degraded, 2 cannot attach or bad usage\n");
}

static int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static int attach(gcb_shm_t *shm, const char *target, int wait_ms, struct stat *sb)
{
	char err[512];
	int rc = gcb_shm_attach(shm, target, 1, wait_ms, err, sizeof(err));

	if (rc != 0) {
		fprintf(stderr, "gcb-ringstat: %s\n", err);
		return rc;
	}
	if (stat(shm->path, sb) != 0)
		memset(sb, 0, sizeof(*sb));
	return 0;
}

static void sleep_seconds(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s,
			      .tv_nsec = (long)((s - (double)(time_t)s) * 1e9)};

	/* A signal ends the sleep early; g_stop then ends the loop. */
	(void)nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"watch", required_argument, NULL, 'w'},
	    {"count", required_argument, NULL, 'c'},
	    {"dump", required_argument, NULL, 'd'},
	    {"bytes", required_argument, NULL, 'b'},
	    {"stall-seconds", required_argument, NULL, 's'},
	    {"hung-seconds", required_argument, NULL, 'H'},
	    {"wait-ms", required_argument, NULL, 'W'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	gcb_ringstat_opts_t opts = {.stall_seconds = 5.0, .hung_seconds = 5.0};
	gcb_ringstat_snap_t snaps[2];
	gcb_ringstat_snap_t *cur = &snaps[0], *prev = NULL;
	const char *dump = NULL, *target;
	double watch = -1, wait_s = 1.0;
	uint64_t count = 0, bytes = 64, n;
	int json = 0, have_count = 0, c, rc, tty, status = EXIT_HEALTHY;
	struct sigaction sa;
	struct stat sb, now;
	gcb_shm_t shm;

	while ((c = getopt_long(argc, argv, "jw:c:d:b:s:H:W:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'w':
			if (parse_double(optarg, &watch) != 0)
				goto bad_usage;
			break;
		case 'c':
			if (parse_u64(optarg, &count) != 0)
				goto bad_usage;
			have_count = 1;
			break;
		case 'd':
			dump = optarg;
			break;
		case 'b':
			if (parse_u64(optarg, &bytes) != 0)
				goto bad_usage;
			break;
		case 's':
			if (parse_double(optarg, &opts.stall_seconds) != 0)
				goto bad_usage;
			break;
		case 'H':
			if (parse_double(optarg, &opts.hung_seconds) != 0)
				goto bad_usage;
			break;
		case 'W':
			if (parse_double(optarg, &wait_s) != 0 || wait_s > 3600)
				goto bad_usage;
			wait_s /= 1000.0;
			break;
		case 'h':
			usage(stdout);
			return EXIT_HEALTHY;
		default:
			goto bad_usage;
		}
	}
	if (optind + 1 != argc || (dump != NULL && (watch >= 0 || json)))
		goto bad_usage;
	target = argv[optind];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	if (attach(&shm, target, (int)(wait_s * 1000), &sb) != 0)
		return EXIT_NOATTACH;

	if (dump != NULL) {
		rc = gcb_ringstat_dump(stdout, &shm, dump, have_count ? count : 20, bytes);
		gcb_shm_detach(&shm);
		return rc;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tty = isatty(STDOUT_FILENO);
	if (watch < 0)
		count = 1;

	for (n = 0; !g_stop && (count == 0 || n < count); n++) {
		if (n > 0) {
			sleep_seconds(watch);
			if (g_stop)
				break;
			/* The instance may have stopped (name gone) or been
			 * started again (a new segment under the same name). */
			if (stat(shm.path, &now) != 0) {
				fprintf(stderr, "gcb-ringstat: %s was removed\n", shm.path);
				status = EXIT_NOATTACH;
				break;
			}
			if (now.st_ino != sb.st_ino || now.st_dev != sb.st_dev) {
				gcb_shm_detach(&shm);
				if (prev != NULL)
					gcb_ringstat_snap_fini(prev);
				prev = NULL;
				if (attach(&shm, target, (int)(wait_s * 1000), &sb) != 0)
					return EXIT_NOATTACH;
			}
		}
		if (gcb_ringstat_snap_take(cur, &shm, prev, &opts) != 0) {
			fprintf(stderr, "gcb-ringstat: out of memory\n");
			status = EXIT_NOATTACH;
			break;
		}
		if (json) {
			gcb_ringstat_print_json(stdout, cur, watch < 0);
		} else {
			if (watch >= 0 && tty)
				fputs("\033[H\033[2J", stdout);
			else if (n > 0)
				fputs("\n", stdout);
			gcb_ringstat_print_text(stdout, cur);
		}
		fflush(stdout);
		status = cur->degraded ? EXIT_DEGRADED : EXIT_HEALTHY;
		if (prev != NULL)
			gcb_ringstat_snap_fini(prev);
		prev = cur;
		cur = cur == &snaps[0] ? &snaps[1] : &snaps[0];
	}
	if (prev != NULL)
		gcb_ringstat_snap_fini(prev);
	gcb_shm_detach(&shm);
	return status;

bad_usage:
	usage(stderr);
	return EXIT_NOATTACH;
}

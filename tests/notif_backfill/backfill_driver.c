/*
 * Test driver for the gap backfill: the gap log and gcb_backfill over real
 * HTTP (the fetcher's libcurl handle and token manager) against a server on
 * 127.0.0.1, with io->emit appending one line per message to a file and
 * io->sync fsyncing it; the event loop the fetcher runs, reduced to the
 * backfill.
 *
 *   backfill-driver --api URL --login URL --client-id ID --secret-file F
 *       --state-dir D --instance NAME --out FILE [--gap START_MS,END_MS]...
 *       [--pad-ms MS] [--poll-ms MS] [--backoff-base-ms MS] [--backoff-cap-ms MS]
 *       [--disabled] [--crash-after-pages N] [--enospc-every N]
 *       [--max-seconds S] [--counters-out F]
 *
 * --gap opens and closes a gap when the log holds none (a first run).
 * --crash-after-pages N: SIGKILLs itself at the N-th page sync (before that
 * page's cursor is saved). Exit 0 when no closed gap is left (or backfill
 * is disabled), 3 on timeout, 2 on a usage or startup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "lib/gcb_http.h"
#include "stages/source/gcb_token.h"
#include "stages/notif/gcb_backfill.h"
#include "stages/notif/gcb_gaps.h"
#include "lib/gcb_log.h"

#define MAX_GAPS 8

static struct {
	const char *api, *login, *client_id, *secret_file, *state_dir, *instance, *out;
	const char *counters_out;
	uint64_t gap_start[MAX_GAPS], gap_end[MAX_GAPS];
	unsigned ngaps;
	gcb_backfill_conf_t conf;
	unsigned crash_after_pages;
	unsigned enospc_every;
	unsigned max_seconds;
} opt = {
    .conf = {.enabled = 1,
	     .pad_ms = 0,
	     .poll_interval_ms = 100,
	     .backoff_base_ms = 100,
	     .backoff_cap_ms = 2000},
    .max_seconds = 40,
};

static struct {
	gcb_http_t api_http, token_http;
	gcb_token_t token;
	char secret[512];
	int out_fd;
	unsigned emits, syncs;
	_Atomic uint64_t counters[GCB_NC_END];
	char url[8192];
} d;

static int io_call(void *arg, const char *method, const char *path, const char *body,
		   size_t body_len, const gcb_http_resp_t **resp)
{
	gcb_http_req_t req = {
	    .method = method,
	    .url = d.url,
	    .content_type = body != NULL ? "application/json" : NULL,
	    .body = body,
	    .body_len = body_len,
	    .timeout_ms = 10000,
	};
	const char *token;
	int rc;

	(void)arg;
	if (snprintf(d.url, sizeof(d.url), "%s%s", opt.api, path) >= (int)sizeof(d.url))
		return -ENAMETOOLONG;
	for (int attempt = 0;; attempt++) {
		if ((rc = gcb_token_get(&d.token, &token)) != 0)
			return rc == -EACCES || rc == -EAGAIN ? -EIO : rc;
		req.bearer = token;
		if ((rc = gcb_http_perform(&d.api_http, &req)) != 0) {
			atomic_fetch_add(&d.counters[GCB_SC_TRANSPORT_ERRORS], 1);
			return rc;
		}
		*resp = &d.api_http.resp;
		if (d.api_http.resp.status != 401 || attempt == 1)
			return 0;
		atomic_fetch_add(&d.counters[GCB_SC_HTTP_401], 1);
		gcb_token_invalidate(&d.token);
	}
}

static int io_emit(void *arg, const char *msg, size_t len)
{
	(void)arg;
	d.emits++;
	if (opt.enospc_every && d.emits % opt.enospc_every == 0)
		return -ENOSPC;
	if (memchr(msg, '\n', len) != NULL) {
		gcb_log_error("message contains a newline");
		return -EINVAL;
	}
	if (write(d.out_fd, msg, len) != (ssize_t)len || write(d.out_fd, "\n", 1) != 1)
		return -errno;
	return 0;
}

static int io_sync(void *arg)
{
	(void)arg;
	d.syncs++;
	if (opt.crash_after_pages && d.syncs == opt.crash_after_pages) {
		fdatasync(d.out_fd);
		gcb_log_info("crashing on purpose at page %u", d.syncs);
		raise(SIGKILL);
	}
	return fdatasync(d.out_fd) == 0 ? 0 : -errno;
}

static void write_counters(void)
{
	unsigned n;
	const gcb_counter_def_t *defs = gcb_counters_of_kind(GCB_STAGE_KIND_FETCHER, &n);
	FILE *f;

	if (opt.counters_out == NULL || (f = fopen(opt.counters_out, "w")) == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s=%" PRIu64 "\n", defs[i].name, atomic_load(&d.counters[i]));
	fclose(f);
}

static int read_secret(void)
{
	FILE *f = fopen(opt.secret_file, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(d.secret, 1, sizeof(d.secret) - 1, f);
	fclose(f);
	while (n > 0 && (d.secret[n - 1] == '\n' || d.secret[n - 1] == '\r'))
		n--;
	d.secret[n] = '\0';
	return n > 0 ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: backfill-driver --api URL --login URL --client-id ID "
			"--secret-file F --state-dir D --instance NAME --out FILE [options]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"api", 1, NULL, 'a'},
	    {"login", 1, NULL, 'l'},
	    {"client-id", 1, NULL, 'c'},
	    {"secret-file", 1, NULL, 's'},
	    {"state-dir", 1, NULL, 'd'},
	    {"instance", 1, NULL, 'i'},
	    {"out", 1, NULL, 'o'},
	    {"gap", 1, NULL, 'g'},
	    {"pad-ms", 1, NULL, 'p'},
	    {"poll-ms", 1, NULL, 'P'},
	    {"backoff-base-ms", 1, NULL, 'b'},
	    {"backoff-cap-ms", 1, NULL, 'B'},
	    {"disabled", 0, NULL, 'D'},
	    {"crash-after-pages", 1, NULL, 'k'},
	    {"enospc-every", 1, NULL, 'e'},
	    {"max-seconds", 1, NULL, 'm'},
	    {"counters-out", 1, NULL, 'C'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'a':
			opt.api = optarg;
			break;
		case 'l':
			opt.login = optarg;
			break;
		case 'c':
			opt.client_id = optarg;
			break;
		case 's':
			opt.secret_file = optarg;
			break;
		case 'd':
			opt.state_dir = optarg;
			break;
		case 'i':
			opt.instance = optarg;
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'g':
			if (opt.ngaps == MAX_GAPS ||
			    sscanf(optarg, "%" SCNu64 ",%" SCNu64, &opt.gap_start[opt.ngaps],
				   &opt.gap_end[opt.ngaps]) != 2)
				usage();
			opt.ngaps++;
			break;
		case 'p':
			opt.conf.pad_ms = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			opt.conf.poll_interval_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			opt.conf.backoff_base_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'B':
			opt.conf.backoff_cap_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'D':
			opt.conf.enabled = 0;
			break;
		case 'k':
			opt.crash_after_pages = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'e':
			opt.enospc_every = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			opt.max_seconds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'C':
			opt.counters_out = optarg;
			break;
		default:
			usage();
		}
	}
	if (!opt.api || !opt.login || !opt.client_id || !opt.secret_file || !opt.state_dir ||
	    !opt.instance || !opt.out)
		usage();
}

int main(int argc, char **argv)
{
	gcb_http_opts_t hopts = {.connect_timeout_ms = 5000, .max_body = 64u << 20};
	gcb_backfill_io_t io = {.call = io_call, .emit = io_emit, .sync = io_sync};
	gcb_ckpt_t store;
	gcb_gaps_t gaps;
	gcb_backfill_t *b = NULL;
	char err[512];
	uint64_t deadline;
	int rc = 2;

	parse_args(argc, argv);
	gcb_log_setup("backfill-driver", GCB_LOG_INFO, GCB_LOG_LOGFMT);
	if (read_secret() != 0) {
		fprintf(stderr, "cannot read %s\n", opt.secret_file);
		return 2;
	}
	d.out_fd = open(opt.out, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (d.out_fd < 0 || gcb_http_global_init() != 0 ||
	    gcb_http_init(&d.api_http, &hopts, err, sizeof(err)) != 0 ||
	    gcb_http_init(&d.token_http, &hopts, err, sizeof(err)) != 0) {
		fprintf(stderr, "setup failed: %s\n", err);
		return 2;
	}
	gcb_token_init(&d.token, &d.token_http, opt.login, opt.client_id, d.secret, 300, 10000,
		       d.counters);
	if (gcb_ckpt_init(&store, opt.state_dir, opt.instance, err, sizeof(err)) != 0 ||
	    gcb_gaps_load(&gaps, &store, opt.instance, err, sizeof(err)) != 0) {
		gcb_log_error("%s", err);
		return 2;
	}
	if (gcb_gaps_pending(&gaps) == 0)
		for (unsigned i = 0; i < opt.ngaps; i++) {
			uint64_t id = gcb_gaps_open(&gaps, opt.gap_start[i], "closed", "");

			if (id == 0 || gcb_gaps_close(&gaps, id, opt.gap_end[i]) != 0)
				return 2;
			atomic_fetch_add(&d.counters[GCB_NC_GAPS_OPENED], 1);
		}
	if (gcb_backfill_new(&b, &opt.conf, &gaps, &store, opt.instance, &io, d.counters, err,
			     sizeof(err)) != 0) {
		gcb_log_error("%s", err);
		return 2;
	}
	deadline = gcb_clock_mono_ns() / 1000000 + (uint64_t)opt.max_seconds * 1000;
	for (;;) {
		uint64_t now = gcb_clock_mono_ns() / 1000000;
		int64_t wait = gcb_backfill_step(b, now);
		struct timespec ts;

		if (wait < 0) {
			gcb_log_info("no gap waits: %u gap(s) in the log", gcb_gaps_pending(&gaps));
			rc = 0;
			break;
		}
		if (now >= deadline) {
			gcb_log_error("timed out with %u gap(s) in the log",
				      gcb_gaps_pending(&gaps));
			rc = 3;
			break;
		}
		if (wait > 50)
			wait = 50;
		ts.tv_sec = 0;
		ts.tv_nsec = wait * 1000000L;
		if (wait > 0)
			nanosleep(&ts, NULL);
	}
	write_counters();
	gcb_backfill_free(b);
	gcb_gaps_fini(&gaps);
	gcb_ckpt_fini(&store);
	gcb_token_fini(&d.token);
	gcb_http_fini(&d.api_http);
	gcb_http_fini(&d.token_http);
	close(d.out_fd);
	return rc;
}

/*
 * gcb-sim: a Genesys Cloud simulator for tests and benchmarks. Serves the
 * OAuth token endpoint, the event-stream poll contract (docs/genesys-api.md), and
 * the org, notification (WebSocket) and analytics APIs (C, D) on 127.0.0.1
 * with seeded traffic and fault injection. See docs/sim.md.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_log.h"
#include "tools/sim/gcb_sim_analytics.h"
#include "tools/sim/gcb_sim_auth.h"
#include "tools/sim/gcb_sim_fault.h"
#include "tools/sim/gcb_sim_http.h"
#include "tools/sim/gcb_sim_notif.h"
#include "tools/sim/gcb_sim_notif_gen.h"
#include "tools/sim/gcb_sim_org.h"
#include "tools/sim/gcb_sim_store.h"
#include "tools/sim/gcb_sim_stream.h"

static void usage(FILE *f)
{
	fputs("Usage: gcb-sim [OPTIONS]   (--help: this text)\n"
	      "\n"
	      "Genesys Cloud simulator: serves POST /oauth/token and the event-stream poll\n"
	      "contract (/api/v2/eventstreams...) on 127.0.0.1 with seeded, realistic traffic\n"
	      "and fault injection. Prints its base URL (http://127.0.0.1:PORT) as the first\n"
	      "line on stdout. SIGTERM/SIGINT stop it cleanly (logs flushed, exit 0).\n"
	      "\n"
	      "Server:\n"
	      "  --listen=127.0.0.1:PORT   address (only 127.0.0.1; port 0 = ephemeral; default\n"
	      "                            127.0.0.1:0)\n"
	      "  --port-file=FILE          also write the base URL to FILE (atomically)\n"
	      "  --max-connections=N       concurrent connections (default 256)\n"
	      "  --log-level=LEVEL         error|warn|info|debug (default info; on stderr)\n"
	      "\n"
	      "Auth:\n"
	      "  --client-id=ID            OAuth client id (env GCB_SIM_CLIENT_ID; default\n"
	      "                            gcb-sim-client)\n"
	      "  --client-secret=SECRET    OAuth client secret (env GCB_SIM_CLIENT_SECRET;\n"
	      "                            default gcb-sim-secret)\n"
	      "  --expires-in=S            token lifetime in seconds (default 86400)\n"
	      "\n"
	      "Streams and traffic:\n"
	      "  --stream-id=ID            create an unfiltered stream ID (all event types);\n"
	      "                            repeatable (up to 16), ids of [A-Za-z0-9._-]\n"
	      "  --seed=N                  seed of all randomness (default 1)\n"
	      "  --rate=EV_PER_S           events generated per second (default 0 = on demand:\n"
	      "                            as fast as clients poll)\n"
	      "  --count=N                 stop generating after N events (default -1 =\n"
	      "                            unlimited; 0 = only via /admin/generate)\n"
	      "  --retention=N             events kept for polling (default 100000); older\n"
	      "                            cursors get 410 cursor.expired\n"
	      "  --conversations=N         concurrent conversations (default 64)\n"
	      "  --agents=N                agents (default 32)\n"
	      "  --queues=N                queues (default 6)\n"
	      "  --start-time=ISO|MS       virtual clock start for eventTimestamp, e.g.\n"
	      "                            2026-11-27T10:00:00Z or Unix ms (default: now)\n"
	      "\n"
	      "Notifications and analytics (docs/genesys-api.md, docs/notifications.md):\n"
	      "  --queues and --agents also size the org: GET /api/v2/routing/queues, /users\n"
	      "  --notify-rate=CONV_PER_S  conversations started per second on the notification\n"
	      "                            side (default 0 = only POST /admin/notify/generate)\n"
	      "  --notify-retention=N      conversations kept for analytics (default 1000000)\n"
	      "  --heartbeat-interval=S    WebSocket heartbeat period, fractions allowed\n"
	      "                            (default 30)\n"
	      "  --channel-ttl=S           channel lifetime (default 86400)\n"
	      "  --socket-closing-grace=S  socket-closing: close this long after the notice\n"
	      "                            (default 5)\n"
	      "  --ws-queue=N              messages queued per socket before dropping (default\n"
	      "                            4096)\n"
	      "  --ws-stall-timeout=S      close a socket whose queue stays full this long\n"
	      "                            (default 10)\n"
	      "  --ws-write-delay=S        hold each message this long in its socket's queue\n"
	      "                            before writing it (a slow path to the client;\n"
	      "                            default 0)\n"
	      "  --ws-read-lag=S           read what a client sends at most this often (a\n"
	      "                            busy server: pongs and close replies come late;\n"
	      "                            default 0)\n"
	      "  --analytics-page=N        conversations per job result page (default 100)\n"
	      "  --analytics-job-ttl=S     analytics jobs expire after S (default 3600)\n"
	      "  --models=FILE             fill notification bodies from the Genesys model\n"
	      "                            table (tests/fixtures/genesys/models.json): absent\n"
	      "                            fields added at random, now and then an unknown\n"
	      "                            field or an undocumented enum value\n"
	      "  --models-fill=P           chance an absent model field is added (default 0.5)\n"
	      "  --models-drift=P          chance per message of an unknown field, per field of\n"
	      "                            an undocumented enum value (default 0.02)\n"
	      "\n"
	      "Rate-limit headers (inin-ratelimit-allowed/count/reset on every answer):\n"
	      "  --ratelimit-allowed=N     requests allowed per window (default 100000)\n"
	      "  --ratelimit-window=S      window length in seconds (default 60)\n"
	      "  --ratelimit-enforce       answer 429 (Retry-After = reset) beyond the budget\n"
	      "  --x-ratelimit-remaining   also send X-RateLimit-Remaining (allowed - count)\n"
	      "\n"
	      "Faults (also settable at run time: POST /admin/faults?NAME=VALUE):\n",
	      f);
	fputs(gcb_sim_fault_help, f);
	fputs("\n"
	      "Observability:\n"
	      "  --served-log=FILE         append \"id\\tentityType\\tentityId\\tsequence\" per "
	      "event\n"
	      "                            delivered in a complete 200 poll answer\n"
	      "  --request-log=FILE        append \"startMs\\tendMs\\tmethod\\tpath\\tstatus\\t\n"
	      "                            retryAfter\\tevents\" per API request (CLOCK_MONOTONIC "
	      "ms)\n"
	      "  --events-log=FILE         append every generated event as one JSON line\n"
	      "  --notify-record=FILE      append every published notification message as one\n"
	      "                            line (POST /admin/notify/replay?file=FILE sends them\n"
	      "                            again, at full speed)\n"
	      "  Logs are buffered; flushed on exit, GET /admin/stats and POST /admin/flush.\n"
	      "\n"
	      "Admin API (no auth): GET /admin/stats, GET|POST /admin/faults, POST /admin/revoke,\n"
	      "POST /admin/generate?count=N, POST /admin/evict?count=N|all=1,\n"
	      "GET /admin/events?from=POS&limit=N, POST /admin/flush,\n"
	      "POST /admin/notify?action=A&channel=ID|all,\n"
	      "POST /admin/notify/org?queues=N&users=M,\n"
	      "POST /admin/notify/generate?count=N[&life-ms=MS], GET "
	      "/admin/notify/conversations|sent|stats.\n"
	      "See docs/sim.md.\n",
	      f);
}

enum {
	OPT_LISTEN = 1000,
	OPT_PORT_FILE,
	OPT_MAX_CONN,
	OPT_LOG_LEVEL,
	OPT_CLIENT_ID,
	OPT_CLIENT_SECRET,
	OPT_EXPIRES_IN,
	OPT_STREAM_ID,
	OPT_SEED,
	OPT_RATE,
	OPT_COUNT,
	OPT_RETENTION,
	OPT_CONVS,
	OPT_AGENTS,
	OPT_QUEUES,
	OPT_START_TIME,
	OPT_RL_ALLOWED,
	OPT_RL_WINDOW,
	OPT_RL_ENFORCE,
	OPT_X_REMAINING,
	OPT_SERVED_LOG,
	OPT_REQUEST_LOG,
	OPT_EVENTS_LOG,
	OPT_NOTIFY_RECORD,
	OPT_HELP,
	OPT_NOTIFY_RATE,
	OPT_NOTIFY_RETENTION,
	OPT_HEARTBEAT,
	OPT_CHANNEL_TTL,
	OPT_CLOSING_GRACE,
	OPT_WS_QUEUE,
	OPT_WS_STALL,
	OPT_WS_WRITE_DELAY,
	OPT_WS_READ_LAG,
	OPT_ANALYTICS_PAGE,
	OPT_ANALYTICS_JOB_TTL,
	OPT_MODELS,
	OPT_MODELS_FILL,
	OPT_MODELS_DRIFT,
	OPT_FAULT = 2000,
};

static const struct option longopts[] = {
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"port-file", required_argument, NULL, OPT_PORT_FILE},
    {"max-connections", required_argument, NULL, OPT_MAX_CONN},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"client-id", required_argument, NULL, OPT_CLIENT_ID},
    {"client-secret", required_argument, NULL, OPT_CLIENT_SECRET},
    {"expires-in", required_argument, NULL, OPT_EXPIRES_IN},
    {"stream-id", required_argument, NULL, OPT_STREAM_ID},
    {"seed", required_argument, NULL, OPT_SEED},
    {"rate", required_argument, NULL, OPT_RATE},
    {"count", required_argument, NULL, OPT_COUNT},
    {"retention", required_argument, NULL, OPT_RETENTION},
    {"conversations", required_argument, NULL, OPT_CONVS},
    {"agents", required_argument, NULL, OPT_AGENTS},
    {"queues", required_argument, NULL, OPT_QUEUES},
    {"start-time", required_argument, NULL, OPT_START_TIME},
    {"ratelimit-allowed", required_argument, NULL, OPT_RL_ALLOWED},
    {"ratelimit-window", required_argument, NULL, OPT_RL_WINDOW},
    {"ratelimit-enforce", no_argument, NULL, OPT_RL_ENFORCE},
    {"x-ratelimit-remaining", no_argument, NULL, OPT_X_REMAINING},
    {"served-log", required_argument, NULL, OPT_SERVED_LOG},
    {"request-log", required_argument, NULL, OPT_REQUEST_LOG},
    {"events-log", required_argument, NULL, OPT_EVENTS_LOG},
    {"notify-record", required_argument, NULL, OPT_NOTIFY_RECORD},
    {"help", no_argument, NULL, OPT_HELP},
    {"notify-rate", required_argument, NULL, OPT_NOTIFY_RATE},
    {"notify-retention", required_argument, NULL, OPT_NOTIFY_RETENTION},
    {"heartbeat-interval", required_argument, NULL, OPT_HEARTBEAT},
    {"channel-ttl", required_argument, NULL, OPT_CHANNEL_TTL},
    {"socket-closing-grace", required_argument, NULL, OPT_CLOSING_GRACE},
    {"ws-queue", required_argument, NULL, OPT_WS_QUEUE},
    {"ws-stall-timeout", required_argument, NULL, OPT_WS_STALL},
    {"ws-write-delay", required_argument, NULL, OPT_WS_WRITE_DELAY},
    {"ws-read-lag", required_argument, NULL, OPT_WS_READ_LAG},
    {"analytics-page", required_argument, NULL, OPT_ANALYTICS_PAGE},
    {"analytics-job-ttl", required_argument, NULL, OPT_ANALYTICS_JOB_TTL},
    {"models", required_argument, NULL, OPT_MODELS},
    {"models-fill", required_argument, NULL, OPT_MODELS_FILL},
    {"models-drift", required_argument, NULL, OPT_MODELS_DRIFT},
    {"fault-429-every", required_argument, NULL, OPT_FAULT},
    {"fault-429-rate", required_argument, NULL, OPT_FAULT},
    {"fault-429-storm", required_argument, NULL, OPT_FAULT},
    {"fault-retry-after", required_argument, NULL, OPT_FAULT},
    {"fault-5xx-rate", required_argument, NULL, OPT_FAULT},
    {"fault-5xx-codes", required_argument, NULL, OPT_FAULT},
    {"fault-401-rate", required_argument, NULL, OPT_FAULT},
    {"fault-delay-ms", required_argument, NULL, OPT_FAULT},
    {"fault-delay-rate", required_argument, NULL, OPT_FAULT},
    {"fault-garbage-rate", required_argument, NULL, OPT_FAULT},
    {"fault-410-rate", required_argument, NULL, OPT_FAULT},
    {"fault-bad-event-rate", required_argument, NULL, OPT_FAULT},
    {"fault-drift-rate", required_argument, NULL, OPT_FAULT},
    {"fault-scope", required_argument, NULL, OPT_FAULT},
    {"fault-channel-ttl", required_argument, NULL, OPT_FAULT},
    {"fault-analytics-429-every", required_argument, NULL, OPT_FAULT},
    {"fault-analytics-fail-every", required_argument, NULL, OPT_FAULT},
    {"fault-analytics-job-delay-ms", required_argument, NULL, OPT_FAULT},
    {"fault-analytics-lag-ms", required_argument, NULL, OPT_FAULT},
    {"fault-subscribe-reject-rate", required_argument, NULL, OPT_FAULT},
    {"fault-channel-outlives-token", required_argument, NULL, OPT_FAULT},
    {"fault-detail-events-eventbridge-only", required_argument, NULL, OPT_FAULT},
    {"fault-missing-permissions", required_argument, NULL, OPT_FAULT},
    {NULL, 0, NULL, 0},
};

static int parse_ll(const char *v, long long lo, long long hi, long long *out)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -EINVAL;
	*out = x;
	return 0;
}

static int parse_start_time(const char *v, int64_t *ms)
{
	long long x;

	if (parse_ll(v, 0, 1LL << 50, &x) == 0) {
		*ms = x;
		return 0;
	}
	return gcb_sim_notif_parse_iso(v, strlen(v), ms);
}

static int write_port_file(const char *path, const char *url)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	f = fopen(tmp, "w");
	if (!f) {
		gcb_log_error("fopen(%s) failed: %s", tmp, strerror(errno));
		return -errno;
	}
	fprintf(f, "%s\n", url);
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		gcb_log_error("writing %s failed: %s", path, strerror(errno));
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static int parse_secs(const char *v, double lo, double hi, double *out)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end || !(x >= lo && x <= hi))
		return -EINVAL;
	*out = x;
	return 0;
}

static FILE *open_log(const char *path)
{
	FILE *f;

	if (!path)
		return NULL;
	f = fopen(path, "a");
	if (!f)
		gcb_log_error("fopen(%s) failed: %s", path, strerror(errno));
	else
		setvbuf(f, NULL, _IOFBF, 1 << 16);
	return f;
}

#define FAULTS_MAX     32
#define STREAM_IDS_MAX 16

int main(int argc, char **argv)
{
	const char *client_id = getenv("GCB_SIM_CLIENT_ID");
	const char *client_secret = getenv("GCB_SIM_CLIENT_SECRET");
	const char *port_file = NULL, *stream_ids[STREAM_IDS_MAX];
	int nstream_ids = 0;
	const char *served_path = NULL, *request_path = NULL, *events_path = NULL;
	const char *record_path = NULL;
	FILE *record = NULL;
	const char *fault_names[FAULTS_MAX], *fault_values[FAULTS_MAX];
	int nfaults = 0, expires_in = 86400, rc = 2, sig;
	gcb_sim_store_conf_t sc = {0};
	gcb_sim_http_conf_t hc = {0};
	gcb_sim_store_t *store = NULL;
	gcb_sim_streams_t *streams = NULL;
	gcb_sim_auth_t *auth = NULL;
	gcb_sim_faults_t faults;
	gcb_sim_fault_conf_t fc;
	gcb_sim_server_t *srv = NULL;
	gcb_sim_notif_conf_t nc = {0};
	gcb_sim_analytics_conf_t ac = {0};
	gcb_sim_notif_gen_conf_t gc = {0};
	gcb_sim_model_conf_t mc = {.fill = 0.5, .drift = 0.02};
	const char *models_path = NULL;
	gcb_sim_org_t *org = NULL;
	gcb_sim_notif_t *notif = NULL;
	gcb_sim_analytics_t *analytics = NULL;
	gcb_sim_notif_gen_t *ngen = NULL;
	const char *channel_ttl = NULL;
	gcb_log_level_t level = GCB_LOG_INFO;
	char err[256], url[64];
	struct timespec now;
	sigset_t set;
	long long v;
	int opt, idx;
	int faults_inited = 0;

	gcb_log_setup("gcb-sim", GCB_LOG_INFO, GCB_LOG_LOGFMT);
	clock_gettime(CLOCK_REALTIME, &now);
	sc.gen.seed = 1;
	sc.gen.start_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	sc.gen.conversations = 64;
	sc.gen.agents = 32;
	sc.gen.queues = 6;
	sc.retention = 100000;
	sc.count = -1;
	hc.ratelimit_allowed = 100000;
	hc.ratelimit_window_s = 60;
	hc.max_connections = 256;
	nc.ws.heartbeat_s = 30;
	nc.ws.queue_max = 4096;
	nc.ws.stall_s = 10;
	nc.closing_grace_s = 5;
	nc.sent_max = (size_t)256 << 20;
	ac.retention = 1000000;
	ac.page_size = 100;
	ac.job_ttl_s = 3600;
	if (!client_id)
		client_id = "gcb-sim-client";
	if (!client_secret)
		client_secret = "gcb-sim-secret";

	while ((opt = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		int bad = 0;

		switch (opt) {
		case 'h':
		case OPT_HELP:
			usage(stdout);
			return 0;
		case OPT_LISTEN: {
			const char *colon = strrchr(optarg, ':');

			if (!colon ||
			    (strncmp(optarg, "127.0.0.1:", 10) &&
			     strncmp(optarg, "localhost:", 10)) ||
			    parse_ll(colon + 1, 0, 65535, &v) < 0) {
				fprintf(stderr, "gcb-sim: --listen must be 127.0.0.1:PORT\n");
				return 2;
			}
			hc.port = (int)v;
			break;
		}
		case OPT_PORT_FILE:
			port_file = optarg;
			break;
		case OPT_MAX_CONN:
			bad = parse_ll(optarg, 1, 10000, &v);
			hc.max_connections = (int)v;
			break;
		case OPT_LOG_LEVEL:
			bad = gcb_log_level_parse(optarg, &level);
			gcb_log_set_level(level);
			break;
		case OPT_CLIENT_ID:
			client_id = optarg;
			break;
		case OPT_CLIENT_SECRET:
			client_secret = optarg;
			break;
		case OPT_EXPIRES_IN:
			bad = parse_ll(optarg, 1, 1 << 30, &v);
			expires_in = (int)v;
			break;
		case OPT_STREAM_ID:
			if (nstream_ids == STREAM_IDS_MAX) {
				fprintf(stderr, "gcb-sim: at most %d --stream-id\n",
					STREAM_IDS_MAX);
				return 2;
			}
			stream_ids[nstream_ids++] = optarg;
			bad = strlen(optarg) == 0 || strlen(optarg) > 63 ||
			      strspn(optarg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789-_.") != strlen(optarg);
			break;
		case OPT_SEED:
			bad = parse_ll(optarg, 0, INT64_MAX, &v);
			sc.gen.seed = (uint64_t)v;
			break;
		case OPT_RATE: {
			char *end;

			sc.rate = strtod(optarg, &end);
			bad = *end || end == optarg || !(sc.rate >= 0 && sc.rate <= 1e8);
			break;
		}
		case OPT_COUNT:
			bad = parse_ll(optarg, -1, INT64_MAX, &v);
			sc.count = v;
			break;
		case OPT_RETENTION:
			bad = parse_ll(optarg, 1, 100000000, &v);
			sc.retention = (uint64_t)v;
			break;
		case OPT_CONVS:
			bad = parse_ll(optarg, 1, 1000000, &v);
			sc.gen.conversations = (int)v;
			break;
		case OPT_AGENTS:
			bad = parse_ll(optarg, 1, 30000, &v);
			sc.gen.agents = (int)v;
			break;
		case OPT_QUEUES:
			bad = parse_ll(optarg, 1, 250, &v);
			sc.gen.queues = (int)v;
			break;
		case OPT_START_TIME:
			bad = parse_start_time(optarg, &sc.gen.start_ms);
			break;
		case OPT_RL_ALLOWED:
			bad = parse_ll(optarg, 1, 1 << 30, &v);
			hc.ratelimit_allowed = (int)v;
			break;
		case OPT_RL_WINDOW:
			bad = parse_ll(optarg, 1, 86400, &v);
			hc.ratelimit_window_s = (int)v;
			break;
		case OPT_RL_ENFORCE:
			hc.ratelimit_enforce = 1;
			break;
		case OPT_X_REMAINING:
			hc.x_ratelimit_remaining = 1;
			break;
		case OPT_SERVED_LOG:
			served_path = optarg;
			break;
		case OPT_REQUEST_LOG:
			request_path = optarg;
			break;
		case OPT_EVENTS_LOG:
			events_path = optarg;
			break;
		case OPT_NOTIFY_RECORD:
			record_path = optarg;
			break;
		case OPT_NOTIFY_RATE:
			bad = parse_secs(optarg, 0, 1e6, &gc.rate);
			break;
		case OPT_NOTIFY_RETENTION:
			bad = parse_ll(optarg, 1, 100000000, &v);
			ac.retention = (uint64_t)v;
			break;
		case OPT_HEARTBEAT:
			bad = parse_secs(optarg, 0.01, 86400, &nc.ws.heartbeat_s);
			break;
		case OPT_CHANNEL_TTL:
			bad = parse_ll(optarg, 1, 1 << 30, &v);
			channel_ttl = optarg;
			break;
		case OPT_CLOSING_GRACE:
			bad = parse_secs(optarg, 0, 3600, &nc.closing_grace_s);
			break;
		case OPT_WS_QUEUE:
			bad = parse_ll(optarg, 1, 1000000, &v);
			nc.ws.queue_max = (int)v;
			break;
		case OPT_WS_STALL:
			bad = parse_secs(optarg, 0.1, 86400, &nc.ws.stall_s);
			break;
		case OPT_WS_WRITE_DELAY:
			bad = parse_secs(optarg, 0, 60, &nc.ws.write_delay_s);
			break;
		case OPT_WS_READ_LAG:
			bad = parse_secs(optarg, 0, 60, &nc.ws.read_lag_s);
			break;
		case OPT_ANALYTICS_PAGE:
			bad = parse_ll(optarg, 1, 100000, &v);
			ac.page_size = (int)v;
			break;
		case OPT_ANALYTICS_JOB_TTL:
			bad = parse_ll(optarg, 1, 1 << 30, &v);
			ac.job_ttl_s = (int)v;
			break;
		case OPT_MODELS:
			models_path = optarg;
			break;
		case OPT_MODELS_FILL:
			bad = parse_secs(optarg, 0, 1, &mc.fill);
			break;
		case OPT_MODELS_DRIFT:
			bad = parse_secs(optarg, 0, 1, &mc.drift);
			break;
		case OPT_FAULT:
			if (nfaults == FAULTS_MAX) {
				fprintf(stderr, "gcb-sim: too many --fault options\n");
				return 2;
			}
			fault_names[nfaults] = longopts[idx].name + strlen("fault-");
			fault_values[nfaults++] = optarg;
			break;
		default:
			fprintf(stderr, "Try 'gcb-sim --help'.\n");
			return 2;
		}
		if (bad) {
			fprintf(stderr, "gcb-sim: bad value '%s' for --%s\n", optarg,
				longopts[idx].name);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gcb-sim: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	gcb_sim_faults_init(&faults, sc.gen.seed);
	faults_inited = 1;
	for (int i = 0; i < nfaults; i++) {
		if (gcb_sim_faults_set(&faults, fault_names[i], fault_values[i], err, sizeof(err)) <
		    0) {
			fprintf(stderr, "gcb-sim: %s\n", err);
			goto out;
		}
	}
	if (channel_ttl &&
	    gcb_sim_faults_set(&faults, "channel-ttl", channel_ttl, err, sizeof(err)) < 0) {
		fprintf(stderr, "gcb-sim: %s\n", err);
		goto out;
	}
	gcb_sim_faults_get(&faults, &fc);
	sc.bad_rate = fc.bad_event_rate;
	sc.drift_rate = fc.drift_rate;
	sc.gen.mean_gap_ms = sc.rate > 0 ? 1000.0 / sc.rate : 5.0;

	if ((served_path && !(hc.served_log = open_log(served_path))) ||
	    (request_path && !(hc.request_log = open_log(request_path))) ||
	    (events_path && !(sc.events_log = open_log(events_path))) ||
	    (record_path && !(record = open_log(record_path))))
		goto out;

	/* Every thread created from here on inherits the blocked signals; the
	 * main thread takes them synchronously with sigwait(). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	store = gcb_sim_store_new(&sc, err, sizeof(err));
	streams = store ? gcb_sim_streams_new(sc.gen.seed, err, sizeof(err)) : NULL;
	auth = streams ? gcb_sim_auth_new(client_id, client_secret, expires_in, sc.gen.seed, err,
					  sizeof(err))
		       : NULL;
	if (!auth) {
		gcb_log_error("startup failed: %s", err);
		goto out;
	}
	for (int i = 0; i < nstream_ids; i++) {
		if (gcb_sim_streams_find(streams, stream_ids[i], strlen(stream_ids[i])) ||
		    gcb_sim_streams_add_default(streams, stream_ids[i]) < 0) {
			gcb_log_error("cannot create stream %s (duplicate?)", stream_ids[i]);
			goto out;
		}
	}
	nc.seed = gc.seed = ac.seed = sc.gen.seed;
	if (models_path != NULL &&
	    (gc.models = gcb_sim_model_load(models_path, &mc, err, sizeof(err))) == NULL) {
		gcb_log_error("--models: %s", err);
		goto out;
	}
	org = gcb_sim_org_new(sc.gen.seed, sc.gen.queues, sc.gen.agents, err, sizeof(err));
	analytics = org ? gcb_sim_analytics_new(&ac, &faults, err, sizeof(err)) : NULL;
	notif = analytics ? gcb_sim_notif_new(&nc, org, auth, &faults, err, sizeof(err)) : NULL;
	ngen = notif ? gcb_sim_notif_gen_new(&gc, org, notif, analytics, err, sizeof(err)) : NULL;
	if (!ngen) {
		gcb_log_error("startup failed: %s", err);
		goto out;
	}
	if (record)
		gcb_sim_notif_record(notif, record);
	hc.org = org;
	hc.notif = notif;
	hc.analytics = analytics;
	hc.notif_gen = ngen;
	if (gcb_sim_store_start(store, err, sizeof(err)) < 0) {
		gcb_log_error("%s", err);
		goto out;
	}
	srv = gcb_sim_server_new(&hc, store, streams, auth, &faults, err, sizeof(err));
	if (!srv) {
		gcb_log_error("%s", err);
		goto out;
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", gcb_sim_server_port(srv));
	/* The port file first: whoever read the stdout line may rely on it. */
	if (port_file && write_port_file(port_file, url) < 0)
		goto out;
	printf("%s\n", url);
	fflush(stdout);
	gcb_log_info("listening on %s seed=%" PRIu64 " rate=%g count=%lld retention=%" PRIu64, url,
		     sc.gen.seed, sc.rate, (long long)sc.count, sc.retention);

	if (sigwait(&set, &sig) == 0)
		gcb_log_info("signal %d: shutting down", sig);
	rc = 0;
out:
	/* Wake long polls first so the server's connection threads can finish. */
	if (store)
		gcb_sim_store_stop(store);
	if (notif)
		gcb_sim_notif_stop(notif); /* sockets first: MHD waits for them */
	gcb_sim_server_destroy(srv);
	gcb_sim_notif_gen_destroy(ngen);
	gcb_sim_notif_destroy(notif);
	gcb_sim_analytics_destroy(analytics);
	gcb_sim_org_destroy(org);
	gcb_sim_model_destroy(gc.models);
	gcb_sim_store_destroy(store);
	gcb_sim_streams_destroy(streams);
	gcb_sim_auth_destroy(auth);
	if (faults_inited)
		gcb_sim_faults_fini(&faults);
	if (hc.served_log)
		fclose(hc.served_log);
	if (hc.request_log)
		fclose(hc.request_log);
	if (sc.events_log)
		fclose(sc.events_log);
	if (record)
		fclose(record);
	return rc;
}

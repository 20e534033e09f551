/*
 * Test harness for the fetcher stage: creates a segment with V validator
 * rings, runs gcb_fetcher_main() in a forked child (restarting it, or
 * SIGKILLing it on a schedule), and acts itself as validators + producer:
 * reads the rings in batch round-robin order, checks the stream contract
 * (batch and event sequences contiguous, batch ends flagged, every record an
 * event with an id), releases, and publishes acked_batch_seq so checkpoints
 * move. Writes every event id it saw ("<id> <batch_seq> <seq>") for the
 * test script to compare with the simulator's log.
 *
 *   fetcher-harness --api URL --login URL --client-id ID --secret-file F
 *       (--stream-id ID | --stream-def F) --state-dir D --instance NAME
 *       [--validators V] [--limit N] [--timeout-ms T] [--interval-ms I]
 *       [--backoff-base MS] [--backoff-cap MS] [--request-timeout-ms MS]
 *       [--ckpt-interval-ms MS] [--max-event-bytes N] [--ring-bytes N]
 *       [--until-events N] [--until-quiet-ms MS] [--max-seconds S] [--kill-every-ms MS]
 *       [--end-with-kill] [--expect-exit CODE] [--ids-out F]
 *       [--counters-out F] [--segment-copy F]
 *
 * The notification source (docs/notif-source.md): --source notifications
 *       [--topics "T ..."] [--topics-per-channel N] [--max-channels N]
 *       [--heartbeat-timeout-ms MS] [--ping-interval-ms MS]
 *       [--rollover-before-ms MS] [--resolve-interval-ms MS]
 *       [--spool-max N] [--spool-segment N] [--no-backfill] [--no-consume]
 *       [--rate-limit PER_MINUTE]
 *   Records are then notifications: their id is metadata.CorrelationId.
 *   --no-consume never reads the rings (they fill, the spool grows);
 *   --consume-after-ms MS reads them only after MS.
 *
 * Exit 0 when every check passed and the run ended as expected.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_counters_notif.h"
#include "shm/gcb_records.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"
#include "stages/fetcher/gcb_fetcher.h"
#include "stages/notif/gcb_notif.h"
#include "stages/gcb_stage.h"
#include "supervisor/gcb_config.h"
#include "supervisor/gcb_stage_conf.h"
#include "lib/gcb_log.h"

#define MAX_V 8

static struct {
	gcb_source_conf_t conf;
	const char *instance;
	const char *ids_out;
	const char *counters_out;
	const char *segment_copy;
	unsigned long until_events;
	unsigned until_quiet_ms;
	uint64_t ring_bytes;
	int fast;
	const char *json_out;
	unsigned max_seconds;
	unsigned kill_every_ms;
	int end_with_kill;
	int expect_exit;
	int no_consume;
	unsigned consume_after_ms;
	char spool_dir[4096];
} o;

static gcb_shm_t g_shm;

/*
 * Starts from gcbridge's own defaults, filled the way gcbridge fills them
 * (gcb_stage_conf_fetcher() on the configuration table's defaults): the
 * fetcher stage has none of its own. Endpoints, credentials, the stream,
 * the state directory and the notification topics are the harness's
 * options. cfg lives as long as the process: conf points into it.
 */
static void conf_from_table(gcb_source_conf_t *f)
{
	static gcb_config_t cfg;
	static char spool_dir[4096];

	if (gcb_config_init_defaults(&cfg) != 0) {
		fprintf(stderr, "fetcher-harness: bad built-in configuration default\n");
		exit(2);
	}
	gcb_stage_conf_fetcher(&cfg, f, spool_dir, sizeof(spool_dir));
	f->api_base_url = f->login_base_url = NULL;
	f->client_id = f->client_secret = NULL;
	f->stream_id = f->stream_definition_path = NULL;
	f->ca_path = NULL;
	f->state_dir = NULL;
	f->notif.topics = f->notif.topics_file = NULL;
	f->spool.dir = NULL;
	f->source = GCB_SOURCE_POLL;
}

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static char *read_secret(const char *path)
{
	char *buf = calloc(1, 4096);
	FILE *f = fopen(path, "r");
	size_t n;

	if (buf == NULL || f == NULL) {
		fprintf(stderr, "harness: cannot read %s\n", path);
		exit(2);
	}
	n = fread(buf, 1, 4095, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return buf;
}

static pid_t spawn_fetcher(void)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("fork");
		exit(2);
	}
	if (pid == 0) {
		gcb_stage_ctx_t ctx;

		if (gcb_stage_enter(&ctx, &g_shm, 0) != 0)
			_exit(3);
		atomic_store(&ctx.slot->pid, getpid());
		_exit(o.conf.source == GCB_SOURCE_NOTIFICATIONS
			  ? gcb_notif_stage_main(&ctx, &o.conf)
			  : gcb_fetcher_stage_main(&ctx, &o.conf));
	}
	return pid;
}

static FILE *g_json;

static int check_record(const gcb_ring_rec_t *rec, uint64_t want_batch, uint64_t *last_seq,
			FILE *ids, unsigned long *events)
{
	const gcb_rec_event_t *ev = (const gcb_rec_event_t *)rec->payload;
	const cJSON *id;
	cJSON *root;

	if (rec->type != GCB_REC_EVENT || rec->length < sizeof(*ev) ||
	    !gcb_rec_fields_valid(ev->fields, GCB_EVF_COUNT, sizeof(*ev), rec->length)) {
		fprintf(stderr, "harness: bad record type %u length %u\n", rec->type, rec->length);
		return -1;
	}
	if (ev->batch_seq != want_batch) {
		fprintf(stderr, "harness: batch %llu where %llu was due\n",
			(unsigned long long)ev->batch_seq, (unsigned long long)want_batch);
		return -1;
	}
	if (*last_seq != 0 && rec->seq != *last_seq + 1) {
		fprintf(stderr, "harness: event seq %llu after %llu\n",
			(unsigned long long)rec->seq, (unsigned long long)*last_seq);
		return -1;
	}
	*last_seq = rec->seq;
	if (o.fast) {
		(*events)++;
		return 0;
	}
	root = cJSON_ParseWithLength(gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]),
				     ev->fields[GCB_EVF_JSON].len);
	if (o.conf.source == GCB_SOURCE_NOTIFICATIONS)
		id = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(root, "metadata"), "CorrelationId");
	else
		id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (!cJSON_IsString(id)) {
		fprintf(stderr, "harness: record seq %llu is not an event with an id: %.*s\n",
			(unsigned long long)rec->seq, (int)ev->fields[GCB_EVF_JSON].len,
			gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]));
		cJSON_Delete(root);
		return -1;
	}
	if (g_json != NULL) {
		fwrite(gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]), 1,
		       ev->fields[GCB_EVF_JSON].len, g_json);
		fputc('\n', g_json);
	}
	if (ids != NULL)
		fprintf(ids, "%s %llu %llu\n", id->valuestring, (unsigned long long)want_batch,
			(unsigned long long)rec->seq);
	cJSON_Delete(root);
	(*events)++;
	return 0;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

static uint64_t g_max_hb_gap_ns;

static void write_counters(const gcb_shm_stage_t *slot, const gcb_shm_pipeline_t *p,
			   unsigned long events, int restarts)
{
	unsigned n;
	const gcb_counter_def_t *d = gcb_counters_of_kind(GCB_STAGE_KIND_FETCHER, &n);
	char tmp[4200];
	FILE *f;

	if (o.counters_out == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", o.counters_out);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s=%llu\n", d[i].name,
			(unsigned long long)atomic_load(&slot->counters[i]));
	fprintf(f, "fetched_batch_seq=%llu\nacked_batch_seq=%llu\ncheckpoint_batch_seq=%llu\n",
		(unsigned long long)atomic_load(&p->fetched_batch_seq),
		(unsigned long long)atomic_load(&p->acked_batch_seq),
		(unsigned long long)atomic_load(&p->checkpoint_batch_seq));
	fprintf(f, "harness_events=%lu\nharness_restarts=%d\nharness_max_heartbeat_gap_ms=%llu\n",
		events, restarts, (unsigned long long)(g_max_hb_gap_ns / 1000000u));
	fclose(f);
	rename(tmp, o.counters_out);
}

static void copy_segment(void)
{
	FILE *f;

	if (o.segment_copy == NULL || (f = fopen(o.segment_copy, "w")) == NULL)
		return;
	fwrite(g_shm.base, 1, g_shm.size, f);
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr, "usage: fetcher-harness --api URL --login URL --client-id ID "
			"--secret-file F (--stream-id ID | --stream-def F) --state-dir D "
			"--instance NAME [options] (see the source)\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"api", 1, 0, 'a'},
	    {"login", 1, 0, 'l'},
	    {"client-id", 1, 0, 'c'},
	    {"secret-file", 1, 0, 's'},
	    {"stream-id", 1, 0, 'i'},
	    {"stream-def", 1, 0, 'd'},
	    {"state-dir", 1, 0, 'D'},
	    {"instance", 1, 0, 'I'},
	    {"validators", 1, 0, 'V'},
	    {"limit", 1, 0, 'L'},
	    {"timeout-ms", 1, 0, 'T'},
	    {"interval-ms", 1, 0, 'P'},
	    {"backoff-base", 1, 0, 'b'},
	    {"backoff-cap", 1, 0, 'B'},
	    {"request-timeout-ms", 1, 0, 'R'},
	    {"ckpt-interval-ms", 1, 0, 'K'},
	    {"max-event-bytes", 1, 0, 'M'},
	    {"until-events", 1, 0, 'u'},
	    {"max-seconds", 1, 0, 'x'},
	    {"kill-every-ms", 1, 0, 'k'},
	    {"end-with-kill", 0, 0, 'E'},
	    {"expect-exit", 1, 0, 'e'},
	    {"ids-out", 1, 0, 'o'},
	    {"counters-out", 1, 0, 'C'},
	    {"segment-copy", 1, 0, 'S'},
	    {"token-skew", 1, 0, 'W'},
	    {"until-quiet-ms", 1, 0, 'Q'},
	    {"ring-bytes", 1, 0, 'r'},
	    {"fast", 0, 0, 'F'},
	    {"json-out", 1, 0, 'J'},
	    {"source", 1, 0, 256},
	    {"topics", 1, 0, 257},
	    {"topics-per-channel", 1, 0, 258},
	    {"max-channels", 1, 0, 259},
	    {"heartbeat-timeout-ms", 1, 0, 260},
	    {"ping-interval-ms", 1, 0, 261},
	    {"rollover-before-ms", 1, 0, 262},
	    {"resolve-interval-ms", 1, 0, 263},
	    {"spool-max", 1, 0, 264},
	    {"spool-segment", 1, 0, 265},
	    {"no-backfill", 0, 0, 266},
	    {"no-consume", 0, 0, 267},
	    {"consume-after-ms", 1, 0, 268},
	    {"rate-limit", 1, 0, 269},
	    {0, 0, 0, 0},
	};
	int c;

	conf_from_table(&o.conf);
	o.conf.n_validators = 1; /* the harness's own: one ring unless --validators */
	o.conf.poll_interval_ms = 50;
	o.conf.backoff_base_ms = 50;
	o.conf.backoff_cap_ms = 2000;
	o.conf.request_timeout_ms = 5000;
	o.conf.connect_timeout_ms = 2000;
	o.conf.checkpoint_interval_ms = 200;
	o.conf.max_event_bytes = 16384;
	o.max_seconds = 40;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.conf.api_base_url = optarg;
			break;
		case 'l':
			o.conf.login_base_url = optarg;
			break;
		case 'c':
			o.conf.client_id = optarg;
			break;
		case 's':
			o.conf.client_secret = read_secret(optarg);
			break;
		case 'i':
			o.conf.stream_id = optarg;
			break;
		case 'd':
			o.conf.stream_definition_path = optarg;
			break;
		case 'D':
			o.conf.state_dir = optarg;
			break;
		case 'I':
			o.instance = optarg;
			break;
		case 'V':
			o.conf.n_validators = (unsigned)atoi(optarg);
			break;
		case 'L':
			o.conf.poll_limit = (unsigned)atoi(optarg);
			break;
		case 'T':
			o.conf.poll_timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'P':
			o.conf.poll_interval_ms = (unsigned)atoi(optarg);
			break;
		case 'b':
			o.conf.backoff_base_ms = (unsigned)atoi(optarg);
			break;
		case 'B':
			o.conf.backoff_cap_ms = (unsigned)atoi(optarg);
			break;
		case 'R':
			o.conf.request_timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'K':
			o.conf.checkpoint_interval_ms = (unsigned)atoi(optarg);
			break;
		case 'M':
			o.conf.max_event_bytes = (uint32_t)atoi(optarg);
			break;
		case 'W':
			o.conf.token_skew_s = (unsigned)atoi(optarg);
			break;
		case 'Q':
			o.until_quiet_ms = (unsigned)atoi(optarg);
			break;
		case 'F':
			o.fast = 1;
			break;
		case 'J':
			o.json_out = optarg;
			break;
		case 'r':
			o.ring_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'u':
			o.until_events = strtoul(optarg, NULL, 10);
			break;
		case 'x':
			o.max_seconds = (unsigned)atoi(optarg);
			break;
		case 'k':
			o.kill_every_ms = (unsigned)atoi(optarg);
			break;
		case 'E':
			o.end_with_kill = 1;
			break;
		case 'e':
			o.expect_exit = atoi(optarg);
			break;
		case 'o':
			o.ids_out = optarg;
			break;
		case 'C':
			o.counters_out = optarg;
			break;
		case 'S':
			o.segment_copy = optarg;
			break;
		case 256:
			o.conf.source = strcmp(optarg, "notifications") == 0
					    ? GCB_SOURCE_NOTIFICATIONS
					    : GCB_SOURCE_POLL;
			break;
		case 257:
			o.conf.notif.topics = optarg;
			break;
		case 258:
			o.conf.notif.topics_per_channel = (unsigned)atoi(optarg);
			break;
		case 259:
			o.conf.notif.max_channels = (unsigned)atoi(optarg);
			break;
		case 260:
			o.conf.notif.heartbeat_timeout_ms = (unsigned)atoi(optarg);
			break;
		case 261:
			o.conf.notif.ping_interval_ms = (unsigned)atoi(optarg);
			break;
		case 262:
			o.conf.notif.rollover_before_ms = (unsigned)atoi(optarg);
			break;
		case 263:
			o.conf.notif.resolve_interval_ms = (unsigned)atoi(optarg);
			break;
		case 264:
			o.conf.spool.max_bytes = strtoull(optarg, NULL, 10);
			break;
		case 265:
			o.conf.spool.segment_bytes = strtoull(optarg, NULL, 10);
			break;
		case 266:
			o.conf.backfill.enabled = 0;
			break;
		case 267:
			o.no_consume = 1;
			break;
		case 268:
			o.consume_after_ms = (unsigned)atoi(optarg);
			break;
		case 269:
			o.conf.notif.rate_per_minute = (unsigned)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (o.instance == NULL || o.conf.n_validators > MAX_V)
		usage();
	if (o.conf.source == GCB_SOURCE_NOTIFICATIONS) {
		snprintf(o.spool_dir, sizeof(o.spool_dir), "%s/%s.spool",
			 o.conf.state_dir ? o.conf.state_dir : ".", o.instance);
		o.conf.spool.dir = o.spool_dir;
		if (o.conf.notif.topics == NULL)
			o.conf.notif.topics = "v2.routing.queues.{queueId}.conversations "
					      "v2.users.{userId}.presence";
	}
}

int main(int argc, char **argv)
{
	gcb_shm_stage_spec_t stage = {"fetcher", GCB_STAGE_KIND_FETCHER, 0};
	gcb_shm_ring_spec_t specs[MAX_V];
	char names[MAX_V][32], err[256];
	gcb_ring_t rings[MAX_V];
	gcb_shm_pipeline_t *pipe;
	gcb_shm_stage_t *slot;
	gcb_log_level_t level = GCB_LOG_INFO;
	uint64_t batch = 1, last_seq = 0, deadline, next_kill = 0, ring_cap, last_record_ns;
	uint64_t next_counters = 0, start_ns = gcb_clock_mono_ns();
	unsigned long events = 0;
	int status, failed = 0, restarts = 0, child_exit = -1, rc;
	FILE *ids = NULL;
	pid_t child;
	struct sigaction sa;

	parse_args(argc, argv);
	if (getenv("GCB_LOG_LEVEL") != NULL)
		gcb_log_level_parse(getenv("GCB_LOG_LEVEL"), &level);
	gcb_log_setup("harness", level, GCB_LOG_LOGFMT);
	if (gcb_source_conf_check(&o.conf, err, sizeof(err)) != 0 && o.expect_exit != 2) {
		fprintf(stderr, "harness: %s\n", err);
		return 2;
	}
	ring_cap = o.ring_bytes ? o.ring_bytes : gcb_source_ring_bytes_needed(&o.conf);
	for (unsigned i = 0; i < o.conf.n_validators; i++) {
		snprintf(names[i], sizeof(names[i]), GCB_RING_FETCH_FMT, i);
		specs[i] = (gcb_shm_ring_spec_t){names[i], ring_cap, 0, 0, -1};
	}
	gcb_shm_unlink(o.instance);
	rc = gcb_shm_create(&g_shm, o.instance, &stage, 1, specs, o.conf.n_validators, err,
			    sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "harness: gcb_shm_create() failed: %s\n", err);
		return 2;
	}
	pipe = gcb_shm_pipeline(&g_shm);
	slot = gcb_shm_stage(&g_shm, 0);
	for (unsigned i = 0; i < o.conf.n_validators; i++)
		gcb_ring_attach_consumer(&rings[i], gcb_shm_ring_mem(&g_shm, i));
	if (o.ids_out != NULL && (ids = fopen(o.ids_out, "a")) == NULL) {
		perror(o.ids_out);
		return 2;
	}
	/* Line by line: tests read the ids while the run goes on. */
	if (ids != NULL)
		setvbuf(ids, NULL, _IOLBF, 0);
	if (o.json_out != NULL && (g_json = fopen(o.json_out, "a")) == NULL) {
		perror(o.json_out);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	child = spawn_fetcher();
	deadline = gcb_clock_mono_ns() + (uint64_t)o.max_seconds * 1000000000u;
	last_record_ns = gcb_clock_mono_ns();
	if (o.kill_every_ms)
		next_kill = gcb_clock_mono_ns() + (uint64_t)o.kill_every_ms * 1000000u;

	while (!g_stop && !failed) {
		gcb_ring_t *r = &rings[batch % o.conf.n_validators];
		const gcb_ring_rec_t *rec;
		uint64_t now = gcb_clock_mono_ns();

		if (o.until_events && events >= o.until_events)
			break;
		/* Counters while running too, for tests that wait on them. */
		if (now >= next_counters) {
			write_counters(slot, pipe, events, restarts);
			next_counters = now + 200000000u;
		}
		/* Quiet counts once the fetcher has polled at least once: a run
		 * that starts caught up (an earlier run took everything) ends
		 * with no event rather than at the time limit. */
		if (o.until_quiet_ms &&
		    (events > 0 || atomic_load(&slot->counters[GCB_FC_POLLS]) > 0 ||
		     atomic_load(&slot->counters[GCB_NC_WS_MESSAGES]) > 0) &&
		    now - last_record_ns > (uint64_t)o.until_quiet_ms * 1000000u)
			break;
		if (now > deadline) {
			fprintf(stderr, "harness: time limit reached after %lu events\n", events);
			if (o.until_events || o.until_quiet_ms)
				failed = 1;
			break;
		}
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child_exit = exit_code(status);
			child = 0;
			fprintf(stderr, "harness: fetcher exited with %d\n", child_exit);
			if (child_exit != o.expect_exit)
				failed = 1;
			break;
		}
		if (next_kill && now >= next_kill && child > 0) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			restarts++;
			child = spawn_fetcher();
			next_kill = now + (uint64_t)o.kill_every_ms * 1000000u;
		}
		if (child > 0 && atomic_load(&slot->pid) == child) {
			uint64_t hb = atomic_load(&slot->heartbeat_ns);

			if (now > hb && now - hb > g_max_hb_gap_ns)
				g_max_hb_gap_ns = now - hb;
		}
		if (o.no_consume || (o.consume_after_ms &&
				     now < start_ns + (uint64_t)o.consume_after_ms * 1000000u)) {
			struct timespec ts = {0, 50 * 1000000L};

			nanosleep(&ts, NULL);
			continue;
		}
		rc = gcb_ring_read(r, &rec);
		if (rc == -EAGAIN) {
			gcb_ring_wait_readable(r, 50);
			continue;
		}
		if (rc != 0) {
			fprintf(stderr, "harness: gcb_ring_read() failed: %s\n", strerror(-rc));
			failed = 1;
			break;
		}
		if (check_record(rec, batch, &last_seq, ids, &events) != 0) {
			failed = 1;
			break;
		}
		last_record_ns = now;
		if (rec->flags & GCB_REC_F_BATCH_END) {
			gcb_ring_release_all(r);
			atomic_store_explicit(&pipe->acked_batch_seq, batch, memory_order_release);
			batch++;
		}
	}

	if (child > 0) {
		kill(child, o.end_with_kill ? SIGKILL : SIGTERM);
		waitpid(child, &status, 0);
		child_exit = exit_code(status);
		if (!o.end_with_kill && child_exit != 0) {
			fprintf(stderr, "harness: fetcher exited with %d after SIGTERM\n",
				child_exit);
			failed = 1;
		}
	}
	/* Whatever the fetcher committed before it stopped was fetched: record it too. */
	for (;;) {
		gcb_ring_t *r = &rings[batch % o.conf.n_validators];
		const gcb_ring_rec_t *rec;

		if (failed || o.no_consume || gcb_ring_read(r, &rec) != 0)
			break;
		if (check_record(rec, batch, &last_seq, ids, &events) != 0) {
			failed = 1;
			break;
		}
		if (rec->flags & GCB_REC_F_BATCH_END) {
			gcb_ring_release_all(r);
			atomic_store_explicit(&pipe->acked_batch_seq, batch, memory_order_release);
			batch++;
		}
	}
	/* As the supervisor does after a drain: checkpoint what was acknowledged
	 * after the fetcher left. A killed pipeline gets no such chance. */
	if (!failed && !o.end_with_kill &&
	    gcb_fetcher_checkpoint_final(&o.conf, &g_shm, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness: %s\n", err);
		failed = 1;
	}
	if (ids != NULL)
		fclose(ids);
	if (g_json != NULL)
		fclose(g_json);
	write_counters(slot, pipe, events, restarts);
	copy_segment();
	fprintf(stderr,
		"harness: %lu events in %llu batches, %d fetcher restarts, fetcher exit %d, "
		"checkpoint batch %llu\n",
		events, (unsigned long long)(batch - 1), restarts, child_exit,
		(unsigned long long)atomic_load(&pipe->checkpoint_batch_seq));
	gcb_shm_detach(&g_shm);
	gcb_shm_unlink(o.instance);
	return failed ? 1 : 0;
}

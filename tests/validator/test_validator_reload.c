/*
 * Schema reload in a running validator: an edited routing file is picked up
 * (inotify), a broken schema file is refused with a log line naming it while
 * the schemas in use stay, and a bumped reload generation (SIGHUP) reloads.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/gcb_records.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"
#include "stages/gcb_stage.h"
#include "stages/validator/gcb_reason.h"
#include "stages/validator/gcb_validator.h"
#include "lib/gcb_log.h"

static char instance[64], dir[256], routes[512], logpath[512];
static gcb_shm_t shm;
static gcb_ring_t in, out;
static uint64_t seq;
static pid_t child;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			cleanup();                                                                 \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

static void cleanup(void)
{
	char cmd[600];

	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	gcb_shm_unlink(instance);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static void put_file(const char *name, const char *text)
{
	char tmp[600], path[600];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(tmp, "w");
	CHECK(f, "fopen %s", tmp);
	fputs(text, f);
	fclose(f);
	CHECK(rename(tmp, path) == 0, "rename");
}

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Sends one agent-state event; returns its output's type and topic. */
static int roundtrip(char *topic, size_t size)
{
	char json[512];
	gcb_ring_rec_t *r;
	const gcb_ring_rec_t *rec;
	gcb_rec_event_t *ev;
	int jl, type;
	time_t deadline = time(NULL) + 20;

	seq++;
	jl = snprintf(json, sizeof(json),
		      "{\"id\":\"00000000-0000-4000-8000-%012llu\",\"entityType\":\"agentstate\","
		      "\"eventType\":\"updated\",\"eventTimestamp\":\"2026-11-27T10:15:30.123Z\","
		      "\"entityId\":\"10000000-0000-4000-8000-000000000001\",\"sequence\":%llu,"
		      "\"data\":{\"userId\":\"10000000-0000-4000-8000-000000000001\","
		      "\"routingStatus\":\"IDLE\"}}",
		      (unsigned long long)seq, (unsigned long long)seq);
	CHECK(gcb_ring_reserve(&in, (uint32_t)(sizeof(*ev) + (size_t)jl), GCB_REC_EVENT,
			       GCB_REC_F_BATCH_END, seq, &r) == 0,
	      "reserve");
	ev = (void *)r->payload;
	memset(ev, 0, sizeof(*ev));
	ev->batch_seq = seq;
	ev->fields[GCB_EVF_JSON] = (gcb_rec_field_t){sizeof(*ev), (uint32_t)jl};
	memcpy(ev->data, json, (size_t)jl);
	gcb_ring_commit(&in);
	while (gcb_ring_read(&out, &rec) != 0) {
		CHECK(time(NULL) < deadline, "no output for seq %llu", (unsigned long long)seq);
		gcb_ring_wait_readable(&out, 50);
	}
	CHECK(rec->seq == seq, "seq %llu != %llu", (unsigned long long)rec->seq,
	      (unsigned long long)seq);
	{
		const gcb_rec_out_t *o = (const void *)rec->payload;

		snprintf(topic, size, "%.*s", (int)o->fields[GCB_OUTF_TOPIC].len,
			 gcb_rec_field_ptr(o, o->fields[GCB_OUTF_TOPIC]));
	}
	type = rec->type;
	gcb_ring_release_all(&out);
	return type;
}

/* Sends events until the output topic is want (the reload happened). */
static void wait_topic(const char *want)
{
	char topic[128];
	time_t deadline = time(NULL) + 20;

	for (;;) {
		CHECK(roundtrip(topic, sizeof(topic)) == GCB_REC_AVRO, "not AVRO");
		if (strcmp(topic, want) == 0)
			return;
		CHECK(time(NULL) < deadline, "topic stays %s, want %s", topic, want);
		usleep(50 * 1000);
	}
}

static void wait_log(const char *needle, int n)
{
	time_t deadline = time(NULL) + 20;
	char topic[128];

	while (count(slurp(logpath), needle) < n) {
		CHECK(time(NULL) < deadline, "log never said \"%s\" %d times:\n%s", needle, n,
		      slurp(logpath));
		/* keep events flowing: the validator checks for changes when idle */
		CHECK(roundtrip(topic, sizeof(topic)) == GCB_REC_AVRO, "not AVRO");
		usleep(50 * 1000);
	}
}

int main(void)
{
	const char *root = getenv("GCB_ROOT");
	gcb_shm_stage_spec_t stages[] = {{"validator-0", GCB_STAGE_KIND_VALIDATOR, 0}};
	gcb_shm_ring_spec_t rings[] = {{"fetch-0", 1u << 16, 0, -1, 0},
				       {"valid-0", 1u << 16, 0, 0, -1}};
	char err[512], cmd[1200], *text, *at, topic[128];
	int status;

	gcb_log_setup("test", GCB_LOG_INFO, GCB_LOG_LOGFMT);
	snprintf(instance, sizeof(instance), "test-valreload-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/gcb-test-valreload-%d", (int)getpid());
	snprintf(routes, sizeof(routes), "%s/routes.json", dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s' && cp '%s'/schemas/*.json '%s'/schemas/*.avsc '%s'/", dir,
		 root ? root : ".", root ? root : ".", dir);
	CHECK(system(cmd) == 0, "%s", cmd);
	snprintf(logpath, sizeof(logpath), "/tmp/gcb-test-valreload-%d.log", (int)getpid());
	CHECK(gcb_shm_create(&shm, instance, stages, 1, rings, 2, err, sizeof(err)) == 0, "%s",
	      err);
	CHECK(gcb_ring_attach_producer(&in, gcb_shm_ring_mem(&shm, 0)) == 0, "attach");
	CHECK(gcb_ring_attach_consumer(&out, gcb_shm_ring_mem(&shm, 1)) == 0, "attach");

	child = fork();
	CHECK(child >= 0, "fork");
	if (child == 0) {
		gcb_stage_ctx_t ctx;
		gcb_ring_t cin, cout;
		gcb_validator_conf_t conf = {.routes_path = routes, .strict = -1,
					     .max_event_bytes = 1 << 20};
		int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, 2) < 0 || gcb_stage_enter(&ctx, &shm, 0) != 0 ||
		    gcb_ring_attach_consumer(&cin, gcb_shm_ring_mem(&shm, 0)) != 0 ||
		    gcb_ring_attach_producer(&cout, gcb_shm_ring_mem(&shm, 1)) != 0)
			_exit(3);
		_exit(gcb_validator_main(&conf, &ctx, &cin, &cout));
	}

	CHECK(roundtrip(topic, sizeof(topic)) == GCB_REC_AVRO, "first event");
	CHECK(strcmp(topic, "genesys.agentstate") == 0, "topic %s", topic);

	/* 1. an edited routing file is picked up */
	text = strdup(slurp(routes));
	at = strstr(text, "\"genesys.agentstate\"");
	CHECK(at, "routes.json has no agentstate topic");
	memcpy(at, "\"agentstate.renamed\"", 20);
	put_file("routes.json", text);
	wait_topic("agentstate.renamed");

	/* 2. a broken schema is refused, naming the file; the set in use stays */
	put_file("agentstate_updated.avsc",
		 "{\"type\":\"record\",\"name\":\"AgentStateUpdated\","
		 "\"namespace\":\"gcbridge.genesys\",\"fields\":["
		 "{\"name\":\"a\",\"type\":\"int\",\"default\":\"x\"}]}");
	wait_log("agentstate_updated.avsc", 1);
	CHECK(strstr(slurp(logpath), "schema reload refused"), "no refusal logged");
	CHECK(roundtrip(topic, sizeof(topic)) == GCB_REC_AVRO, "old schemas not kept");
	CHECK(strcmp(topic, "agentstate.renamed") == 0, "topic %s", topic);

	/* 3. an incompatible change (a new required field) is refused too */
	{
		char *schema, path[600], *mark;

		snprintf(path, sizeof(path), "%s/schemas/agentstate_updated.avsc",
			 root ? root : ".");
		schema = strdup(slurp(path));
		mark = strstr(schema, "{\"name\": \"userId\"");
		CHECK(schema && mark, "agentstate schema has no userId field");
		{
			char *edited = malloc(strlen(schema) + 64);

			sprintf(edited, "%.*s{\"name\": \"mood\", \"type\": \"string\"},\n%s",
				(int)(mark - schema), schema, mark);
			put_file("agentstate_updated.avsc", edited);
			free(edited);
		}
		free(schema);
		wait_log("not backward compatible", 1);
		CHECK(strstr(slurp(logpath), "agentstate_updated.avsc: not backward compatible"),
		      "refusal does not name the file:\n%s", slurp(logpath));
		CHECK(roundtrip(topic, sizeof(topic)) == GCB_REC_AVRO, "old schemas not kept");
	}

	/* 4. the reload generation (SIGHUP) reloads too */
	{
		int before;

		snprintf(cmd, sizeof(cmd), "cp '%s'/schemas/agentstate_updated.avsc '%s'/",
			 root ? root : ".", dir);
		CHECK(system(cmd) == 0, "%s", cmd);
		wait_log("schemas reloaded", 2);
		before = count(slurp(logpath), "schemas reloaded");
		atomic_fetch_add(&gcb_shm_pipeline(&shm)->reload_generation, 1);
		wait_log("schemas reloaded", before + 1);
	}

	kill(child, SIGTERM);
	CHECK(waitpid(child, &status, 0) == child, "waitpid");
	child = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
	{
		gcb_shm_stage_t *st = gcb_shm_stage(&shm, 0);
		uint64_t events = atomic_load(&st->counters[GCB_VC_EVENTS]);
		uint64_t avro = atomic_load(&st->counters[GCB_VC_AVRO]);
		uint64_t reloads = atomic_load(&st->counters[GCB_VC_RELOADS]);
		uint64_t refused = atomic_load(&st->counters[GCB_VC_RELOAD_REFUSED]);

		CHECK(events == seq && avro == seq, "counters: events %llu avro %llu, want %llu",
		      (unsigned long long)events, (unsigned long long)avro,
		      (unsigned long long)seq);
		CHECK(reloads >= 3 && refused >= 2, "counters: reloads %llu refused %llu",
		      (unsigned long long)reloads, (unsigned long long)refused);
		static const char *const names[] = GCB_VC_NAMES;

		CHECK(sizeof(names) / sizeof(names[0]) == GCB_VC_COUNT &&
			  strcmp(names[GCB_VC_DLQ_BAD_JSON + GCB_REASON_MISSING_FIELD -
				       GCB_REASON_BAD_JSON],
				 "dlq_missing_field") == 0,
		      "counter names");
	}
	printf(
	    "reload: %llu events, routing edit, refused schema and generation bump all handled\n",
	    (unsigned long long)seq);
	free(text);
	unlink(logpath);
	cleanup();
	return 0;
}

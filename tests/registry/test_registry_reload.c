/*
 * A running validator with its schema ids from the (fake) Schema Registry,
 * while events flow without pause:
 *   1. ids come from the registry (no schema-ids.json at all), fingerprints
 *      are the schemas' CRC-64-AVRO;
 *   2. a compatible edit is registered (version 2) and takes effect;
 *   3. an edit gcb_avsc finds incompatible is refused, the old schema stays;
 *   4. an edit the registry refuses (its subject set to FULL) is refused too;
 *   5. with the registry answering 503 an edit is refused, then taken once
 *      the registry is back (retried without another edit);
 * and every event comes out exactly once, in order, as Avro; the basic-auth
 * password never appears in the validator's log or the registry's.
 *
 * With --no-registry the same flow runs on schema-ids.json (steps 1-3).
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
#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_registry.h"
#include "stages/validator/gcb_validator.h"
#include "lib/gcb_log.h"
#include "tests/registry/fake.h"

#define SUBJECT "genesys.agentstate-value"

static char instance[64], dir[256], routes[512], logpath[512], schema_path[600];
static gcb_shm_t shm;
static gcb_ring_t in, out;
static uint64_t sent, received;
static uint32_t last_id, last_version;
static uint64_t last_fp;
static pid_t child;
static fake_t fake;
static int with_registry = 1;

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
		child = 0;
	}
	if (fake.pid > 0)
		fake_stop(&fake);
	gcb_shm_unlink(instance);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n = 0;

	CHECK(buf, "calloc");
	if (f) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static void put_file(const char *path, const char *text)
{
	char tmp[700];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	CHECK(f, "fopen %s", tmp);
	fputs(text, f);
	fclose(f);
	CHECK(rename(tmp, path) == 0, "rename");
}

/* The shipped agent-state schema with text inserted before (or, with drop,
 * instead of) the field named at. */
static char *variant(const char *at, const char *text, int drop)
{
	char path[600];
	const char *root = getenv("GCB_ROOT");
	char *s, *mark, *end, *v;

	snprintf(path, sizeof(path), "%s/schemas/agentstate_updated.avsc", root ? root : ".");
	s = slurp(path);
	mark = strstr(s, at);
	CHECK(mark, "agentstate schema has no %s", at);
	end = mark;
	if (drop) {
		end = strstr(mark, "},");
		CHECK(end, "cannot cut %s", at);
		end += 2;
	}
	v = malloc(strlen(s) + strlen(text) + 1);
	CHECK(v, "malloc");
	sprintf(v, "%.*s%s%s", (int)(mark - s), s, text, end);
	free(s);
	return v;
}

/* Queues up to n agent-state events (fewer when the ring is full). */
static void send_events(int n)
{
	for (int i = 0; i < n; i++) {
		char json[512];
		gcb_ring_rec_t *r;
		gcb_rec_event_t *ev;
		uint64_t seq = sent + 1;
		int jl = snprintf(
		    json, sizeof(json),
		    "{\"id\":\"00000000-0000-4000-8000-%012llu\",\"entityType\":\"agentstate\","
		    "\"eventType\":\"updated\",\"eventTimestamp\":\"2026-11-27T10:15:30.123Z\","
		    "\"entityId\":\"10000000-0000-4000-8000-000000000001\",\"sequence\":%llu,"
		    "\"data\":{\"userId\":\"10000000-0000-4000-8000-000000000001\","
		    "\"routingStatus\":\"IDLE\",\"presence\":\"On Queue\"}}",
		    (unsigned long long)seq, (unsigned long long)seq);

		if (gcb_ring_reserve(&in, (uint32_t)(sizeof(*ev) + (size_t)jl), GCB_REC_EVENT,
				     (seq % 4 == 0) ? GCB_REC_F_BATCH_END : 0, seq, &r) != 0)
			break;
		ev = (void *)r->payload;
		memset(ev, 0, sizeof(*ev));
		ev->batch_seq = (seq + 3) / 4;
		ev->fields[GCB_EVF_JSON] = (gcb_rec_field_t){sizeof(*ev), (uint32_t)jl};
		memcpy(ev->data, json, (size_t)jl);
		gcb_ring_commit(&in);
		sent = seq;
	}
}

/* Reads what the validator produced: each seq exactly once, in order, Avro. */
static void read_outputs(void)
{
	const gcb_ring_rec_t *rec;

	while (gcb_ring_read(&out, &rec) == 0) {
		const gcb_rec_out_t *o = (const void *)rec->payload;
		const uint8_t *v;

		CHECK(rec->seq == received + 1, "output seq %llu after %llu",
		      (unsigned long long)rec->seq, (unsigned long long)received);
		CHECK(rec->type == GCB_REC_AVRO, "seq %llu: type %u, not AVRO",
		      (unsigned long long)rec->seq, rec->type);
		v = (const uint8_t *)gcb_rec_field_ptr(o, o->fields[GCB_OUTF_VALUE]);
		CHECK(o->fields[GCB_OUTF_VALUE].len > 5 && v[0] == 0, "not Confluent-framed");
		CHECK(((uint32_t)v[1] << 24 | (uint32_t)v[2] << 16 | (uint32_t)v[3] << 8 | v[4]) ==
			  o->schema_id,
		      "frame id != record schema_id");
		received = rec->seq;
		last_id = o->schema_id;
		last_version = o->schema_version;
		last_fp = o->schema_fingerprint;
	}
	gcb_ring_release_all(&out);
}

/* Keeps events flowing for a while (the validator reloads between them). */
static void flow(int rounds)
{
	for (int i = 0; i < rounds; i++) {
		send_events(8);
		read_outputs();
		usleep(10 * 1000);
	}
}

static void flow_until_id(uint32_t id, uint32_t version)
{
	time_t deadline = time(NULL) + 40;

	for (;;) {
		flow(1);
		if (received > 0 && last_id == id && last_version == version)
			return;
		CHECK(time(NULL) < deadline, "schema id stays %u v%u, want %u v%u", last_id,
		      last_version, id, version);
	}
}

static void flow_until_fp(uint64_t fp)
{
	time_t deadline = time(NULL) + 40;

	for (;;) {
		flow(1);
		if (received > 0 && last_fp == fp)
			return;
		CHECK(time(NULL) < deadline, "fingerprint stays %016llx, want %016llx",
		      (unsigned long long)last_fp, (unsigned long long)fp);
	}
}

static int count(const char *needle)
{
	char *s = slurp(logpath);
	int n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	free(s);
	return n;
}

static void flow_until_log(const char *needle, int n)
{
	time_t deadline = time(NULL) + 40;

	while (count(needle) < n) {
		char *s;

		flow(1);
		if (time(NULL) < deadline)
			continue;
		s = slurp(logpath);
		CHECK(0, "log never said \"%s\" %d times:\n%s", needle, n, s);
	}
}

/* The id and version the registry has for text under SUBJECT. */
static void registry_ids(const char *text, gcb_registry_schema_t *s)
{
	gcb_registry_conf_t conf = {.url = fake.url,
				    .user = "gcb",
				    .password = FAKE_PASSWORD,
				    .timeout_ms = 20000,
				    .connect_timeout_ms = 10000};
	gcb_registry_t *r;
	char err[512];
	time_t deadline = time(NULL) + 40;

	CHECK(gcb_registry_new(&r, &conf, err, sizeof(err)) == 0, "%s", err);
	/* the validator registers it when it gets to it: keep events flowing meanwhile */
	while (gcb_registry_lookup(r, SUBJECT, text, s, err, sizeof(err)) != 0) {
		CHECK(time(NULL) < deadline, "%s", err);
		flow(5);
	}
	gcb_registry_destroy(r);
}

/* The fingerprint gcbridge computes for the schema in the work directory. */
static uint64_t fingerprint_now(void)
{
	gcb_catalog_t *cat;
	char err[512];
	uint64_t fp;

	CHECK(gcb_catalog_load(&cat, routes, GCB_CATALOG_NO_IDS, err, sizeof(err)) == 0, "%s", err);
	fp = cat->routes[2].schema->fingerprint;
	gcb_catalog_destroy(cat);
	return fp;
}

static void expect(const char *text, uint32_t local_id, uint32_t version)
{
	gcb_registry_schema_t s = {local_id, version};

	if (with_registry)
		registry_ids(text, &s);
	CHECK(s.version == version, "registry has version %u, want %u", s.version, version);
	flow_until_id(s.id, s.version);
}

int main(int argc, char **argv)
{
	const char *root = getenv("GCB_ROOT");
	gcb_shm_stage_spec_t stages[] = {{"validator-0", GCB_STAGE_KIND_VALIDATOR, 0}};
	gcb_shm_ring_spec_t rings[] = {{"fetch-0", 1u << 16, 0, -1, 0},
				       {"valid-0", 1u << 16, 0, 0, -1}};
	char err[512], cmd[1200];
	char *v1, *v2, *bad, *v4, *v5;
	uint64_t fp1, fp2;
	int status;

	if (argc > 1 && strcmp(argv[1], "--no-registry") == 0)
		with_registry = 0;
	if (with_registry && access("/usr/bin/python3", X_OK) != 0) {
		fprintf(stderr, "test-registry-reload: /usr/bin/python3 missing, skipped\n");
		return 77;
	}
	gcb_log_setup("test", GCB_LOG_INFO, GCB_LOG_LOGFMT);
	snprintf(instance, sizeof(instance), "test-regreload-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "/tmp/gcb-test-regreload-%d", (int)getpid());
	snprintf(routes, sizeof(routes), "%s/routes.json", dir);
	snprintf(schema_path, sizeof(schema_path), "%s/agentstate_updated.avsc", dir);
	snprintf(logpath, sizeof(logpath), "%s/validator.log", dir);
	/* with a registry there is no schema-ids.json: the ids come from the registry */
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s'/schemas/%s '%s'/schemas/*.avsc '%s'/",
		 dir, root ? root : ".", with_registry ? "routes.json" : "*.json",
		 root ? root : ".", dir);
	CHECK(system(cmd) == 0, "%s", cmd);
	if (with_registry)
		CHECK(fake_start(&fake, "/apis/ccompat/v7", "gcb") == 0, "fake registry");
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

		if (with_registry) {
			conf.registry_url = fake.url;
			conf.registry_user = "gcb";
			conf.registry_password = FAKE_PASSWORD;
		}
		if (fd < 0 || dup2(fd, 2) < 0 || gcb_stage_enter(&ctx, &shm, 0) != 0 ||
		    gcb_ring_attach_consumer(&cin, gcb_shm_ring_mem(&shm, 0)) != 0 ||
		    gcb_ring_attach_producer(&cout, gcb_shm_ring_mem(&shm, 1)) != 0)
			_exit(3);
		_exit(gcb_validator_main(&conf, &ctx, &cin, &cout));
	}

	/* 1. ids from the registry; the fingerprint of the schema in use */
	v1 = slurp(schema_path);
	fp1 = fingerprint_now();
	CHECK(fp1 != 0, "fingerprint 0");
	expect(v1, 3, 1);
	CHECK(last_fp == fp1, "record fingerprint %016llx, want %016llx",
	      (unsigned long long)last_fp, (unsigned long long)fp1);

	/* 2. a compatible edit (a new optional field) takes effect while events flow */
	v2 = variant("{\"name\": \"userId\"",
		     "{\"name\": \"mood\", \"type\": [\"null\", \"string\"], \"default\": null},\n",
		     0);
	put_file(schema_path, v2);
	fp2 = fingerprint_now();
	CHECK(fp2 != fp1, "same fingerprint for different schemas");
	flow_until_fp(fp2);
	/* without a registry the ids file keeps the id; the fingerprint tells them apart */
	expect(v2, 3, with_registry ? 2 : 1);

	/* 3. an incompatible edit (a new required field) is refused; v2 stays */
	bad = variant("{\"name\": \"userId\"", "{\"name\": \"shift\", \"type\": \"string\"},\n", 0);
	put_file(schema_path, bad);
	flow_until_log("agentstate_updated.avsc: not backward compatible", 1);
	flow(20);
	expect(v2, 3, with_registry ? 2 : 1);
	CHECK(last_fp == fp2, "fingerprint changed on a refused edit");

	if (with_registry) {
		/* 4. the registry refuses: under FULL, dropping a required field breaks
		 * readers of the old schema (gcb_avsc, checking BACKWARD, accepts it) */
		CHECK(fake_set_level(&fake, SUBJECT, "FULL") == 0, "PUT /config");
		v4 = variant("{\"name\": \"routingStatus\"", "", 1);
		put_file(schema_path, v4);
		flow_until_log("schema registry finds it incompatible", 1);
		flow(20);
		expect(v2, 0, 2);

		/* 5. registry failing (503): refused and retried; taken once it is back */
		CHECK(fake_fail(&fake, 1000000, 503) == 0, "fail control");
		v5 = variant("{\"name\": \"userId\"",
			     "{\"name\": \"mood\", \"type\": [\"null\", \"string\"], \"default\": "
			     "null},\n{\"name\": \"team\", \"type\": [\"null\", \"string\"], "
			     "\"default\": null},\n",
			     0);
		put_file(schema_path, v5);
		flow_until_log("trying again in 5 s", 1);
		flow(20);
		CHECK(fake_fail(&fake, 0, 503) == 0, "fail control");
		expect(v5, 0, 3);
		free(v4);
		free(v5);
	}

	kill(child, SIGTERM);
	CHECK(waitpid(child, &status, 0) == child, "waitpid");
	child = 0;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0x%x", status);
	read_outputs();
	{
		gcb_shm_stage_t *st = gcb_shm_stage(&shm, 0);
		uint64_t events = atomic_load(&st->counters[GCB_VC_EVENTS]);
		uint64_t reloads = atomic_load(&st->counters[GCB_VC_RELOADS]);
		uint64_t refused = atomic_load(&st->counters[GCB_VC_RELOAD_REFUSED]);

		CHECK(events == received && received > 0, "counters: events %llu, received %llu",
		      (unsigned long long)events, (unsigned long long)received);
		CHECK(reloads >= (with_registry ? 2u : 1u) && refused >= (with_registry ? 3u : 1u),
		      "counters: reloads %llu refused %llu", (unsigned long long)reloads,
		      (unsigned long long)refused);
	}
	CHECK(count(FAKE_PASSWORD) == 0, "the password is in the validator's log");
	if (with_registry)
		CHECK(fake_stop(&fake) == 0, "fake registry log");
	{
		/* what an operator would see, for the test's output */
		char *log = slurp(logpath), *line = strtok(log, "\n");

		for (; line; line = strtok(NULL, "\n"))
			if (strstr(line, "refused") || strstr(line, "route agentstate"))
				printf("  %s\n", line);
		free(log);
	}
	printf("registry reload (%s): %llu events in order, exactly once; edits taken or refused "
	       "as expected\n",
	       with_registry ? "with registry" : "ids file", (unsigned long long)received);
	free(v1);
	free(v2);
	free(bad);
	cleanup();
	return 0;
}

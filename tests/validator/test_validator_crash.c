/*
 * Crash test for the validator stage: a parent feeds events into a real
 * segment's input ring and reads the output ring while the validator runs in
 * a forked child that is SIGKILLed again and again at arbitrary moments. The
 * output must hold every input seq exactly once, in order, each with the
 * right verdict, batch_seq and flags; a final SIGTERM ends the child cleanly.
 */
#include <errno.h>
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
#include "stages/validator/gcb_validator.h"
#include "lib/gcb_log.h"

#define N_EVENTS   20000u
#define KILL_EVERY 2300u
#define DEADLINE_S 50

static char instance[64];
static char routes[1200];

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			gcb_shm_unlink(instance);                                                  \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* Deterministic per seq: which event, and what the validator must make of it. */
static int expected_type(uint64_t seq)
{
	if (seq % 7 == 3 || seq % 11 == 5 || seq % 13 == 6)
		return GCB_REC_DLQ;
	return GCB_REC_AVRO;
}

static int make_event(uint64_t seq, char *buf, size_t size)
{
	if (seq % 11 == 5)
		return snprintf(buf, size, "{\"id\": %llu, broken", (unsigned long long)seq);
	if (seq % 13 == 6)
		return snprintf(buf, size, "{\"entityType\":\"queue\",\"eventType\":\"updated\"}");
	if (seq % 5 == 0)
		return snprintf(
		    buf, size,
		    "{\"id\":\"00000000-0000-4000-8000-%012llu\",\"entityType\":\"agentstate\","
		    "\"eventType\":\"updated\",\"eventTimestamp\":\"2026-11-27T10:15:30.123Z\","
		    "\"entityId\":\"10000000-0000-4000-8000-%012llu\",\"sequence\":%llu,"
		    "\"data\":{\"userId\":\"10000000-0000-4000-8000-%012llu\","
		    "\"routingStatus\":\"%s\"}}",
		    (unsigned long long)seq, (unsigned long long)seq, (unsigned long long)seq,
		    (unsigned long long)seq, seq % 7 == 3 ? "ASLEEP" : "IDLE");
	return snprintf(
	    buf, size,
	    "{\"id\":\"00000000-0000-4000-8000-%012llu\",\"entityType\":\"interaction\","
	    "\"eventType\":\"%s\",\"eventTimestamp\":\"2026-11-27T10:15:30.123Z\","
	    "\"entityId\":\"20000000-0000-4000-8000-%012llu\",\"sequence\":%llu,"
	    "\"data\":{\"conversationId\":\"20000000-0000-4000-8000-%012llu\","
	    "\"direction\":\"%s\",\"mediaType\":\"chat\",\"status\":\"connected\"}}",
	    (unsigned long long)seq, seq % 2 ? "created" : "updated", (unsigned long long)seq,
	    (unsigned long long)seq, (unsigned long long)seq,
	    seq % 7 == 3 ? "sideways" : "inbound");
}

static pid_t start_validator(gcb_shm_t *shm, int in_idx, int out_idx)
{
	pid_t pid = fork();

	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		gcb_stage_ctx_t ctx;
		gcb_ring_t in, out;
		gcb_validator_conf_t conf = {
		    .routes_path = routes, .strict = -1, .commit_every = 16,
		    .max_event_bytes = 1 << 20};

		if (gcb_stage_enter(&ctx, shm, 0) != 0)
			_exit(3);
		if (gcb_ring_attach_consumer(&in, gcb_shm_ring_mem(shm, (unsigned)in_idx)) != 0 ||
		    gcb_ring_attach_producer(&out, gcb_shm_ring_mem(shm, (unsigned)out_idx)) != 0)
			_exit(4);
		_exit(gcb_validator_main(&conf, &ctx, &in, &out));
	}
	return pid;
}

static void kill_and_reap(pid_t pid, int sig, int *status)
{
	kill(pid, sig);
	CHECK(waitpid(pid, status, 0) == pid, "waitpid: %s", strerror(errno));
}

int main(void)
{
	const char *root = getenv("GCB_ROOT");
	gcb_shm_stage_spec_t stages[] = {{"validator-0", GCB_STAGE_KIND_VALIDATOR, 0}};
	gcb_shm_ring_spec_t rings[] = {
	    {"fetch-0", 1u << 16, 0, -1, 0},
	    {"valid-0", 1u << 16, 0, 0, -1},
	};
	gcb_shm_t shm;
	gcb_ring_t in, out;
	char err[512], json[1024];
	uint64_t next_feed = 1, next_expect = 1, batch_seq = 1, batch_left = 0, kills = 0;
	uint64_t *batch_of = calloc(N_EVENTS + 1, sizeof(uint64_t));
	uint16_t *flags_of = calloc(N_EVENTS + 1, sizeof(uint16_t));
	time_t deadline = time(NULL) + DEADLINE_S;
	int status;
	pid_t child;

	CHECK(batch_of && flags_of, "calloc");
	gcb_log_setup("test", GCB_LOG_WARN, GCB_LOG_LOGFMT);
	snprintf(routes, sizeof(routes), "%s/schemas/routes.json", root ? root : ".");
	snprintf(instance, sizeof(instance), "test-valcrash-%d", (int)getpid());
	CHECK(gcb_shm_create(&shm, instance, stages, 1, rings, 2, err, sizeof(err)) == 0, "%s",
	      err);
	CHECK(gcb_ring_attach_producer(&in, gcb_shm_ring_mem(&shm, 0)) == 0, "attach in");
	CHECK(gcb_ring_attach_consumer(&out, gcb_shm_ring_mem(&shm, 1)) == 0, "attach out");
	child = start_validator(&shm, 0, 1);

	while (next_expect <= N_EVENTS) {
		const gcb_ring_rec_t *rec;
		int progressed = 0;

		CHECK(time(NULL) < deadline, "timed out at seq %llu (fed %llu)",
		      (unsigned long long)next_expect, (unsigned long long)next_feed);
		/* feed whole and partial batches as room allows */
		while (next_feed <= N_EVENTS) {
			gcb_ring_rec_t *r;
			gcb_rec_event_t *ev;
			int jl = make_event(next_feed, json, sizeof(json));
			uint32_t len = (uint32_t)(sizeof(*ev) + (size_t)jl + 6);
			uint16_t flags;

			if (batch_left == 0)
				batch_left = 1 + (batch_seq * 7) % 23;
			flags = batch_left == 1 || next_feed == N_EVENTS ? GCB_REC_F_BATCH_END : 0;
			if (gcb_ring_reserve(&in, len, GCB_REC_EVENT, flags, next_feed, &r) != 0)
				break;
			ev = (void *)r->payload;
			memset(ev, 0, sizeof(*ev));
			ev->batch_seq = batch_seq;
			ev->received_unix_ms = 1764238530000ull + next_feed;
			ev->fields[GCB_EVF_JSON] = (gcb_rec_field_t){sizeof(*ev), (uint32_t)jl};
			ev->fields[GCB_EVF_STREAM] =
			    (gcb_rec_field_t){sizeof(*ev) + (uint32_t)jl, 6};
			memcpy(ev->data, json, (size_t)jl);
			memcpy(ev->data + jl, "strm-0", 6);
			gcb_ring_commit(&in);
			batch_of[next_feed] = batch_seq;
			flags_of[next_feed] = flags;
			next_feed++;
			if (--batch_left == 0)
				batch_seq++;
			progressed = 1;
		}
		while (gcb_ring_read(&out, &rec) == 0) {
			const gcb_rec_out_t *o = (const void *)rec->payload;

			CHECK(rec->seq == next_expect, "got seq %llu, expected %llu",
			      (unsigned long long)rec->seq, (unsigned long long)next_expect);
			CHECK(rec->type == expected_type(rec->seq),
			      "seq %llu: type %u, expected %d", (unsigned long long)rec->seq,
			      rec->type, expected_type(rec->seq));
			CHECK(rec->flags == flags_of[rec->seq], "seq %llu: flags",
			      (unsigned long long)rec->seq);
			CHECK(o->batch_seq == batch_of[rec->seq], "seq %llu: batch_seq",
			      (unsigned long long)rec->seq);
			CHECK(gcb_rec_fields_valid(o->fields, GCB_OUTF_COUNT, sizeof(*o),
						   rec->length),
			      "seq %llu: fields", (unsigned long long)rec->seq);
			if (rec->type == GCB_REC_DLQ) {
				int jl = make_event(rec->seq, json, sizeof(json));

				CHECK(o->fields[GCB_OUTF_VALUE].len == (uint32_t)jl &&
					  memcmp(gcb_rec_field_ptr(o, o->fields[GCB_OUTF_VALUE]),
						 json, (size_t)jl) == 0,
				      "seq %llu: DLQ value is not the raw event",
				      (unsigned long long)rec->seq);
			} else {
				CHECK(o->received_unix_ms == 1764238530000ull + rec->seq,
				      "seq %llu: received_at", (unsigned long long)rec->seq);
			}
			next_expect++;
			progressed = 1;
			if (next_expect % KILL_EVERY == 0) {
				/* keep the output, kill the validator wherever it is */
				gcb_ring_release_all(&out);
				usleep((useconds_t)((kills * 337) % 1500)); /* vary the moment */
				kill_and_reap(child, SIGKILL, &status);
				CHECK(WIFSIGNALED(status), "child was not killed");
				kills++;
				child = start_validator(&shm, 0, 1);
			}
		}
		gcb_ring_release_all(&out);
		if (!progressed)
			gcb_ring_wait_readable(&out, 20);
	}

	/* nothing more may come; then a clean stop */
	usleep(200 * 1000);
	{
		const gcb_ring_rec_t *rec;

		CHECK(gcb_ring_read(&out, &rec) == -EAGAIN, "extra output record seq %llu",
		      (unsigned long long)rec->seq);
	}
	/* drain: the validator's phase (2) ends it once its input is empty */
	atomic_store(&gcb_shm_pipeline(&shm)->draining, GCB_STAGE_KIND_VALIDATOR);
	CHECK(waitpid(child, &status, 0) == child, "waitpid: %s", strerror(errno));
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == GCB_EXIT_OK, "drain exit status 0x%x",
	      status);
	/* a stop signal ends it too, cleanly */
	atomic_store(&gcb_shm_pipeline(&shm)->draining, 0);
	child = start_validator(&shm, 0, 1);
	usleep(100 * 1000);
	kill_and_reap(child, SIGTERM, &status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == GCB_EXIT_OK, "exit status 0x%x", status);
	printf("%u events, each exactly once in order, across %llu SIGKILLs\n", N_EVENTS,
	       (unsigned long long)kills);
	gcb_shm_detach(&shm);
	gcb_shm_unlink(instance);
	free(batch_of);
	free(flags_of);
	return 0;
}

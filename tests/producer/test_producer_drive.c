/*
 * Drives the producer stage against a running gcb-kafka-mock for the
 * producer_*.sh integration tests.
 *
 * Creates a segment (instance "test-producer-<pid>") with V output rings,
 * forks a child that runs gcb_stage_enter() + gcb_producer_main(), writes
 * GCB_REC_AVRO / DLQ / FILTERED records in stripe order (batch b on ring
 * b mod V) and waits until every batch is acknowledged and every ring is
 * released. Writes the records that must reach Kafka to --expect FILE
 * ("seq<TAB>kind<TAB>topic<TAB>key<TAB>value<TAB>timestamp") for the script
 * to compare with what kcat reads back.
 *
 * Modes:
 *   basic   produce everything, drain, child must exit 0
 *   outage  all brokers down (control socket) for --outage-s seconds in the
 *           middle: nothing may be released or acked while they are down
 *   kill    SIGKILL the producer with records in flight, start a new one
 *   inject  send --inject control lines (e.g. produce errors) first; a stage
 *           exiting GCB_EXIT_RESTART is restarted as the supervisor would
 *   resume  acked_batch_seq = 4 with batches 1..6 still in the rings (a
 *           predecessor died between publishing and releasing): batches 1..4
 *           are released without being produced
 *   refuse  run the stage with kafka.acks=1: it must exit GCB_EXIT_FATAL
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shm/gcb_counters_producer.h"
#include "shm/gcb_records.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"
#include "stages/gcb_stage.h"
#include "stages/producer/gcb_producer.h"
#include "lib/gcb_log.h"

#define MAX_RINGS 8

static struct {
	const char *bootstrap, *topic, *expect, *mode, *ctl, *mock;
	unsigned rings, batches, per_batch, outage_s, timeout_s;
	uint64_t ring_size;
} o = {
    .topic = "gcb.test",
    .mode = "basic",
    .rings = 3,
    .batches = 60,
    .per_batch = 50,
    .outage_s = 10,
    .timeout_s = 45,
    .ring_size = 65536,
};

static const char *injects[4];
static unsigned n_injects, restarts;
static uint64_t expect_from = 1; /* batches before it are not expected in Kafka */
static gcb_shm_t shm;
static char instance[64];
static pid_t child;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "test-producer-drive: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (child > 0)
		kill(child, SIGKILL);
	gcb_shm_unlink(instance);
	exit(1);
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static uint64_t counter(unsigned i)
{
	return atomic_load(&gcb_shm_stage(&shm, 0)->counters[i]);
}

static uint64_t acked(void)
{
	return atomic_load(&gcb_shm_pipeline(&shm)->acked_batch_seq);
}

static pid_t start_producer(const char *acks);

static pid_t start_producer(const char *acks)
{
	pid_t pid;

	/* The child leaves by exit() (so LeakSanitizer checks it): nothing of
	 * ours may be left in stdio buffers to be written twice. */
	fflush(NULL);
	pid = fork();

	if (pid < 0)
		die("fork() failed: %s", strerror(errno));
	if (pid == 0) {
		gcb_producer_kv_t kv[3] = {
		    {"kafka.reconnect.backoff.max.ms", "500"},
		    {"kafka.retry.backoff.ms", "50"},
		    {"kafka.acks", acks},
		};
		gcb_ring_t in[MAX_RINGS];
		gcb_producer_conf_t conf;
		gcb_stage_ctx_t ctx;

		if (gcb_stage_enter(&ctx, &shm, 0) != 0)
			_exit(3);
		for (unsigned i = 0; i < o.rings; i++)
			if (gcb_ring_attach_consumer(&in[i], gcb_shm_ring_mem(&shm, i)) != 0)
				_exit(3);
		gcb_producer_conf_init(&conf);
		conf.bootstrap_servers = o.bootstrap;
		conf.default_topic = o.topic;
		conf.kafka = kv;
		conf.n_kafka = acks != NULL ? 3 : 2;
		conf.retry_backoff_max_ms = 1000;
		conf.flush_timeout_ms = 2000;
		exit(gcb_producer_main(&conf, &ctx, in, o.rings));
	}
	return pid;
}

static void ctl(const char *line)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "'%s' --ctl '%s' '%s' >&2", o.mock, o.ctl, line);
	if (system(cmd) != 0)
		die("control line \"%s\" failed", line);
}

/* Checks the child is still running; in modes that do not kill it, it must. */
static void check_child(void)
{
	int st;

	if (child > 0 && waitpid(child, &st, WNOHANG) == child) {
		child = 0;
		/* Like the supervisor: exit 1 asks for a restart. */
		if (n_injects > 0 && WIFEXITED(st) && WEXITSTATUS(st) == GCB_EXIT_RESTART) {
			restarts++;
			printf("inject: producer exited %d, restart %u\n", GCB_EXIT_RESTART,
			       restarts);
			child = start_producer(NULL);
			return;
		}
		die("producer exited early (status 0x%x)", st);
	}
}

static void put(char *data, uint32_t *off, gcb_rec_field_t *f, const char *s)
{
	f->off = (uint32_t)sizeof(gcb_rec_out_t) + *off;
	f->len = (uint32_t)strlen(s);
	memcpy(data + *off, s, f->len);
	*off += f->len;
}

/* Writes event seq (1-based) of batch b and notes it in the expect file;
 * -EAGAIN when the ring is full. */
static int write_record(gcb_ring_t *r, FILE *exp, uint64_t seq, uint64_t b, int last)
{
	unsigned char buf[4096];
	gcb_rec_out_t *out = (gcb_rec_out_t *)buf;
	char value[512], key[32], s[64];
	uint16_t type = GCB_REC_AVRO;
	uint32_t off = 0;
	const char *topic = o.topic;
	int n;

	if (seq % 97 == 0) {
		/* A record no validator should write: the stage must not lose
		 * it either, but send it to the DLQ topic as it is. */
		n = snprintf(value, sizeof(value), "garbage-%" PRIu64, seq);
		if (gcb_ring_write(r, 99, last ? GCB_REC_F_BATCH_END : 0, seq, value,
				   (uint32_t)n) != 0)
			return -EAGAIN;
		if (b >= expect_from)
			fprintf(exp, "%" PRIu64 "\tbad\t%s.dlq\t\t%s\t\n", seq, o.topic, value);
		return 0;
	}
	if (seq % 5 == 0)
		type = GCB_REC_FILTERED;
	else if (seq % 7 == 0)
		type = GCB_REC_DLQ;

	memset(buf, 0, sizeof(gcb_rec_out_t));
	out->batch_seq = b;
	out->received_unix_ms = UINT64_C(1700000000000) + seq;
	out->schema_fingerprint = seq * UINT64_C(0x9E3779B97F4A7C15);
	out->schema_id = 42;
	out->schema_version = 3;
	char *d = (char *)out->data;

	/* Some records leave the topic to the stage's defaults. */
	if (type == GCB_REC_AVRO && seq % 11 != 0)
		put(d, &off, &out->fields[GCB_OUTF_TOPIC], o.topic);
	snprintf(key, sizeof(key), "key-%" PRIu64, seq);
	put(d, &off, &out->fields[GCB_OUTF_KEY], key);
	n = snprintf(value, sizeof(value), "value-%" PRIu64 "-", seq);
	for (unsigned i = 0; i < (seq * 37) % 300; i++)
		value[n++] = (char)('a' + (seq + i) % 26);
	value[n] = '\0';
	put(d, &off, &out->fields[GCB_OUTF_VALUE], value);
	snprintf(s, sizeof(s), "evt-%" PRIu64, seq);
	put(d, &off, &out->fields[GCB_OUTF_EVENT_ID], s);
	put(d, &off, &out->fields[GCB_OUTF_ENTITY_TYPE], "conversation");
	put(d, &off, &out->fields[GCB_OUTF_EVENT_TYPE], "v2.detail.events.conversation");
	put(d, &off, &out->fields[GCB_OUTF_SCHEMA], "com.gcb.Test");
	put(d, &off, &out->fields[GCB_OUTF_STREAM], "stream-a");
	if (type == GCB_REC_DLQ) {
		put(d, &off, &out->fields[GCB_OUTF_ERROR_REASON], "missing_field");
		put(d, &off, &out->fields[GCB_OUTF_ERROR_FIELD], "data.x");
		put(d, &off, &out->fields[GCB_OUTF_ERROR_DETAIL], "no-x");
		topic = NULL;
	}

	uint32_t len = (uint32_t)sizeof(gcb_rec_out_t) + off;

	if (gcb_ring_write(r, type, last ? GCB_REC_F_BATCH_END : 0, seq, buf, len) != 0)
		return -EAGAIN;
	if (type != GCB_REC_FILTERED && b >= expect_from)
		fprintf(exp, "%" PRIu64 "\t%s\t%s%s\t%s\t%s\t%" PRIu64 "\n", seq,
			type == GCB_REC_DLQ ? "dlq" : "avro", o.topic, topic == NULL ? ".dlq" : "",
			key, value, out->received_unix_ms);
	return 0;
}

static int all_released(gcb_ring_t *rings)
{
	for (unsigned i = 0; i < o.rings; i++)
		if (gcb_ring_released(&rings[i]) !=
		    gcb_ring_tail(&rings[i]))
			return 0;
	return 1;
}

static void wait_done(gcb_ring_t *rings, unsigned timeout_s)
{
	for (unsigned ms = 0; ms < timeout_s * 1000; ms += 50) {
		if (acked() == o.batches && all_released(rings))
			return;
		check_child();
		sleep_ms(50);
	}
	die("timed out: acked %" PRIu64 " of %u batches, delivered %" PRIu64 " dlq %" PRIu64
	    " in flight %" PRIu64 " errors %" PRIu64,
	    acked(), o.batches, counter(GCB_PRODUCER_C_DELIVERED),
	    counter(GCB_PRODUCER_C_DLQ_DELIVERED), counter(GCB_PRODUCER_C_IN_FLIGHT),
	    counter(GCB_PRODUCER_C_DELIVERY_ERRORS));
}

static uint64_t next_seq = 1;

/*
 * The fetcher's part: batch b's cursor in its slot before any record of b
 * is in a ring. 0, or -EAGAIN while the slot still holds a batch that is not
 * acknowledged (the fetcher waits for its checkpoint, which follows that).
 */
static int put_slot(uint64_t b)
{
	gcb_shm_cursor_slot_t *s = &gcb_shm_pipeline(&shm)->cursors[b % GCB_SHM_CURSOR_SLOTS];

	if (b > GCB_SHM_CURSOR_SLOTS && acked() < b - GCB_SHM_CURSOR_SLOTS)
		return -EAGAIN;
	atomic_store_explicit(&s->batch_seq, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	s->length = (uint32_t)snprintf(s->cursor, sizeof(s->cursor), "cursor-%" PRIu64, b);
	atomic_store_explicit(&s->batch_seq, b, memory_order_release);
	return 0;
}

/* Writes the records of every batch up to `to` in stripe order. block: wait
 * for room (as the validators do); else return at the first full ring. */
static void write_batches(gcb_ring_t *rings, FILE *exp, uint64_t to, int block)
{
	while (next_seq <= to * o.per_batch) {
		uint64_t b = (next_seq - 1) / o.per_batch + 1;
		unsigned k = (unsigned)((next_seq - 1) % o.per_batch);

		if (k == 0 && put_slot(b) != 0) {
			if (!block)
				return;
			check_child();
			sleep_ms(5);
			continue;
		}
		if (write_record(&rings[b % o.rings], exp, next_seq, b, k + 1 == o.per_batch) ==
		    0) {
			next_seq++;
			continue;
		}
		if (!block)
			return;
		check_child();
		(void)gcb_ring_wait_writable(&rings[b % o.rings], 1024, 100);
	}
}

static void drain_child(void)
{
	int st;

	atomic_store(&gcb_shm_pipeline(&shm)->draining, GCB_STAGE_KIND_PRODUCER);
	for (unsigned ms = 0; ms < 20000; ms += 50) {
		if (waitpid(child, &st, WNOHANG) == child) {
			child = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != GCB_EXIT_OK)
				die("producer did not exit 0 after the drain (status 0x%x)", st);
			return;
		}
		sleep_ms(50);
	}
	die("producer did not stop after the drain");
}

static void print_counters(void)
{
	for (unsigned i = 0; i < GCB_PRODUCER_C_COUNT; i++)
		printf("%s=%" PRIu64 "%c", gcb_producer_counter_names[i], counter(i),
		       i + 1 == GCB_PRODUCER_C_COUNT ? '\n' : ' ');
}

static void mode_outage(gcb_ring_t *rings, FILE *exp)
{
	uint64_t half = o.batches / 2, a0, rel0[MAX_RINGS], errs;

	write_batches(rings, exp, half, 1);
	for (unsigned ms = 0; acked() < half; ms += 50) {
		if (ms > o.timeout_s * 1000)
			die("first half not acknowledged");
		check_child();
		sleep_ms(50);
	}
	ctl("down all");
	sleep_ms(300); /* let answers already on the wire land, then freeze */
	write_batches(rings, exp, o.batches, 0);
	sleep_ms(1000);
	a0 = acked();
	for (unsigned i = 0; i < o.rings; i++)
		rel0[i] = gcb_ring_released(&rings[i]);
	for (unsigned s = 1; s < o.outage_s; s++) {
		sleep_ms(1000);
		check_child();
		/* The rings fill up and stay full: backpressure, not memory. */
		write_batches(rings, exp, o.batches, 0);
		if (acked() != a0)
			die("acked moved from %" PRIu64 " to %" PRIu64 " with every broker down",
			    a0, acked());
		for (unsigned i = 0; i < o.rings; i++)
			if (gcb_ring_released(&rings[i]) != rel0[i])
				die("ring %u released with every broker down", i);
	}
	if (a0 >= o.batches)
		die("everything acknowledged although the brokers were down");
	errs = counter(GCB_PRODUCER_C_DELIVERY_ERRORS);
	printf("outage: acked %" PRIu64 " of %u held for %us, delivery errors %" PRIu64
	       ", in flight %" PRIu64 "\n",
	       a0, o.batches, o.outage_s, errs, counter(GCB_PRODUCER_C_IN_FLIGHT));
	printf("outage: %" PRIu64 " of %u records written while down (rings full)\n", next_seq - 1,
	       o.batches * o.per_batch);

	/* A stop while Kafka is down: bounded flush, exit 0, nothing released. */
	kill(child, SIGTERM);
	for (unsigned ms = 0;; ms += 50) {
		int st;

		if (waitpid(child, &st, WNOHANG) == child) {
			child = 0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != GCB_EXIT_OK)
				die("stop during the outage: status 0x%x", st);
			break;
		}
		if (ms > 30000)
			die("producer did not stop during the outage");
		sleep_ms(50);
	}
	for (unsigned i = 0; i < o.rings; i++)
		if (gcb_ring_released(&rings[i]) != rel0[i] || acked() != a0)
			die("ring %u released by a stop with every broker down", i);
	printf("outage: stopped cleanly with every broker down, nothing released\n");
	child = start_producer(NULL);
	sleep_ms(500);
	ctl("up all");
	write_batches(rings, exp, o.batches, 1);
	wait_done(rings, o.timeout_s);
}

/* Records read minus records released, over every life of the stage. */
static uint64_t read_unreleased(void)
{
	return counter(GCB_PRODUCER_C_PRODUCED) + counter(GCB_PRODUCER_C_FILTERED) +
	       counter(GCB_PRODUCER_C_SKIPPED) - counter(GCB_PRODUCER_C_RELEASED);
}

/*
 * The duplicate bound does not come from the producer's own counters (a
 * broken release would widen its own bound): at each kill, the records the
 * driver had written in batches after the acknowledged one (the checkpoint a
 * fetcher would store) are the only ones Kafka may get twice. Printed as
 * "dup_window=FIRST LAST" (event seqs, inclusive) per kill and their sum as
 * "dup_bound=N"; kafka_verify checks every duplicate against the windows.
 */
static void mode_kill(gcb_ring_t *rings, FILE *exp)
{
	uint64_t unreleased = 0, last_acked = 0, bound = 0;
	int st;

	/* Slow answers from one broker keep records in flight when the stage is
	 * killed, and make batches complete out of order across partitions. */
	ctl("rtt 1 300");
	for (unsigned round = 1; round <= 3; round++) {
		/* Kill when the stage made progress and holds at least 20 records
		 * read but unreleased (waiting on the slow broker). */
		int exhausted = 0;

		for (unsigned ms = 0; acked() <= last_acked || read_unreleased() < unreleased + 20;
		     ms += 10) {
			/* On a slow machine the stage may catch up with every batch
			 * the kills may use before a later round: that is fewer
			 * kills, not a failure, once one kill hit records in flight. */
			if (round > 1 && acked() >= o.batches - 5) {
				exhausted = 1;
				break;
			}
			if (ms > o.timeout_s * 1000)
				die("never saw progress with records in flight");
			/* Keep about 12 batches ahead of the acknowledgements, and
			 * the last 5 for after the kills: there is always work in
			 * flight, and the run cannot finish before the last kill. */
			uint64_t ahead = acked() + 12;

			write_batches(rings, exp, ahead < o.batches - 5 ? ahead : o.batches - 5, 0);
			check_child();
			sleep_ms(10);
		}
		if (exhausted) {
			printf("kill %u: skipped, every batch for the kills was delivered\n", round);
			break;
		}
		kill(child, SIGKILL);
		waitpid(child, &st, 0);
		child = 0;
		last_acked = acked();
		/* Only to pace the next kill: records read and not released. */
		unreleased = read_unreleased();
		if (next_seq - 1 > last_acked * o.per_batch) {
			printf("dup_window=%" PRIu64 " %" PRIu64 "\n", last_acked * o.per_batch + 1,
			       next_seq - 1);
			bound += next_seq - 1 - last_acked * o.per_batch;
		}
		printf("kill %u: acked batch %" PRIu64 ", written up to event %" PRIu64 "\n", round,
		       last_acked, next_seq - 1);
		child = start_producer(NULL);
	}
	printf("dup_bound=%" PRIu64 "\n", bound);
	ctl("rtt 1 0");
	write_batches(rings, exp, o.batches, 1);
	wait_done(rings, o.timeout_s);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"bootstrap", required_argument, NULL, 'b'}, {"topic", required_argument, NULL, 't'},
	    {"expect", required_argument, NULL, 'e'},	 {"mode", required_argument, NULL, 'm'},
	    {"ctl", required_argument, NULL, 'c'},	 {"mock", required_argument, NULL, 'k'},
	    {"rings", required_argument, NULL, 'r'},	 {"batches", required_argument, NULL, 'n'},
	    {"per-batch", required_argument, NULL, 'p'}, {"outage-s", required_argument, NULL, 'o'},
	    {"inject", required_argument, NULL, 'i'},	 {NULL, 0, NULL, 0},
	};
	gcb_shm_ring_spec_t specs[MAX_RINGS];
	gcb_shm_stage_spec_t stage = {"producer", GCB_STAGE_KIND_PRODUCER, 0};
	gcb_ring_t rings[MAX_RINGS];
	char names[MAX_RINGS][16], errstr[256];
	FILE *exp = NULL;
	int c, st;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			o.bootstrap = optarg;
			break;
		case 't':
			o.topic = optarg;
			break;
		case 'e':
			o.expect = optarg;
			break;
		case 'm':
			o.mode = optarg;
			break;
		case 'c':
			o.ctl = optarg;
			break;
		case 'k':
			o.mock = optarg;
			break;
		case 'r':
			o.rings = (unsigned)atoi(optarg);
			break;
		case 'n':
			o.batches = (unsigned)atoi(optarg);
			break;
		case 'p':
			o.per_batch = (unsigned)atoi(optarg);
			break;
		case 'o':
			o.outage_s = (unsigned)atoi(optarg);
			break;
		case 'i':
			if (n_injects < 4)
				injects[n_injects++] = optarg;
			break;
		default:
			return 2;
		}
	}
	if (o.bootstrap == NULL || o.rings < 1 || o.rings > MAX_RINGS || o.batches < 6 ||
	    o.per_batch < 1)
		die("usage: --bootstrap BS [--topic T] --expect FILE --mode M ...");
	gcb_log_setup("test-drive", GCB_LOG_INFO, GCB_LOG_LOGFMT);
	snprintf(instance, sizeof(instance), "test-producer-%d", (int)getpid());
	for (unsigned i = 0; i < o.rings; i++) {
		snprintf(names[i], sizeof(names[i]), "out-%u", i);
		specs[i] = (gcb_shm_ring_spec_t){names[i], o.ring_size, 0, -1, 0};
	}
	if (gcb_shm_create(&shm, instance, &stage, 1, specs, o.rings, errstr, sizeof(errstr)) != 0)
		die("gcb_shm_create() failed: %s", errstr);
	for (unsigned i = 0; i < o.rings; i++)
		if (gcb_ring_attach_producer(&rings[i], gcb_shm_ring_mem(&shm, i)) != 0)
			die("gcb_ring_attach_producer() failed");

	if (strcmp(o.mode, "refuse") == 0) {
		child = start_producer("1");
		waitpid(child, &st, 0);
		child = 0;
		gcb_shm_unlink(instance);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != GCB_EXIT_FATAL)
			die("kafka.acks=1 was not refused (status 0x%x)", st);
		printf("refuse: kafka.acks=1 refused with exit %d\n", GCB_EXIT_FATAL);
		return 0;
	}
	if (o.expect == NULL || (exp = fopen(o.expect, "w")) == NULL)
		die("cannot write --expect file");
	if (strcmp(o.mode, "basic") != 0 && strcmp(o.mode, "resume") != 0 &&
	    (o.ctl == NULL || o.mock == NULL))
		die("mode %s needs --ctl and --mock", o.mode);

	if (strcmp(o.mode, "resume") == 0) {
		/* A predecessor acknowledged batches 1..4 and died before it
		 * released any of them: they must be released, not produced. */
		expect_from = 5;
		write_batches(rings, exp, 6, 1);
		atomic_store(&gcb_shm_pipeline(&shm)->acked_batch_seq, 4);
	}
	child = start_producer(NULL);
	if (strcmp(o.mode, "resume") == 0) {
		write_batches(rings, exp, o.batches, 1);
		wait_done(rings, o.timeout_s);
		printf("resume: skipped=%" PRIu64 " stripe_errors=%" PRIu64 "\n",
		       counter(GCB_PRODUCER_C_SKIPPED), counter(GCB_PRODUCER_C_STRIPE_ERRORS));
		if (counter(GCB_PRODUCER_C_SKIPPED) != 4 * o.per_batch ||
		    counter(GCB_PRODUCER_C_STRIPE_ERRORS) != 0)
			die("expected %u skipped records and no stripe errors", 4 * o.per_batch);
	} else if (strcmp(o.mode, "basic") == 0) {
		write_batches(rings, exp, o.batches, 1);
		wait_done(rings, o.timeout_s);
	} else if (strcmp(o.mode, "inject") == 0) {
		for (unsigned i = 0; i < n_injects; i++)
			ctl(injects[i]);
		write_batches(rings, exp, o.batches, 1);
		wait_done(rings, o.timeout_s);
		printf("inject: restarts=%u delivery_errors=%" PRIu64 " retries=%" PRIu64
		       " fatal_errors=%" PRIu64 "\n",
		       restarts, counter(GCB_PRODUCER_C_DELIVERY_ERRORS),
		       counter(GCB_PRODUCER_C_RETRIES), counter(GCB_PRODUCER_C_FATAL_ERRORS));
	} else if (strcmp(o.mode, "outage") == 0) {
		mode_outage(rings, exp);
	} else if (strcmp(o.mode, "kill") == 0) {
		mode_kill(rings, exp);
	} else {
		die("unknown mode %s", o.mode);
	}
	fclose(exp);
	drain_child();
	printf("done: acked_batch_seq=%" PRIu64 " batches=%u records=%u\n", acked(), o.batches,
	       o.batches * o.per_batch);
	print_counters();
	gcb_shm_detach(&shm);
	gcb_shm_unlink(instance);
	return 0;
}

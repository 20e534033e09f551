/*
 * gcb-ringfeed: builds gcbridge segments in known states for the gcb-ringstat
 * tests. It plays the supervisor (creates the segment, fills the stage table,
 * forks stage processes that attach to the rings) and leaves the segment in
 * the state a scenario names:
 *
 *   healthy           live fetcher -> validator-0 -> producer; runs until SIGTERM
 *   stalled           records waiting, consumer alive, its heartbeats ten minutes old
 *   stuck             like stalled, but the consumer's ring heartbeat stays fresh
 *   hung              producer alive, its heartbeats ten minutes old
 *   orphaned          records waiting, consumer killed (SIGKILL), supervisor alive
 *   crashed           records waiting, every process gone (no supervisor)
 *   corrupt-length    a record header with length > max_record (prints its offset)
 *   corrupt-pad       a padding record in the middle of a lap
 *   corrupt-positions release beyond the tail
 *   bad-magic         a segment whose magic is wrong
 *   bad-version       a segment with an unknown layout version
 *   workload N        deterministic two-process run of N records, then prints the
 *                     final positions, counters and a checksum of the data areas
 *                     (--pace-us: the producer sleeps US after every 256 records)
 *
 * Usage: gcb-ringfeed SCENARIO INSTANCE [N] [--capacity BYTES] [--start-file PATH]
 *                     [--lifetime SECONDS] [--pace-us US]
 * Prints "ready ..." once the state is in place. Live scenarios run until
 * SIGTERM/SIGINT or --lifetime (default 60 s) and then remove the segment;
 * static ones exit at once and leave it for the caller to remove.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "lib/gcb_proc.h"
#include "shm/gcb_records.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"

#define STALE_NS (600ull * 1000000000ull)
#define NSTAGES	 3
#define NRINGS	 2

enum { ST_FETCHER, ST_VALIDATOR, ST_PRODUCER };
enum { RING_FETCH, RING_OUT };

static volatile sig_atomic_t g_stop;
static gcb_shm_t g_shm;
static pid_t g_child[NSTAGES];

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "gcb-ringfeed: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(3);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void sleep_ms_us(long us)
{
	struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000L};

	nanosleep(&ts, NULL);
}

static gcb_ring_ctl_t *ring_ctl(unsigned i)
{
	return gcb_shm_ring_mem(&g_shm, i);
}

/* ---- known records ---- */

static uint32_t put_field(unsigned char *buf, uint32_t *used, gcb_rec_field_t *f, const char *s)
{
	f->off = *used;
	f->len = (uint32_t)strlen(s);
	memcpy(buf + *used, s, f->len);
	*used += f->len;
	return f->len;
}

/* The batch's cursor, in its slot as the fetcher puts it (before the commit). */
static void put_slot(uint64_t batch)
{
	gcb_shm_cursor_slot_t *s = &gcb_shm_pipeline(&g_shm)->cursors[batch % GCB_SHM_CURSOR_SLOTS];

	s->length = (uint32_t)snprintf(s->cursor, sizeof(s->cursor), "cursor-%llu",
				       (unsigned long long)batch);
	atomic_store_explicit(&s->batch_seq, batch, memory_order_release);
}

static void write_event(gcb_ring_t *r, uint64_t seq, uint64_t batch, int batch_end)
{
	unsigned char buf[1024];
	gcb_rec_event_t ev;
	uint32_t used = sizeof(ev);
	char json[256];
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.batch_seq = batch;
	ev.received_unix_ms = 1767225600000ull + seq; /* 2026-01-01T00:00:00Z */
	snprintf(json, sizeof(json),
		 "{\"id\":\"ev-%llu\",\"topicName\":\"v2.detail.events.conversation.start\"}",
		 (unsigned long long)seq);
	put_field(buf, &used, &ev.fields[GCB_EVF_JSON], json);
	put_field(buf, &used, &ev.fields[GCB_EVF_STREAM], "stream-a");
	put_slot(batch);
	memcpy(buf, &ev, sizeof(ev));
	rc = gcb_ring_write(r, GCB_REC_EVENT, batch_end ? GCB_REC_F_BATCH_END : 0, seq, buf, used);
	if (rc != 0)
		die("gcb_ring_write(event)", rc);
}

static void write_out(gcb_ring_t *r, uint64_t seq, int dlq)
{
	unsigned char buf[1024];
	gcb_rec_out_t o;
	uint32_t used = sizeof(o);
	char key[64], id[64];
	int rc;

	memset(&o, 0, sizeof(o));
	o.batch_seq = 1;
	o.received_unix_ms = 1767225600000ull + seq;
	snprintf(key, sizeof(key), "conv-%llu", (unsigned long long)seq);
	snprintf(id, sizeof(id), "ev-%llu", (unsigned long long)seq);
	if (dlq) {
		put_field(buf, &used, &o.fields[GCB_OUTF_TOPIC], "gcb.dlq");
		put_field(buf, &used, &o.fields[GCB_OUTF_VALUE], "{\"id\":\"broken\"}");
		put_field(buf, &used, &o.fields[GCB_OUTF_ERROR_REASON], "missing_field");
		put_field(buf, &used, &o.fields[GCB_OUTF_ERROR_FIELD], "data.disposition.code");
		put_field(buf, &used, &o.fields[GCB_OUTF_ERROR_DETAIL], "required field absent");
	} else {
		o.schema_fingerprint = 0x0123456789abcdefull;
		o.schema_id = 7;
		o.schema_version = 3;
		put_field(buf, &used, &o.fields[GCB_OUTF_TOPIC], "gcb.conversations");
		/* Confluent frame: magic 0, schema id 7 big-endian, then Avro. */
		put_field(buf, &used, &o.fields[GCB_OUTF_SCHEMA], "genesys.ConversationStart");
		o.fields[GCB_OUTF_VALUE].off = used;
		o.fields[GCB_OUTF_VALUE].len = 9;
		memcpy(buf + used, "\x00\x00\x00\x00\x07\x02\x41\x42\x43", 9);
		used += 9;
	}
	put_field(buf, &used, &o.fields[GCB_OUTF_KEY], key);
	put_field(buf, &used, &o.fields[GCB_OUTF_EVENT_ID], id);
	memcpy(buf, &o, sizeof(o));
	rc = gcb_ring_write(r, dlq ? GCB_REC_DLQ : GCB_REC_AVRO, 0, seq, buf, used);
	if (rc != 0)
		die("gcb_ring_write(out)", rc);
}

/* Five events (two batches) on fetch.0, an AVRO and a DLQ record on out.0. */
static void write_known(void)
{
	gcb_ring_t f, o;
	int rc;

	if ((rc = gcb_ring_attach_producer(&f, ring_ctl(RING_FETCH))) != 0 ||
	    (rc = gcb_ring_attach_producer(&o, ring_ctl(RING_OUT))) != 0)
		die("gcb_ring_attach_producer", rc);
	for (uint64_t s = 1; s <= 5; s++)
		write_event(&f, s, s <= 3 ? 1 : 2, s == 3 || s == 5);
	write_out(&o, 1, 0);
	write_out(&o, 2, 1);
}

/* ---- stage processes ---- */

static void stage_mark(unsigned i, pid_t pid)
{
	gcb_shm_stage_t *st = gcb_shm_stage(&g_shm, i);
	uint64_t t = 0;

	(void)gcb_proc_start_time(pid, &t);
	atomic_store(&st->start_time, t);
	atomic_store(&st->pid, (int32_t)pid);
	atomic_store(&st->heartbeat_ns, gcb_clock_mono_ns());
	atomic_store(&st->started_unix_ms, gcb_clock_real_ms());
	atomic_store(&st->state, GCB_STAGE_RUNNING);
}

static void stage_heartbeat(unsigned i)
{
	atomic_store(&gcb_shm_stage(&g_shm, i)->heartbeat_ns, gcb_clock_mono_ns());
}

typedef void (*stage_fn)(unsigned i, int ready_fd);

/* Forks stage i running fn; returns once the child said it is attached. */
static pid_t stage_fork(unsigned i, stage_fn fn)
{
	int fds[2];
	char c;
	pid_t pid;

	if (pipe(fds) != 0)
		die("pipe", errno);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		fn(i, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) != 1)
		die("stage start", EPIPE);
	close(fds[0]);
	g_child[i] = pid;
	stage_mark(i, pid);
	return pid;
}

static void ready(int fd)
{
	if (write(fd, "r", 1) != 1)
		_exit(3);
	close(fd);
}

/* Live pipeline stages: small steady traffic, heartbeats every loop. */
static void live_fetcher(unsigned i, int fd)
{
	gcb_ring_t r;
	uint64_t seq = 0;

	if (gcb_ring_attach_producer(&r, ring_ctl(RING_FETCH)) != 0)
		_exit(3);
	seq = gcb_ring_resume_seq(&r);
	ready(fd);
	for (;;) {
		stage_heartbeat(i);
		gcb_ring_heartbeat_producer(&r);
		if (gcb_ring_wait_writable(&r, 512, 100) == 0) {
			seq++;
			write_event(&r, seq, seq, 1);
		}
		sleep_ms(20);
	}
}

static void live_validator(unsigned i, int fd)
{
	gcb_ring_t in, out;
	const gcb_ring_rec_t *rec;

	if (gcb_ring_attach_consumer(&in, ring_ctl(RING_FETCH)) != 0 ||
	    gcb_ring_attach_producer(&out, ring_ctl(RING_OUT)) != 0)
		_exit(3);
	ready(fd);
	for (;;) {
		stage_heartbeat(i);
		gcb_ring_heartbeat_consumer(&in);
		gcb_ring_heartbeat_producer(&out);
		if (gcb_ring_wait_readable(&in, 100) != 0)
			continue;
		while (gcb_ring_read(&in, &rec) == 0) {
			while (gcb_ring_wait_writable(&out, 512, 100) != 0)
				stage_heartbeat(i);
			write_out(&out, rec->seq, rec->seq % 10 == 0);
		}
		gcb_ring_release_all(&in);
	}
}

static void live_producer(unsigned i, int fd)
{
	gcb_ring_t in;
	const gcb_ring_rec_t *rec;

	if (gcb_ring_attach_consumer(&in, ring_ctl(RING_OUT)) != 0)
		_exit(3);
	ready(fd);
	for (;;) {
		stage_heartbeat(i);
		gcb_ring_heartbeat_consumer(&in);
		if (gcb_ring_wait_readable(&in, 100) != 0)
			continue;
		while (gcb_ring_read(&in, &rec) == 0)
			;
		gcb_ring_release_all(&in);
	}
}

/* Attach as the ring's producer (validator-0 side of out.0 too), then do nothing. */
static void idle_producer(unsigned i, int fd)
{
	gcb_ring_t r;

	if (gcb_ring_attach_producer(&r, ring_ctl(i == ST_FETCHER ? RING_FETCH : RING_OUT)) != 0)
		_exit(3);
	ready(fd);
	for (;;)
		pause();
}

static void idle_consumer(unsigned i, int fd)
{
	gcb_ring_t r;

	if (gcb_ring_attach_consumer(&r, ring_ctl(i == ST_VALIDATOR ? RING_FETCH : RING_OUT)) != 0)
		_exit(3);
	ready(fd);
	for (;;)
		pause();
}

/* A validator that only consumes fetch.0 (attached as out.0's producer too). */
static void idle_both(unsigned i, int fd)
{
	gcb_ring_t in, out;

	(void)i;
	if (gcb_ring_attach_consumer(&in, ring_ctl(RING_FETCH)) != 0 ||
	    gcb_ring_attach_producer(&out, ring_ctl(RING_OUT)) != 0)
		_exit(3);
	ready(fd);
	for (;;)
		pause();
}

static void kill_stage(unsigned i)
{
	gcb_shm_stage_t *st = gcb_shm_stage(&g_shm, i);
	int status = 0;

	if (g_child[i] <= 0)
		return;
	kill(g_child[i], SIGKILL);
	waitpid(g_child[i], &status, 0);
	g_child[i] = 0;
	/* What a supervisor records when it reaps a stage. */
	atomic_store(&st->last_exit, status);
	atomic_store(&st->pid, 0);
	atomic_store(&st->state, GCB_STAGE_BACKOFF);
	atomic_fetch_add(&st->restarts, 0);
}

static void kill_all(void)
{
	for (unsigned i = 0; i < NSTAGES; i++) {
		if (g_child[i] > 0) {
			kill(g_child[i], SIGKILL);
			waitpid(g_child[i], NULL, 0);
			g_child[i] = 0;
		}
	}
}

/* ---- segment ---- */

static void create_segment(const char *instance, uint64_t capacity)
{
	static const gcb_shm_stage_spec_t stages[NSTAGES] = {
	    {"fetcher", GCB_STAGE_KIND_FETCHER, 0},
	    {"validator-0", GCB_STAGE_KIND_VALIDATOR, 0},
	    {"producer", GCB_STAGE_KIND_PRODUCER, 0},
	};
	gcb_shm_ring_spec_t rings[NRINGS] = {
	    {"fetch.0", capacity, 0, ST_FETCHER, ST_VALIDATOR},
	    {"out.0", capacity, 0, ST_VALIDATOR, ST_PRODUCER},
	};
	gcb_shm_header_t *h;
	char err[256];
	uint64_t st = 0;
	int rc;

	rc = gcb_shm_create(&g_shm, instance, stages, NSTAGES, rings, NRINGS, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "gcb-ringfeed: %s\n", err);
		exit(3);
	}
	h = g_shm.hdr;
	(void)gcb_proc_start_time(getpid(), &st);
	atomic_store(&h->supervisor_start_time, st);
	atomic_store(&h->supervisor_pid, (int32_t)getpid());
	atomic_store(&h->supervisor_heartbeat_ns, gcb_clock_mono_ns());
}

/* A heartbeat STALE_NS ago (or at boot, on a host up for less). */
static void age_side(_Atomic uint64_t *hb)
{
	uint64_t now = gcb_clock_mono_ns();

	atomic_store(hb, now > STALE_NS ? now - STALE_NS : 1);
}

/* Keeps the supervisor heartbeat fresh until asked to stop, then cleans up. */
static int live_loop(double lifetime)
{
	uint64_t end = gcb_clock_mono_ns() + (uint64_t)(lifetime * 1e9);

	while (!g_stop && gcb_clock_mono_ns() < end) {
		atomic_store(&g_shm.hdr->supervisor_heartbeat_ns, gcb_clock_mono_ns());
		sleep_ms(50);
	}
	kill_all();
	gcb_shm_unlink(g_shm.path);
	gcb_shm_detach(&g_shm);
	return 0;
}

/* ---- workload ---- */

static uint32_t wl_len(uint64_t seq)
{
	return (uint32_t)((seq * 7919u) % 600u) + 1;
}

static unsigned char wl_byte(uint64_t seq, uint32_t i)
{
	return (unsigned char)(seq * 131u + i * 7u);
}

static void wl_producer(unsigned i, int fd)
{
	gcb_ring_t r;
	gcb_ring_rec_t *rec;
	uint64_t n = (uint64_t)atoll(getenv("GCB_RINGFEED_N"));
	long pace_us = atol(getenv("GCB_RINGFEED_PACE_US"));

	(void)i;
	if (gcb_ring_attach_producer(&r, ring_ctl(RING_FETCH)) != 0)
		_exit(3);
	ready(fd);
	for (uint64_t seq = 1; seq <= n; seq++) {
		uint32_t len = wl_len(seq);

		while (gcb_ring_reserve(&r, len, 9, (uint16_t)(seq & 1), seq, &rec) != 0)
			(void)gcb_ring_wait_writable(&r, len, 100);
		for (uint32_t k = 0; k < len; k++)
			rec->payload[k] = wl_byte(seq, k);
		gcb_ring_commit(&r);
		/* Pacing stretches the run so tools can watch it; it changes
		 * when records move, never which bytes end up where. */
		if (pace_us > 0 && seq % 256 == 0)
			sleep_ms_us(pace_us);
	}
	_exit(0);
}

static void wl_consumer(unsigned i, int fd)
{
	gcb_ring_t r;
	const gcb_ring_rec_t *rec;
	uint64_t n = (uint64_t)atoll(getenv("GCB_RINGFEED_N")), seq = 0;

	(void)i;
	if (gcb_ring_attach_consumer(&r, ring_ctl(RING_FETCH)) != 0)
		_exit(3);
	ready(fd);
	while (seq < n) {
		if (gcb_ring_read(&r, &rec) != 0) {
			(void)gcb_ring_wait_readable(&r, 100);
			continue;
		}
		seq++;
		if (rec->seq != seq || rec->length != wl_len(seq) || rec->type != 9) {
			fprintf(stderr, "gcb-ringfeed: record %llu mismatch\n",
				(unsigned long long)seq);
			_exit(4);
		}
		for (uint32_t k = 0; k < rec->length; k++)
			if (rec->payload[k] != wl_byte(seq, k))
				_exit(4);
		/* Release in small groups, as a batching consumer would. */
		if (seq % 4 == 0 || seq == n)
			gcb_ring_release_all(&r);
	}
	_exit(0);
}

static uint64_t fnv1a(const unsigned char *p, uint64_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int workload(const char *instance, uint64_t n, uint64_t capacity, const char *start_file,
		    long pace_us)
{
	char nbuf[32];
	int status, rc = 0;
	uint64_t deadline;

	snprintf(nbuf, sizeof(nbuf), "%llu", (unsigned long long)n);
	setenv("GCB_RINGFEED_N", nbuf, 1);
	snprintf(nbuf, sizeof(nbuf), "%ld", pace_us);
	setenv("GCB_RINGFEED_PACE_US", nbuf, 1);
	create_segment(instance, capacity);
	printf("ready supervisor=%d\n", (int)getpid());
	fflush(stdout);
	if (start_file != NULL) {
		deadline = gcb_clock_mono_ns() + 30ull * 1000000000ull;
		while (access(start_file, F_OK) != 0 && gcb_clock_mono_ns() < deadline && !g_stop)
			sleep_ms(10);
	}
	stage_fork(ST_VALIDATOR, wl_consumer);
	stage_fork(ST_FETCHER, wl_producer);
	for (unsigned i = 0; i < 2; i++) {
		pid_t pid = g_child[i];

		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			atomic_store(&g_shm.hdr->supervisor_heartbeat_ns, gcb_clock_mono_ns());
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
		g_child[i] = 0;
	}
	for (unsigned i = 0; i < NRINGS; i++) {
		gcb_ring_ctl_t *c = ring_ctl(i);

		printf("ring %u tail=%llu read=%llu release=%llu records_written=%llu "
		       "bytes_written=%llu records_read=%llu bytes_read=%llu last_rec=%llu "
		       "data_fnv=%016llx\n",
		       i, (unsigned long long)atomic_load(&c->prod.tail),
		       (unsigned long long)atomic_load(&c->cons.read),
		       (unsigned long long)atomic_load(&c->cons.release),
		       (unsigned long long)atomic_load(&c->prod.records_written),
		       (unsigned long long)atomic_load(&c->prod.bytes_written),
		       (unsigned long long)atomic_load(&c->cons.records_read),
		       (unsigned long long)atomic_load(&c->cons.bytes_read),
		       (unsigned long long)atomic_load(&c->prod.last_rec),
		       (unsigned long long)fnv1a((unsigned char *)c + GCB_RING_CTL_SIZE,
						 c->desc.capacity));
	}
	printf("workload %s\n", rc == 0 ? "ok" : "failed");
	fflush(stdout);
	gcb_shm_unlink(g_shm.path);
	gcb_shm_detach(&g_shm);
	return rc;
}

/* ---- scenarios ---- */

/* Offset in the data area of the k-th record (0-based) of a ring never wrapped. */
static uint64_t nth_record_pos(unsigned ring, unsigned k)
{
	gcb_ring_ctl_t *c = ring_ctl(ring);
	unsigned char *data = (unsigned char *)c + GCB_RING_CTL_SIZE;
	uint64_t pos = atomic_load(&c->cons.release);

	while (k-- > 0) {
		gcb_ring_rec_t *h = (gcb_ring_rec_t *)(data + (pos & (c->desc.capacity - 1)));

		pos += gcb_ring_record_size(h->length);
	}
	return pos;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"capacity", required_argument, NULL, 'c'},
	    {"start-file", required_argument, NULL, 's'},
	    {"lifetime", required_argument, NULL, 'l'},
	    {"pace-us", required_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	const char *scenario, *instance, *start_file = NULL;
	uint64_t capacity = 65536, n = 0;
	double lifetime = 60;
	long pace_us = 0;
	struct sigaction sa;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			capacity = strtoull(optarg, NULL, 10);
			break;
		case 's':
			start_file = optarg;
			break;
		case 'l':
			lifetime = atof(optarg);
			break;
		case 'p':
			pace_us = atol(optarg);
			break;
		default:
			return 64;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: gcb-ringfeed SCENARIO INSTANCE [N] [options]\n");
		return 64;
	}
	scenario = argv[optind];
	instance = argv[optind + 1];
	if (argc - optind > 2)
		n = strtoull(argv[optind + 2], NULL, 10);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(scenario, "workload") == 0)
		return workload(instance, n ? n : 100000, capacity, start_file, pace_us);

	create_segment(instance, capacity);
	if (strcmp(scenario, "healthy") == 0) {
		stage_fork(ST_PRODUCER, live_producer);
		stage_fork(ST_VALIDATOR, live_validator);
		stage_fork(ST_FETCHER, live_fetcher);
		printf("ready supervisor=%d\n", (int)getpid());
		return live_loop(lifetime);
	}
	if (strcmp(scenario, "stalled") == 0 || strcmp(scenario, "stuck") == 0) {
		int stuck = strcmp(scenario, "stuck") == 0;

		stage_fork(ST_FETCHER, idle_producer);
		stage_fork(ST_VALIDATOR, idle_both);
		stage_fork(ST_PRODUCER, idle_consumer);
		write_known();
		/* Drain out.0 so only fetch.0 has a stalled consumer. */
		atomic_store(&ring_ctl(RING_OUT)->cons.read,
			     atomic_load(&ring_ctl(RING_OUT)->prod.tail));
		atomic_store(&ring_ctl(RING_OUT)->cons.release,
			     atomic_load(&ring_ctl(RING_OUT)->prod.tail));
		/* write_known ran in this process: the sides name the stages again. */
		atomic_store(&ring_ctl(RING_FETCH)->prod.pid, (int32_t)g_child[ST_FETCHER]);
		atomic_store(&ring_ctl(RING_FETCH)->prod.start_time,
			     atomic_load(&gcb_shm_stage(&g_shm, ST_FETCHER)->start_time));
		atomic_store(&ring_ctl(RING_OUT)->prod.pid, (int32_t)g_child[ST_VALIDATOR]);
		atomic_store(&ring_ctl(RING_OUT)->prod.start_time,
			     atomic_load(&gcb_shm_stage(&g_shm, ST_VALIDATOR)->start_time));
		if (!stuck)
			age_side(&ring_ctl(RING_FETCH)->cons.heartbeat_ns);
		printf("ready supervisor=%d consumer=%d\n", (int)getpid(),
		       (int)g_child[ST_VALIDATOR]);
		/* Stage heartbeats stay fresh: only the ring shows the stall. */
		uint64_t end = gcb_clock_mono_ns() + (uint64_t)(lifetime * 1e9);

		while (!g_stop && gcb_clock_mono_ns() < end) {
			atomic_store(&g_shm.hdr->supervisor_heartbeat_ns, gcb_clock_mono_ns());
			for (unsigned i = 0; i < NSTAGES; i++)
				stage_heartbeat(i);
			/* stuck: the consumer looks alive on its ring too, it
			 * just never moves; only watching shows it. */
			if (stuck)
				atomic_store(&ring_ctl(RING_FETCH)->cons.heartbeat_ns,
					     gcb_clock_mono_ns());
			sleep_ms(50);
		}
		kill_all();
		gcb_shm_unlink(g_shm.path);
		return 0;
	}
	if (strcmp(scenario, "hung") == 0) {
		stage_fork(ST_FETCHER, idle_producer);
		stage_fork(ST_VALIDATOR, idle_both);
		stage_fork(ST_PRODUCER, idle_consumer);
		age_side(&ring_ctl(RING_FETCH)->prod.heartbeat_ns);
		age_side(&gcb_shm_stage(&g_shm, ST_FETCHER)->heartbeat_ns);
		printf("ready supervisor=%d producer=%d\n", (int)getpid(),
		       (int)g_child[ST_FETCHER]);
		uint64_t end = gcb_clock_mono_ns() + (uint64_t)(lifetime * 1e9);

		while (!g_stop && gcb_clock_mono_ns() < end) {
			atomic_store(&g_shm.hdr->supervisor_heartbeat_ns, gcb_clock_mono_ns());
			stage_heartbeat(ST_VALIDATOR);
			stage_heartbeat(ST_PRODUCER);
			gcb_ring_ctl_t *f = ring_ctl(RING_FETCH), *o = ring_ctl(RING_OUT);

			atomic_store(&f->cons.heartbeat_ns, gcb_clock_mono_ns());
			atomic_store(&o->prod.heartbeat_ns, gcb_clock_mono_ns());
			atomic_store(&o->cons.heartbeat_ns, gcb_clock_mono_ns());
			sleep_ms(50);
		}
		kill_all();
		gcb_shm_unlink(g_shm.path);
		return 0;
	}
	if (strcmp(scenario, "orphaned") == 0 || strcmp(scenario, "crashed") == 0) {
		int crashed = scenario[0] == 'c';

		write_known();
		stage_fork(ST_FETCHER, idle_producer);
		stage_fork(ST_VALIDATOR, idle_both);
		stage_fork(ST_PRODUCER, idle_consumer);
		kill_stage(ST_VALIDATOR);
		if (crashed) {
			kill_stage(ST_FETCHER);
			kill_stage(ST_PRODUCER);
			printf("ready\n");
			return 0; /* the supervisor "crashes": segment left behind */
		}
		printf("ready supervisor=%d\n", (int)getpid());
		uint64_t end = gcb_clock_mono_ns() + (uint64_t)(lifetime * 1e9);

		while (!g_stop && gcb_clock_mono_ns() < end) {
			atomic_store(&g_shm.hdr->supervisor_heartbeat_ns, gcb_clock_mono_ns());
			stage_heartbeat(ST_FETCHER);
			stage_heartbeat(ST_PRODUCER);
			sleep_ms(50);
		}
		kill_all();
		gcb_shm_unlink(g_shm.path);
		return 0;
	}
	if (strncmp(scenario, "corrupt-", 8) == 0) {
		gcb_ring_ctl_t *f = ring_ctl(RING_FETCH);
		unsigned char *data = (unsigned char *)f + GCB_RING_CTL_SIZE;
		uint64_t pos = 0;

		write_known();
		if (strcmp(scenario, "corrupt-length") == 0) {
			pos = nth_record_pos(RING_FETCH, 2);
			((gcb_ring_rec_t *)(data + pos))->length = (uint32_t)f->desc.max_record + 1;
		} else if (strcmp(scenario, "corrupt-pad") == 0) {
			pos = nth_record_pos(RING_FETCH, 3);
			((gcb_ring_rec_t *)(data + pos))->type = GCB_RING_REC_PAD;
		} else if (strcmp(scenario, "corrupt-positions") == 0) {
			pos = atomic_load(&f->prod.tail) + 64;
			atomic_store(&f->cons.release, pos);
		} else {
			fprintf(stderr, "gcb-ringfeed: unknown scenario %s\n", scenario);
			gcb_shm_unlink(g_shm.path);
			return 64;
		}
		printf("ready corrupt_offset=%llu\n",
		       (unsigned long long)(pos & (f->desc.capacity - 1)));
		return 0;
	}
	if (strcmp(scenario, "bad-magic") == 0) {
		g_shm.hdr->magic ^= 0xff;
		printf("ready\n");
		return 0;
	}
	if (strcmp(scenario, "bad-version") == 0) {
		atomic_store(&g_shm.hdr->layout_version, GCB_SHM_LAYOUT_VERSION + 41);
		printf("ready\n");
		return 0;
	}
	fprintf(stderr, "gcb-ringfeed: unknown scenario %s\n", scenario);
	gcb_shm_unlink(g_shm.path);
	return 64;
}

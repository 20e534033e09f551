/*
 * gcb-ringbench: throughput of the shared-memory ring between two processes,
 * next to the two obvious references, for 64 B, 512 B and 4 KiB records.
 *
 *   ring     a producer process writes records (batched reserve + commit)
 *            into a ring of a real segment made by gcb_shm_create(); a
 *            consumer process, which maps the segment itself, reads each
 *            record, copies its payload out and releases in batches.
 *   memcpy   one process copies the same payloads into a buffer the size of
 *            the ring (the same working set): the cost of a single copy.
 *   pipe     the same two processes, the same records (16-byte header +
 *            payload) through pipe(2), one write(2) per record (a message
 *            pipe); the reader reads 64 KiB at a time and walks the records.
 *   pipe/64K the same, but the writer packs records into 64 KiB writes.
 *
 * Throughput counts payload bytes. Each run lasts -t seconds (default 0.4;
 * memcpy half that) and each point is run -n times (default 5), keeping the
 * best; the whole run takes about 10 x t x n seconds. Output is a markdown
 * table, headed by the load average the run started with.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"

#define REC_DATA    1u
#define REC_END	    2u
#define PIPE_CHUNK  65536u
#define CHECK_EVERY 64u /* batches between clock reads */

struct result {
	uint64_t records;
	uint64_t bytes;
	uint64_t t0_ns, t1_ns;
	uint64_t sink;
	uint64_t full_stalls, empty_stalls; /* ring only */
};

static double opt_secs = 0.4;
static int opt_reps = 5;
static uint64_t opt_capacity = 4u * 1024u * 1024u;
static int opt_pin = 0;
static int opt_ring_only = 0;
static unsigned opt_batch_bytes = 16384;
static char instance[64];
static int created;
static volatile uint64_t sink;

static void die(const char *what)
{
	fprintf(stderr, "gcb-ringbench: %s\n", what);
	if (created)
		gcb_shm_unlink(instance);
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (!opt_pin)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

/* Records per commit / release: about -B bytes, at least 1, at most 256. */
static unsigned batch_for(uint32_t size)
{
	unsigned b = opt_batch_bytes / (unsigned)gcb_ring_record_size(size);

	return b < 1 ? 1 : b > 256 ? 256 : b;
}

static double rate(const struct result *r)
{
	return (double)r->records / ((double)(r->t1_ns - r->t0_ns) / 1e9);
}

static double gbps(const struct result *r)
{
	return (double)r->bytes / ((double)(r->t1_ns - r->t0_ns));
}

static void send_result(int fd, const struct result *r)
{
	if (write(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		_exit(3);
}

static void recv_result(int fd, struct result *r, pid_t child)
{
	int status;

	if (read(fd, r, sizeof(*r)) != (ssize_t)sizeof(*r))
		die("the consumer process sent no result");
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("the consumer process failed");
}

/* ---- ring ---- */

static void ring_consumer(uint32_t size, int res_fd)
{
	unsigned char buf[4096];
	unsigned batch = batch_for(size), unreleased = 0;
	struct result res = {0};
	char err[256];
	gcb_shm_t shm;
	gcb_ring_t r;

	pin(1);
	if (gcb_shm_attach(&shm, instance, 0, 5000, err, sizeof(err)) != 0 ||
	    gcb_ring_attach_consumer(&r, gcb_shm_ring_mem(&shm, 0)) != 0)
		_exit(2);
	for (;;) {
		const gcb_ring_rec_t *rec;
		int rc = gcb_ring_read(&r, &rec);

		if (rc == -EAGAIN) {
			if (unreleased != 0) {
				gcb_ring_release_all(&r);
				unreleased = 0;
			}
			(void)gcb_ring_wait_readable(&r, 1000);
			continue;
		}
		if (rc != 0)
			_exit(4);
		if (rec->type == REC_END) {
			res.t0_ns = rec->seq;
			break;
		}
		memcpy(buf, rec->payload, rec->length);
		res.sink += buf[0] ^ buf[rec->length - 1];
		res.records++;
		res.bytes += rec->length;
		if (++unreleased >= batch) {
			gcb_ring_release_all(&r);
			unreleased = 0;
		}
	}
	res.t1_ns = gcb_clock_mono_ns();
	gcb_ring_release_all(&r);
	send_result(res_fd, &res);
	gcb_shm_detach(&shm);
	_exit(0);
}

static void bench_ring(uint32_t size, const unsigned char *src, struct result *out)
{
	gcb_shm_ring_spec_t spec = {"bench", opt_capacity, 4096, -1, -1};
	unsigned batch = batch_for(size), n = 0;
	uint64_t t0, end, batches = 0;
	char err[256];
	gcb_shm_t shm;
	gcb_ring_t r;
	gcb_ring_rec_t *rec;
	int fds[2];
	pid_t pid;

	if (gcb_shm_create(&shm, instance, NULL, 0, &spec, 1, err, sizeof(err)) != 0)
		die(err);
	created = 1;
	if (pipe(fds) != 0)
		die("pipe() failed");
	pid = fork();
	if (pid < 0)
		die("fork() failed");
	if (pid == 0) {
		close(fds[0]);
		gcb_shm_detach(&shm); /* the consumer maps the segment on its own */
		ring_consumer(size, fds[1]);
	}
	close(fds[1]);
	pin(0);
	if (gcb_ring_attach_producer(&r, gcb_shm_ring_mem(&shm, 0)) != 0)
		die("gcb_ring_attach_producer() failed");

	t0 = gcb_clock_mono_ns();
	end = t0 + (uint64_t)(opt_secs * 1e9);
	for (;;) {
		int rc = gcb_ring_reserve(&r, size, REC_DATA, 0, 0, &rec);

		if (rc == -EAGAIN) {
			if (n != 0) {
				gcb_ring_commit(&r);
				n = 0;
			}
			(void)gcb_ring_wait_writable(&r, size, 1000);
			continue;
		}
		memcpy(rec->payload, src, size);
		if (++n < batch)
			continue;
		gcb_ring_commit(&r);
		n = 0;
		if (++batches % CHECK_EVERY == 0 && gcb_clock_mono_ns() >= end)
			break;
	}
	/* The end marker carries the start time to the consumer. */
	while (gcb_ring_reserve(&r, 0, REC_END, 0, t0, &rec) != 0)
		(void)gcb_ring_wait_writable(&r, 0, 1000);
	gcb_ring_commit(&r);
	recv_result(fds[0], out, pid);
	close(fds[0]);
	{
		gcb_ring_stats_t st;

		gcb_ring_ctl_stats(r.ctl, &st);
		out->full_stalls = st.full_stalls;
		out->empty_stalls = st.empty_stalls;
	}
	gcb_shm_detach(&shm);
	gcb_shm_unlink(instance);
	created = 0;
}

/*
 * Both sides in one process, taking turns: a batch is written, then read,
 * copied out and released. What one core can move when the two sides cannot
 * run at the same time (a busy machine), with no futex and no other core.
 */
static void bench_ring_alone(uint32_t size, const unsigned char *src, struct result *out)
{
	unsigned char *mem = aligned_alloc(128, gcb_ring_footprint(opt_capacity)), buf[4096];
	unsigned batch = batch_for(size);
	gcb_ring_t p, c;
	uint64_t end;

	if (mem == NULL)
		die("out of memory");
	memset(mem, 0, gcb_ring_footprint(opt_capacity));
	if (gcb_ring_format(mem, opt_capacity, 4096, "alone") != 0 ||
	    gcb_ring_attach_producer(&p, mem) != 0 || gcb_ring_attach_consumer(&c, mem) != 0)
		die("ring setup failed");
	memset(out, 0, sizeof(*out));
	out->t0_ns = gcb_clock_mono_ns();
	end = out->t0_ns + (uint64_t)(opt_secs * 1e9 / 2);
	for (uint64_t b = 1;; b++) {
		const gcb_ring_rec_t *rrec;
		gcb_ring_rec_t *wrec;

		for (unsigned i = 0; i < batch; i++) {
			if (gcb_ring_reserve(&p, size, REC_DATA, 0, 0, &wrec) != 0)
				die("gcb_ring_reserve() failed");
			memcpy(wrec->payload, src, size);
		}
		gcb_ring_commit(&p);
		while (gcb_ring_read(&c, &rrec) == 0) {
			memcpy(buf, rrec->payload, rrec->length);
			out->sink += buf[0] ^ buf[rrec->length - 1];
			out->records++;
			out->bytes += rrec->length;
		}
		gcb_ring_release_all(&c);
		if (b % CHECK_EVERY == 0 && gcb_clock_mono_ns() >= end)
			break;
	}
	out->t1_ns = gcb_clock_mono_ns();
	free(mem);
}

/* ---- memcpy ---- */

static void bench_memcpy(uint32_t size, const unsigned char *src, struct result *out)
{
	uint64_t stride = gcb_ring_record_size(size), off = 0, end;
	unsigned char *dst = aligned_alloc(128, opt_capacity);
	unsigned batch = batch_for(size);

	if (dst == NULL)
		die("out of memory");
	memset(dst, 0, opt_capacity);
	memset(out, 0, sizeof(*out));
	out->t0_ns = gcb_clock_mono_ns();
	end = out->t0_ns + (uint64_t)(opt_secs * 1e9 / 2);
	for (uint64_t b = 1;; b++) {
		for (unsigned i = 0; i < batch; i++) {
			if (off + stride > opt_capacity)
				off = 0;
			memcpy(dst + off + GCB_RING_REC_HDR, src, size);
			off += stride;
		}
		out->records += batch;
		if (b % CHECK_EVERY == 0 && gcb_clock_mono_ns() >= end)
			break;
		/* keep the copies observable */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	out->t1_ns = gcb_clock_mono_ns();
	out->bytes = out->records * size;
	sink += dst[GCB_RING_REC_HDR];
	free(dst);
}

/* ---- pipe ---- */

static int full_write(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void pipe_consumer(int in, int res_fd)
{
	static unsigned char buf[PIPE_CHUNK + 4096 + GCB_RING_REC_HDR];
	unsigned char out[4096];
	struct result res = {0};
	size_t have = 0;

	pin(1);
	for (;;) {
		ssize_t n = read(in, buf + have, PIPE_CHUNK);
		size_t pos = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(4);
		have += (size_t)n;
		while (have - pos >= GCB_RING_REC_HDR) {
			gcb_ring_rec_t h;

			memcpy(&h, buf + pos, sizeof(h));
			if (have - pos < GCB_RING_REC_HDR + h.length)
				break;
			if (h.type == REC_END) {
				res.t0_ns = h.seq;
				res.t1_ns = gcb_clock_mono_ns();
				send_result(res_fd, &res);
				_exit(0);
			}
			memcpy(out, buf + pos + GCB_RING_REC_HDR, h.length);
			res.sink += out[0] ^ out[h.length - 1];
			res.records++;
			res.bytes += h.length;
			pos += GCB_RING_REC_HDR + h.length;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
	}
}

static void bench_pipe(uint32_t size, const unsigned char *src, int packed, struct result *out)
{
	static unsigned char msg[PIPE_CHUNK];
	size_t rec = GCB_RING_REC_HDR + size, per = packed ? PIPE_CHUNK / rec : 1;
	gcb_ring_rec_t h = {.length = size, .type = REC_DATA};
	uint64_t t0, end, writes = 0;
	int data[2], res[2];
	pid_t pid;

	if (pipe(data) != 0 || pipe(res) != 0)
		die("pipe() failed");
	pid = fork();
	if (pid < 0)
		die("fork() failed");
	if (pid == 0) {
		close(data[1]);
		close(res[0]);
		pipe_consumer(data[0], res[1]);
	}
	close(data[0]);
	close(res[1]);
	pin(0);
	for (size_t i = 0; i < per; i++) {
		memcpy(msg + i * rec, &h, sizeof(h));
		memcpy(msg + i * rec + sizeof(h), src, size);
	}
	t0 = gcb_clock_mono_ns();
	end = t0 + (uint64_t)(opt_secs * 1e9);
	for (;;) {
		/* Each write builds its records afresh, as a real writer would. */
		for (size_t i = 0; i < per; i++)
			memcpy(msg + i * rec + sizeof(h), src, size);
		if (full_write(data[1], msg, per * rec) != 0)
			die("write() to the pipe failed");
		if (++writes % (packed ? 4 : 1024) == 0 && gcb_clock_mono_ns() >= end)
			break;
	}
	h.type = REC_END;
	h.length = 0;
	h.seq = t0;
	if (full_write(data[1], &h, sizeof(h)) != 0)
		die("write() to the pipe failed");
	recv_result(res[0], out, pid);
	close(data[1]);
	close(res[0]);
}

static const char *loadavg(void)
{
	static char buf[64];
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, sizeof(buf), "?");
	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL) {
			char *sp = strchr(buf, ' ');

			/* the 1-minute figure */
			if (sp != NULL)
				*sp = '\0';
		}
		fclose(f);
	}
	return buf;
}

static void usage(void)
{
	fprintf(
	    stderr,
	    "usage: gcb-ringbench [-t seconds per run] [-n runs per point, best kept]\n"
	    "                     [-c ring capacity] [-B batch bytes] [-p (pin to cpus 0 "
	    "and 1)]\n"
	    "                     [-r (ring and memcpy only, plus both sides in one process)]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = {64, 512, 4096};
	static unsigned char src[4096];
	int c;

	while ((c = getopt(argc, argv, "t:c:n:B:pr")) != -1) {
		switch (c) {
		case 't':
			opt_secs = atof(optarg);
			break;
		case 'c':
			opt_capacity = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			opt_reps = atoi(optarg);
			break;
		case 'B':
			opt_batch_bytes = (unsigned)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt_pin = 1;
			break;
		case 'r':
			opt_ring_only = 1;
			break;
		default:
			usage();
		}
	}
	if (opt_secs <= 0 || opt_secs > 60 || opt_reps < 1 || opt_reps > 20 ||
	    opt_batch_bytes == 0 || opt_capacity < 16384 ||
	    (opt_capacity & (opt_capacity - 1)) != 0)
		usage();
	snprintf(instance, sizeof(instance), "ringbench-%d", (int)getpid());
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 131 + 7);

	printf("gcb-ringbench: ring capacity %" PRIu64
	       " KiB, batches of ~%u bytes, best of %d runs "
	       "of %.1f s per point, %s, %ld cpus, load average %s\n\n",
	       opt_capacity / 1024, opt_batch_bytes, opt_reps, opt_secs,
	       opt_pin ? "pinned" : "not pinned", sysconf(_SC_NPROCESSORS_ONLN), loadavg());
	if (opt_ring_only) {
		printf("| record | ring Mrec/s | ring GB/s | memcpy GB/s | one-process ring GB/s "
		       "| ring/memcpy | one-process/memcpy | futex sleeps |\n");
		printf("|---:|---:|---:|---:|---:|---:|---:|---|\n");
	} else {
		printf("| record | ring Mrec/s | ring GB/s | memcpy GB/s | pipe Mrec/s | pipe/64K "
		       "GB/s "
		       "| ring/memcpy | ring/pipe | ring/pipe-64K |\n");
		printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	}
	fflush(stdout);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct result ring = {0}, mc = {0}, pipe1 = {0}, pipek = {0}, alone = {0}, x;

		/* Best of opt_reps: on a shared machine the other tenants only
		 * ever make a point slower, and the best run is the one closest
		 * to what the mechanism itself costs. Every mechanism gets the
		 * same treatment. */
		for (int k = 0; k < opt_reps; k++) {
			bench_ring(sizes[i], src, &x);
			if (k == 0 || gbps(&x) > gbps(&ring))
				ring = x;
			bench_memcpy(sizes[i], src, &x);
			if (k == 0 || gbps(&x) > gbps(&mc))
				mc = x;
			if (opt_ring_only) {
				bench_ring_alone(sizes[i], src, &x);
				if (k == 0 || gbps(&x) > gbps(&alone))
					alone = x;
				continue;
			}
			bench_pipe(sizes[i], src, 0, &x);
			if (k == 0 || gbps(&x) > gbps(&pipe1))
				pipe1 = x;
			bench_pipe(sizes[i], src, 1, &x);
			if (k == 0 || gbps(&x) > gbps(&pipek))
				pipek = x;
		}
		sink += ring.sink;
		if (opt_ring_only) {
			sink += alone.sink;
			printf(
			    "| %u B | %.1f | %.2f | %.2f | %.2f | %.0f%% | %.0f%% | stalls %" PRIu64
			    " full, %" PRIu64 " empty |\n",
			    sizes[i], rate(&ring) / 1e6, gbps(&ring), gbps(&mc), gbps(&alone),
			    100.0 * gbps(&ring) / gbps(&mc), 100.0 * gbps(&alone) / gbps(&mc),
			    ring.full_stalls, ring.empty_stalls);
			continue;
		}
		sink += pipe1.sink + pipek.sink;
		printf("| %u B | %.1f | %.2f | %.2f | %.2f | %.2f | %.0f%% | %.1fx | %.1fx |\n",
		       sizes[i], rate(&ring) / 1e6, gbps(&ring), gbps(&mc), rate(&pipe1) / 1e6,
		       gbps(&pipek), 100.0 * gbps(&ring) / gbps(&mc), gbps(&ring) / gbps(&pipe1),
		       gbps(&ring) / gbps(&pipek));
		fflush(stdout);
	}
	return 0;
}

/*
 * gcb-ring-stress: two-process tests of the shared-memory ring.
 *
 * A driver creates a real segment with gcb_shm_create() (instance name
 * containing its pid), then runs a producer and a consumer as separate
 * processes (fork + exec of this binary) that attach to it by name. Modes:
 *
 *   stream          N records of random size 1..4096, checked complete and
 *                   in order (seq continuity + per-record checksum).
 *   crash-consumer  the consumer is SIGKILLed K times while the producer
 *                   keeps writing; every restart must resume exactly after
 *                   the last released record.
 *   crash-producer  the producer is SIGKILLed K times with a batch reserved
 *                   but not committed; every restart resumes at
 *                   gcb_ring_resume_seq() + 1 and the consumer must see a
 *                   gapless, untorn sequence.
 *   crash-both      producer and consumer are SIGKILLed at random, K times
 *                   each on average, in random order.
 *   wait            a slow consumer, then a slow producer: both sides must
 *                   sleep on the futex and be woken by the other process.
 *
 * Driver and roles share a ledger (a memfd inherited across exec) in which
 * each role records, around every release and commit, what it is about to
 * do and what it has done; a restarted role checks the ring against it.
 * Exit status: 0 pass, 1 failure (reason on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/gcb_clock.h"
#include "shm/gcb_ring.h"
#include "shm/gcb_shm.h"
#include "tests/ring/ring_payload.h"

#if defined(__SANITIZE_ADDRESS__)
#define STRESS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define STRESS_SANITIZED 1
#endif
#endif
#ifndef STRESS_SANITIZED
#define STRESS_SANITIZED 0
#endif

#define RING_NAME	"stress"
#define STALL_LIMIT_NS	(60ull * 1000000000ull) /* a role with no progress this long fails */
#define DRIVER_LIMIT_NS (240ull * 1000000000ull)

typedef struct ledger {
	/* Consumer: written by the consumer only. */
	_Alignas(128) _Atomic uint64_t c_pending_seq; /* about to release up to here */
	_Atomic uint64_t c_pending_pos;
	_Atomic uint64_t c_released_seq; /* released up to here */
	_Atomic uint64_t c_released_pos;
	_Atomic uint64_t c_max_seen; /* highest seq read by any consumer */
	_Atomic uint64_t c_starts;
	_Atomic uint64_t c_reread; /* records read again after a restart */
	_Atomic uint64_t c_max_wait_ns;
	_Atomic uint64_t c_waits;

	/* Producer: written by the producer only. */
	_Alignas(128) _Atomic uint64_t p_pending_seq; /* about to commit up to here */
	_Atomic uint64_t p_committed_seq;
	_Atomic uint64_t p_open; /* 1 while records are reserved but not committed */
	_Atomic uint64_t p_starts;
	_Atomic uint64_t p_max_wait_ns;
	_Atomic uint64_t p_waits;
	_Atomic uint64_t p_held; /* stopped half-way through a record, as asked */

	/* Driver: ask the producer to stop half-way through writing a record. */
	_Alignas(128) _Atomic uint64_t d_hold;
} ledger_t;

struct opts {
	const char *mode;
	char instance[64];
	uint64_t records;
	uint64_t kills;
	uint64_t capacity;
	uint64_t batch;
	uint64_t seed;
	int ledger_fd;
	uint64_t delay_us; /* role: sleep after each record in [delay_lo, delay_hi] */
	uint64_t delay_lo, delay_hi;
	int wait_ms; /* role: timeout of each wait; reaching it is a lost wake-up */
	int strict_wait;
};

static ledger_t *L;
static struct opts O;
static char self_name[32] = "driver";
static char self_exe[4096]; /* readlink of /proc/self/exe, which valgrind reports right */
static pid_t children[2];
static int created;

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gcb-ring-stress %s (%s): FAIL: ", O.mode ? O.mode : "?", self_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	for (int i = 0; i < 2; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
	if (created)
		gcb_shm_unlink(O.instance);
	exit(1);
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t x = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

static uint64_t rng_range(uint64_t lo, uint64_t hi)
{
	return lo + rng_next() % (hi - lo + 1);
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
			      .tv_nsec = (long)(us % 1000000u) * 1000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void max_store(_Atomic uint64_t *p, uint64_t v)
{
	if (v > atomic_load(p))
		atomic_store(p, v);
}

/* ---- roles ---- */

static void role_attach(gcb_shm_t *shm, gcb_ring_t *r, int producer)
{
	char err[256];
	int idx, rc;

	rc = gcb_shm_attach(shm, O.instance, 0, 5000, err, sizeof(err));
	if (rc != 0)
		fail("gcb_shm_attach() failed: %s", err);
	idx = gcb_shm_find_ring(shm, RING_NAME);
	if (idx < 0)
		fail("no ring \"%s\"", RING_NAME);
	rc = producer ? gcb_ring_attach_producer(r, gcb_shm_ring_mem(shm, (unsigned)idx))
		      : gcb_ring_attach_consumer(r, gcb_shm_ring_mem(shm, (unsigned)idx));
	if (rc != 0)
		fail("gcb_ring_attach_%s() failed: %s", producer ? "producer" : "consumer",
		     strerror(-rc));
}

/* A wait that ran to its timeout while the peer was making progress means a
 * lost wake-up; only the wait mode, where the peer never pauses that long, is
 * strict about it. */
static void note_wait(uint64_t t0, int rc, _Atomic uint64_t *max_ns, _Atomic uint64_t *count)
{
	uint64_t ns = gcb_clock_mono_ns() - t0;

	atomic_fetch_add(count, 1);
	max_store(max_ns, ns);
	if (O.strict_wait && (rc == -ETIMEDOUT || ns >= (uint64_t)O.wait_ms * 1000000u))
		fail("a wait lasted its whole %d ms timeout (%s): lost wake-up", O.wait_ms,
		     strerror(-rc));
}

static int delayed(uint64_t seq)
{
	return O.delay_us != 0 && seq >= O.delay_lo && seq <= O.delay_hi;
}

static void commit_batch(gcb_ring_t *r, uint64_t last)
{
	atomic_store(&L->p_pending_seq, last);
	gcb_ring_commit(r);
	atomic_store(&L->p_committed_seq, last);
	atomic_store(&L->p_open, 0);
}

static int role_producer(void)
{
	gcb_shm_t shm;
	gcb_ring_t r;
	uint64_t seq, resume, committed, pending, in_batch = 0, progress_ns;

	role_attach(&shm, &r, 1);
	resume = gcb_ring_resume_seq(&r);
	committed = atomic_load(&L->p_committed_seq);
	pending = atomic_load(&L->p_pending_seq);
	/* The predecessor died before, during or after its last commit: the
	 * ring's answer must be one of the two the ledger allows. */
	if (resume != committed && resume != pending)
		fail("resume seq %" PRIu64 " but the ledger says committed %" PRIu64
		     ", pending %" PRIu64,
		     resume, committed, pending);
	atomic_store(&L->p_committed_seq, resume);
	atomic_store(&L->p_pending_seq, resume);
	atomic_store(&L->p_open, 0);
	atomic_fetch_add(&L->p_starts, 1);
	seq = resume + 1;
	progress_ns = gcb_clock_mono_ns();

	while (seq <= O.records) {
		uint32_t len = gcb_ring_payload_length(seq);
		gcb_ring_rec_t *rec;
		int rc;

		rc = gcb_ring_reserve(&r, len, GCB_RING_PAYLOAD_TYPE, (uint16_t)seq, seq, &rec);
		if (rc == -EAGAIN) {
			uint64_t t0;

			if (in_batch != 0) {
				commit_batch(&r, seq - 1);
				in_batch = 0;
				continue;
			}
			t0 = gcb_clock_mono_ns();
			rc = gcb_ring_wait_writable(&r, len, O.wait_ms);
			note_wait(t0, rc, &L->p_max_wait_ns, &L->p_waits);
			if (rc == 0)
				progress_ns = gcb_clock_mono_ns();
			else if (gcb_clock_mono_ns() - progress_ns > STALL_LIMIT_NS)
				fail("the ring stayed full for 60 s");
			continue;
		}
		if (rc != 0)
			fail("gcb_ring_reserve() failed: %s", strerror(-rc));
		if (in_batch++ == 0)
			atomic_store(&L->p_open, 1);
		gcb_ring_payload_fill(rec->payload, seq);
		if (in_batch > 1 && atomic_load(&L->d_hold) != 0) {
			/* Mid-write: earlier records of the batch are complete, this
			 * one is half garbage, nothing is committed. Wait for the kill. */
			memset(rec->payload + len / 2, 0xEE, len - len / 2);
			atomic_store(&L->p_held, 1);
			for (;;)
				pause();
		}
		if (in_batch >= O.batch || seq == O.records || delayed(seq)) {
			commit_batch(&r, seq);
			in_batch = 0;
			progress_ns = gcb_clock_mono_ns();
			if (delayed(seq))
				sleep_us(O.delay_us);
		}
		seq++;
	}
	gcb_shm_detach(&shm);
	return 0;
}

/*
 * Records read but not released, oldest first: (seq, position after it). The
 * consumer releases either all of them or, half the time, only up to a random
 * one of them (gcb_ring_release() at a record boundary, as a consumer that
 * releases on delivery does), keeping the rest for a later release.
 */
#define UNREL_MAX 65536u
static uint64_t unrel_seq[UNREL_MAX], unrel_pos[UNREL_MAX];
static uint64_t unrel_head, unrel_tail;

static void release_through(gcb_ring_t *r, uint64_t k)
{
	uint64_t seq = unrel_seq[k % UNREL_MAX], pos = unrel_pos[k % UNREL_MAX];
	int rc;

	atomic_store(&L->c_pending_seq, seq);
	atomic_store(&L->c_pending_pos, pos);
	rc = gcb_ring_release(r, pos);
	if (rc != 0)
		fail("gcb_ring_release(%" PRIu64 ") failed: %s", pos, strerror(-rc));
	atomic_store(&L->c_released_seq, seq);
	atomic_store(&L->c_released_pos, pos);
	unrel_head = k + 1;
}

static void release_some(gcb_ring_t *r, int all)
{
	uint64_t n = unrel_tail - unrel_head;

	if (n == 0)
		return;
	if (all || O.batch == 1 || rng_next() % 2 == 0)
		release_through(r, unrel_tail - 1);
	else
		release_through(r, unrel_head + rng_next() % n);
}

static int role_consumer(void)
{
	gcb_shm_t shm;
	gcb_ring_t r;
	uint64_t expect, pos0, max_seen, unreleased = 0, progress_ns;

	role_attach(&shm, &r, 0);
	pos0 = gcb_ring_read_pos(&r);
	/* The predecessor died before, during or after its last release: the
	 * ring's release position tells which, and fixes the first record. */
	if (pos0 == atomic_load(&L->c_released_pos))
		expect = atomic_load(&L->c_released_seq) + 1;
	else if (pos0 == atomic_load(&L->c_pending_pos))
		expect = atomic_load(&L->c_pending_seq) + 1;
	else
		fail("release position %" PRIu64 " is neither the released %" PRIu64
		     " nor the pending %" PRIu64 " one",
		     pos0, atomic_load(&L->c_released_pos), atomic_load(&L->c_pending_pos));
	atomic_store(&L->c_released_seq, expect - 1);
	atomic_store(&L->c_released_pos, pos0);
	atomic_store(&L->c_pending_seq, expect - 1);
	atomic_store(&L->c_pending_pos, pos0);
	max_seen = atomic_load(&L->c_max_seen);
	if (max_seen >= expect)
		atomic_fetch_add(&L->c_reread, max_seen - expect + 1);
	atomic_fetch_add(&L->c_starts, 1);
	progress_ns = gcb_clock_mono_ns();

	while (expect <= O.records) {
		const gcb_ring_rec_t *rec;
		int rc = gcb_ring_read(&r, &rec);

		if (rc == -EAGAIN) {
			uint64_t t0;

			/* Empty: give everything back, or a full ring would wait
			 * for us while we wait for it. */
			release_some(&r, 1);
			unreleased = 0;
			t0 = gcb_clock_mono_ns();
			rc = gcb_ring_wait_readable(&r, O.wait_ms);
			note_wait(t0, rc, &L->c_max_wait_ns, &L->c_waits);
			if (rc == 0)
				progress_ns = gcb_clock_mono_ns();
			else if (gcb_clock_mono_ns() - progress_ns > STALL_LIMIT_NS)
				fail("the ring stayed empty for 60 s at seq %" PRIu64, expect);
			continue;
		}
		if (rc != 0)
			fail("gcb_ring_read() failed at seq %" PRIu64 ": %s", expect,
			     strerror(-rc));
		if (rec->seq != expect)
			fail("got seq %" PRIu64 ", expected %" PRIu64 " (starts %" PRIu64 ")",
			     rec->seq, expect, atomic_load(&L->c_starts));
		if (rec->type != GCB_RING_PAYLOAD_TYPE || rec->flags != (uint16_t)expect)
			fail("seq %" PRIu64 ": bad type %u or flags %u", expect, rec->type,
			     rec->flags);
		if (gcb_ring_payload_check(rec->payload, rec->length, expect) != 0)
			fail("seq %" PRIu64 ": torn or corrupt payload (length %u)", expect,
			     rec->length);
		max_store(&L->c_max_seen, expect);
		if (unrel_tail - unrel_head == UNREL_MAX)
			release_some(&r, 1);
		unrel_seq[unrel_tail % UNREL_MAX] = expect;
		unrel_pos[unrel_tail % UNREL_MAX] = gcb_ring_read_pos(&r);
		unrel_tail++;
		if (delayed(expect))
			sleep_us(O.delay_us);
		if (++unreleased >= O.batch || delayed(expect)) {
			release_some(&r, 0);
			unreleased = 0;
		}
		expect++;
	}
	release_some(&r, 1);
	gcb_shm_detach(&shm);
	return 0;
}

/* ---- driver ---- */

static pid_t spawn(const char *role, const char *const *extra)
{
	char n[32], b[32], fd[16], w[16];
	const char *argv[32];
	int i = 0;
	pid_t pid, driver;

	snprintf(n, sizeof(n), "%" PRIu64, O.records);
	snprintf(b, sizeof(b), "%" PRIu64, O.batch);
	snprintf(fd, sizeof(fd), "%d", O.ledger_fd);
	snprintf(w, sizeof(w), "%d", O.wait_ms);
	argv[i++] = "gcb-ring-stress";
	argv[i++] = role;
	argv[i++] = "-i";
	argv[i++] = O.instance;
	argv[i++] = "-n";
	argv[i++] = n;
	argv[i++] = "-L";
	argv[i++] = fd;
	argv[i++] = "-w";
	argv[i++] = w;
	if (O.strict_wait)
		argv[i++] = "-S";
	while (extra != NULL && *extra != NULL)
		argv[i++] = *extra++;
	argv[i++] = "-b";
	argv[i++] = b;
	argv[i] = NULL;

	fflush(NULL);
	driver = getpid();
	pid = fork();
	if (pid < 0)
		fail("fork() failed: %s", strerror(errno));
	if (pid == 0) {
		/* Roles never outlive a driver that was killed. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != driver)
			_exit(127);
		execv(self_exe, (char *const *)argv);
		fprintf(stderr, "execv() failed: %s\n", strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Waits for pid up to the driver's deadline; returns the wait status. */
static int reap(pid_t pid, uint64_t deadline)
{
	int status;

	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			return status;
		if (got < 0)
			fail("waitpid() failed: %s", strerror(errno));
		if (gcb_clock_mono_ns() > deadline)
			fail("pid %d did not finish in time", (int)pid);
		sleep_us(2000);
	}
}

static void expect_clean_exit(const char *who, int status)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (WIFSIGNALED(status))
		fail("%s died of signal %d", who, WTERMSIG(status));
	fail("%s exited with status %d", who, WEXITSTATUS(status));
}

static gcb_ring_ctl_t *driver_setup(gcb_shm_t *shm)
{
	gcb_shm_ring_spec_t spec = {
	    .name = RING_NAME,
	    .capacity = O.capacity,
	    .max_record = GCB_RING_PAYLOAD_MAX,
	    .producer_stage = -1,
	    .consumer_stage = -1,
	};
	char err[256];
	int rc;

	O.ledger_fd = memfd_create("gcb-ring-stress-ledger", 0);
	if (O.ledger_fd < 0 || ftruncate(O.ledger_fd, sizeof(ledger_t)) != 0)
		fail("memfd_create() failed: %s", strerror(errno));
	L = mmap(NULL, sizeof(ledger_t), PROT_READ | PROT_WRITE, MAP_SHARED, O.ledger_fd, 0);
	if (L == MAP_FAILED)
		fail("mmap() failed: %s", strerror(errno));
	rc = gcb_shm_create(shm, O.instance, NULL, 0, &spec, 1, err, sizeof(err));
	if (rc != 0)
		fail("gcb_shm_create() failed: %s", err);
	created = 1;
	printf("segment %s, ring capacity %" PRIu64 ", %" PRIu64 " records, seed %" PRIu64 "%s\n",
	       shm->path, O.capacity, O.records, O.seed,
	       STRESS_SANITIZED ? " (sanitizer build: counts scaled down)" : "");
	return gcb_shm_ring_mem(shm, 0);
}

/*
 * Everything made it across. The ring's counters are for tools and are
 * stored after the position they describe, so a side killed in between may
 * leave them short by one commit or release (slack), never over.
 */
static void driver_check_ring(gcb_ring_ctl_t *ctl, uint64_t t0, uint64_t slack)
{
	uint64_t tail = atomic_load(&ctl->prod.tail), rel = atomic_load(&ctl->cons.release);
	uint64_t rd = atomic_load(&ctl->cons.read);
	double secs = (double)(gcb_clock_mono_ns() - t0) / 1e9;
	gcb_ring_t ro;

	if (atomic_load(&L->c_released_seq) != O.records)
		fail("consumer released up to %" PRIu64 " of %" PRIu64,
		     atomic_load(&L->c_released_seq), O.records);
	if (tail != rel || rd != tail)
		fail("positions tail %" PRIu64 " read %" PRIu64 " release %" PRIu64
		     " after draining",
		     tail, rd, rel);
	if (gcb_ring_attach_readonly(&ro, ctl, gcb_ring_footprint(ctl->desc.capacity)) != 0 ||
	    gcb_ring_resume_seq(&ro) != O.records)
		fail("the last committed record is not seq %" PRIu64, O.records);
	if (atomic_load(&ctl->cons.records_read) > O.records ||
	    atomic_load(&ctl->cons.records_read) + slack < O.records)
		fail("cons.records_read %" PRIu64 " (released records are counted once)",
		     atomic_load(&ctl->cons.records_read));
	if (atomic_load(&ctl->prod.records_written) > O.records ||
	    atomic_load(&ctl->prod.records_written) + slack < O.records)
		fail("prod.records_written %" PRIu64, atomic_load(&ctl->prod.records_written));
	if (slack == 0 &&
	    atomic_load(&ctl->cons.bytes_read) != atomic_load(&ctl->prod.bytes_written))
		fail("bytes read %" PRIu64 " != bytes written %" PRIu64,
		     atomic_load(&ctl->cons.bytes_read), atomic_load(&ctl->prod.bytes_written));
	printf("ok: %" PRIu64 " records (%.2f GB payload) verified in order in %.1f s; "
	       "producer starts %" PRIu64 ", consumer starts %" PRIu64
	       ", records read again %" PRIu64 ", full stalls %" PRIu64 ", empty stalls %" PRIu64
	       "\n",
	       O.records, (double)atomic_load(&ctl->cons.bytes_read) / 1e9, secs,
	       atomic_load(&L->p_starts), atomic_load(&L->c_starts), atomic_load(&L->c_reread),
	       atomic_load(&ctl->prod.full_stalls), atomic_load(&ctl->cons.empty_stalls));
}

static int driver_stream(void)
{
	gcb_shm_t shm;
	gcb_ring_ctl_t *ctl = driver_setup(&shm);
	uint64_t t0 = gcb_clock_mono_ns(), deadline = t0 + DRIVER_LIMIT_NS;

	children[1] = spawn("consumer", NULL);
	children[0] = spawn("producer", NULL);
	expect_clean_exit("producer", reap(children[0], deadline));
	children[0] = 0;
	expect_clean_exit("consumer", reap(children[1], deadline));
	children[1] = 0;
	driver_check_ring(ctl, t0, 0);
	gcb_shm_detach(&shm);
	gcb_shm_unlink(O.instance);
	return 0;
}

/* Waits until the watched counter passed target, or the child exited. */
static int progress_or_exit(pid_t pid, _Atomic uint64_t *counter, uint64_t target,
			    uint64_t deadline, int *status)
{
	while (atomic_load(counter) < target) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 1;
		if (gcb_clock_mono_ns() > deadline)
			fail("no progress before the deadline");
		sleep_us(200);
	}
	return 0;
}

static int driver_crash_consumer(void)
{
	gcb_shm_t shm;
	gcb_ring_ctl_t *ctl = driver_setup(&shm);
	uint64_t t0 = gcb_clock_mono_ns(), deadline = t0 + DRIVER_LIMIT_NS;
	uint64_t kills = 0, with_unreleased = 0, step = O.records / (3 * O.kills);
	int status;

	children[0] = spawn("producer", NULL);
	children[1] = spawn("consumer", NULL);
	while (kills < O.kills) {
		uint64_t target = atomic_load(&L->c_max_seen) + rng_range(1, step);

		if (progress_or_exit(children[1], &L->c_max_seen, target, deadline, &status))
			fail("consumer ended before kill %" PRIu64 " (status %d)", kills + 1,
			     status);
		sleep_us(rng_range(0, 2000));
		kill(children[1], SIGKILL);
		status = reap(children[1], deadline);
		if (!WIFSIGNALED(status))
			expect_clean_exit("consumer", status);
		kills++;
		if (atomic_load(&L->c_max_seen) > atomic_load(&L->c_released_seq))
			with_unreleased++;
		children[1] = spawn("consumer", NULL);
	}
	expect_clean_exit("consumer", reap(children[1], deadline));
	children[1] = 0;
	expect_clean_exit("producer", reap(children[0], deadline));
	children[0] = 0;
	if (atomic_load(&L->c_starts) != kills + 1)
		fail("consumer starts %" PRIu64 ", expected %" PRIu64, atomic_load(&L->c_starts),
		     kills + 1);
	printf("%" PRIu64 " consumer kills, %" PRIu64 " of them with read but unreleased records\n",
	       kills, with_unreleased);
	driver_check_ring(ctl, t0, kills * O.batch);
	gcb_shm_detach(&shm);
	gcb_shm_unlink(O.instance);
	return 0;
}

/*
 * Odd kills land at a random moment; even kills stop the producer half-way
 * through a record of an open batch first (the driver asks through the
 * ledger and kills once the producer says it is there), so at least K kills
 * are certain to hit a partly written, uncommitted batch.
 */
static int driver_crash_producer(void)
{
	gcb_shm_t shm;
	gcb_ring_ctl_t *ctl = driver_setup(&shm);
	uint64_t t0 = gcb_clock_mono_ns(), deadline = t0 + DRIVER_LIMIT_NS;
	uint64_t kills = 0, mid_batch = 0, held = 0, step = O.records / (8 * O.kills);
	int status;

	children[1] = spawn("consumer", NULL);
	children[0] = spawn("producer", NULL);
	while (kills < 2 * O.kills) {
		uint64_t target = atomic_load(&L->p_committed_seq) + rng_range(1, step);
		int hold = kills % 2 == 1;

		if (progress_or_exit(children[0], &L->p_committed_seq, target, deadline, &status))
			fail("producer ended before kill %" PRIu64 " (status %d)", kills + 1,
			     status);
		if (hold) {
			atomic_store(&L->d_hold, 1);
			while (atomic_load(&L->p_held) == 0) {
				if (waitpid(children[0], &status, WNOHANG) == children[0])
					fail("producer ended while asked to hold (status %d)",
					     status);
				if (gcb_clock_mono_ns() > deadline)
					fail("the producer never held");
				sleep_us(100);
			}
		} else {
			sleep_us(rng_range(0, 500));
		}
		kill(children[0], SIGKILL);
		status = reap(children[0], deadline);
		if (!WIFSIGNALED(status))
			expect_clean_exit("producer", status);
		kills++;
		if (atomic_load(&L->p_open) != 0)
			mid_batch++;
		if (atomic_load(&L->p_held) != 0)
			held++;
		atomic_store(&L->d_hold, 0);
		atomic_store(&L->p_held, 0);
		children[0] = spawn("producer", NULL);
	}
	expect_clean_exit("producer", reap(children[0], deadline));
	children[0] = 0;
	expect_clean_exit("consumer", reap(children[1], deadline));
	children[1] = 0;
	if (atomic_load(&L->p_starts) != kills + 1)
		fail("producer starts %" PRIu64 ", expected %" PRIu64, atomic_load(&L->p_starts),
		     kills + 1);
	if (held < O.kills)
		fail("only %" PRIu64 " kills hit a half-written record", held);
	printf("%" PRIu64 " producer kills: %" PRIu64
	       " with a reserved, uncommitted batch, %" PRIu64
	       " of them half-way through writing a record\n",
	       kills, mid_batch, held);
	driver_check_ring(ctl, t0, kills * O.batch);
	gcb_shm_detach(&shm);
	gcb_shm_unlink(O.instance);
	return 0;
}

/*
 * Waits until a freshly spawned side has run its restart checks (its starts
 * counter passed `before`). Progress of the released sequence alone does not
 * show that: the consumer can drain what the ring already holds while a new
 * producer has not yet attached, and a kill landing then would test nothing
 * and leave the starts count short.
 */
static void wait_started(pid_t pid, const char *role, _Atomic uint64_t *starts, uint64_t before,
			 uint64_t deadline)
{
	int status;

	while (atomic_load(starts) == before) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			fail("%s ended before it started (status %d)", role, status);
		if (gcb_clock_mono_ns() > deadline)
			fail("the %s never started", role);
		sleep_us(100);
	}
}

/* Both sides die at random, in random order, while records flow. */
static int driver_crash_both(void)
{
	gcb_shm_t shm;
	gcb_ring_ctl_t *ctl = driver_setup(&shm);
	uint64_t t0 = gcb_clock_mono_ns(), deadline = t0 + DRIVER_LIMIT_NS;
	uint64_t kills[2] = {0, 0}, step = O.records / (6 * O.kills);
	static const char *const roles[2] = {"producer", "consumer"};
	_Atomic uint64_t *starts[2] = {&L->p_starts, &L->c_starts};
	int status;

	children[0] = spawn("producer", NULL);
	children[1] = spawn("consumer", NULL);
	while (kills[0] + kills[1] < 2 * O.kills) {
		uint64_t target = atomic_load(&L->c_released_seq) + rng_range(1, step);
		int victim = (int)(rng_next() % 2);

		for (int i = 0; i < 2; i++)
			if (progress_or_exit(children[i], &L->c_released_seq, target, deadline,
					     &status))
				fail("%s ended before its kill (status %d)", roles[i], status);
		sleep_us(rng_range(0, 1000));
		kill(children[victim], SIGKILL);
		status = reap(children[victim], deadline);
		if (!WIFSIGNALED(status))
			expect_clean_exit(roles[victim], status);
		kills[victim]++;
		children[victim] = spawn(roles[victim], NULL);
		wait_started(children[victim], roles[victim], starts[victim], kills[victim],
			     deadline);
	}
	expect_clean_exit("producer", reap(children[0], deadline));
	children[0] = 0;
	expect_clean_exit("consumer", reap(children[1], deadline));
	children[1] = 0;
	if (atomic_load(&L->p_starts) != kills[0] + 1 || atomic_load(&L->c_starts) != kills[1] + 1)
		fail("starts do not match the kills");
	printf("%" PRIu64 " producer and %" PRIu64 " consumer kills\n", kills[0], kills[1]);
	driver_check_ring(ctl, t0, (kills[0] + kills[1]) * O.batch);
	gcb_shm_detach(&shm);
	gcb_shm_unlink(O.instance);
	return 0;
}

static int driver_wait(void)
{
	gcb_shm_t shm;
	gcb_ring_ctl_t *ctl;
	uint64_t t0, deadline, half = O.records / 2;
	char lo[32], hi[32], d[32];
	const char *slow_consumer[] = {"-d", d, "-l", "1", "-h", hi, NULL};
	const char *slow_producer[] = {"-d", d, "-l", lo, "-h", "-1", NULL};

	/* A ring of a few records: a slow consumer fills it at once. */
	O.capacity = 16384;
	O.batch = 1;
	O.strict_wait = 1;
	ctl = driver_setup(&shm);
	t0 = gcb_clock_mono_ns();
	deadline = t0 + DRIVER_LIMIT_NS;
	snprintf(d, sizeof(d), "%d", 1000);
	snprintf(hi, sizeof(hi), "%" PRIu64, half);
	snprintf(lo, sizeof(lo), "%" PRIu64, half + 1);
	children[1] = spawn("consumer", slow_consumer);
	children[0] = spawn("producer", slow_producer);
	expect_clean_exit("producer", reap(children[0], deadline));
	children[0] = 0;
	expect_clean_exit("consumer", reap(children[1], deadline));
	children[1] = 0;
	printf("producer slept on a full ring %" PRIu64 " times, consumer on an empty one %" PRIu64
	       " times; longest waits %.1f ms / %.1f ms (timeout %d ms)\n",
	       atomic_load(&ctl->prod.full_stalls), atomic_load(&ctl->cons.empty_stalls),
	       (double)atomic_load(&L->p_max_wait_ns) / 1e6,
	       (double)atomic_load(&L->c_max_wait_ns) / 1e6, O.wait_ms);
	if (atomic_load(&ctl->prod.full_stalls) < half / 4)
		fail("the producer slept only %" PRIu64 " times on the full ring",
		     atomic_load(&ctl->prod.full_stalls));
	if (atomic_load(&ctl->cons.empty_stalls) < half / 4)
		fail("the consumer slept only %" PRIu64 " times on the empty ring",
		     atomic_load(&ctl->cons.empty_stalls));
	driver_check_ring(ctl, t0, 0);
	gcb_shm_detach(&shm);
	gcb_shm_unlink(O.instance);
	return 0;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? strtoull(v, NULL, 0) : def;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gcb-ring-stress stream|crash-consumer|crash-producer|crash-both|wait\n"
		"       [-i instance] [-n records] [-k kills] [-c capacity] [-b batch] [-s seed]\n"
		"env GCB_RING_STRESS_RECORDS / _KILLS override the defaults.\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int c, role;

	if (argc < 2)
		usage();
	O.mode = argv[1];
	O.ledger_fd = -1;
	O.capacity = 1u << 20;
	O.batch = 64;
	O.wait_ms = 1000;
	O.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (strcmp(O.mode, "stream") == 0)
		O.records = STRESS_SANITIZED ? 1000000u : 10000000u;
	else if (strcmp(O.mode, "wait") == 0)
		O.records = 400;
	else
		O.records = STRESS_SANITIZED ? 400000u : 2000000u;
	O.records = env_u64("GCB_RING_STRESS_RECORDS", O.records);
	O.kills = env_u64("GCB_RING_STRESS_KILLS", 20);
	snprintf(O.instance, sizeof(O.instance), "ringtest-%d-%s", (int)getpid(), O.mode);

	optind = 2;
	while ((c = getopt(argc, argv, "i:n:k:c:b:s:L:w:d:l:h:S")) != -1) {
		switch (c) {
		case 'i':
			snprintf(O.instance, sizeof(O.instance), "%s", optarg);
			break;
		case 'n':
			O.records = strtoull(optarg, NULL, 0);
			break;
		case 'k':
			O.kills = strtoull(optarg, NULL, 0);
			break;
		case 'c':
			O.capacity = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			O.batch = strtoull(optarg, NULL, 0);
			break;
		case 's':
			O.seed = strtoull(optarg, NULL, 0);
			break;
		case 'L':
			O.ledger_fd = atoi(optarg);
			break;
		case 'w':
			O.wait_ms = atoi(optarg);
			break;
		case 'd':
			O.delay_us = strtoull(optarg, NULL, 0);
			break;
		case 'l':
			O.delay_lo = strtoull(optarg, NULL, 0);
			break;
		case 'h':
			O.delay_hi = strtoull(optarg, NULL, 0);
			break;
		case 'S':
			O.strict_wait = 1;
			break;
		default:
			usage();
		}
	}
	if (O.records == 0 || O.kills == 0 || O.batch == 0)
		usage();
	rng_state = O.seed;
	gcb_ring_payload_init();

	role = strcmp(O.mode, "producer") == 0 || strcmp(O.mode, "consumer") == 0;
	if (role) {
		snprintf(self_name, sizeof(self_name), "%s %d", O.mode, (int)getpid());
		if (O.ledger_fd < 0)
			usage();
		L = mmap(NULL, sizeof(ledger_t), PROT_READ | PROT_WRITE, MAP_SHARED, O.ledger_fd,
			 0);
		if (L == MAP_FAILED)
			fail("mmap() of the ledger failed: %s", strerror(errno));
		return O.mode[0] == 'p' ? role_producer() : role_consumer();
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) <= 0)
		fail("readlink(\"/proc/self/exe\") failed: %s", strerror(errno));
	if (strcmp(O.mode, "stream") == 0)
		return driver_stream();
	if (strcmp(O.mode, "crash-consumer") == 0)
		return driver_crash_consumer();
	if (strcmp(O.mode, "crash-producer") == 0)
		return driver_crash_producer();
	if (strcmp(O.mode, "crash-both") == 0)
		return driver_crash_both();
	if (strcmp(O.mode, "wait") == 0) {
		O.wait_ms = 10000;
		return driver_wait();
	}
	usage();
	return 2;
}

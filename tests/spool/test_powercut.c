/*
 * Power cuts under the spool and the checkpoint, on the disk model of
 * diskmodel.h (what is durable, what is only in the page cache).
 *
 * Each cut: a seeded workload appends records of seeded sizes, flushes,
 * syncs, reads them back, stores checkpoints and releases segments, as the
 * notification fetcher does; the power goes at a seeded operation; the model
 * drops or tears what was not synced; the spool and the checkpoint are
 * opened again and must keep the promise of README.md ("a power loss keeps
 * everything that was fdatasync'ed") and of gcb_spool.h / gcb_fetcher_ckpt.h:
 *
 *   - the checkpoint is the last one stored successfully or a later one
 *     whose store was under way, never older, never torn;
 *   - reading from it returns consecutive records, each byte for byte as
 *     appended (no torn, reordered or foreign record), and everything up to
 *     the end gcb_spool_durable() reported before the cut;
 *   - an append after recovery lands right behind the recovered records.
 *
 * GCB_POWERCUT_CUTS (default 3000) and GCB_POWERCUT_SEED (default 1) replay
 * a run (GCB_POWERCUT_VERBOSE=1 keeps the logs); a failure names the cut's
 * seed. The last case runs a tenth of the cuts with syncs that make nothing
 * durable (what deleting the fdatasync and fsync calls does) and requires
 * that the checks catch it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stages/source/gcb_ckpt.h"
#include "stages/spool/gcb_spool.h"
#include "lib/gcb_log.h"
#include "tests/spool/diskmodel.h"

#define MAXREC	  300u
#define STEPS	  140
#define MAXRECS	  (STEPS + 2)
#define INSTANCE  "pc"
#define STREAM	  "notifications"
#define ERR_SIZE  512

/* One cut: what the workload saw before the power went. */
struct run {
	uint64_t seed, rng;
	uint64_t appended; /* appends that returned 0 */
	uint64_t nread;	   /* records read back: their positions are known */
	gcb_spool_pos_t pos[MAXRECS], next[MAXRECS];
	uint64_t acked; /* records within gcb_spool_durable() seen before the cut */
	gcb_spool_pos_t tried[MAXRECS]; /* checkpoints a store was started for */
	unsigned ntried;
	int have_ack;
	gcb_spool_pos_t ack; /* newest checkpoint whose store returned 0 */
	uint64_t now_ms;
};

static char base[256], state_dir[300], spool_dir[400];
static int saved_stderr = -1;

static uint64_t mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rnd(struct run *r)
{
	return mix(r->rng += 0x9e3779b97f4a7c15ull);
}

/* Record i of a run: seeded length (0 included), the index in its first bytes. */
static uint32_t payload(uint64_t seed, uint64_t i, unsigned char *p)
{
	uint64_t h = mix(seed * 1000003u + i);
	uint32_t len = (uint32_t)(h % MAXREC);

	if (len > 0 && len < 8)
		len = 8;
	for (uint32_t k = 0; k < len; k++)
		p[k] = (unsigned char)(mix(h + k) >> 7);
	if (len >= 8)
		memcpy(p, &i, 8);
	return len;
}

static void clean_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[600];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.'))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
}

static void fresh_dirs(void)
{
	const char *dirs[] = {state_dir, spool_dir};

	clean_dir(spool_dir);
	clean_dir(state_dir);
	if ((mkdir(state_dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(spool_dir, 0700) != 0 && errno != EEXIST))
		fail_msg("mkdir %s: %s", spool_dir, strerror(errno));
	dm_reset(dirs, 2);
}

/* The spool and checkpoint logs say what recovery cut off: thousands of
 * lines nobody reads unless a check fails, and then the check says more. */
static void quiet(int on)
{
	if (getenv("GCB_POWERCUT_VERBOSE"))
		return;
	if (on) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		fflush(stderr);
		saved_stderr = dup(STDERR_FILENO);
		dup2(null, STDERR_FILENO);
		close(null);
	} else if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static int spool_open(gcb_spool_t **s, char *err, size_t err_size)
{
	gcb_spool_conf_t conf = {.dir = spool_dir,
				 .segment_bytes = 1024,
				 .max_bytes = 64u << 20,
				 .sync_interval_ms = 3,
				 .max_record = MAXREC,
				 .ops = &dm_fileops};

	return gcb_spool_open(s, &conf, err, err_size);
}

static int ckpt_open(gcb_ckpt_t *c, char *err, size_t err_size)
{
	int rc = gcb_ckpt_init(c, state_dir, INSTANCE, err, err_size);

	if (rc == 0)
		gcb_ckpt_set_ops(c, &dm_fileops);
	return rc;
}

/* Reads every readable record, checking each against what was appended. */
static int read_all(struct run *r, gcb_spool_t *s, char *err)
{
	unsigned char buf[MAXREC], want[MAXREC];
	gcb_spool_rec_t rec;
	int rc;

	while ((rc = gcb_spool_peek(s, &rec, buf, sizeof(buf))) == 1) {
		uint32_t len = payload(r->seed, r->nread, want);

		if (r->nread >= r->appended || rec.len != len || memcmp(buf, want, len) != 0) {
			snprintf(err, ERR_SIZE, "before the cut: record %" PRIu64 " read back wrong",
				 r->nread);
			return -1;
		}
		r->pos[r->nread] = rec.pos;
		r->next[r->nread] = rec.next;
		r->nread++;
		gcb_spool_consume(s, &rec);
	}
	return 0;
}

/* The run until the power goes (or the workload ends). 0, or -1 with err
 * when something failed while the power was still on. */
static int workload(struct run *r, gcb_spool_t *s, gcb_ckpt_t *c, char *err)
{
	unsigned char p[MAXREC];
	char text[64];

	for (int step = 0; step < STEPS && !dm_crashed(); step++) {
		uint64_t a = rnd(r) % 16;
		gcb_spool_pos_t d;
		int rc = 0;

		if (a < 8) {
			uint32_t len = payload(r->seed, r->appended, p);

			rc = gcb_spool_append(s, 1000 + r->appended, p, len);
			if (rc == 0)
				r->appended++;
		} else if (a < 10) {
			r->now_ms += rnd(r) % 5;
			rc = gcb_spool_flush(s, r->now_ms, 0);
		} else if (a < 11) {
			rc = gcb_spool_flush(s, r->now_ms, 1);
		} else if (a < 13) {
			rc = gcb_spool_sync(s);
		} else if (r->nread > 0) {
			/* Kafka acknowledged what was read: checkpoint it, then release. */
			gcb_spool_pos_t at = r->next[r->nread - 1];

			gcb_spool_pos_format(at, text, sizeof(text));
			r->tried[r->ntried++] = at;
			rc = gcb_ckpt_store(c, STREAM, text, (uint64_t)step, 1);
			if (rc == 0 && !dm_crashed()) {
				r->have_ack = 1;
				r->ack = at;
				rc = gcb_spool_release(s, at);
			}
		}
		if (dm_crashed())
			break;
		if (rc != 0) {
			snprintf(err, ERR_SIZE, "step %d (action %" PRIu64 ") failed: %d", step, a,
				 rc);
			return -1;
		}
		d = gcb_spool_durable(s);
		if (read_all(r, s, err) != 0)
			return -1;
		while (r->acked < r->nread && gcb_spool_pos_cmp(r->next[r->acked], d) <= 0)
			r->acked++;
	}
	return 0;
}

/* Index of the record at checkpoint position at, or -1. */
static int64_t index_of(const struct run *r, gcb_spool_pos_t at)
{
	for (uint64_t i = 0; i < r->nread; i++)
		if (gcb_spool_pos_cmp(r->pos[i], at) == 0)
			return (int64_t)i;
	if (r->nread > 0 && gcb_spool_pos_cmp(r->next[r->nread - 1], at) == 0)
		return (int64_t)r->nread;
	return -1;
}

/* Whether a checkpoint store was started for at. */
static int was_tried(const struct run *r, gcb_spool_pos_t at)
{
	for (unsigned i = 0; i < r->ntried; i++)
		if (gcb_spool_pos_cmp(r->tried[i], at) == 0)
			return 1;
	return 0;
}

/* Reads from the current position: records first, first+1, ... exactly as
 * appended. *count gets how many. 0 or -1 with err. */
static int read_back(const struct run *r, gcb_spool_t *s, uint64_t first, uint64_t *count,
		     char *err)
{
	unsigned char buf[MAXREC], want[MAXREC];
	gcb_spool_rec_t rec;
	int rc;

	*count = 0;
	while ((rc = gcb_spool_peek(s, &rec, buf, sizeof(buf))) == 1) {
		uint64_t i = first + *count;
		uint32_t len = payload(r->seed, i, want);

		if (rec.len != len || memcmp(buf, want, len) != 0) {
			snprintf(err, ERR_SIZE,
				 "after the cut: record %" PRIu64 " (%u bytes) is not what was "
				 "appended (%u bytes): torn, reordered or foreign",
				 i, rec.len, len);
			return -1;
		}
		gcb_spool_consume(s, &rec);
		(*count)++;
	}
	if (rc != 0) {
		snprintf(err, ERR_SIZE, "after the cut: gcb_spool_peek: %d", rc);
		return -1;
	}
	return 0;
}

/* Recovery after the cut: the promise, checked. 0 or -1 with err. */
static int recover(struct run *r, char *err)
{
	char cursor[64], stream[64], oerr[256];
	gcb_spool_pos_t at = {0, 0};
	uint64_t seq, first = 0, got, again;
	gcb_spool_t *s;
	gcb_ckpt_t c;
	int have = 0, rc;

	if (ckpt_open(&c, oerr, sizeof(oerr)) != 0) {
		snprintf(err, ERR_SIZE, "checkpoint init: %s", oerr);
		return -1;
	}
	rc = gcb_ckpt_load(&c, stream, sizeof(stream), cursor, sizeof(cursor), &seq);
	gcb_ckpt_fini(&c);
	if (rc == 0) {
		int64_t i;

		if (gcb_spool_pos_parse(cursor, &at) != 0 || !was_tried(r, at) ||
		    (i = index_of(r, at)) < 0) {
			snprintf(err, ERR_SIZE, "checkpoint holds a position never stored: %s",
				 cursor);
			return -1;
		}
		if (r->have_ack && gcb_spool_pos_cmp(at, r->ack) < 0) {
			snprintf(err, ERR_SIZE, "checkpoint went back to %s: older than the last "
				 "one stored successfully", cursor);
			return -1;
		}
		have = 1;
		first = (uint64_t)i;
	} else if (rc != -ENOENT || r->have_ack) {
		snprintf(err, ERR_SIZE, "checkpoint unreadable after the cut: %d (%s)", rc,
			 rc == -ENOENT ? "gone, though a store had succeeded" : "torn");
		return -1;
	}
	if ((rc = spool_open(&s, oerr, sizeof(oerr))) != 0) {
		snprintf(err, ERR_SIZE, "spool does not open after the cut: %d %s", rc, oerr);
		return -1;
	}
	if (have && (rc = gcb_spool_seek(s, at)) != 0) {
		snprintf(err, ERR_SIZE, "seek to the checkpoint %s: %d", cursor, rc);
		gcb_spool_close(s);
		return -1;
	}
	if (read_back(r, s, first, &got, err) != 0) {
		gcb_spool_close(s);
		return -1;
	}
	if (first + got < r->acked) {
		snprintf(err, ERR_SIZE,
			 "lost durable records: %" PRIu64 "..%" PRIu64 " were within "
			 "gcb_spool_durable(), only %" PRIu64 "..%" PRIu64 " came back",
			 first, r->acked, first, first + got);
		gcb_spool_close(s);
		return -1;
	}
	/* The recovered spool takes appends right behind what it kept. */
	{
		unsigned char p[MAXREC];
		uint32_t len = payload(r->seed, first + got, p);

		rc = gcb_spool_append(s, 1, p, len);
		if (rc == 0)
			rc = gcb_spool_sync(s);
	}
	gcb_spool_close(s);
	if (rc != 0 || (rc = spool_open(&s, oerr, sizeof(oerr))) != 0) {
		snprintf(err, ERR_SIZE, "append after recovery: %d %s", rc, oerr);
		return -1;
	}
	if (have)
		gcb_spool_seek(s, at);
	rc = read_back(r, s, first, &again, err);
	gcb_spool_close(s);
	if (rc != 0)
		return -1;
	if (again != got + 1) {
		snprintf(err, ERR_SIZE, "after recovery and one append: %" PRIu64
			 " records, want %" PRIu64, again, got + 1);
		return -1;
	}
	return 0;
}

/* One whole cut with this seed: dry run to count operations, the run with
 * the power going at a seeded one of them, the cut, recovery. 0: the promise
 * held; -1 with err. */
static int one_cut(uint64_t seed, int lying, char *err)
{
	struct run *r = calloc(1, sizeof(*r));
	char oerr[256];
	uint64_t total = 1, at;
	gcb_spool_t *s;
	gcb_ckpt_t c;
	int rc = -1;

	assert_non_null(r);
	for (int pass = 0; pass < 2; pass++) {
		memset(r, 0, sizeof(*r));
		r->seed = r->rng = seed;
		fresh_dirs();
		dm_set_lying(lying);
		if (pass == 1) {
			at = 1 + mix(seed ^ 0x5eed) % total;
			dm_arm(at, mix(seed + 17));
		}
		if (spool_open(&s, oerr, sizeof(oerr)) != 0 || ckpt_open(&c, oerr, sizeof(oerr))) {
			snprintf(err, ERR_SIZE, "open: %s", oerr);
			goto out;
		}
		rc = workload(r, s, &c, err);
		if (pass == 0)
			rc = rc == 0 ? gcb_spool_sync(s) : rc;
		gcb_spool_close(s);
		gcb_ckpt_fini(&c);
		if (rc != 0)
			goto out;
		total = dm_ops();
	}
	if (dm_cut() != 0) {
		snprintf(err, ERR_SIZE, "dm_cut: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	rc = recover(r, err);
out:
	free(r);
	return rc;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 10) : def;
}

static void test_power_cuts_keep_the_promise(void **state)
{
	uint64_t cuts = env_u64("GCB_POWERCUT_CUTS", 3000), seed = env_u64("GCB_POWERCUT_SEED", 1);
	char err[ERR_SIZE];

	(void)state;
	for (uint64_t i = 0; i < cuts; i++) {
		int rc;

		quiet(1);
		rc = one_cut(seed + i, 0, err);
		quiet(0);
		if (rc != 0)
			fail_msg("cut with seed %" PRIu64 " (GCB_POWERCUT_SEED=%" PRIu64
				 " GCB_POWERCUT_CUTS=1): %s",
				 seed + i, seed + i, err);
	}
	printf("power cuts: %" PRIu64 " from seed %" PRIu64 ", the promise held in every one\n",
	       cuts, seed);
}

/* The same cuts on a disk whose syncs persist nothing: the checks above must
 * fail, or they would pass with the sync calls deleted too. */
static void test_without_syncs_the_checks_fail(void **state)
{
	uint64_t cuts = env_u64("GCB_POWERCUT_CUTS", 3000) / 10 + 1;
	uint64_t seed = env_u64("GCB_POWERCUT_SEED", 1), caught = 0;
	char err[ERR_SIZE], first[ERR_SIZE] = "";

	(void)state;
	for (uint64_t i = 0; i < cuts; i++) {
		quiet(1);
		if (one_cut(seed + i, 1, err) != 0) {
			if (caught++ == 0)
				snprintf(first, sizeof(first), "%s", err);
		}
		quiet(0);
	}
	printf("without syncs: %" PRIu64 " of %" PRIu64 " cuts broke the promise (first: %s)\n",
	       caught, cuts, first);
	assert_true(caught > 0);
}

static int group_setup(void **state)
{
	/* The model decides what is durable, so the real files may live in
	 * RAM: /dev/shm when it is there (ten times faster than a disk's
	 * journal for thousands of cuts), else $TMPDIR. */
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	(void)state;
	gcb_log_set_level(GCB_LOG_ERROR);
	snprintf(base, sizeof(base), "%s/gcb-powercut-%d", tmp ? tmp : "/tmp", (int)getpid());
	snprintf(state_dir, sizeof(state_dir), "%s/state", base);
	snprintf(spool_dir, sizeof(spool_dir), "%s/" INSTANCE ".spool", state_dir);
	return mkdir(base, 0700);
}

static int group_teardown(void **state)
{
	(void)state;
	clean_dir(spool_dir);
	rmdir(spool_dir);
	clean_dir(state_dir);
	rmdir(state_dir);
	return rmdir(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_power_cuts_keep_the_promise),
	    cmocka_unit_test(test_without_syncs_the_checks_fail),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

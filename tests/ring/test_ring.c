/* Unit tests for shm/gcb_ring: single process, both sides on one ring. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "shm/gcb_ring.h"

#define CAP 4096u

struct fixture {
	void *mem;
	gcb_ring_t prod;
	gcb_ring_t cons;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(posix_memalign(&f->mem, GCB_SHM_CACHE_LINE, gcb_ring_footprint(CAP)), 0);
	memset(f->mem, 0xA5, gcb_ring_footprint(CAP));
	assert_int_equal(gcb_ring_format(f->mem, CAP, 0, "test"), 0);
	assert_int_equal(gcb_ring_attach_producer(&f->prod, f->mem), 0);
	assert_int_equal(gcb_ring_attach_consumer(&f->cons, f->mem), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->mem);
	free(f);
	return 0;
}

static void fill_pattern(unsigned char *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seq * 31 + i);
}

static void check_pattern(const unsigned char *p, uint32_t len, uint64_t seq)
{
	for (uint32_t i = 0; i < len; i++)
		assert_int_equal(p[i], (unsigned char)(seq * 31 + i));
}

static void test_format_rejects_bad_geometry(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(gcb_ring_format(f->mem, 3000, 0, "x"), -EINVAL);
	assert_int_equal(gcb_ring_format(f->mem, 2048, 0, "x"), -EINVAL);
	assert_int_equal(gcb_ring_format(f->mem, CAP, CAP, "x"), -EINVAL);
	assert_int_equal(gcb_ring_format((char *)f->mem + 8, CAP, 0, "x"), -EINVAL);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;

	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EAGAIN);
	assert_int_equal(gcb_ring_wait_readable(&f->cons, 1), -ETIMEDOUT);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.empty_stalls), 1);
}

static void test_roundtrip_fields(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	const char msg[] = "hello ring";

	assert_int_equal(gcb_ring_write(&f->prod, 7, 3, 42, msg, sizeof(msg)), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->type, 7);
	assert_int_equal(rec->flags, 3);
	assert_int_equal(rec->seq, 42);
	assert_int_equal(rec->length, sizeof(msg));
	assert_memory_equal(rec->payload, msg, sizeof(msg));
	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EAGAIN);
	assert_int_equal(atomic_load(&f->prod.ctl->prod.records_written), 1);
	assert_int_equal(atomic_load(&f->prod.ctl->prod.bytes_written), sizeof(msg));
	/* Consumed records are counted when released, not when read. */
	assert_int_equal(atomic_load(&f->cons.ctl->cons.records_read), 0);
	gcb_ring_release_all(&f->cons);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.records_read), 1);
}

static void test_full_then_release(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	unsigned char buf[112]; /* 128 bytes per record with the header */
	uint64_t n = 0;

	memset(buf, 1, sizeof(buf));
	while (gcb_ring_write(&f->prod, 1, 0, n, buf, sizeof(buf)) == 0)
		n++;
	assert_int_equal(n, CAP / 128);
	assert_int_equal(gcb_ring_write(&f->prod, 1, 0, n, buf, sizeof(buf)), -EAGAIN);
	assert_int_equal(gcb_ring_wait_writable(&f->prod, sizeof(buf), 1), -ETIMEDOUT);
	assert_int_equal(atomic_load(&f->prod.ctl->prod.full_stalls), 1);

	/* Reading alone frees nothing: space returns only at release. */
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(gcb_ring_write(&f->prod, 1, 0, n, buf, sizeof(buf)), -EAGAIN);
	gcb_ring_release_all(&f->cons);
	assert_int_equal(gcb_ring_wait_writable(&f->prod, sizeof(buf), 1), 0);
	assert_int_equal(gcb_ring_write(&f->prod, 1, 0, n, buf, sizeof(buf)), 0);
}

static void test_wrap_with_padding(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	unsigned char buf[1000];
	uint64_t seq_w = 0, seq_r = 0;

	/* 1000 + 16 -> 1016 bytes per record: never divides 4096, so it pads. */
	for (int round = 0; round < 50; round++) {
		while (1) {
			fill_pattern(buf, sizeof(buf), seq_w);
			if (gcb_ring_write(&f->prod, 2, 0, seq_w, buf, sizeof(buf)) != 0)
				break;
			seq_w++;
		}
		while (gcb_ring_read(&f->cons, &rec) == 0) {
			assert_int_equal(rec->seq, seq_r);
			check_pattern(rec->payload, rec->length, seq_r);
			seq_r++;
		}
		gcb_ring_release_all(&f->cons);
	}
	assert_int_equal(seq_w, seq_r);
	assert_true(seq_w > 50 * 3);
}

static void test_exact_fit(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	static unsigned char buf[CAP / 2];
	uint32_t half = CAP / 2 - GCB_RING_REC_HDR;

	/* Two records of exactly half the ring fill it with no padding. */
	assert_int_equal(gcb_ring_write(&f->prod, 3, 0, 0, buf, half), 0);
	assert_int_equal(gcb_ring_write(&f->prod, 3, 0, 1, buf, half), 0);
	assert_int_equal(gcb_ring_write(&f->prod, 3, 0, 2, buf, 0), -EAGAIN);
	assert_int_equal(atomic_load(&f->prod.ctl->prod.tail), CAP);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 1);
	gcb_ring_release_all(&f->cons);

	/* Records of 2040 + 2048 bytes leave an 8-byte gap at the end of the lap,
	 * which the next record fills with an 8-byte padding record. */
	assert_int_equal(gcb_ring_write(&f->prod, 3, 0, 3, buf, 2024), 0);
	assert_int_equal(gcb_ring_write(&f->prod, 3, 0, 4, buf, 2032), 0);
	assert_int_equal(atomic_load(&f->prod.ctl->prod.tail) % CAP, CAP - 8);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 3);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 4);
	gcb_ring_release_all(&f->cons);
	assert_int_equal(gcb_ring_write(&f->prod, 3, 0, 5, buf, 0), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 5);
	assert_int_equal(rec->length, 0);
	assert_int_equal(gcb_ring_read_pos(&f->cons) % CAP, 16u);
}

static void test_oversize_refused(void **state)
{
	struct fixture *f = *state;
	gcb_ring_rec_t *rec;

	assert_int_equal(gcb_ring_reserve(&f->prod, CAP / 2, 1, 0, 0, &rec), -EMSGSIZE);
	assert_int_equal(gcb_ring_reserve(&f->prod, UINT32_MAX, 1, 0, 0, &rec), -EMSGSIZE);
	assert_int_equal(gcb_ring_wait_writable(&f->prod, CAP, 1), -EMSGSIZE);
	assert_int_equal(gcb_ring_reserve(&f->prod, 8, GCB_RING_REC_PAD, 0, 0, &rec), -EINVAL);
	assert_int_equal(atomic_load(&f->prod.ctl->prod.tail), 0);
}

static void test_batch_commit_is_atomic(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	gcb_ring_rec_t *w;

	for (uint64_t i = 0; i < 5; i++) {
		assert_int_equal(gcb_ring_reserve(&f->prod, 24, 4, 0, i, &w), 0);
		memset(w->payload, (int)i, 24);
	}
	/* Nothing visible before the commit. */
	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EAGAIN);
	gcb_ring_commit(&f->prod);
	for (uint64_t i = 0; i < 5; i++) {
		assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
		assert_int_equal(rec->seq, i);
	}

	/* An aborted batch never appears. */
	assert_int_equal(gcb_ring_reserve(&f->prod, 24, 4, 0, 99, &w), 0);
	gcb_ring_abort(&f->prod);
	assert_int_equal(gcb_ring_write(&f->prod, 4, 0, 100, "x", 1), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 100);
}

static void test_release_vs_read(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	uint64_t after_first;
	gcb_ring_t again;

	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(gcb_ring_write(&f->prod, 5, 0, i, &i, sizeof(i)), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	after_first = gcb_ring_read_pos(&f->cons);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(gcb_ring_release(&f->cons, after_first), 0);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.release), after_first);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.read), 3 * gcb_ring_record_size(8));

	/* Releasing backwards or past what was read is refused. */
	assert_int_equal(gcb_ring_release(&f->cons, 0), -EINVAL);
	assert_int_equal(gcb_ring_release(&f->cons, 4 * gcb_ring_record_size(8)), -EINVAL);

	/* A new consumer (a restart) resumes at release: records 1.. again. */
	assert_int_equal(gcb_ring_attach_consumer(&again, f->mem), 0);
	assert_int_equal(gcb_ring_read(&again, &rec), 0);
	assert_int_equal(rec->seq, 1);

	/* Rewind does the same inside one consumer. */
	gcb_ring_rewind(&f->cons);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 1);
}

static void test_producer_restart_resumes_at_tail(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	gcb_ring_rec_t *w;
	gcb_ring_t again;

	assert_int_equal(gcb_ring_write(&f->prod, 6, 0, 1, "a", 1), 0);
	/* A producer that dies with a reserved, uncommitted record... */
	assert_int_equal(gcb_ring_reserve(&f->prod, 8, 6, 0, 2, &w), 0);
	/* ...is replaced by one that starts at the committed tail. */
	assert_int_equal(gcb_ring_attach_producer(&again, f->mem), 0);
	assert_int_equal(gcb_ring_resume_seq(&again), 1);
	assert_int_equal(gcb_ring_write(&again, 6, 0, 3, "c", 1), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 1);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 3);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EAGAIN);

	/* With everything released, the last record is still found. */
	gcb_ring_release_all(&f->cons);
	assert_int_equal(gcb_ring_attach_producer(&again, f->mem), 0);
	assert_int_equal(gcb_ring_resume_seq(&again), 3);
	assert_memory_equal(gcb_ring_last_committed(&again)->payload, "c", 1);
}

static void test_last_committed_survives_death_mid_commit(void **state)
{
	struct fixture *f = *state;
	gcb_ring_t again;
	gcb_ring_ctl_t *ctl = f->prod.ctl;

	assert_int_equal(gcb_ring_resume_seq(&f->prod), 0);
	assert_null(gcb_ring_last_committed(&f->prod));
	assert_int_equal(gcb_ring_write(&f->prod, 6, 0, 10, "a", 1), 0);
	assert_int_equal(gcb_ring_write(&f->prod, 6, 0, 11, "b", 1), 0);

	/* Simulate death after the two slot stores of a commit, before the
	 * tail store: last_rec names a record at the tail (uncommitted). */
	atomic_store(&ctl->prod.prev_last_rec, atomic_load(&ctl->prod.last_rec));
	atomic_store(&ctl->prod.last_rec, atomic_load(&ctl->prod.tail) + 1);
	assert_int_equal(gcb_ring_attach_producer(&again, f->mem), 0);
	assert_int_equal(gcb_ring_resume_seq(&again), 11);
}

static void test_corrupt_header_detected(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;

	assert_int_equal(gcb_ring_write(&f->prod, 6, 0, 1, "abc", 3), 0);
	((gcb_ring_rec_t *)f->prod.data)->length = CAP; /* impossible */
	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EBADMSG);
}

static void test_counted_once_at_release(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	uint64_t after_two;
	gcb_ring_t again;

	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(gcb_ring_write(&f->prod, 5, 0, i, "abcdefgh", (uint32_t)i + 1), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	after_two = gcb_ring_read_pos(&f->cons);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);

	/* A partial release counts only what it gives back. */
	assert_int_equal(gcb_ring_release(&f->cons, after_two), 0);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.records_read), 2);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.bytes_read), 1 + 2);

	/* Records read again after a rewind or a restart are not counted twice. */
	gcb_ring_rewind(&f->cons);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
	assert_int_equal(rec->seq, 2);
	assert_int_equal(gcb_ring_attach_consumer(&again, f->mem), 0);
	while (gcb_ring_read(&again, &rec) == 0)
		;
	gcb_ring_release_all(&again);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.records_read), 4);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.bytes_read), 1 + 2 + 3 + 4);
	/* Releasing the same position again is a no-op. */
	assert_int_equal(gcb_ring_release(&again, gcb_ring_read_pos(&again)), 0);
	assert_int_equal(atomic_load(&f->cons.ctl->cons.records_read), 4);
}

static void *release_one_later(void *arg)
{
	struct fixture *f = arg;
	const gcb_ring_rec_t *rec;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};

	nanosleep(&ts, NULL);
	if (gcb_ring_read(&f->cons, &rec) == 0)
		gcb_ring_release_all(&f->cons);
	return NULL;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void test_wait_writable_sleeps_whole_timeout(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[1000];
	pthread_t t;
	uint64_t t0;

	/* 1016 + 1016 + 1016 bytes, then 1048 free: 1016 fit, 2000 never will
	 * before the second record goes. */
	memset(buf, 7, sizeof(buf));
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(gcb_ring_write(&f->prod, 1, 0, i, buf, sizeof(buf)), 0);
	assert_int_equal(gcb_ring_wait_writable(&f->prod, 2000, 1), -ETIMEDOUT);

	/* The consumer frees one record (wakes us) but not enough: the wait
	 * must go back to sleep and last its whole timeout, not return early. */
	assert_int_equal(pthread_create(&t, NULL, release_one_later, f), 0);
	t0 = mono_ms();
	assert_int_equal(gcb_ring_wait_writable(&f->prod, 2000, 300), -ETIMEDOUT);
	assert_true(mono_ms() - t0 >= 299);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(gcb_ring_wait_writable(&f->prod, 900, 1), 0);
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct poker {
	pthread_t target;
	_Atomic int done;
};

static void *poke_until_done(void *arg)
{
	struct poker *p = arg;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};

	while (!atomic_load(&p->done)) {
		nanosleep(&ts, NULL);
		if (!atomic_load(&p->done))
			pthread_kill(p->target, SIGUSR1);
	}
	return NULL;
}

static void *kick_later(void *arg)
{
	struct fixture *f = arg;
	struct timespec ts = {0, 50000000};

	nanosleep(&ts, NULL);
	gcb_ring_kick_consumer(&f->cons);
	return NULL;
}

/* A kick before the wait ends the next wait at once; a kick during a wait
 * ends it (long before its 30 s timeout), with nothing readable. */
static void test_kick_ends_wait(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	pthread_t t;

	gcb_ring_kick_consumer(&f->cons);
	assert_int_equal(gcb_ring_wait_readable(&f->cons, 30000), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EAGAIN);
	assert_int_equal(gcb_ring_wait_readable(&f->cons, 1), -ETIMEDOUT);
	assert_int_equal(pthread_create(&t, NULL, kick_later, f), 0);
	assert_int_equal(gcb_ring_wait_readable(&f->cons, 30000), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(gcb_ring_read(&f->cons, &rec), -EAGAIN);
}

static void test_wait_ends_on_signal(void **state)
{
	struct fixture *f = *state;
	struct sigaction sa = {.sa_handler = on_usr1}, old;
	struct poker p = {.target = pthread_self()};
	pthread_t t;

	/* No SA_RESTART: a stage's handler sets a flag, and the wait must end
	 * so the stage can look at it, long before the 30 s timeout. */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
	assert_int_equal(pthread_create(&t, NULL, poke_until_done, &p), 0);
	assert_int_equal(gcb_ring_wait_readable(&f->cons, 30000), -EINTR);
	atomic_store(&p.done, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(sigaction(SIGUSR1, &old, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format_rejects_bad_geometry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roundtrip_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_then_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrap_with_padding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_commit_is_atomic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_vs_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_producer_restart_resumes_at_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_last_committed_survives_death_mid_commit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_header_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counted_once_at_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_writable_sleeps_whole_timeout, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wait_ends_on_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kick_ends_wait, setup, teardown),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}

/*
 * Unit tests for the gcb-ringstat record walker: counts on real rings, each
 * kind of corruption at a known offset, and a seeded random-bytes run. The
 * control block and the data area are separate heap blocks of exactly their
 * size, so AddressSanitizer flags any read outside either.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shm/gcb_ring.h"
#include "tools/ringstat/gcb_ringstat_walk.h"

#define CAP 4096u

struct fixture {
	void *mem; /* formatted ring, ctl + data contiguous (for the ring API) */
	gcb_ring_t prod, cons;
	gcb_ring_ctl_t *ctl; /* copies handed to the walker */
	unsigned char *data;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(posix_memalign(&f->mem, GCB_SHM_CACHE_LINE, gcb_ring_footprint(CAP)), 0);
	memset(f->mem, 0, gcb_ring_footprint(CAP));
	assert_int_equal(gcb_ring_format(f->mem, CAP, 0, "walk"), 0);
	assert_int_equal(gcb_ring_attach_producer(&f->prod, f->mem), 0);
	assert_int_equal(gcb_ring_attach_consumer(&f->cons, f->mem), 0);
	assert_int_equal(posix_memalign((void **)&f->ctl, GCB_SHM_CACHE_LINE, GCB_RING_CTL_SIZE),
			 0);
	f->data = malloc(CAP);
	assert_non_null(f->data);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->mem);
	free(f->ctl);
	free(f->data);
	free(f);
	return 0;
}

/* Copies the live ring into the exact-size blocks the walker gets. */
static void snapshot(struct fixture *f)
{
	memcpy(f->ctl, f->mem, GCB_RING_CTL_SIZE);
	memcpy(f->data, (unsigned char *)f->mem + GCB_RING_CTL_SIZE, CAP);
}

static int walk(struct fixture *f, gcb_ringstat_walk_t *w)
{
	return gcb_ringstat_walk(f->ctl, f->data, CAP, NULL, NULL, w);
}

static void put(struct fixture *f, uint32_t len, uint64_t seq)
{
	unsigned char buf[2048];

	memset(buf, (int)seq, len);
	assert_int_equal(gcb_ring_write(&f->prod, 5, 1, seq, buf, len), 0);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	gcb_ringstat_walk_t w;

	snapshot(f);
	assert_int_equal(walk(f, &w), 0);
	assert_int_equal(w.records, 0);
	assert_int_equal(w.corrupt, GCB_RINGSTAT_OK);
}

static void test_counts_across_wraps(void **state)
{
	struct fixture *f = *state;
	const gcb_ring_rec_t *rec;
	gcb_ringstat_walk_t w;
	uint64_t seq = 0, in_ring = 0, bytes = 0, unread;

	/* 1000-byte records (1016 in the ring) never divide 4096: padding. */
	for (int round = 0; round < 20; round++) {
		while (gcb_ring_write(&f->prod, 5, 0, seq + 1, f->data, 1000) == 0) {
			seq++;
			in_ring++;
			bytes += 1000;
		}
		/* Read two, release one: one record read but not released. */
		assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
		uint64_t after_first = gcb_ring_read_pos(&f->cons);

		assert_int_equal(gcb_ring_read(&f->cons, &rec), 0);
		assert_int_equal(gcb_ring_release(&f->cons, after_first), 0);
		in_ring--;
		bytes -= 1000;
		snapshot(f);
		assert_int_equal(walk(f, &w), 0);
		assert_int_equal(w.records, in_ring);
		assert_int_equal(w.payload_bytes, bytes);
		unread = in_ring - 1;
		assert_int_equal(w.unread_records, unread);
		/* Let the next round's writes find room. */
		gcb_ring_release_all(&f->cons);
		in_ring--;
		bytes -= 1000;
	}
}

static int count_visit(void *arg, const gcb_ringstat_rec_t *rec)
{
	unsigned *n = arg;

	if (rec->type != GCB_RING_REC_PAD)
		(*n)++;
	return *n == 2;
}

static void test_visitor_stops(void **state)
{
	struct fixture *f = *state;
	gcb_ringstat_walk_t w;
	unsigned n = 0;

	for (uint64_t s = 1; s <= 5; s++)
		put(f, 40, s);
	snapshot(f);
	assert_int_equal(gcb_ringstat_walk(f->ctl, f->data, CAP, count_visit, &n, &w), 0);
	assert_int_equal(n, 2);
	assert_true(w.stopped);
}

static gcb_ring_rec_t *hdr_at(struct fixture *f, uint64_t off)
{
	return (gcb_ring_rec_t *)(f->data + off);
}

static void expect_corrupt(struct fixture *f, int why, uint64_t off)
{
	gcb_ringstat_walk_t w;

	assert_int_equal(walk(f, &w), -EBADMSG);
	assert_int_equal(w.corrupt, why);
	assert_int_equal(w.corrupt_off, off);
	assert_true(w.detail[0] != '\0');
}

static void test_bad_length(void **state)
{
	struct fixture *f = *state;

	put(f, 40, 1); /* 56 bytes */
	put(f, 40, 2);
	snapshot(f);
	hdr_at(f, 56)->length = 5000;
	expect_corrupt(f, GCB_RINGSTAT_BAD_LENGTH, 56);
}

static void test_bad_padding(void **state)
{
	struct fixture *f = *state;

	put(f, 40, 1);
	put(f, 40, 2);
	snapshot(f);
	hdr_at(f, 56)->type = GCB_RING_REC_PAD;
	expect_corrupt(f, GCB_RINGSTAT_BAD_PADDING, 56);
}

static void test_crosses_lap(void **state)
{
	struct fixture *f = *state;

	/* A record at the last 32 bytes of the lap claiming 100 bytes. */
	snapshot(f);
	atomic_store(&f->ctl->cons.release, CAP - 32);
	atomic_store(&f->ctl->cons.read, CAP - 32);
	atomic_store(&f->ctl->prod.tail, CAP + 200);
	hdr_at(f, CAP - 32)->type = 5;
	hdr_at(f, CAP - 32)->length = 100;
	expect_corrupt(f, GCB_RINGSTAT_CROSSES_LAP, CAP - 32);
}

static void test_short_padding_at_lap_end(void **state)
{
	struct fixture *f = *state;
	gcb_ringstat_walk_t w;

	/* An 8-byte padding record: only 8 bytes may be read there. */
	snapshot(f);
	atomic_store(&f->ctl->cons.release, CAP - 8);
	atomic_store(&f->ctl->cons.read, CAP - 8);
	atomic_store(&f->ctl->prod.tail, CAP + 56);
	hdr_at(f, CAP - 8)->type = GCB_RING_REC_PAD;
	hdr_at(f, CAP - 8)->length = 0;
	hdr_at(f, 0)->type = 5;
	hdr_at(f, 0)->length = 40;
	assert_int_equal(walk(f, &w), 0);
	assert_int_equal(w.records, 1);
	assert_int_equal(w.pad_bytes, 8);

	/* Not padding there: a 16-byte header cannot fit in 8 bytes. */
	hdr_at(f, CAP - 8)->type = 5;
	expect_corrupt(f, GCB_RINGSTAT_CROSSES_LAP, CAP - 8);
}

static void test_past_tail(void **state)
{
	struct fixture *f = *state;

	put(f, 40, 1);
	snapshot(f);
	hdr_at(f, 0)->length = 48; /* 64 bytes, tail at 56 */
	expect_corrupt(f, GCB_RINGSTAT_PAST_TAIL, 0);
}

static void test_read_inside(void **state)
{
	struct fixture *f = *state;

	put(f, 40, 1);
	put(f, 40, 2);
	snapshot(f);
	atomic_store(&f->ctl->cons.read, 64);
	expect_corrupt(f, GCB_RINGSTAT_READ_INSIDE, 56);
}

static void test_bad_positions(void **state)
{
	struct fixture *f = *state;

	put(f, 40, 1);
	snapshot(f);
	atomic_store(&f->ctl->cons.release, 64); /* beyond tail 56 */
	expect_corrupt(f, GCB_RINGSTAT_BAD_POSITIONS, 64);
	atomic_store(&f->ctl->cons.release, 0);
	atomic_store(&f->ctl->prod.tail, 2 * CAP); /* more than a lap */
	expect_corrupt(f, GCB_RINGSTAT_BAD_POSITIONS, 0);
	atomic_store(&f->ctl->prod.tail, 60); /* not aligned */
	atomic_store(&f->ctl->cons.read, 0);
	expect_corrupt(f, GCB_RINGSTAT_BAD_POSITIONS, 0);
	atomic_store(&f->ctl->prod.tail, 56);
	atomic_store(&f->ctl->cons.read, 80); /* read beyond tail */
	expect_corrupt(f, GCB_RINGSTAT_BAD_POSITIONS, 0);
}

static void test_bad_descriptor(void **state)
{
	struct fixture *f = *state;
	gcb_ringstat_walk_t w;

	snapshot(f);
	f->ctl->desc.magic = 0;
	expect_corrupt(f, GCB_RINGSTAT_BAD_DESC, 0);
	snapshot(f);
	f->ctl->desc.capacity = 2 * CAP; /* more than the caller mapped */
	expect_corrupt(f, GCB_RINGSTAT_BAD_DESC, 0);
	snapshot(f);
	f->ctl->desc.max_record = CAP;
	expect_corrupt(f, GCB_RINGSTAT_BAD_DESC, 0);
	snapshot(f);
	assert_int_equal(gcb_ringstat_walk(f->ctl, f->data, 3000, NULL, NULL, &w), -EBADMSG);
	assert_int_equal(gcb_ringstat_walk(NULL, f->data, CAP, NULL, NULL, &w), -EINVAL);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Random bytes, positions near each other (so the walk gets going), headers
 * sometimes plausible: the walker must return, within its step bound, without
 * reading outside the two blocks.
 */
static void test_random_bytes(void **state)
{
	struct fixture *f = *state;
	gcb_ringstat_walk_t w;
	uint64_t s = 0x9e3779b97f4a7c15ull;

	snapshot(f);
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t rel = (rnd(&s) % (4 * CAP)) & ~7ull, span = rnd(&s) % (CAP + 64);

		for (unsigned k = 0; k < CAP; k += 8) {
			uint64_t v = rnd(&s);

			switch (v % 4) {
			case 0: /* plausible small record */
				hdr_at(f, k)->length = (uint32_t)(v >> 40) % 200;
				hdr_at(f, k)->type = 1;
				break;
			case 1: /* padding, right or wrong */
				hdr_at(f, k)->length = (v & 16) ? CAP - k - 8 : (uint32_t)(v >> 32);
				hdr_at(f, k)->type = 0;
				break;
			default:
				memcpy(f->data + k, &v, 8);
			}
		}
		atomic_store(&f->ctl->cons.release, rel + (rnd(&s) % 8 == 0 ? 4 : 0));
		atomic_store(&f->ctl->prod.tail, rel + ((rnd(&s) % 16 == 0) ? span : span & ~7ull));
		atomic_store(&f->ctl->cons.read, rel + ((rnd(&s) % (span + 1)) & ~7ull));
		if (rnd(&s) % 32 == 0)
			f->ctl->desc.max_record = rnd(&s);
		else
			f->ctl->desc.max_record = CAP / 2 - 16;
		int rc = gcb_ringstat_walk(f->ctl, f->data, CAP, NULL, NULL, &w);

		assert_true(rc == 0 || rc == -EBADMSG);
		assert_true(w.records <= CAP / GCB_RING_REC_HDR);
		if (rc == 0)
			assert_int_equal(w.corrupt, GCB_RINGSTAT_OK);
		else
			assert_true(w.corrupt != GCB_RINGSTAT_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counts_across_wraps, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_visitor_stops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_padding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_crosses_lap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_short_padding_at_lap_end, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_past_tail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_positions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_descriptor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_random_bytes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

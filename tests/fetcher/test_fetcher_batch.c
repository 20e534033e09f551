/*
 * Unit tests for the fetcher's ring writer (batches, striping, cursor slots,
 * splitting, oversized events, recovery of an unpublished batch) and the
 * checkpoint file.
 */
#include <errno.h>
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

#include "shm/gcb_counters_notif.h"
#include "shm/gcb_shm_cursor.h"
#include "stages/source/gcb_batch.h"
#include "stages/source/gcb_ckpt.h"

#define CAP 8192u
#define NR  2

struct fx {
	void *mem[NR];
	gcb_ring_t prod[NR];
	gcb_ring_t cons[NR];
	gcb_shm_pipeline_t *pipe;
	_Atomic uint64_t counters[GCB_NC_END];
	gcb_batch_writer_t w;
	int slot_waits;
	int ring_waits;
	char body[65536];
	gcb_poll_result_t res;
	/* what drain() saw, indexed by seq */
	uint64_t seen_batch[64];
	char seen_cursor[64][16];
	uint16_t seen_flags[64];
	int seen;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	for (int i = 0; i < NR; i++) {
		assert_int_equal(posix_memalign(&f->mem[i], 128, gcb_ring_footprint(CAP)), 0);
		assert_int_equal(gcb_ring_format(f->mem[i], CAP, 0, "t"), 0);
		assert_int_equal(gcb_ring_attach_producer(&f->prod[i], f->mem[i]), 0);
		assert_int_equal(gcb_ring_attach_consumer(&f->cons[i], f->mem[i]), 0);
	}
	assert_int_equal(posix_memalign((void **)&f->pipe, 128, sizeof(*f->pipe)), 0);
	memset(f->pipe, 0, sizeof(*f->pipe));
	gcb_poll_result_init(&f->res);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < NR; i++)
		free(f->mem[i]);
	free(f->pipe);
	gcb_poll_result_fini(&f->res);
	free(f);
	return 0;
}

/* Consumer side: drains ring i completely, acking and checkpointing. */
/* The cursor of batch b, from its slot (records do not carry it); "" when
 * the slot holds another batch. */
static void slot_cursor(const gcb_shm_pipeline_t *pipe, uint64_t b, char *buf, size_t size)
{
	char cursor[GCB_SHM_CURSOR_MAX];
	size_t len;

	if (gcb_shm_cursor_read(pipe, b, cursor, sizeof(cursor), &len) != 0)
		cursor[0] = '\0';
	snprintf(buf, size, "%s", cursor);
}

static int drain(struct fx *f, int i)
{
	const gcb_ring_rec_t *rec;
	int n = 0;

	while (gcb_ring_read(&f->cons[i], &rec) == 0) {
		const gcb_rec_event_t *ev = (const gcb_rec_event_t *)rec->payload;

		if (rec->seq < 64) {
			f->seen_batch[rec->seq] = ev->batch_seq;
			f->seen_flags[rec->seq] = rec->flags;
			slot_cursor(f->pipe, ev->batch_seq, f->seen_cursor[rec->seq], 16);
			f->seen++;
		}
		n++;
	}
	gcb_ring_release_all(&f->cons[i]);
	return n;
}

static int on_wait(void *arg, int why)
{
	struct fx *f = arg;

	if (why == GCB_BATCH_WAIT_SLOT) {
		f->slot_waits++;
		/* A checkpoint happens: everything fetched so far is stored. */
		atomic_store(&f->pipe->checkpoint_batch_seq,
			     atomic_load(&f->pipe->fetched_batch_seq));
	} else {
		f->ring_waits++;
		for (int i = 0; i < NR; i++)
			drain(f, i);
	}
	return f->ring_waits > 100; /* abort instead of hanging a broken test */
}

static void writer(struct fx *f, uint32_t max_event_bytes)
{
	gcb_batch_writer_init(&f->w, f->prod, NR, f->pipe, "stream-1", max_event_bytes,
			      f->counters);
	f->w.wait = on_wait;
	f->w.wait_arg = f;
}

/* Builds a poll answer body of n events of about size bytes each. */
static void answer(struct fx *f, int n, size_t size, const char *cursor, int first_id)
{
	size_t k = 0;
	char err[128];

	k += (size_t)sprintf(f->body, "{\"events\":[");
	for (int i = 0; i < n; i++) {
		size_t pad = size > 20 ? size - 20 : 0;

		k += (size_t)sprintf(f->body + k, "%s{\"id\":\"e%05d\",\"p\":\"", i ? "," : "",
				     first_id + i);
		memset(f->body + k, 'x', pad);
		k += pad;
		k += (size_t)sprintf(f->body + k, "\"}");
	}
	sprintf(f->body + k, "],\"cursor\":\"%s\",\"hasMore\":false}", cursor);
	assert_int_equal(gcb_poll_parse(&f->res, f->body, strlen(f->body), err, sizeof(err)), 0);
}

static void check_record(const gcb_shm_pipeline_t *pipe, const gcb_ring_rec_t *rec, uint64_t seq,
			 uint64_t batch, int id, const char *cursor, int last)
{
	const gcb_rec_event_t *ev = (const gcb_rec_event_t *)rec->payload;
	char want[32], got[32];

	assert_int_equal(rec->type, GCB_REC_EVENT);
	assert_int_equal(rec->seq, seq);
	assert_int_equal(ev->batch_seq, batch);
	assert_int_equal(!!(rec->flags & GCB_REC_F_BATCH_END), last);
	assert_true(gcb_rec_fields_valid(ev->fields, GCB_EVF_COUNT, sizeof(*ev), rec->length));
	snprintf(want, sizeof(want), "{\"id\":\"e%05d\"", id);
	assert_memory_equal(gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]), want, strlen(want));
	slot_cursor(pipe, ev->batch_seq, got, sizeof(got));
	assert_string_equal(got, cursor);
	assert_memory_equal(gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_STREAM]), "stream-1", 8);
}

static void test_batches_striped(void **state)
{
	struct fx *f = *state;
	const gcb_ring_rec_t *rec;

	writer(f, 4096);
	answer(f, 3, 50, "c1", 0);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "", 1), 0);
	answer(f, 2, 50, "c2", 3);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "c1", 2), 0);
	assert_int_equal(atomic_load(&f->pipe->fetched_batch_seq), 2);
	assert_int_equal(atomic_load(&f->pipe->cursors[1].batch_seq), 1);
	assert_string_equal(f->pipe->cursors[1].cursor, "c1");
	assert_int_equal(atomic_load(&f->pipe->cursors[2].batch_seq), 2);
	assert_string_equal(f->pipe->cursors[2].cursor, "c2");
	/* batch 1 -> ring 1, batch 2 -> ring 0 */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(gcb_ring_read(&f->cons[1], &rec), 0);
		check_record(f->pipe, rec, (uint64_t)i + 1, 1, i, "c1", i == 2);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(gcb_ring_read(&f->cons[0], &rec), 0);
		check_record(f->pipe, rec, (uint64_t)i + 4, 2, i + 3, "c2", i == 1);
	}
	assert_int_equal(atomic_load(&f->counters[GCB_SC_EVENTS]), 5);
	assert_int_equal(atomic_load(&f->counters[GCB_SC_BATCHES]), 2);

	/* A new writer over the same rings continues the numbering. */
	writer(f, 4096);
	assert_int_equal(f->w.last_seq, 5);
	assert_int_equal(gcb_batch_last_cursor(f->pipe, f->body, 64, &(size_t){0}), 0);
	assert_string_equal(f->body, "c2");
}

static void test_backpressure_and_split(void **state)
{
	struct fx *f = *state;
	uint64_t last_batch;

	writer(f, 256);
	/* 60 events of ~400 bytes: ~28 KB, more than the two 8 KiB rings hold. */
	answer(f, 60, 400, "after", 0);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "before", 1), 0);
	drain(f, 0);
	drain(f, 1);
	assert_true(f->ring_waits > 0);
	assert_int_equal(f->seen, 60);
	assert_int_equal(atomic_load(&f->counters[GCB_SC_SPLIT_BATCHES]), 1);
	assert_int_equal(atomic_load(&f->counters[GCB_SC_OVERSIZED_EVENTS]), 60);
	last_batch = atomic_load(&f->pipe->fetched_batch_seq);
	assert_true(last_batch >= 2);
	/* Contiguous batches, each ending with a flagged record; earlier parts
	 * carry the cursor the poll was made with, the last part the new one. */
	assert_int_equal(f->seen_batch[1], 1);
	for (int seq = 1; seq <= 60; seq++) {
		int end = seq == 60 || f->seen_batch[seq + 1] != f->seen_batch[seq];

		if (seq > 1)
			assert_true(f->seen_batch[seq] == f->seen_batch[seq - 1] ||
				    f->seen_batch[seq] == f->seen_batch[seq - 1] + 1);
		assert_int_equal(!!(f->seen_flags[seq] & GCB_REC_F_BATCH_END), end);
		assert_string_equal(f->seen_cursor[seq],
				    f->seen_batch[seq] == last_batch ? "after" : "before");
	}
	assert_int_equal(f->seen_batch[60], last_batch);
	assert_string_equal(f->pipe->cursors[last_batch % GCB_SHM_CURSOR_SLOTS].cursor, "after");
	assert_string_equal(f->pipe->cursors[1].cursor, "before");
	assert_int_equal(f->w.last_seq, 60);
}

static int keep_calls;
static size_t keep_len;

static int fake_keep(void *arg, const char *event, size_t len, char sha256[65], char *name,
		     size_t name_size)
{
	(void)arg;
	(void)event;
	keep_calls++;
	keep_len = len;
	memset(sha256, 'a', 64);
	sha256[64] = '\0';
	snprintf(name, name_size, "/state/kept.json");
	return 0;
}

static int failing_keep(void *arg, const char *event, size_t len, char sha256[65], char *name,
			size_t name_size)
{
	(void)arg;
	(void)event;
	(void)len;
	(void)sha256;
	(void)name;
	(void)name_size;
	return -ENOSPC;
}

/* Too large for a record: its first part travels, with its size and where it is kept. */
static void test_uncarriable_event(void **state)
{
	struct fx *f = *state;
	const gcb_ring_rec_t *rec;
	const gcb_rec_event_t *ev;

	writer(f, 256);
	f->w.keep = fake_keep;
	keep_calls = 0;
	answer(f, 1, 5000, "c", 0); /* > max_record (4080) */
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "", 1), 0);
	assert_int_equal(keep_calls, 1);
	assert_int_equal(keep_len, f->res.events[0].len);
	assert_int_equal(gcb_ring_read(&f->cons[1], &rec), 0);
	ev = (const gcb_rec_event_t *)rec->payload;
	assert_true(gcb_rec_fields_valid(ev->fields, GCB_EVF_COUNT, sizeof(*ev), rec->length));
	assert_int_equal(ev->event_len, f->res.events[0].len);
	assert_true(ev->fields[GCB_EVF_JSON].len > 0);
	assert_true(ev->fields[GCB_EVF_JSON].len <= 256);
	assert_memory_equal(gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_JSON]),
			    f->body + f->res.events[0].off, ev->fields[GCB_EVF_JSON].len);
	assert_int_equal(ev->fields[GCB_EVF_SHA256].len, 64);
	assert_memory_equal(gcb_rec_field_ptr(ev, ev->fields[GCB_EVF_QUARANTINE]),
			    "/state/kept.json", 16);
	assert_int_equal(rec->flags, GCB_REC_F_BATCH_END | GCB_REC_F_CUT);
	assert_int_equal(atomic_load(&f->counters[GCB_SC_UNCARRIABLE_EVENTS]), 1);

	/* Inside a record but above what the DLQ takes: cut as well, when it is
	 * bound for the DLQ (above max_event_bytes) and only then. */
	{
		const gcb_ring_rec_t *r2;

		f->w.dlq_value_max = 300;
		f->w.max_event_bytes = 200;
		keep_calls = 0;
		answer(f, 2, 400, "e", 3);
		assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "c", 1), 0);
		assert_int_equal(keep_calls, 2);
		assert_int_equal(gcb_ring_read(&f->cons[0], &r2), 0);
		assert_true(r2->flags & GCB_REC_F_CUT);
		assert_true(((const gcb_rec_event_t *)r2->payload)->fields[GCB_EVF_JSON].len <= 200);
		assert_int_equal(gcb_ring_read(&f->cons[0], &r2), 0);
		gcb_ring_release_all(&f->cons[0]);
		f->w.dlq_value_max = 0;
		f->w.max_event_bytes = 256;
	}

	/* A copy that cannot be kept fails the batch: nothing is committed. */
	f->w.keep = failing_keep;
	answer(f, 1, 5000, "d", 1);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "c", 1), -ENOSPC);
	assert_int_equal(atomic_load(&f->pipe->fetched_batch_seq), 2);
	assert_int_equal(gcb_ring_read(&f->cons[1], &rec), -EAGAIN); /* batch 3's ring */
}

static void test_slot_wait(void **state)
{
	struct fx *f = *state;

	writer(f, 4096);
	for (int b = 0; b < 70; b++) {
		answer(f, 1, 30, "c", b);
		assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "c", 1), 0);
		drain(f, 0);
		drain(f, 1);
	}
	/* Batch 65 needs slot 1 back: one wait, which checkpointed batch 64. */
	assert_int_equal(f->slot_waits, 1);
	assert_int_equal(atomic_load(&f->counters[GCB_SC_SLOT_WAITS]), 1);
	assert_int_equal(atomic_load(&f->pipe->fetched_batch_seq), 70);
}

static void test_recover_unpublished(void **state)
{
	struct fx *f = *state;

	writer(f, 4096);
	answer(f, 2, 30, "c1", 0);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "", 1), 0);
	answer(f, 2, 30, "c2", 2);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "c1", 1), 0);
	/* As if the fetcher died between the commit and publishing batch 2. */
	atomic_store(&f->pipe->fetched_batch_seq, 1);
	drain(f, 0);
	drain(f, 1);
	for (int i = 0; i < NR; i++)
		assert_int_equal(gcb_ring_attach_producer(&f->prod[i], f->mem[i]), 0);
	writer(f, 4096);
	assert_int_equal(atomic_load(&f->pipe->fetched_batch_seq), 2);
	assert_int_equal(f->w.last_seq, 4);

	/* Not committed (slot written, ring untouched): nothing to publish. */
	atomic_store(&f->pipe->cursors[3].batch_seq, 3);
	writer(f, 4096);
	assert_int_equal(atomic_load(&f->pipe->fetched_batch_seq), 2);
}

static void test_checkpoint_file(void **state)
{
	struct fx *f = *state;
	char dir[] = "/tmp/gcb-ckpt-test.XXXXXX", err[128], cursor[64], stream[64], path[256];
	gcb_ckpt_t c;
	uint64_t batch;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(gcb_ckpt_init(&c, dir, "inst", err, sizeof(err)), 0);
	assert_int_equal(gcb_ckpt_load(&c, stream, sizeof(stream), cursor, sizeof(cursor), &batch),
			 -ENOENT);
	assert_int_equal(gcb_ckpt_store(&c, "s\"1", "cur\nsor\\", 42, 1), 0);
	assert_int_equal(gcb_ckpt_load(&c, stream, sizeof(stream), cursor, sizeof(cursor), &batch),
			 0);
	assert_string_equal(stream, "s\"1");
	assert_string_equal(cursor, "cur\nsor\\");
	assert_int_equal(batch, 42);
	snprintf(path, sizeof(path), "%s/inst.cursor", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* From the pipeline: only the acknowledged batch whose slot is intact. */
	writer(f, 4096);
	answer(f, 1, 30, "acked-cursor", 0);
	assert_int_equal(gcb_batch_write(&f->w, f->body, &f->res, "", 1), 0);
	assert_int_equal(gcb_ckpt_store_acked(&c, f->pipe, "s"), 0); /* nothing acked */
	atomic_store(&f->pipe->acked_batch_seq, 1);
	assert_int_equal(gcb_ckpt_store_acked(&c, f->pipe, "s"), 1);
	assert_int_equal(atomic_load(&f->pipe->checkpoint_batch_seq), 1);
	assert_int_equal(gcb_ckpt_load(&c, NULL, 0, cursor, sizeof(cursor), &batch), 0);
	assert_string_equal(cursor, "acked-cursor");
	assert_int_equal(gcb_ckpt_store_acked(&c, f->pipe, "s"), 0); /* already stored */

	/* A garbage file is reported, not trusted. */
	assert_int_equal(gcb_ckpt_write_file(&c, "inst.cursor", "{\"x\":1}", 7), 0);
	assert_int_equal(gcb_ckpt_load(&c, NULL, 0, cursor, sizeof(cursor), &batch), -EBADMSG);
	gcb_ckpt_fini(&c);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batches_striped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_backpressure_and_split, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uncarriable_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slot_wait, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_recover_unpublished, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_checkpoint_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Writing poll answers to the validator rings (gcb_records.h): every event
 * one GCB_REC_EVENT record (seq = global event number), one poll answer one
 * batch (batch_seq = pipeline->fetched_batch_seq + 1) written whole to ring
 * batch_seq mod V and committed at once, its last record flagged
 * GCB_REC_F_BATCH_END; the batch's cursor goes to the pipeline's cursor slot
 * before the commit, fetched_batch_seq after it.
 *
 * A poll answer too large for one ring (only possible with events above
 * max_event_bytes) is split into several batches; all but the last carry
 * the cursor the poll was made with, so a checkpoint taken inside the
 * answer re-fetches it (duplicates, never a gap).
 *
 * An event larger than a ring record can carry, or an oversized one (above
 * max_event_bytes, so bound for the DLQ) larger than the DLQ takes
 * (dlq_value_max), travels cut (GCB_REC_F_CUT): its first part, its whole
 * size, and the SHA-256 and file name the keep callback returns after
 * storing the whole event durably. It is never dropped, nor sent empty.
 */
#ifndef GCB_FETCHER_BATCH_H
#define GCB_FETCHER_BATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_records.h"
#include "shm/gcb_ring.h"
#include "stages/source/gcb_poll.h"

/* Why the writer waits: the wait callback gets one of these. */
enum {
	GCB_BATCH_WAIT_RING = 1, /* the ring is full: backpressure */
	GCB_BATCH_WAIT_SLOT = 2, /* the cursor slot still holds an unchecked-pointed batch */
};

/* Bytes of a GCB_REC_EVENT payload before its variable data. */
#define GCB_BATCH_REC_FIXED ((uint32_t)sizeof(gcb_rec_event_t))

/* A cut event's SHA256 and QUARANTINE fields: hex digest and a file name. */
#define GCB_BATCH_SHA256_HEX   64u
#define GCB_BATCH_KEPT_NAME    256u
#define GCB_BATCH_CUT_META_MAX (GCB_BATCH_SHA256_HEX + GCB_BATCH_KEPT_NAME)

/*
 * Stores a whole event that a ring record cannot carry (durably, before the
 * batch is committed) and names it: sha256 (hex, NUL-terminated) and name
 * (where an operator finds it, NUL-terminated, < GCB_BATCH_KEPT_NAME).
 * 0, or a negative errno: the batch is then not written.
 */
typedef int (*gcb_batch_keep_fn)(void *arg, const char *event, size_t len,
				 char sha256[GCB_BATCH_SHA256_HEX + 1], char *name, size_t name_size);

typedef struct gcb_batch_writer {
	gcb_ring_t *rings;
	unsigned n_rings;
	gcb_shm_pipeline_t *pipe;
	const char *stream; /* stream id, copied into every record */
	uint32_t stream_len;
	uint32_t max_event_bytes;
	uint32_t dlq_value_max; /* oversized events above it travel cut (0: no limit) */
	uint64_t last_seq; /* last event seq written */
	_Atomic uint64_t *counters;
	/* Waits a little (heartbeating); non-zero aborts the write. */
	int (*wait)(void *arg, int why);
	void *wait_arg;
	/* Keeps cut events whole; NULL: they travel cut with no copy kept. */
	gcb_batch_keep_fn keep;
	void *keep_arg;
} gcb_batch_writer_t;

/*
 * Sets up w over rings already attached as producer: the event sequence
 * continues after the highest seq any of them ever committed. If a previous
 * fetcher died after committing a batch but before publishing
 * fetched_batch_seq, that batch is recognised and published now.
 */
void gcb_batch_writer_init(gcb_batch_writer_t *w, gcb_ring_t *rings, unsigned n_rings,
			   gcb_shm_pipeline_t *pipe, const char *stream, uint32_t max_event_bytes,
			   _Atomic uint64_t *counters);

/* Bytes one event of json_len bytes takes in a ring. */
uint64_t gcb_batch_record_bytes(const gcb_batch_writer_t *w, size_t json_len);

/*
 * Writes the events of res (spans into body) as one batch (or several, see
 * above) with cursor res->cursor; prev_cursor is the cursor the poll was
 * made with ("" for none). 0 once committed; -ECANCELED when the wait
 * callback aborted (nothing of the unfinished batch is visible); -EMSGSIZE
 * when a ring cannot take even one record of this answer (a sizing bug);
 * the keep callback's error when a cut event could not be kept.
 */
int gcb_batch_write(gcb_batch_writer_t *w, const char *body, const gcb_poll_result_t *res,
		    const char *prev_cursor, uint64_t received_unix_ms);

/*
 * Cursor of the newest batch in the pipeline's slots (fetched_batch_seq), for
 * a fetcher restarted while the segment lives. 0 with *len set; -ENOENT when
 * no batch was ever fetched or its slot was overwritten.
 */
int gcb_batch_last_cursor(const gcb_shm_pipeline_t *pipe, char *cursor, size_t size, size_t *len);

#endif

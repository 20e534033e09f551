/*
 * The poll source's spool (docs/fetcher.md, "The spool"): every poll answer
 * with events is appended to the spool (stages/spool) before it goes
 * anywhere else, and the rings are fed from the spool without waiting for
 * ring space. So when Kafka is slow or down, polling goes on and the disk,
 * not memory, absorbs the outage, up to spool.max_size; the Genesys stream's
 * retention no longer bounds how long Kafka may be away.
 *
 * The checkpoint keeps storing the Genesys cursor of the newest batch Kafka
 * acknowledged, as without a spool. Each spooled answer starts with the
 * cursor the previous spooled answer ended at, so the first unacknowledged
 * answer is the one whose begin marker names the checkpointed cursor; a
 * restart replays the spool from there and polls on from the cursor after
 * the last whole answer in the spool.
 */
#ifndef GCB_FETCHER_SPOOL_H
#define GCB_FETCHER_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_shm_layout.h"
#include "stages/source/gcb_poll.h"
#include "stages/spool/gcb_spool.h"

#define GCB_PSPOOL_RATE_SAMPLES 8

typedef struct gcb_fetcher_pspool {
	gcb_spool_t *spool;
	uint32_t max_record;		 /* largest spool payload: one event and its type byte */
	unsigned char *abuf;		 /* append buffer, max_record bytes */
	char chain[GCB_POLL_CURSOR_MAX]; /* cursor after the last spooled answer */
	uint64_t unread_events;		 /* spooled, not yet in the rings */
	uint64_t appended_answers;	 /* since start, for the log */
	int err;			 /* sticky: the spool failed (-EIO) */

	/* Feed: one batch assembled from the spool in scratch. */
	char *scratch;
	size_t scratch_size;
	size_t scratch_used;
	gcb_poll_result_t batch;
	int open;		   /* a begin marker was read, its end not yet */
	int ready;		   /* batch is to be written (whole answer or a split part) */
	int complete;		   /* ... and it ends the answer */
	gcb_spool_pos_t begin_pos; /* where the open answer's begin marker lies */
	char prev[GCB_POLL_CURSOR_MAX];
	size_t prev_len;
	char last_fed[GCB_POLL_CURSOR_MAX]; /* cursor after the last answer fed */
	char batch_from[GCB_POLL_CURSOR_MAX]; /* cursor the batch's first answer was polled after */
	uint64_t batch_bytes;
	uint64_t batch_maxrec;
	uint64_t batch_arrival_ms; /* when the batch's first answer was received */
	struct {
		size_t n_events, scratch_used;
		uint64_t bytes, maxrec;
	} whole; /* the batch up to its last complete answer: a torn one rolls back here */
	struct {
		size_t n_events;
		uint64_t bytes, maxrec;
	} carry; /* the open answer's events held back while the complete ones go */
	int blocked;		   /* the last feed found no ring space */
	struct {
		uint64_t seq;
		gcb_spool_pos_t pos; /* release up to here once seq is checkpointed */
	} fed[GCB_SHM_CURSOR_SLOTS];
	uint64_t released_seq;
	uint64_t syncs;

	/* spool.max_size reached: polling stops until the spool is below 3/4. */
	int full;
	uint64_t full_since_ms;	 /* wall clock */
	uint64_t caught_up_ms;	 /* wall clock of the last answer without hasMore */
	uint64_t deadline_ms;	 /* estimated end of upstream retention at the cursor */
	uint64_t next_report_ms; /* mono: next update of the report */

	/* Fill rate: spool bytes sampled once a second. */
	uint64_t samp_bytes[GCB_PSPOOL_RATE_SAMPLES];
	uint64_t samp_ms[GCB_PSPOOL_RATE_SAMPLES];
	unsigned samp_n;
	uint64_t next_sample_ms;
} gcb_fetcher_pspool_t;

struct gcb_fetcher;

/* Opens the spool and the feed buffers. 0, or -EINVAL (unusable dir: fatal), -ENOMEM. */
int gcb_fetcher_pspool_open(struct gcb_fetcher *f);

/* Feeds what the rings take now, syncs and closes. NULL spool: no-op. */
void gcb_fetcher_pspool_close(struct gcb_fetcher *f);

/*
 * Where to go on after a restart: resume is the cursor of the newest batch
 * in the rings (shared memory survived) or in the checkpoint (from_ckpt),
 * "" for none. Seeks the spool to the first answer after it and sets
 * f->cursor to the cursor after the last whole spooled answer.
 */
int gcb_fetcher_pspool_resume(struct gcb_fetcher *f, const char *resume, int from_ckpt);

/*
 * Appends the answer in f->poll (events are spans of body) with next cursor
 * f->poll.cursor. 0; -ENOSPC when spool.max_size has no room for all of it
 * (nothing appended; the spool is reported full); -EMSGSIZE when an event is
 * larger than a spool record; -EIO.
 */
int gcb_fetcher_pspool_append(struct gcb_fetcher *f, const char *body, uint64_t received_ms);

/* An answer that went to the rings directly (see -EMSGSIZE): chains on from it. */
void gcb_fetcher_pspool_passed(struct gcb_fetcher *f, const char *next);

/* Records an answer's hasMore: the retention estimate starts from the last catch-up. */
void gcb_fetcher_pspool_caught_up(struct gcb_fetcher *f, int has_more, uint64_t now_unix_ms);

/*
 * One turn: flush, feed the rings (never waiting), release what the checkpoint
 * covers, publish gauges, end the full state below 3/4. 0 or the sticky error.
 */
int gcb_fetcher_pspool_service(struct gcb_fetcher *f);

/* 1 while polling must stop: the spool is full (see above). */
int gcb_fetcher_pspool_is_full(struct gcb_fetcher *f);

/* 1 when every spooled answer is in the rings. */
int gcb_fetcher_pspool_drained(const struct gcb_fetcher *f);

/*
 * Estimated unix ms at which the upstream retention passes the cursor
 * polling stopped at: the last time polling had caught up (else base_ms)
 * plus retention_ms. Pure, for tests.
 */
uint64_t gcb_fetcher_pspool_deadline(uint64_t caught_up_ms, uint64_t base_ms,
				     uint64_t retention_ms);

/*
 * Bytes per second the spool grew over the samples (oldest to newest), 0
 * when it did not grow; and the ms until max at that rate (0: not growing).
 * Pure, for tests.
 */
uint64_t gcb_fetcher_pspool_rate(const uint64_t *bytes, const uint64_t *ms, unsigned n);
uint64_t gcb_fetcher_pspool_full_in_ms(uint64_t bytes, uint64_t max, uint64_t rate);

#endif

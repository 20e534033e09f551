/*
 * The gap log: every span of time in which gcbridge was not receiving a
 * set of notification topics (a disconnect, a missed heartbeat, a full
 * spool, gcbridge not running), so the backfill can fetch it from the
 * Analytics API. Kept in <state_dir>/<instance>.gaps (mode 0600), rewritten
 * whole and atomically (gcb_ckpt_write_file) whenever a gap opens, closes or
 * completes; the "alive" mark (<instance>.alive) records the last time
 * messages were being received, so a crash or stop also leaves a gap from
 * that moment to the next connection.
 *
 * Ownership: the gap log owns every gap and its topic list; pointers it
 * returns are valid until the next call that changes the log.
 */
#ifndef GCB_GAPS_H
#define GCB_GAPS_H

#include <stddef.h>
#include <stdint.h>

#include "stages/source/gcb_ckpt.h"

#define GCB_GAP_REASON_MAX 32

typedef enum gcb_gap_state {
	GCB_GAP_OPEN = 0, /* still not receiving: end unknown */
	GCB_GAP_CLOSED,	  /* receiving again; backfill not finished */
} gcb_gap_state_t;

typedef struct gcb_gap {
	uint64_t id; /* increasing, never reused */
	uint64_t start_unix_ms;
	uint64_t end_unix_ms; /* 0 while open */
	gcb_gap_state_t state;
	char reason[GCB_GAP_REASON_MAX]; /* "heartbeat", "closed", "socket_closing",
					    "expired", "token_revoked", "unsubscribed",
					    "spool_full", "not_running", "connect_failed",
					    "rollover" */
	char *topics;			 /* space-separated topic ids, owned */
} gcb_gap_t;

typedef struct gcb_gaps {
	gcb_ckpt_t *store; /* borrowed: the fetcher's state-dir writer */
	char name[64];	   /* <instance>.gaps */
	char alive_name[64];
	gcb_gap_t *v; /* oldest first */
	unsigned n;
	size_t cap;
	uint64_t next_id;
	uint64_t alive_written_ms; /* monotonic time of the last alive mark */
	uint64_t alive_unix_ms;	   /* last alive mark loaded or written */
} gcb_gaps_t;

/*
 * Loads the gap log (an absent file is an empty log). Gaps left open by a
 * previous run are closed at that run's last alive mark. 0, or -errno with
 * errstr for a file that is not a gap log (never silently dropped).
 */
int gcb_gaps_load(gcb_gaps_t *g, gcb_ckpt_t *store, const char *instance, char *errstr,
		  size_t errstr_size);
void gcb_gaps_fini(gcb_gaps_t *g);

/*
 * Records that messages are being received (call on every message or
 * heartbeat; written to disk at most every interval_ms).
 */
void gcb_gaps_alive(gcb_gaps_t *g, uint64_t now_unix_ms, uint64_t now_mono_ms,
		    uint64_t interval_ms);

/* The last alive mark of this or a previous run; 0 when there never was one. */
uint64_t gcb_gaps_last_alive(const gcb_gaps_t *g);

/*
 * Opens a gap from start_unix_ms for topics (copied) and persists it.
 * Returns its id, 0 when it could not be persisted (logged; kept in memory).
 */
uint64_t gcb_gaps_open(gcb_gaps_t *g, uint64_t start_unix_ms, const char *reason,
		       const char *topics);

/* Closes gap id at end_unix_ms and persists. 0, -ENOENT, -errno. */
int gcb_gaps_close(gcb_gaps_t *g, uint64_t id, uint64_t end_unix_ms);

/* The oldest closed gap (the next to backfill), NULL when none. */
const gcb_gap_t *gcb_gaps_next_closed(const gcb_gaps_t *g);

/* Gap id is backfilled: removed and persisted. 0, -ENOENT, -errno. */
int gcb_gaps_done(gcb_gaps_t *g, uint64_t id);

/* Open plus closed gaps. */
unsigned gcb_gaps_pending(const gcb_gaps_t *g);

#endif

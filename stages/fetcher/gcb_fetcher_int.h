/*
 * The fetcher's private state and the helpers its files share. Nothing here
 * crosses a process boundary.
 */
#ifndef GCB_FETCHER_INT_H
#define GCB_FETCHER_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "stages/fetcher/gcb_fetcher.h"
#include "stages/fetcher/gcb_fetcher_spool.h"
#include "stages/source/gcb_source.h"
#include "shm/gcb_counters_fetcher.h"

#define GCB_FETCHER_SPOOL_TICK_MS 10 /* sleeps are this fine while a spool is fed */

/* Stall detection of the poll source (gcb_fetcher_stall.c). */
typedef struct gcb_fetcher_stall {
	unsigned limit;	      /* limit= of the next poll */
	unsigned bad_answers; /* broken answers in a row at the current cursor */
	unsigned kept_limit;  /* limit of the kept broken answer, 0: none kept */
	int more;	      /* the last answer said hasMore */
	int stalled;
	uint64_t progress_ms; /* wall clock of the last progress */
	uint64_t since_ms;    /* wall clock when the stall began */
	char last_error[160];
	char reason[GCB_SHM_REASON_MAX];
} gcb_fetcher_stall_t;

typedef struct gcb_fetcher {
	gcb_source_t src; /* endpoints, token, checkpoint, batch writer, cursor */
	gcb_poll_result_t poll;
	gcb_fetcher_stall_t stall;
	int writing;		  /* inside a direct gcb_batch_write: the tick must not feed */
	int feeding;		  /* the spool feed writes: ring waits abort instead */
	uint64_t retention_ms;	  /* the stream's retention (stated by it, else configured) */
	gcb_fetcher_pspool_t *ps; /* the poll source's spool, NULL when off */
	gcb_coord_t *coord;	  /* NULL in single-instance mode */
	int unit_owned;		  /* the poll source runs unit 0 only while this is set */
} gcb_fetcher_t;

/*
 * Resolves f->src.stream_id: verifies a configured id or creates / reuses the
 * stream of the definition file. 0; -ENOENT (unknown stream), -EINVAL (bad
 * definition file): fatal; -ECANCELED when stopping.
 */
int gcb_fetcher_stream_resolve(gcb_fetcher_t *f);

/* The stream id remembered in the state dir ("" when none). */
void gcb_fetcher_stream_remembered(gcb_ckpt_t *ck, const char *instance, char *id, size_t size);

/* Stalls (gcb_fetcher_stall.c): reset at the start of polling. */
void gcb_fetcher_stall_init(gcb_fetcher_t *f);

/* An answer was accepted and written; advanced: the cursor moved. */
void gcb_fetcher_stall_progress(gcb_fetcher_t *f, int advanced, int has_more);

/* A request failed (any non-200, transport, token); what says how. */
void gcb_fetcher_stall_failed(gcb_fetcher_t *f, const char *what);

/* An answer whose framing is broken (err says how); body kept when stalled. */
void gcb_fetcher_stall_broken(gcb_fetcher_t *f, const char *err, const char *body, size_t len);

/* limit= for the next poll (the configured one unless answers broke). */
unsigned gcb_fetcher_stall_limit(const gcb_fetcher_t *f);

/*
 * Carries out an operator's skip request when one is waiting for the
 * current cursor: 1 done (the kept answer is in the rings, cursor moved),
 * 0 nothing to do, -ECANCELED stopping.
 */
int gcb_fetcher_stall_try_skip(gcb_fetcher_t *f);

/*
 * Group coordination of the poll source (gcb_fetcher_coord.c): one unit,
 * the stream. setup joins the group (0, or -EINVAL for a configuration
 * that cannot work); fini leaves it after draining; gate serves the group
 * at the top of each poll turn and returns 1 while this instance is standby
 * (it has waited a tick), 0 when it owns the stream (resuming from the
 * state topic when it just took it over); stored publishes the checkpoint
 * just written to the state topic.
 */
int gcb_fetcher_coord_setup(gcb_fetcher_t *f);
void gcb_fetcher_coord_fini(gcb_fetcher_t *f);
int gcb_fetcher_coord_gate(gcb_fetcher_t *f);
void gcb_fetcher_coord_stored(gcb_fetcher_t *f);

#endif

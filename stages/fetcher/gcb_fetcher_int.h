/*
 * The fetcher's private state and the helpers its files share. Nothing here
 * crosses a process boundary.
 */
#ifndef GCB_FETCHER_INT_H
#define GCB_FETCHER_INT_H

#include <stdatomic.h>
#include <stdint.h>

#include "stages/fetcher/gcb_fetcher.h"
#include "stages/source/gcb_backoff.h"
#include "stages/fetcher/gcb_fetcher_batch.h"
#include "stages/source/gcb_ckpt.h"
#include "lib/gcb_http.h"
#include "stages/fetcher/gcb_fetcher_poll.h"
#include "stages/fetcher/gcb_fetcher_spool.h"
#include "stages/source/gcb_token.h"
#include "shm/gcb_counters_fetcher.h"

#define GCB_FETCHER_STREAM_MAX	  200
#define GCB_FETCHER_TICK_MS	  200
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
	const gcb_fetcher_conf_t *conf;
	gcb_stage_ctx_t *ctx;
	_Atomic uint64_t *counters;
	gcb_shm_pipeline_t *pipe;
	char api[GCB_FETCHER_URL_MAX];
	char login[GCB_FETCHER_URL_MAX];
	gcb_http_t api_http;
	gcb_http_t login_http;
	gcb_token_t token;
	gcb_backoff_t backoff;
	gcb_ckpt_t ckpt;
	int ckpt_ready;
	gcb_batch_writer_t writer;
	gcb_poll_result_t poll;
	char stream_id[GCB_FETCHER_STREAM_MAX + 1];
	char cursor[GCB_POLL_CURSOR_MAX]; /* cursor of the next poll, "" for none */
	uint64_t last_ckpt_ns;
	gcb_fetcher_stall_t stall;
	int in_tick;		  /* the tick runs checkpoints; never recursively */
	int writing;		  /* inside a direct gcb_batch_write: the tick must not feed */
	int feeding;		  /* the spool feed writes: ring waits abort instead */
	uint64_t retention_ms;	  /* the stream's retention (stated by it, else configured) */
	gcb_fetcher_pspool_t *ps; /* the poll source's spool, NULL when off */
} gcb_fetcher_t;

/* Heartbeat, due checkpoint; 1 when the stage must stop. */
int gcb_fetcher_tick(gcb_fetcher_t *f);

/* Sleeps ms in ticks; -ECANCELED when the stage must stop. */
int gcb_fetcher_sleep(gcb_fetcher_t *f, uint64_t ms);

/*
 * Stores the acknowledged batch's cursor when one is due (interval passed)
 * or force is set and the acknowledged position moved.
 */
void gcb_fetcher_checkpoint(gcb_fetcher_t *f, int force);

/*
 * An authorised API request: takes a token (renewing as needed), performs,
 * and after a 401 renews once and retries once. 0: an answer is in
 * f->api_http.resp (a second 401 included). -EACCES: no token could be
 * obtained (credentials refused); -EAGAIN: token endpoint failing
 * transiently (f->token.retry_after_ms may be set); -ECANCELED: stopping;
 * other negatives: transport errors as gcb_http_perform().
 */
int gcb_fetcher_api_call(gcb_fetcher_t *f, const char *method, const char *url, const char *body,
			 size_t body_len, long timeout_ms);

/*
 * Backs off after a failed request: logs, counts a retry, sleeps. cap: use
 * the cap (a failure that will not heal soon). -ECANCELED when stopping.
 */
int gcb_fetcher_backoff(gcb_fetcher_t *f, int cap, int64_t retry_after_ms, const char *what);

/*
 * Resolves f->stream_id: verifies a configured id or creates / reuses the
 * stream of the definition file. 0; -ENOENT (unknown stream), -EINVAL (bad
 * definition file): fatal; -ECANCELED when stopping.
 */
int gcb_fetcher_stream_resolve(gcb_fetcher_t *f);

/* The stream id remembered in the state dir ("" when none). */
void gcb_fetcher_stream_remembered(gcb_ckpt_t *ck, const char *instance, char *id, size_t size);

/* gcb_batch_keep_fn: keeps an event too large for a ring record (gcb_fetcher_keep.c). */
int gcb_fetcher_keep_event(void *arg, const char *event, size_t len,
			   char sha256[GCB_BATCH_SHA256_HEX + 1], char *name, size_t name_size);

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

/* Logs a non-2xx answer with its status, error code and correlation id. */
void gcb_fetcher_log_answer(gcb_fetcher_t *f, const char *what);

#endif

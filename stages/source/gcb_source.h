/*
 * The source base: what the source stage holds whichever source it runs
 * (the poll source, stages/fetcher; the notification source, stages/notif).
 * Each source embeds one gcb_source_t and sets its hooks; the base owns the
 * endpoints, the token, the API HTTP handle with its renew-once-on-401
 * call, the backoff, the checkpoint file and the batch writer, and runs the
 * tick (heartbeat, due checkpoint, stop) that every wait goes through.
 */
#ifndef GCB_SOURCE_H
#define GCB_SOURCE_H

#include <stdatomic.h>
#include <stdint.h>

#include "lib/gcb_http.h"
#include "shm/gcb_ring.h"
#include "stages/gcb_stage.h"
#include "stages/source/gcb_backoff.h"
#include "stages/source/gcb_batch.h"
#include "stages/source/gcb_ckpt.h"
#include "stages/source/gcb_poll.h"
#include "stages/source/gcb_source_conf.h"
#include "stages/source/gcb_token.h"

#define GCB_SOURCE_TICK_MS 200 /* longest sleep between two ticks */

typedef struct gcb_source {
	const gcb_source_conf_t *conf;
	gcb_stage_ctx_t *ctx;
	_Atomic uint64_t *counters;
	gcb_shm_pipeline_t *pipe;
	char api[GCB_SOURCE_URL_MAX];
	char login[GCB_SOURCE_URL_MAX];
	gcb_http_t api_http;
	gcb_http_t login_http;
	gcb_token_t token;
	gcb_backoff_t backoff;
	gcb_ckpt_t ckpt;
	int ckpt_ready;
	gcb_batch_writer_t writer;
	char stream_id[GCB_SOURCE_STREAM_MAX + 1];
	char cursor[GCB_POLL_CURSOR_MAX]; /* the source's position, "" for none */
	uint64_t last_ckpt_ns;
	int in_tick; /* the tick runs checkpoints and on_tick; never recursively */

	/* Set by the running source (NULL: none). on_tick runs in every tick
	 * that is not nested in another; on_stored after each checkpoint that
	 * was written. */
	void (*on_tick)(void *arg);
	void (*on_stored)(void *arg);
	void *hook_arg;
	unsigned tick_ms; /* longest sleep step, 0: GCB_SOURCE_TICK_MS */
} gcb_source_t;

/*
 * Checks conf, sets s up over ctx (endpoints, HTTP handles, token manager,
 * checkpoint store) and checks the rings out (attached as producer, one per
 * validator). 0; -EINVAL for a configuration that can never work; another
 * negative errno for a failure a restart may cure. gcb_source_fini() is due
 * whatever it returns.
 */
int gcb_source_init(gcb_source_t *s, const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx,
		    gcb_ring_t *out, unsigned n_out);
void gcb_source_fini(gcb_source_t *s);

/*
 * Sets the batch writer up over the rings with s->stream_id, keeping cut
 * events whole in the state directory (gcb_source_keep_event); the source
 * sets the writer's wait hook.
 */
void gcb_source_writer_init(gcb_source_t *s, gcb_ring_t *out, unsigned n_out);

/* Heartbeat, due checkpoint, on_tick; 1 when the stage must stop. */
int gcb_source_tick(gcb_source_t *s);

/* Sleeps ms in ticks; -ECANCELED when the stage must stop. */
int gcb_source_sleep(gcb_source_t *s, uint64_t ms);

/*
 * Stores the acknowledged batch's cursor when one is due (interval passed)
 * or force is set and the acknowledged position moved.
 */
void gcb_source_checkpoint(gcb_source_t *s, int force);

/*
 * An authorised API request: takes a token (renewing as needed), performs,
 * and after a 401 renews once and retries once. 0: an answer is in
 * s->api_http.resp (a second 401 included). -EACCES: no token could be
 * obtained (credentials refused); -EAGAIN: token endpoint failing
 * transiently (s->token.retry_after_ms may be set); -ECANCELED: stopping;
 * other negatives: transport errors as gcb_http_perform().
 */
int gcb_source_api_call(gcb_source_t *s, const char *method, const char *url, const char *body,
			size_t body_len, long timeout_ms);

/*
 * Backs off after a failed request: logs, counts a retry, sleeps. cap: use
 * the cap (a failure that will not heal soon). -ECANCELED when stopping.
 */
int gcb_source_backoff(gcb_source_t *s, int cap, int64_t retry_after_ms, const char *what);

/* Logs a non-2xx answer with its status, error code and correlation id. */
void gcb_source_log_answer(gcb_source_t *s, const char *what);

/* gcb_batch_keep_fn over a gcb_source_t: keeps an event too large for a
 * ring record (gcb_source_keep.c). */
int gcb_source_keep_event(void *arg, const char *event, size_t len,
			  char sha256[GCB_BATCH_SHA256_HEX + 1], char *name, size_t name_size);

/* A source's main, as gcb_fetcher_main() and gcb_notif_main(). */
typedef int (*gcb_source_main_fn)(const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx,
				  gcb_ring_t *out, unsigned n_out);

/*
 * The stage entry of a source: attaches the fetch rings by name
 * (gcb_stage_attach_rings; GCB_EXIT_RESTART when that fails, as for every
 * stage) and runs main over them.
 */
int gcb_source_stage_run(gcb_stage_ctx_t *ctx, const gcb_source_conf_t *conf,
			 gcb_source_main_fn main);

#endif

/*
 * The poll source, one of the two mains of the source stage (named
 * "fetcher"): polls one Genesys event stream (docs/genesys-api.md) with
 * OAuth client credentials (section A) and writes every event, as
 * received, to the validator rings, one poll answer per batch, batches
 * striped round-robin (batch_seq mod V). It also writes the checkpoint file
 * from the position the producer acknowledged. See docs/fetcher.md.
 */
#ifndef GCB_FETCHER_H
#define GCB_FETCHER_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "shm/gcb_ring.h"
#include "stages/gcb_stage.h"
#include "stages/source/gcb_source_conf.h"

/*
 * The stage entry, called in the forked child after gcb_stage_enter(). out
 * holds n_out (== conf->n_validators) ring handles the caller attached as
 * producer in this process (gcb_ring_attach_producer), validator i's input
 * ring at index i. Returns GCB_EXIT_OK once asked to stop,
 * GCB_EXIT_FATAL for a configuration that can never work (unknown stream,
 * rings too small, unusable state dir), GCB_EXIT_RESTART for an internal
 * failure a restart may cure. Transient upstream failures never return.
 */
int gcb_fetcher_main(const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *out,
		     unsigned n_out);

/*
 * The stage entry of the poll source, gcb_stage_main_fn-shaped, for
 * gcbridge (supervisor/gcb_pipeline.c) and the test harness alike: arg is a
 * const gcb_source_conf_t *. Attaches the fetch rings by name
 * (gcb_source_stage_run) and runs gcb_fetcher_main().
 */
int gcb_fetcher_stage_main(gcb_stage_ctx_t *ctx, void *arg);

/*
 * Stores the checkpoint once more, outside the fetcher process: the cursor of
 * the batch the producer acknowledged last. The fetcher is the first stage
 * to exit during a drain, so batches acknowledged after it left would
 * otherwise be fetched (and produced) again after a restart. The supervisor
 * calls this once the producer has exited. 1 stored, 0 nothing newer to
 * store, -errno with errstr. Reads the stream id from conf or from the
 * remembered-stream file.
 */
/*
 * `gcbridge --skip-stalled-answer`: asks the running fetcher of instance,
 * stalled on a broken answer, to dead-letter that answer whole and continue
 * at next (NULL: the cursor the kept answer names at its top level). Says
 * what it asked on out. 0, or -errno with err.
 */
int gcb_fetcher_request_skip(const gcb_source_conf_t *conf, const char *instance,
			     const char *next, FILE *out, char *err, size_t err_size);

int gcb_fetcher_checkpoint_final(const gcb_source_conf_t *conf, gcb_shm_t *shm, char *errstr,
				 size_t errstr_size);

#endif

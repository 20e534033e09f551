/*
 * The notification source (docs/notifications.md, docs/notif-source.md):
 * what the source stage (named "fetcher") runs when genesys.source =
 * notifications. WebSocket channels feed a durable spool; the spool feeds
 * the validator rings; disconnects are recorded as gaps and backfilled from
 * the Analytics API.
 */
#ifndef GCB_NOTIF_H
#define GCB_NOTIF_H

#include "shm/gcb_ring.h"
#include "stages/gcb_stage.h"
#include "stages/source/gcb_source_conf.h"

/* The stream id of the notification source's ring records and checkpoint. */
#define GCB_NOTIF_STREAM "notifications"

/*
 * The source's main, called in the forked child after gcb_stage_enter(),
 * over n_out (== conf->n_validators) rings attached as producer, validator
 * i's input ring at index i. Runs until the stage is asked to stop.
 * GCB_EXIT_OK, GCB_EXIT_FATAL (a configuration that can never work: topic
 * set too large, unknown topics, unusable spool or state dir, rings too
 * small), GCB_EXIT_RESTART.
 */
int gcb_notif_main(const gcb_source_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *out,
		   unsigned n_out);

/*
 * The stage entry of the notification source, gcb_stage_main_fn-shaped:
 * arg is a const gcb_source_conf_t *. Attaches the fetch rings by name
 * (gcb_source_stage_run) and runs gcb_notif_main().
 */
int gcb_notif_stage_main(gcb_stage_ctx_t *ctx, void *arg);

#endif

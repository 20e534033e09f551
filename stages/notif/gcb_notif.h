/*
 * The notification source (docs/notifications.md, docs/notif-source.md):
 * the fetcher's loop when genesys.source = notifications. WebSocket
 * channels feed a durable spool; the spool feeds the validator rings;
 * disconnects are recorded as gaps and backfilled from the Analytics API.
 */
#ifndef GCB_NOTIF_H
#define GCB_NOTIF_H

#include "shm/gcb_ring.h"

struct gcb_fetcher;

/*
 * Runs the source inside a set-up fetcher (token manager, HTTP handles,
 * checkpoint store ready; rings checked) until the stage is asked to stop.
 * GCB_EXIT_OK, GCB_EXIT_FATAL (a configuration that can never work: topic
 * set too large, unknown topics, unusable spool), GCB_EXIT_RESTART.
 */
int gcb_notif_run(struct gcb_fetcher *f, gcb_ring_t *out, unsigned n_out);

#endif

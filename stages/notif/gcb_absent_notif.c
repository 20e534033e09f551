/*
 * Stands in for the notification source in a build without its parts (the
 * WebSocket client, the spool, the gap log and backfill): the source is
 * refused as a configuration this build cannot run.
 */
#include "stages/notif/gcb_notif.h"

#include "stages/gcb_stage.h"
#include "supervisor/gcb_log.h"

int gcb_notif_run(struct gcb_fetcher *f, gcb_ring_t *out, unsigned n_out)
{
	(void)f;
	(void)out;
	(void)n_out;
	gcb_log_error("genesys.source: this build has no notification source (WebSocket client, "
		      "spool or backfill missing)");
	return GCB_EXIT_FATAL;
}

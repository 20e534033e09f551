/*
 * The fetcher stage: polls one Genesys event stream (docs/genesys-api.md)
 * with OAuth client credentials (section A) and writes every event, as
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
#include "stages/coord/gcb_coord.h"
#include "stages/gcb_stage.h"

#define GCB_FETCHER_URL_MAX 512

/* gcb_fetcher_conf_t.source */
#define GCB_FETCHER_SOURCE_POLL		 0 /* event-stream polling: docs/genesys-api.md */
#define GCB_FETCHER_SOURCE_NOTIFICATIONS 1 /* docs/notifications.md */

/* The stream id of the notification source's ring records and checkpoint. */
#define GCB_FETCHER_NOTIF_STREAM "notifications"

typedef struct gcb_fetcher_conf {
	/* Endpoints: explicit base URLs win; else derived from region_domain
	 * as https://api.<domain> and https://login.<domain>. No trailing '/'. */
	const char *api_base_url;
	const char *login_base_url;
	const char *region_domain;

	const char *client_id;
	const char *client_secret; /* resolved value; never logged or copied out */

	/* Exactly one of: an existing stream id (verified with GET), or a
	 * stream definition file (created once, id remembered in state_dir). */
	const char *stream_id;
	const char *stream_definition_path;

	/* Every tunable below is a configuration key (named beside it); its
	 * default lives in the configuration table only (README, "Configuration
	 * reference"), and the caller fills every field. */
	unsigned poll_limit;		 /* genesys.poll.limit, 1..1000 */
	unsigned poll_timeout_ms;	 /* genesys.poll.timeout: long poll timeoutMs, 0..30000 */
	unsigned poll_interval_ms;	 /* genesys.poll.interval: wait after a poll without hasMore */
	unsigned stall_after;		 /* genesys.poll.stall_after: broken answers, then stalled */
	uint64_t stall_timeout_ms;	 /* genesys.poll.stall_timeout: no progress, then stalled */
	uint64_t retention_ms;		 /* genesys.poll.retention: the stream's, when it does
					  * not say (used to estimate the margin left) */
	unsigned token_skew_s;		 /* genesys.token.skew: renew this long before expiry */
	unsigned backoff_base_ms;	 /* genesys.backoff.base */
	unsigned backoff_cap_ms;	 /* genesys.backoff.cap */
	unsigned connect_timeout_ms;	 /* genesys.http.connect_timeout */
	unsigned request_timeout_ms;	 /* genesys.http.timeout: added to the long poll */
	int tls_verify;			 /* genesys.tls.verify; 0 only for tests, logged loudly */
	const char *ca_path;		 /* CA bundle file or NULL for the system store */
	unsigned checkpoint_interval_ms; /* checkpoint.interval: at most one per interval */
	const char *state_dir;		 /* checkpoint and stream-id files */
	uint32_t max_event_bytes;	 /* event.max_bytes: one must fit a ring record */
	uint32_t dlq_value_max;		 /* the DLQ's largest value (kafka.message.max.bytes less
					  * header room): an oversized event above it travels
					  * cut (0: only the ring limits) */
	unsigned n_validators;		 /* pipeline.validators: V, number of output rings */
	const char *user_agent;		 /* NULL: "gcbridge-fetcher" */

	/* Group coordination (docs/multihost.md); coord.group NULL: this
	 * instance runs every unit alone (single-instance mode). */
	gcb_coord_conf_t coord;

	int source; /* GCB_FETCHER_SOURCE_*; the fields below only for notifications */
	struct {
		const char *topics;	 /* space-separated; {queueId} / {userId} expand */
		const char *topics_file; /* one topic a line, '#' comments; or NULL */
		unsigned resolve_interval_ms;
		unsigned heartbeat_timeout_ms;
		unsigned ping_interval_ms;
		unsigned rollover_before_ms;
		unsigned topics_per_channel;
		unsigned max_channels;	  /* one of them is kept free for rollover */
		unsigned rate_per_minute; /* REST budget of the notification source */
	} notif;
	struct {
		int poll;	 /* genesys.poll.spool: the poll source spools too */
		const char *dir; /* <state_dir>/<instance>.spool */
		uint64_t segment_bytes;
		uint64_t max_bytes;
		unsigned sync_interval_ms;
	} spool;
	struct {
		int enabled;
		uint64_t pad_ms;
		unsigned poll_interval_ms;
	} backfill;
} gcb_fetcher_conf_t;

/*
 * Checks conf on its own (ranges, exactly one stream source, endpoints):
 * 0, or -EINVAL with the reason in errstr. The secret is never quoted.
 */
int gcb_fetcher_conf_check(const gcb_fetcher_conf_t *conf, char *errstr, size_t errstr_size);

/*
 * Ring bytes (a power of two) in which one full poll answer (poll_limit
 * events of max_event_bytes) fits as one batch. Smaller rings work: larger
 * answers are then split over several batches. What the fetcher refuses
 * (GCB_EXIT_FATAL) is a ring whose max_record cannot carry one event of
 * max_event_bytes plus its record header and stream id (max_event_bytes +
 * 256).
 */
uint64_t gcb_fetcher_ring_bytes_needed(const gcb_fetcher_conf_t *conf);

/*
 * The stage entry, called in the forked child after gcb_stage_enter(). out
 * holds n_out (== conf->n_validators) ring handles the caller attached as
 * producer in this process (gcb_ring_attach_producer), validator i's input
 * ring at index i. Returns GCB_EXIT_OK once asked to stop,
 * GCB_EXIT_FATAL for a configuration that can never work (unknown stream,
 * rings too small, unusable state dir), GCB_EXIT_RESTART for an internal
 * failure a restart may cure. Transient upstream failures never return.
 */
int gcb_fetcher_main(const gcb_fetcher_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *out,
		     unsigned n_out);

/*
 * The one entry of the stage, gcb_stage_main_fn-shaped, for gcbridge
 * (supervisor/gcb_pipeline.c) and the test harness alike: arg is a
 * const gcb_fetcher_conf_t *. Attaches the fetch rings by name
 * (gcb_stage_attach_rings; GCB_EXIT_RESTART when that fails, as for every
 * stage) and runs gcb_fetcher_main().
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
int gcb_fetcher_request_skip(const gcb_fetcher_conf_t *conf, const char *instance,
			     const char *next, FILE *out, char *err, size_t err_size);

int gcb_fetcher_checkpoint_final(const gcb_fetcher_conf_t *conf, gcb_shm_t *shm, char *errstr,
				 size_t errstr_size);

#endif

/*
 * The configuration of the source stage, whichever source it runs (the
 * poll source, stages/fetcher; the notification source, stages/notif):
 * filled by the supervisor from the configuration table, checked here.
 */
#ifndef GCB_SOURCE_CONF_H
#define GCB_SOURCE_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "stages/coord/gcb_coord.h"

#define GCB_SOURCE_URL_MAX    512
#define GCB_SOURCE_STREAM_MAX 200

/* gcb_source_conf_t.source */
#define GCB_SOURCE_POLL		 0 /* event-stream polling: docs/genesys-api.md */
#define GCB_SOURCE_NOTIFICATIONS 1 /* docs/notifications.md */

typedef struct gcb_source_conf {
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
} gcb_source_conf_t;

/*
 * Checks conf on its own (ranges, exactly one stream source, endpoints):
 * 0, or -EINVAL with the reason in errstr. The secret is never quoted.
 */
int gcb_source_conf_check(const gcb_source_conf_t *conf, char *errstr, size_t errstr_size);

/*
 * Ring bytes (a power of two) in which one full poll answer (poll_limit
 * events of max_event_bytes) fits as one batch. Smaller rings work: larger
 * answers are then split over several batches. What the source stage refuses
 * (GCB_EXIT_FATAL) is a ring whose max_record cannot carry one event of
 * max_event_bytes plus its record header and stream id (max_event_bytes +
 * 256).
 */
uint64_t gcb_source_ring_bytes_needed(const gcb_source_conf_t *conf);

#endif

#include "supervisor/gcb_pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm/gcb_dir.h"
#include "stages/notif/gcb_notif_topics.h"
#include "supervisor/gcb_log.h"

static void notif_conf(gcb_pipeline_t *p)
{
	const gcb_config_t *cfg = p->cfg;
	gcb_fetcher_conf_t *f = &p->fetcher;

	f->source = cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS
			? GCB_FETCHER_SOURCE_NOTIFICATIONS
			: GCB_FETCHER_SOURCE_POLL;
	f->notif.topics = cfg->genesys.notifications.topics;
	f->notif.topics_file = cfg->genesys.notifications.topics_file;
	f->notif.resolve_interval_ms = (unsigned)cfg->genesys.notifications.resolve_interval_ms;
	f->notif.rate_per_minute = (unsigned)cfg->genesys.notifications.rate_per_minute;
	f->notif.heartbeat_timeout_ms = (unsigned)cfg->genesys.notifications.heartbeat_timeout_ms;
	f->notif.ping_interval_ms = (unsigned)cfg->genesys.notifications.ping_interval_ms;
	f->notif.rollover_before_ms = (unsigned)cfg->genesys.notifications.rollover_before_ms;
	f->notif.topics_per_channel = (unsigned)cfg->genesys.notifications.topics_per_channel;
	f->notif.max_channels = (unsigned)cfg->genesys.notifications.max_channels;
	/* Each source its own directory: their records differ, and a source
	 * switched with a spool not yet drained must not read the other's. */
	snprintf(p->spool_dir, sizeof(p->spool_dir), "%s/%s.%sspool", cfg->instance.state_dir,
		 cfg->instance.name,
		 cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS ? "" : "poll.");
	f->spool.dir = p->spool_dir;
	f->spool.segment_bytes = (uint64_t)cfg->spool.segment_size;
	f->spool.max_bytes = (uint64_t)cfg->spool.max_size;
	f->spool.sync_interval_ms = (unsigned)cfg->spool.sync_interval_ms;
	f->spool.poll = cfg->genesys.poll_spool;
	f->backfill.enabled = cfg->backfill.enabled;
	f->backfill.pad_ms = (uint64_t)cfg->backfill.pad_ms;
	f->backfill.poll_interval_ms = (unsigned)cfg->backfill.poll_interval_ms;
	if (f->source == GCB_FETCHER_SOURCE_NOTIFICATIONS) {
		f->stream_id = NULL;
		f->stream_definition_path = NULL;
	}
}

/*
 * What the notification source would refuse at startup, refused before any
 * stage is forked, naming the key: unknown placeholders, an empty topic
 * set, more fixed topics than the channels can carry, one channel only.
 */
static int notif_check(const gcb_config_t *cfg, char *errstr, size_t errstr_size)
{
	gcb_notif_topics_t t;
	int rc;

	if (cfg->genesys.notifications.max_channels < 2) {
		snprintf(errstr, errstr_size,
			 "genesys.notifications.max_channels: at least 2 (one channel is kept "
			 "free for rollover)");
		return -EINVAL;
	}
	rc = gcb_notif_topics_load(
	    &t, cfg->genesys.notifications.topics, cfg->genesys.notifications.topics_file,
	    (unsigned)cfg->genesys.notifications.topics_per_channel,
	    (unsigned)cfg->genesys.notifications.max_channels, errstr, errstr_size);
	if (rc != 0)
		return -EINVAL;
	gcb_notif_topics_fini(&t);
	if (cfg->spool.max_size < cfg->spool.segment_size) {
		snprintf(errstr, errstr_size,
			 "spool.max_size: smaller than spool.segment_size (%lld bytes)",
			 (long long)cfg->spool.segment_size);
		return -EINVAL;
	}
	return 0;
}

/*
 * The largest DLQ value Kafka takes: librdkafka's message.max.bytes (its
 * default unless kafka.message.max.bytes says otherwise) less room for the
 * key and the dead-letter headers. An oversized event above it travels cut
 * and is kept whole on disk: a whole copy would be refused for good.
 */
#define DLQ_MESSAGE_MAX_DEFAULT 1000000u
#define DLQ_HEADER_ROOM		(16u << 10)

static uint32_t dlq_value_max(const gcb_config_t *cfg)
{
	unsigned long long max = DLQ_MESSAGE_MAX_DEFAULT;

	for (size_t i = 0; i < cfg->kafka.count; i++)
		if (strcmp(cfg->kafka.props[i].name, "message.max.bytes") == 0)
			max = strtoull(cfg->kafka.props[i].value, NULL, 10);
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	return max > 2 * DLQ_HEADER_ROOM ? (uint32_t)(max - DLQ_HEADER_ROOM) : DLQ_HEADER_ROOM;
}

static void fetcher_conf(gcb_pipeline_t *p)
{
	const gcb_config_t *cfg = p->cfg;
	gcb_fetcher_conf_t *f = &p->fetcher;

	memset(f, 0, sizeof(*f));
	if (cfg->embedded_sim) {
		f->api_base_url = p->embedded->sim_url;
		f->login_base_url = p->embedded->sim_url;
		f->client_id = GCB_EMBEDDED_CLIENT_ID;
		f->client_secret = GCB_EMBEDDED_CLIENT_SECRET;
		f->stream_id = GCB_EMBEDDED_STREAM_ID;
	} else {
		f->api_base_url = cfg->api_base;
		f->login_base_url = cfg->login_base;
		f->client_id = cfg->genesys.client_id;
		f->client_secret = cfg->genesys.client_secret.value;
		f->stream_id = cfg->genesys.stream_id;
		f->stream_definition_path = cfg->genesys.stream_definition;
	}
	f->poll_limit = (unsigned)cfg->genesys.poll_limit;
	f->poll_timeout_ms = (unsigned)cfg->genesys.poll_timeout_ms;
	f->poll_interval_ms = (unsigned)cfg->genesys.poll_interval_ms;
	f->stall_after = (unsigned)cfg->genesys.poll_stall_after;
	f->stall_timeout_ms = (uint64_t)cfg->genesys.poll_stall_timeout_ms;
	f->retention_ms = (uint64_t)cfg->genesys.poll_retention_ms;
	f->token_skew_s = (unsigned)(cfg->genesys.token_skew_ms / 1000);
	f->backoff_base_ms = (unsigned)cfg->genesys.backoff_base_ms;
	f->backoff_cap_ms = (unsigned)cfg->genesys.backoff_cap_ms;
	f->connect_timeout_ms = (unsigned)cfg->genesys.connect_timeout_ms;
	f->request_timeout_ms = (unsigned)cfg->genesys.http_timeout_ms;
	f->tls_verify = cfg->genesys.tls_verify;
	f->ca_path = cfg->genesys.tls_ca_path;
	if (cfg->embedded_sim && f->poll_timeout_ms == 0) {
		/* The simulator long-polls: events flow as they happen rather than
		 * every poll interval (the contract's default for real sources). */
		f->poll_timeout_ms = 2000;
		f->poll_interval_ms = 0;
		gcb_log_info("embedded simulator: long polls of 2s (genesys.poll.timeout unset)");
	}
	f->checkpoint_interval_ms = (unsigned)cfg->checkpoint.interval_ms;
	f->state_dir = cfg->instance.state_dir;
	f->max_event_bytes = (uint32_t)cfg->event.max_bytes;
	f->dlq_value_max = dlq_value_max(cfg);
	f->n_validators = (unsigned)cfg->pipeline.validators;
	notif_conf(p);
}

static void validator_conf(gcb_pipeline_t *p)
{
	const gcb_config_t *cfg = p->cfg;

	memset(&p->validator, 0, sizeof(p->validator));
	p->validator.routes_path = cfg->schemas.routes;
	p->validator.ids_path = cfg->schemas.ids_file;
	p->validator.max_event_bytes = (size_t)cfg->event.max_bytes;
	p->validator.dlq_topic = cfg->producer.dlq_topic;
	p->validator.strict = cfg->schemas.strict;
	p->validator.registry_url = cfg->schemas.registry_url;
	p->validator.registry_user = cfg->schemas.registry_user;
	p->validator.registry_password = cfg->schemas.registry_password.value;
}

static int producer_conf(gcb_pipeline_t *p, char *errstr, size_t errstr_size)
{
	const gcb_config_t *cfg = p->cfg;
	gcb_producer_conf_t *pc = &p->producer;
	unsigned n = 0;

	gcb_producer_conf_init(pc);
	for (size_t i = 0; i < cfg->kafka.count; i++) {
		const gcb_config_kv_t *kv = &cfg->kafka.props[i];

		if (strcmp(kv->name, "bootstrap.servers") == 0) {
			snprintf(p->bootstrap, sizeof(p->bootstrap), "%s", kv->value);
			continue;
		}
		if (n == sizeof(p->kafka) / sizeof(p->kafka[0])) {
			snprintf(errstr, errstr_size, "kafka.*: more than %u properties",
				 (unsigned)(sizeof(p->kafka) / sizeof(p->kafka[0])));
			return -EINVAL;
		}
		p->kafka[n].key = kv->name;
		p->kafka[n].value = kv->value;
		n++;
	}
	if (cfg->embedded_kafka)
		snprintf(p->bootstrap, sizeof(p->bootstrap), "%s", p->embedded->bootstrap);
	pc->bootstrap_servers = p->bootstrap;
	pc->kafka = p->kafka;
	pc->n_kafka = n;
	if (cfg->producer.dlq_topic != NULL)
		pc->dlq_topic = cfg->producer.dlq_topic;
	pc->unsafe = cfg->producer.unsafe;
	pc->headers = (gcb_producer_headers_t)cfg->producer.headers;
	return gcb_producer_check_safety(pc, errstr, errstr_size);
}

int gcb_pipeline_init(gcb_pipeline_t *p, const gcb_config_t *cfg, const gcb_embedded_t *embedded,
		      char *errstr, size_t errstr_size)
{
	int fd;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->embedded = embedded;
	/* Refused before any stage is forked, as a configuration error: a state
	 * directory others can write is where a planted link or cursor waits. */
	fd = gcb_dir_open_private(cfg->instance.state_dir, errstr, errstr_size);
	if (fd < 0)
		return fd;
	close(fd);
	if (cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS &&
	    notif_check(cfg, errstr, errstr_size) != 0)
		return -EINVAL;
	/* A full poll spool polls again below 3/4 of spool.max_size, and only
	 * whole segments are released (never the one being written): with fewer
	 * than four segments' room it could stay full with everything delivered. */
	if (cfg->genesys.source != GCB_CONFIG_SOURCE_NOTIFICATIONS && cfg->genesys.poll_spool &&
	    cfg->spool.max_size < 4 * cfg->spool.segment_size) {
		snprintf(
		    errstr, errstr_size,
		    "spool.max_size: at least 4 x spool.segment_size (%lld bytes) for the poll "
		    "source",
		    (long long)cfg->spool.segment_size);
		return -EINVAL;
	}
	if ((uint64_t)cfg->event.max_bytes > dlq_value_max(cfg)) {
		/* An invalid event of the accepted size must fit the DLQ whole. */
		snprintf(errstr, errstr_size,
			 "event.max_bytes: %lld bytes exceeds what the dead-letter topic takes "
			 "(%u: kafka.message.max.bytes less %u for key and headers); lower "
			 "event.max_bytes or raise kafka.message.max.bytes",
			 (long long)cfg->event.max_bytes, dlq_value_max(cfg), DLQ_HEADER_ROOM);
		return -EINVAL;
	}
	fetcher_conf(p);
	validator_conf(p);
	return producer_conf(p, errstr, errstr_size);
}

/* This process is a forked copy: its configuration is its own to wipe. */
static void drop_secrets(gcb_pipeline_t *p, unsigned keep)
{
	gcb_config_secret_keep_only((gcb_config_t *)(uintptr_t)p->cfg, keep);
}

int gcb_pipeline_fetcher_main(gcb_stage_ctx_t *ctx, void *arg)
{
	gcb_pipeline_t *p = arg;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	unsigned n_in, n_out;

	drop_secrets(p, GCB_CONFIG_KEEP_GENESYS);
	if (gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out) != 0)
		return GCB_EXIT_RESTART;
	return gcb_fetcher_main(&p->fetcher, ctx, out, n_out);
}

int gcb_pipeline_validator_main(gcb_stage_ctx_t *ctx, void *arg)
{
	gcb_pipeline_t *p = arg;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	unsigned n_in, n_out;

	drop_secrets(p, GCB_CONFIG_KEEP_REGISTRY);
	if (gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out) != 0)
		return GCB_EXIT_RESTART;
	return gcb_validator_main(&p->validator, ctx, &in[0], &out[0]);
}

int gcb_pipeline_producer_main(gcb_stage_ctx_t *ctx, void *arg)
{
	gcb_pipeline_t *p = arg;
	gcb_ring_t in[GCB_STAGE_MAX_RINGS], out[GCB_STAGE_MAX_RINGS];
	unsigned n_in, n_out;

	drop_secrets(p, GCB_CONFIG_KEEP_KAFKA);
	if (gcb_stage_attach_rings(ctx, in, &n_in, out, &n_out) != 0)
		return GCB_EXIT_RESTART;
	return gcb_producer_main(&p->producer, ctx, in, n_in);
}

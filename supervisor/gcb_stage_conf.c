#include "supervisor/gcb_stage_conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* librdkafka's message.max.bytes default. */
#define DLQ_MESSAGE_MAX_DEFAULT 1000000u

uint32_t gcb_stage_conf_dlq_value_max(const gcb_config_t *cfg)
{
	unsigned long long max = DLQ_MESSAGE_MAX_DEFAULT;

	for (size_t i = 0; i < cfg->kafka.count; i++)
		if (strcmp(cfg->kafka.props[i].name, "message.max.bytes") == 0)
			max = strtoull(cfg->kafka.props[i].value, NULL, 10);
	if (max > UINT32_MAX)
		max = UINT32_MAX;
	return max > 2 * GCB_STAGE_CONF_DLQ_HEADER_ROOM
		   ? (uint32_t)(max - GCB_STAGE_CONF_DLQ_HEADER_ROOM)
		   : GCB_STAGE_CONF_DLQ_HEADER_ROOM;
}

void gcb_stage_conf_fetcher(const gcb_config_t *cfg, gcb_source_conf_t *f, char *spool_dir,
			    size_t size)
{
	memset(f, 0, sizeof(*f));
	f->api_base_url = cfg->api_base;
	f->login_base_url = cfg->login_base;
	f->client_id = cfg->genesys.client_id;
	f->client_secret = cfg->genesys.client_secret.value;
	f->stream_id = cfg->genesys.stream_id;
	f->stream_definition_path = cfg->genesys.stream_definition;
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
	f->checkpoint_interval_ms = (unsigned)cfg->checkpoint.interval_ms;
	f->state_dir = cfg->instance.state_dir;
	f->max_event_bytes = (uint32_t)cfg->event.max_bytes;
	f->dlq_value_max = gcb_stage_conf_dlq_value_max(cfg);
	f->n_validators = (unsigned)cfg->pipeline.validators;

	/* The notification source. */
	f->source = cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS
			? GCB_SOURCE_NOTIFICATIONS
			: GCB_SOURCE_POLL;
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
	snprintf(spool_dir, size, "%s/%s.%sspool", cfg->instance.state_dir, cfg->instance.name,
		 cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS ? "" : "poll.");
	f->spool.dir = spool_dir;
	f->spool.segment_bytes = (uint64_t)cfg->spool.segment_size;
	f->spool.max_bytes = (uint64_t)cfg->spool.max_size;
	f->spool.sync_interval_ms = (unsigned)cfg->spool.sync_interval_ms;
	f->spool.poll = cfg->genesys.poll_spool;
	f->backfill.enabled = cfg->backfill.enabled;
	f->backfill.pad_ms = (uint64_t)cfg->backfill.pad_ms;
	f->backfill.poll_interval_ms = (unsigned)cfg->backfill.poll_interval_ms;
	if (f->source == GCB_SOURCE_NOTIFICATIONS) {
		f->stream_id = NULL;
		f->stream_definition_path = NULL;
	}
}

void gcb_stage_conf_validator(const gcb_config_t *cfg, gcb_validator_conf_t *v)
{
	memset(v, 0, sizeof(*v));
	v->routes_path = cfg->schemas.routes;
	v->ids_path = cfg->schemas.ids_file;
	v->max_event_bytes = (size_t)cfg->event.max_bytes;
	v->dlq_topic = cfg->producer.dlq_topic;
	v->strict = cfg->schemas.strict;
	v->registry_url = cfg->schemas.registry_url;
	v->registry_user = cfg->schemas.registry_user;
	v->registry_password = cfg->schemas.registry_password.value;
}

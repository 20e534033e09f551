#include "supervisor/gcb_pipeline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/gcb_dir.h"
#include "stages/notif/gcb_notif.h"
#include "stages/notif/gcb_notif_topics.h"
#include "lib/gcb_log.h"
#include "supervisor/gcb_stage_conf.h"

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

static void fetcher_conf(gcb_pipeline_t *p)
{
	const gcb_config_t *cfg = p->cfg;
	gcb_source_conf_t *f = &p->fetcher;

	gcb_stage_conf_fetcher(cfg, f, p->spool_dir, sizeof(p->spool_dir));
	if (!cfg->embedded_sim)
		return;
	f->api_base_url = p->embedded->sim_url;
	f->login_base_url = p->embedded->sim_url;
	f->client_id = GCB_EMBEDDED_CLIENT_ID;
	f->client_secret = GCB_EMBEDDED_CLIENT_SECRET;
	f->stream_id =
	    f->source == GCB_SOURCE_NOTIFICATIONS ? NULL : GCB_EMBEDDED_STREAM_ID;
	f->stream_definition_path = NULL;
	if (f->poll_timeout_ms == 0) {
		/* The simulator long-polls: events flow as they happen rather than
		 * every poll interval (the contract's default for real sources). */
		f->poll_timeout_ms = 2000;
		f->poll_interval_ms = 0;
		gcb_log_info("embedded simulator: long polls of 2s (genesys.poll.timeout unset)");
	}
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
	if ((uint64_t)cfg->event.max_bytes > gcb_stage_conf_dlq_value_max(cfg)) {
		/* An invalid event of the accepted size must fit the DLQ whole. */
		snprintf(errstr, errstr_size,
			 "event.max_bytes: %lld bytes exceeds what the dead-letter topic takes "
			 "(%u: kafka.message.max.bytes less %u for key and headers); lower "
			 "event.max_bytes or raise kafka.message.max.bytes",
			 (long long)cfg->event.max_bytes, gcb_stage_conf_dlq_value_max(cfg),
			 GCB_STAGE_CONF_DLQ_HEADER_ROOM);
		return -EINVAL;
	}
	fetcher_conf(p);
	gcb_stage_conf_validator(cfg, &p->validator);
	if (producer_conf(p, errstr, errstr_size) != 0)
		return -EINVAL;
	return gcb_pipeline_coord(p, errstr, errstr_size);
}

/* This process is a forked copy: its configuration is its own to wipe. */
static void drop_secrets(gcb_pipeline_t *p, unsigned keep)
{
	gcb_config_secret_keep_only((gcb_config_t *)(uintptr_t)p->cfg, keep);
}

int gcb_pipeline_fetcher_main(gcb_stage_ctx_t *ctx, void *arg)
{
	gcb_pipeline_t *p = arg;

	/* The group member lives in the fetcher: it talks to Kafka too. */
	drop_secrets(p, GCB_CONFIG_KEEP_GENESYS |
			    (p->fetcher.coord.group != NULL ? GCB_CONFIG_KEEP_KAFKA : 0u));
	/* One source stage, named "fetcher" whichever source the configuration
	 * chose: operators and tools see the same stage either way. */
	if (p->fetcher.source == GCB_SOURCE_NOTIFICATIONS)
		return gcb_notif_stage_main(ctx, &p->fetcher);
	return gcb_fetcher_stage_main(ctx, &p->fetcher);
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

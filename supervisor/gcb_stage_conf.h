/*
 * Stage configurations filled from the configuration, whose table
 * (supervisor/gcb_config_table.c) is the only place a default or a range
 * lives: the stages have no defaults of their own. gcbridge
 * (supervisor/gcb_pipeline.c) and the test harnesses call the same
 * functions, so a test runs on the values production runs on.
 */
#ifndef GCB_STAGE_CONF_H
#define GCB_STAGE_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "stages/fetcher/gcb_fetcher.h"
#include "stages/validator/gcb_validator.h"
#include "supervisor/gcb_config.h"

/* Room kept in a DLQ message for its key and dead-letter headers. */
#define GCB_STAGE_CONF_DLQ_HEADER_ROOM (16u << 10)

/*
 * The largest DLQ value Kafka takes: librdkafka's message.max.bytes (its
 * default unless kafka.message.max.bytes says otherwise) less
 * GCB_STAGE_CONF_DLQ_HEADER_ROOM. An oversized event above it travels cut
 * and is kept whole on disk: a whole copy would be refused for good.
 */
uint32_t gcb_stage_conf_dlq_value_max(const gcb_config_t *cfg);

/*
 * The fetcher's configuration from cfg: endpoints, credentials and stream as
 * configured, every limit and interval, and the notification source's
 * settings; spool_dir (size bytes, owned by the caller like cfg) receives
 * <state_dir>/<instance>.spool. The embedded services' endpoints are the
 * caller's to put in.
 */
void gcb_stage_conf_fetcher(const gcb_config_t *cfg, gcb_source_conf_t *f, char *spool_dir,
			    size_t size);

/* The validator's configuration from cfg. */
void gcb_stage_conf_validator(const gcb_config_t *cfg, gcb_validator_conf_t *v);

#endif

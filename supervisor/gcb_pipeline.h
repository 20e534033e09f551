/*
 * The composition root: turns the configuration into each stage's own
 * configuration and gives the supervisor the stage mains to fork. Only this
 * file knows all three stages; they never know each other.
 */
#ifndef GCB_PIPELINE_H
#define GCB_PIPELINE_H

#include "stages/fetcher/gcb_fetcher.h"
#include "stages/producer/gcb_producer.h"
#include "stages/validator/gcb_validator.h"
#include "supervisor/gcb_config.h"
#include "supervisor/gcb_embedded.h"

typedef struct gcb_pipeline {
	const gcb_config_t *cfg;
	const gcb_embedded_t *embedded;
	gcb_source_conf_t fetcher;
	gcb_validator_conf_t validator;
	gcb_producer_conf_t producer;
	gcb_producer_kv_t kafka[128];
	char bootstrap[256];
	char sim_login[160];
	char spool_dir[4096]; /* <state_dir>/<instance>.spool */
	gcb_coord_kv_t coord_kafka[128];
	char coord_topic[256];
	char coord_state_topic[256];
} gcb_pipeline_t;

/*
 * Fills the fetcher's group coordination from the coord.* keys
 * (gcb_pipeline_coord.c). 0, or -EINVAL with errstr naming the key.
 */
int gcb_pipeline_coord(gcb_pipeline_t *p, char *errstr, size_t errstr_size);

/*
 * Derives the stage configurations from cfg (and from the embedded services
 * when they run) and checks what only the stages know to check (the
 * producer's delivery-safety rules). cfg and embedded must outlive p.
 * 0, or -EINVAL with errstr naming the key and the problem.
 */
int gcb_pipeline_init(gcb_pipeline_t *p, const gcb_config_t *cfg, const gcb_embedded_t *embedded,
		      char *errstr, size_t errstr_size);

/* Stage mains for gcb_supervisor_conf_t; arg is the gcb_pipeline_t. */
int gcb_pipeline_fetcher_main(gcb_stage_ctx_t *ctx, void *arg);
int gcb_pipeline_validator_main(gcb_stage_ctx_t *ctx, void *arg);
int gcb_pipeline_producer_main(gcb_stage_ctx_t *ctx, void *arg);

#endif

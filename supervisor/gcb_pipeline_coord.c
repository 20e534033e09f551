/*
 * The coord.* keys turned into the fetcher's group coordination
 * (docs/multihost.md). Kept apart from gcb_pipeline.c: single-instance mode
 * never reaches past the first test below.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/gcb_pipeline.h"

int gcb_pipeline_coord(gcb_pipeline_t *p, char *errstr, size_t errstr_size)
{
	const gcb_config_t *cfg = p->cfg;
	gcb_coord_conf_t *c = &p->fetcher.coord;
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	if (cfg->coord.group == NULL || cfg->coord.group[0] == '\0')
		return 0;
	if (cfg->embedded_kafka) {
		/* Each instance would start a Kafka of its own: no group. */
		snprintf(errstr, errstr_size,
			 "coord.group: needs a shared Kafka cluster (kafka.bootstrap.servers), "
			 "not the embedded one");
		return -EINVAL;
	}
	snprintf(p->coord_topic, sizeof(p->coord_topic), "%s",
		 cfg->coord.topic != NULL ? cfg->coord.topic : "");
	if (p->coord_topic[0] == '\0')
		snprintf(p->coord_topic, sizeof(p->coord_topic), "%s.units", cfg->coord.group);
	snprintf(p->coord_state_topic, sizeof(p->coord_state_topic), "%s",
		 cfg->coord.state_topic != NULL ? cfg->coord.state_topic : "");
	if (p->coord_state_topic[0] == '\0')
		snprintf(p->coord_state_topic, sizeof(p->coord_state_topic), "%s.state",
			 cfg->coord.group);
	if (strcmp(p->coord_topic, p->coord_state_topic) == 0) {
		snprintf(errstr, errstr_size,
			 "coord.state_topic: must differ from coord.topic (%s)", p->coord_topic);
		return -EINVAL;
	}
	/* The producer's kafka.* list (bootstrap excluded) applies as is. */
	for (size_t i = 0;
	     i < p->producer.n_kafka && n < sizeof(p->coord_kafka) / sizeof(p->coord_kafka[0]);
	     i++) {
		p->coord_kafka[n].key = p->producer.kafka[i].key;
		p->coord_kafka[n].value = p->producer.kafka[i].value;
		n++;
	}
	c->group = cfg->coord.group;
	c->topic = p->coord_topic;
	c->state_topic = p->coord_state_topic;
	c->bootstrap = p->bootstrap;
	c->kafka = p->coord_kafka;
	c->n_kafka = n;
	c->instance = cfg->instance.name;
	c->session_timeout_ms = (unsigned)cfg->coord.session_timeout_ms;
	c->drain_timeout_ms = (unsigned)cfg->coord.drain_timeout_ms;
	return 0;
}

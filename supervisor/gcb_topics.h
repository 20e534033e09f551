/*
 * The Kafka topics a configuration writes to, for the operator who creates
 * them on a real cluster and for the embedded mock cluster: every topic the
 * routing file names (through the validator's own loader, so the list is
 * what the validators will use) and the dead-letter topic, producer.dlq_topic.
 *
 * Loading the routing file here also makes a bad one a configuration error
 * at startup (and in --check-config) instead of a stage's exit later.
 */
#ifndef GCB_TOPICS_H
#define GCB_TOPICS_H

#include <stddef.h>
#include <stdio.h>

#include "supervisor/gcb_config.h"

#define GCB_TOPICS_MAX	     64
#define GCB_TOPIC_NAME_MAX   250 /* Kafka's own limit is 249 characters */
#define GCB_TOPIC_ROUTES_MAX 512

/* What feeds a topic; it decides the suggested partition count. */
typedef enum gcb_topic_role {
	GCB_TOPIC_EVENTS,   /* events of the configured source, keyed by entity */
	GCB_TOPIC_BACKFILL, /* conversations read back for a gap (notifications) */
	GCB_TOPIC_DLQ,	    /* producer.dlq_topic */
} gcb_topic_role_t;

typedef struct gcb_topic {
	char name[GCB_TOPIC_NAME_MAX];
	gcb_topic_role_t role;
	unsigned partitions;		  /* suggested */
	char routes[GCB_TOPIC_ROUTES_MAX]; /* names of the routes that feed it, ", "-joined */
} gcb_topic_t;

typedef struct gcb_topics {
	gcb_topic_t topic[GCB_TOPICS_MAX];
	size_t count;
	size_t unused_routes; /* routes for the other source, left out */
} gcb_topics_t;

/* Suggested partitions: event topics carry the load and are keyed by
 * conversation or user, so their partitions bound consumer parallelism;
 * the DLQ and the backfill topic see a trickle. */
#define GCB_TOPIC_PARTITIONS_EVENTS 12u
#define GCB_TOPIC_PARTITIONS_LOW    3u

/*
 * Fills t from cfg: the topics of the routes that can match the configured
 * source (routes matching on "topicName" are notification routes, the others
 * poll routes; the backfill route only with backfill.enabled), in routing
 * file order, then the DLQ. 0, or -EINVAL / -ENOMEM with errstr naming the
 * key (schemas.routes) and the problem.
 */
int gcb_topics_collect(gcb_topics_t *t, const gcb_config_t *cfg, char *errstr,
		       size_t errstr_size);

/*
 * Prints the list as comment lines, so that --check-config's output stays a
 * loadable configuration file, with a kafka-topics.sh line per topic.
 */
void gcb_topics_print(const gcb_topics_t *t, FILE *out);

#endif

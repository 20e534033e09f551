/*
 * The validator's view of schemas/: the routing file, the schemas it names
 * and the local schema-id file, loaded together so a bad piece rejects the
 * whole set (the old set stays in use).
 *
 * Routing file (schemas/routes.json, documented in docs/validator.md):
 *
 *   {"routes": [
 *      {"name": "interaction-created",
 *       "match": {"entityType": "interaction", "eventType": "created"},
 *       "schema": "interaction_created.avsc",
 *       "topic": "genesys.interactions",
 *       "key": "data.conversationId",
 *       "filter": "{\"direction\": \"inbound\"}"}]}
 *
 * The first route whose every match entry holds wins. A match value is a
 * string compared exactly, or {"glob": "v2.users.*.presence"} (fnmatch);
 * match keys are dotted JSON paths, so "topicName" routes notification
 * messages the same way.
 *
 * "key" is a dotted JSON path ("eventBody.conversationId"), or
 * {"topic_segment": N}: the N-th (0-based) dot-separated segment of the
 * message's topicName, e.g. 2 for the user id of "v2.users.<id>.presence".
 *
 * The dead-letter topic and strictness are not set here: they are the
 * configuration keys producer.dlq_topic and schemas.strict, handed to the
 * validator in its conf. A routing file that still carries "dlq_topic" or
 * "strict" is refused with a message naming the key, so a setting that would
 * have no effect cannot linger unnoticed.
 */
#ifndef GCB_CATALOG_H
#define GCB_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "stages/validator/gcb_schema.h"

#define GCB_CATALOG_PATH_MAX 8 /* segments of a dotted JSON path */

typedef struct gcb_jpath {
	const char *seg[GCB_CATALOG_PATH_MAX];
	unsigned nseg;
	const char *text; /* the path as written */
	char *buf;	  /* owns the segments */
} gcb_jpath_t;

typedef struct gcb_route_match {
	gcb_jpath_t path;
	const char *value;
	int glob;
} gcb_route_match_t;

typedef struct gcb_route {
	const char *name;
	gcb_route_match_t *match;
	unsigned nmatch;
	gcb_schema_t *schema; /* owned by the catalog */
	const char *topic;
	gcb_jpath_t key;   /* unused (nseg 0) with key_segment */
	int key_segment;   /* >= 0: the key is this segment of topicName */
	char key_desc[32]; /* key.text for key_segment: "topicName[N]" */
	cJSON *filter;	   /* parsed filter object, NULL when none */
	uint32_t schema_id;
	uint32_t schema_version;
	int received_at; /* index of the root field stamped with the fetch time, -1 none */
} gcb_route_t;

typedef struct gcb_catalog {
	cJSON *routes_json; /* owns every string the routes point to */
	cJSON *ids_json;
	gcb_route_t *routes;
	size_t nroutes;
	gcb_schema_t **schemas;
	char **schema_paths;
	size_t nschemas;
	size_t schemas_cap, schema_paths_cap; /* allocated, in elements */
} gcb_catalog_t;

/* ids_path for "no id file": ids are 0 until the caller assigns them (registry). */
#define GCB_CATALOG_NO_IDS ""

/*
 * Loads routes_path and the schemas it names (paths relative to its
 * directory), and takes schema ids from ids_path (NULL: schema-ids.json next
 * to the routing file; GCB_CATALOG_NO_IDS: none). Errors name the file and
 * the reason.
 */
int gcb_catalog_load(gcb_catalog_t **out, const char *routes_path, const char *ids_path,
		     char *errstr, size_t errstr_size);

void gcb_catalog_destroy(gcb_catalog_t *c);

/*
 * Before a reload swaps fresh in: every schema of fresh whose full name is
 * also in old must read all data written with the old one (Avro schema
 * resolution, gcb_avsc_compat). 0, or -EINVAL with the first
 * incompatibility in errstr (naming the new file), or -ENOMEM.
 */
int gcb_catalog_check_compat(const gcb_catalog_t *old, const gcb_catalog_t *fresh, char *errstr,
			     size_t errstr_size);

/* The route for an event (a JSON object), or NULL when none matches. */
const gcb_route_t *gcb_catalog_route(const gcb_catalog_t *c, const cJSON *event);

/* 1 when the event passes the route's filter (always, without a filter). */
int gcb_route_filter_pass(const gcb_route_t *r, const cJSON *event);

/* The value at a dotted path, or NULL. */
const cJSON *gcb_jpath_get(const gcb_jpath_t *p, const cJSON *root);

#endif

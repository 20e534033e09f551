/*
 * Schema ids from the Schema Registry for a loaded schema set: every routed
 * schema's raw text is checked against, then registered under, its subject,
 * and the route takes the registry's id and version.
 *
 * Subjects follow TopicNameStrategy ("<topic>-value"). A topic that carries
 * several record types (e.g. InteractionCreated and InteractionUpdated both
 * on genesys.interactions) cannot keep one compatible history under one
 * subject, so the routes of such a topic use TopicRecordNameStrategy
 * ("<topic>-<record full name>"), which Confluent's serializers and
 * deserializers also support; consumers decode by id either way.
 */
#ifndef GCB_REGISTRY_IDS_H
#define GCB_REGISTRY_IDS_H

#include <stddef.h>

#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_registry.h"

/* The subject of route i of cat (see above). -ENAMETOOLONG when it does not fit. */
int gcb_registry_ids_subject(const gcb_catalog_t *cat, size_t i, char *buf, size_t size);

/*
 * Asks the registry whether each schema of cat may be registered (per the
 * subject's compatibility level), then registers them all and sets every
 * route's schema_id and schema_version. Nothing is registered unless every
 * check passes. 0, or the client's -errno with errstr naming the schema
 * file, the subject and the registry's answer; -EINVAL when the registry
 * finds a schema incompatible.
 */
int gcb_registry_ids_assign(gcb_registry_t *r, gcb_catalog_t *cat, char *errstr,
			    size_t errstr_size);

#endif

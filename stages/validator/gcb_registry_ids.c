#include "stages/validator/gcb_registry_ids.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The file a route's schema came from, for messages. */
static const char *schema_file(const gcb_catalog_t *cat, const gcb_schema_t *s)
{
	for (size_t i = 0; i < cat->nschemas; i++)
		if (cat->schemas[i] == s)
			return cat->schema_paths[i];
	return s->fullname;
}

/* 1 when another route sends a different record type to route i's topic. */
static int topic_shared(const gcb_catalog_t *cat, size_t i)
{
	const gcb_route_t *r = &cat->routes[i];

	for (size_t j = 0; j < cat->nroutes; j++) {
		const gcb_route_t *o = &cat->routes[j];

		if (strcmp(o->topic, r->topic) == 0 &&
		    strcmp(o->schema->fullname, r->schema->fullname) != 0)
			return 1;
	}
	return 0;
}

int gcb_registry_ids_subject(const gcb_catalog_t *cat, size_t i, char *buf, size_t size)
{
	const gcb_route_t *r = &cat->routes[i];
	int n;

	if (!topic_shared(cat, i))
		return gcb_registry_subject(buf, size, r->topic);
	n = snprintf(buf, size, "%s-%s", r->topic, r->schema->fullname);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int gcb_registry_ids_assign(gcb_registry_t *r, gcb_catalog_t *cat, char *errstr, size_t errstr_size)
{
	char subject[512], err[768], msg[400];
	size_t i;
	int rc, ok;

	for (i = 0; i < cat->nroutes; i++) {
		gcb_route_t *rt = &cat->routes[i];
		gcb_registry_schema_t s;

		rc = gcb_registry_ids_subject(cat, i, subject, sizeof(subject));
		if (rc) {
			snprintf(errstr, errstr_size, "route \"%s\": subject name too long",
				 rt->name);
			return rc;
		}
		/* registered by this process already: nothing to ask */
		if (gcb_registry_cached(r, subject, rt->schema->fingerprint, &s))
			continue;
		rc = gcb_registry_check(r, subject, rt->schema->text, &ok, msg, sizeof(msg), err,
					sizeof(err));
		if (rc) {
			snprintf(errstr, errstr_size, "%s: subject %s: %s",
				 schema_file(cat, rt->schema), subject, err);
			return rc;
		}
		if (!ok) {
			snprintf(errstr, errstr_size,
				 "%s: the schema registry finds it incompatible with the latest "
				 "version of subject %s%s%s",
				 schema_file(cat, rt->schema), subject, msg[0] ? ": " : "", msg);
			return -EINVAL;
		}
	}
	for (i = 0; i < cat->nroutes; i++) {
		gcb_route_t *rt = &cat->routes[i];
		gcb_registry_schema_t s;

		gcb_registry_ids_subject(cat, i, subject, sizeof(subject));
		rc = gcb_registry_register(r, subject, rt->schema->text, rt->schema->fingerprint,
					   &s, err, sizeof(err));
		if (rc) {
			snprintf(errstr, errstr_size, "%s: subject %s: %s",
				 schema_file(cat, rt->schema), subject, err);
			return rc;
		}
		rt->schema_id = s.id;
		rt->schema_version = s.version;
	}
	return 0;
}

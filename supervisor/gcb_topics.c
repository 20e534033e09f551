#include "supervisor/gcb_topics.h"

#include <errno.h>
#include <string.h>

#include "stages/notif/gcb_backfill.h"
#include "stages/validator/gcb_catalog.h"

static int matches_on(const gcb_route_t *r, const char *path)
{
	for (unsigned k = 0; k < r->nmatch; k++)
		if (strcmp(r->match[k].path.text, path) == 0)
			return 1;
	return 0;
}

static int is_backfill(const gcb_route_t *r)
{
	for (unsigned k = 0; k < r->nmatch; k++)
		if (strcmp(r->match[k].path.text, "topicName") == 0 && !r->match[k].glob &&
		    strcmp(r->match[k].value, GCB_BACKFILL_TOPIC) == 0)
			return 1;
	return 0;
}

/* Whether messages of the configured source can reach route r: poll events
 * carry entityType/eventType, notification messages a topicName. */
static int route_in_use(const gcb_config_t *cfg, const gcb_route_t *r)
{
	int notif = matches_on(r, "topicName");

	if (cfg->genesys.source != GCB_CONFIG_SOURCE_NOTIFICATIONS)
		return !notif;
	if (is_backfill(r))
		return cfg->backfill.enabled;
	return notif || r->nmatch == 0;
}

static gcb_topic_t *add(gcb_topics_t *t, const char *name, gcb_topic_role_t role)
{
	gcb_topic_t *x;

	for (size_t i = 0; i < t->count; i++)
		if (strcmp(t->topic[i].name, name) == 0)
			return &t->topic[i];
	if (t->count == GCB_TOPICS_MAX || strlen(name) >= GCB_TOPIC_NAME_MAX)
		return NULL;
	x = &t->topic[t->count++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->role = role;
	x->partitions =
	    role == GCB_TOPIC_EVENTS ? GCB_TOPIC_PARTITIONS_EVENTS : GCB_TOPIC_PARTITIONS_LOW;
	return x;
}

static void add_route_name(gcb_topic_t *x, const char *route)
{
	size_t n = strlen(x->routes);

	if (n + strlen(route) + 3 < sizeof(x->routes))
		snprintf(x->routes + n, sizeof(x->routes) - n, "%s%s", n ? ", " : "", route);
}

int gcb_topics_collect(gcb_topics_t *t, const gcb_config_t *cfg, char *errstr,
		       size_t errstr_size)
{
	const char *ids = cfg->schemas.registry_url != NULL ? GCB_CATALOG_NO_IDS
							    : cfg->schemas.ids_file;
	gcb_catalog_t *cat = NULL;
	char err[1024];
	int rc;

	memset(t, 0, sizeof(*t));
	rc = gcb_catalog_load(&cat, cfg->schemas.routes, ids, err, sizeof(err));
	if (rc != 0) {
		snprintf(errstr, errstr_size, "schemas.routes: %s", err);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	for (size_t i = 0; i < cat->nroutes; i++) {
		const gcb_route_t *r = &cat->routes[i];
		gcb_topic_t *x;

		if (!route_in_use(cfg, r)) {
			t->unused_routes++;
			continue;
		}
		x = add(t, r->topic, is_backfill(r) ? GCB_TOPIC_BACKFILL : GCB_TOPIC_EVENTS);
		if (x == NULL) {
			snprintf(errstr, errstr_size,
				 "schemas.routes: %s: route \"%s\": more than %d topics, or a "
				 "topic name longer than %d characters",
				 cfg->schemas.routes, r->name, GCB_TOPICS_MAX,
				 GCB_TOPIC_NAME_MAX - 1);
			gcb_catalog_destroy(cat);
			return -EINVAL;
		}
		add_route_name(x, r->name);
	}
	gcb_catalog_destroy(cat);
	if (add(t, cfg->producer.dlq_topic, GCB_TOPIC_DLQ) == NULL) {
		snprintf(errstr, errstr_size,
			 "producer.dlq_topic: longer than %d characters, or one topic too many",
			 GCB_TOPIC_NAME_MAX - 1);
		return -EINVAL;
	}
	return 0;
}

void gcb_topics_print(const gcb_topics_t *t, FILE *out)
{
	fprintf(out, "\n; Kafka topics to create on a real cluster (suggested partitions; a\n"
		     "; replication factor of 3 with min.insync.replicas = 2 suits acks=all):\n");
	for (size_t i = 0; i < t->count; i++) {
		const gcb_topic_t *x = &t->topic[i];

		fprintf(out, ";   %-40s partitions=%-3u %s%s\n", x->name, x->partitions,
			x->role == GCB_TOPIC_DLQ	? "(producer.dlq_topic)"
			: x->role == GCB_TOPIC_BACKFILL ? "(backfill) routes: "
							: "routes: ",
			x->role == GCB_TOPIC_DLQ ? "" : x->routes);
	}
	fprintf(out, "; e.g. kafka-topics.sh --create --topic NAME --partitions N "
		     "--replication-factor 3\n");
}

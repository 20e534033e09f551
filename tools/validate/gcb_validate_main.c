/*
 * gcb-validate: runs the validator's mapping on JSON events from stdin, one
 * per line, without any ring or Kafka. For data engineers checking events
 * against schemas and routes, and for the tests.
 *
 *   gcb-validate [--routes FILE] [--ids FILE] [--strict] [--received-at MS]
 *                [--max-event-bytes N] [--meta]              < events.jsonl
 *   gcb-validate --schema FILE.avsc [--strict]               < values.jsonl
 *   gcb-validate --check [--routes FILE] [--ids FILE]
 *
 * Output, one line per input line:
 *   avro <topic> <key> <schema-id> <hex of the Confluent-framed value>
 *   filtered <topic>
 *   dlq <reason> <field path or -> <detail>
 * With --meta each verdict line is followed by
 *   meta <event id> <entity type> <event type> <key> <schema>
 * (the producer's headers; "-" when empty).
 * With --schema each value is mapped to that schema alone and printed as
 * "ok <hex of the plain Avro binary>" or "dlq ...".
 * Exit status: 0 when everything was processed (whatever the verdicts), 2 on
 * bad arguments or schemas.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_map.h"
#include "stages/validator/gcb_vproc.h"
#include "supervisor/gcb_config.h"

static void put_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", (unsigned char)p[i]);
}

static void put_field(const gcb_vout_t *o, int f)
{
	if (o->len[f])
		fwrite(o->f[f], 1, o->len[f], stdout);
	else
		fputc('-', stdout);
}

static int run_schema(const char *path, int strict)
{
	char err[512];
	gcb_schema_t *s;
	gcb_mapper_t m;
	avro_writer_t w;
	char *line = NULL, *out;
	size_t cap = 0, outsz = 1 << 20;
	ssize_t n;

	if (gcb_schema_load_file(&s, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcb-validate: %s\n", err);
		return 2;
	}
	out = malloc(outsz);
	if (!out || gcb_mapper_init(&m, 1 << 20) != 0)
		return 2;
	w = avro_writer_memory(out, (int64_t)outsz);
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		cJSON *j = cJSON_ParseWithLength(line, (size_t)n);

		if (!j) {
			printf("dlq bad_json - not valid JSON\n");
			continue;
		}
		avro_value_reset(&s->value);
		m.strict = strict;
		m.nsegs = m.depth = m.quiet = m.in_default = 0;
		m.budget = GCB_MAP_BUDGET;
		if (gcb_map_value(&m, s->root, j, &s->value) != 0) {
			printf("dlq %s %s %s\n", gcb_reason_name(m.reason), *m.path ? m.path : "-",
			       m.detail);
		} else {
			avro_writer_memory_set_dest(w, out, (int64_t)outsz);
			if (avro_value_write(w, &s->value) != 0) {
				printf("dlq encode_failed - %s\n", avro_strerror());
			} else {
				printf("ok ");
				put_hex(out, (size_t)avro_writer_tell(w));
				printf("\n");
			}
		}
		cJSON_Delete(j);
	}
	free(line);
	avro_writer_free(w);
	free(out);
	gcb_mapper_fini(&m);
	gcb_schema_destroy(s);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"routes", required_argument, NULL, 'r'},
	    {"ids", required_argument, NULL, 'i'},
	    {"schema", required_argument, NULL, 's'},
	    {"strict", no_argument, NULL, 'S'},
	    {"received-at", required_argument, NULL, 't'},
	    {"max-event-bytes", required_argument, NULL, 'm'},
	    {"check", no_argument, NULL, 'c'},
	    {"meta", no_argument, NULL, 'M'},
	    {"help", no_argument, NULL, 'h'},
	    {0, 0, 0, 0},
	};
	const char *routes = "schemas/routes.json", *ids = NULL, *schema = NULL;
	gcb_vproc_conf_t conf = {.strict = 0};
	uint64_t received_at = 0;
	int check = 0, meta = 0, c;
	char err[512];
	gcb_catalog_t *cat;
	gcb_vproc_t *p;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	/* Without --max-event-bytes, the limit gcbridge applies by default. */
	{
		int64_t def = 0;

		if (gcb_config_default_number("event.max_bytes", &def) == 0)
			conf.max_event_bytes = (size_t)def;
	}
	while ((c = getopt_long(argc, argv, "r:i:s:St:m:cMh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			routes = optarg;
			break;
		case 'i':
			ids = optarg;
			break;
		case 's':
			schema = optarg;
			break;
		case 'S':
			conf.strict = 1;
			break;
		case 't':
			received_at = strtoull(optarg, NULL, 10);
			break;
		case 'm':
			conf.max_event_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			check = 1;
			break;
		case 'M':
			meta = 1;
			break;
		default:
			fprintf(stderr,
				"usage: gcb-validate [--routes FILE] [--ids FILE] [--strict] "
				"[--received-at MS] [--max-event-bytes N] [--meta] < events.jsonl\n"
				"       gcb-validate --schema FILE.avsc [--strict] < values.jsonl\n"
				"       gcb-validate --check [--routes FILE] [--ids FILE]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (schema)
		return run_schema(schema, conf.strict == 1);
	if (gcb_catalog_load(&cat, routes, ids, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcb-validate: %s\n", err);
		return 2;
	}
	if (check) {
		for (size_t i = 0; i < cat->nroutes; i++)
			printf("route %s -> %s (id %u, version %u) topic %s key %s%s\n",
			       cat->routes[i].name, cat->routes[i].schema->fullname,
			       cat->routes[i].schema_id, cat->routes[i].schema_version,
			       cat->routes[i].topic, cat->routes[i].key.text,
			       cat->routes[i].filter ? " (filtered)" : "");
		gcb_catalog_destroy(cat);
		return 0;
	}
	if (gcb_vproc_new(&p, &conf, cat, err, sizeof(err)) != 0) {
		fprintf(stderr, "gcb-validate: %s\n", err);
		gcb_catalog_destroy(cat);
		return 2;
	}
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		gcb_vin_t in = {
		    .json = line, .json_len = (size_t)n, .received_unix_ms = received_at};
		gcb_vout_t o;

		while (in.json_len &&
		       (line[in.json_len - 1] == '\n' || line[in.json_len - 1] == '\r'))
			in.json_len--;
		gcb_vproc_process(p, &in, &o);
		if (o.type == GCB_REC_AVRO) {
			printf("avro ");
			put_field(&o, GCB_OUTF_TOPIC);
			printf(" ");
			put_field(&o, GCB_OUTF_KEY);
			printf(" %u ", o.schema_id);
			put_hex(o.f[GCB_OUTF_VALUE], o.len[GCB_OUTF_VALUE]);
			printf("\n");
		} else if (o.type == GCB_REC_FILTERED) {
			printf("filtered ");
			put_field(&o, GCB_OUTF_TOPIC);
			printf("\n");
		} else {
			printf("dlq ");
			put_field(&o, GCB_OUTF_ERROR_REASON);
			printf(" ");
			put_field(&o, GCB_OUTF_ERROR_FIELD);
			printf(" ");
			put_field(&o, GCB_OUTF_ERROR_DETAIL);
			printf("\n");
		}
		if (meta) {
			static const int mf[] = {GCB_OUTF_EVENT_ID, GCB_OUTF_ENTITY_TYPE,
						 GCB_OUTF_EVENT_TYPE, GCB_OUTF_KEY,
						 GCB_OUTF_SCHEMA};

			printf("meta");
			for (size_t i = 0; i < sizeof(mf) / sizeof(mf[0]); i++) {
				printf(" ");
				put_field(&o, mf[i]);
			}
			printf("\n");
		}
	}
	free(line);
	gcb_vproc_destroy(p);
	gcb_catalog_destroy(cat);
	return 0;
}

/*
 * Fuzz target for the validator's mapper (libFuzzer: LLVMFuzzerTestOneInput).
 * The first byte picks what the rest is fed to:
 *   0  an event through the whole per-event path (parse, route, filter, map,
 *      encode, frame, DLQ) with the shipped schemas/routes.json
 *   1  a JSON value mapped onto a schema that uses every Avro type, logical
 *      types, unions and recursion, then encoded
 *   2  schema text through the schema loader
 * and checks the invariants: exactly one output, within the output size
 * limit, serialisable, a DLQ value that is the raw input.
 *
 * Needs $GCB_ROOT (schemas/routes.json). Its corpus, tests/fuzz/corpus/mapper,
 * is replayed in `make check` by fuzz-replay-mapper (tests/fuzz/fuzz_replay.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_map.h"
#include "stages/validator/gcb_schema.h"
#include "stages/validator/gcb_vproc.h"

#define MAX_OUT 8192

static const char ALL_TYPES[] =
    "{\"type\":\"record\",\"name\":\"All\",\"namespace\":\"fuzz\",\"fields\":["
    "{\"name\":\"n\",\"type\":\"null\",\"default\":null},"
    "{\"name\":\"b\",\"type\":\"boolean\",\"default\":false},"
    "{\"name\":\"i\",\"type\":\"int\",\"default\":0},"
    "{\"name\":\"l\",\"type\":\"long\",\"default\":0},"
    "{\"name\":\"f\",\"type\":\"float\",\"default\":0},"
    "{\"name\":\"d\",\"type\":\"double\",\"default\":0},"
    "{\"name\":\"s\",\"type\":\"string\",\"default\":\"\"},"
    "{\"name\":\"by\",\"type\":\"bytes\",\"default\":\"\"},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"F4\",\"size\":4},\"default\":"
    "\"abcd\"},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]},"
    "\"default\":\"A\"},"
    "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"int\",\"string\"]},"
    "\"default\":[]},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":[\"long\",\"double\"]},\"default\":{}},"
    "{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],"
    "\"default\":null},"
    "{\"name\":\"tu\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"},"
    "\"default\":0},"
    "{\"name\":\"u\",\"type\":[\"null\",{\"type\":\"string\",\"logicalType\":\"uuid\"}],"
    "\"default\":null},"
    "{\"name\":\"r\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Node\",\"fields\":["
    "{\"name\":\"label\",\"type\":\"string\"},"
    "{\"name\":\"kids\",\"type\":{\"type\":\"array\",\"items\":\"Node\"},\"default\":[]},"
    "{\"name\":\"alt\",\"type\":[\"null\",\"E\",\"F4\",{\"type\":\"map\",\"values\":\"Node\"}],"
    "\"default\":null}"
    "]}],\"default\":null}]}";

static gcb_catalog_t *cat;
static gcb_vproc_t *proc;
static gcb_schema_t *all_types;
static gcb_mapper_t mapper;
static avro_writer_t writer;
static char outbuf[1 << 16];

/* At exit, so that LeakSanitizer sees only what an input leaked. */
static void teardown(void)
{
	gcb_vproc_destroy(proc);
	gcb_catalog_destroy(cat);
	gcb_schema_destroy(all_types);
	gcb_mapper_fini(&mapper);
	if (writer)
		avro_writer_free(writer);
}

static int setup(void)
{
	char err[1024], routes[1200];
	const char *root = getenv("GCB_ROOT");
	gcb_vproc_conf_t conf = {.max_event_bytes = 4096, .max_out_bytes = MAX_OUT, .strict = -1};

	snprintf(routes, sizeof(routes), "%s/schemas/routes.json", root ? root : ".");
	if (gcb_catalog_load(&cat, routes, NULL, err, sizeof(err)) != 0 ||
	    gcb_vproc_new(&proc, &conf, cat, err, sizeof(err)) != 0 ||
	    gcb_schema_parse(&all_types, ALL_TYPES, sizeof(ALL_TYPES) - 1, "all-types", err,
			     sizeof(err)) != 0 ||
	    gcb_mapper_init(&mapper, 4096) != 0) {
		fprintf(stderr, "fuzz_mapper: setup failed: %s (set GCB_ROOT)\n", err);
		abort();
	}
	writer = avro_writer_memory(outbuf, sizeof(outbuf));
	atexit(teardown);
	return 0;
}

static void run_event(const uint8_t *data, size_t size)
{
	static unsigned char ser[MAX_OUT];
	gcb_vin_t in = {.json = (const char *)data,
			.json_len = size,
			.batch_seq = 1,
			.received_unix_ms = 1764238530000ull,
			.stream = "s",
			.stream_len = 1};
	gcb_vout_t o;
	size_t n;

	gcb_vproc_process(proc, &in, &o);
	n = gcb_vout_size(&o);
	if (n > MAX_OUT)
		abort();
	gcb_vout_write(&o, ser);
	if (!gcb_rec_fields_valid(((gcb_rec_out_t *)ser)->fields, GCB_OUTF_COUNT,
				  sizeof(gcb_rec_out_t), (uint32_t)n))
		abort();
	if (o.type == GCB_REC_DLQ) {
		if (o.len[GCB_OUTF_VALUE] > size ||
		    (o.len[GCB_OUTF_VALUE] &&
		     memcmp(o.f[GCB_OUTF_VALUE], data, o.len[GCB_OUTF_VALUE])))
			abort();
		if (o.len[GCB_OUTF_ERROR_REASON] == 0)
			abort();
	} else if (o.type == GCB_REC_AVRO) {
		if (o.len[GCB_OUTF_VALUE] < 6 || o.f[GCB_OUTF_VALUE][0] != 0)
			abort();
	} else if (o.type != GCB_REC_FILTERED) {
		abort();
	}
}

static void run_value(const uint8_t *data, size_t size)
{
	cJSON *j = cJSON_ParseWithLength((const char *)data, size);

	if (!j)
		return;
	avro_value_reset(&all_types->value);
	mapper.strict = size & 1;
	mapper.nsegs = mapper.depth = mapper.quiet = mapper.in_default = 0;
	mapper.budget = GCB_MAP_BUDGET;
	if (gcb_map_value(&mapper, all_types->root, j, &all_types->value) == 0) {
		avro_writer_memory_set_dest(writer, outbuf, sizeof(outbuf));
		(void)avro_value_write(writer, &all_types->value);
	} else if (mapper.reason <= GCB_REASON_NONE || mapper.reason >= GCB_REASON_COUNT ||
		   mapper.nsegs != 0 || mapper.depth != 0) {
		abort();
	}
	cJSON_Delete(j);
}

static void run_schema(const uint8_t *data, size_t size)
{
	char err[512];
	gcb_schema_t *s;

	if (gcb_schema_parse(&s, (const char *)data, size, "fuzz", err, sizeof(err)) == 0)
		gcb_schema_destroy(s);
	else if (strncmp(err, "fuzz: ", 6) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	static int mode = -1; /* GCB_FUZZ_MODE=0|1|2 pins one mode (diagnostics) */

	if (!ready) {
		const char *m = getenv("GCB_FUZZ_MODE");

		ready = !setup();
		mode = m ? atoi(m) : -1;
	}
	if (size == 0)
		return 0;
	switch (mode >= 0 ? mode : data[0] % 3) {
	case 0:
		run_event(data + 1, size - 1);
		break;
	case 1:
		run_value(data + 1, size - 1);
		break;
	default:
		run_schema(data + 1, size - 1);
		break;
	}
	return 0;
}

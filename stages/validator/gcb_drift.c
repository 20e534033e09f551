#include "stages/validator/gcb_drift.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void gcb_drift_init(gcb_drift_t *d, void (*log)(const char *line))
{
	memset(d, 0, sizeof(*d));
	d->log = log;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	return (h ^ 0xff) * UINT64_C(0x100000001b3); /* separator: "ab"+"c" != "a"+"bc" */
}

/* The per-schema count of new names, or NULL when the table is full. */
static uint64_t *schema_count(gcb_drift_t *d, uint64_t h)
{
	for (unsigned i = 0; i < GCB_DRIFT_SCHEMAS; i++) {
		if (d->schemas[i].hash == h)
			return &d->schemas[i].names;
		if (d->schemas[i].hash == 0) {
			d->schemas[i].hash = h;
			return &d->schemas[i].names;
		}
	}
	return NULL;
}

int gcb_drift_note(gcb_drift_t *d, const char *schema, const char *record, const char *field)
{
	uint64_t hs = fnv(UINT64_C(0xcbf29ce484222325), schema);
	uint64_t h = fnv(fnv(hs, record), field), *per;
	unsigned i;

	d->fields++;
	if (h == 0)
		h = 1;
	for (i = (unsigned)(h % GCB_DRIFT_NAMES); d->seen[i] != 0; i = (i + 1) % GCB_DRIFT_NAMES)
		if (d->seen[i] == h)
			return 0;
	if (d->nseen + 1 >= GCB_DRIFT_NAMES) {
		if (!d->full_logged && d->log != NULL) {
			char line[160];

			snprintf(line, sizeof(line),
				 "schema drift: %u new field names seen; further ones are counted "
				 "(schema_drift_fields) but no longer named",
				 d->nseen);
			d->log(line);
		}
		d->full_logged = 1;
		return 0;
	}
	d->seen[i] = h;
	d->nseen++;
	d->names++;
	per = schema_count(d, hs);
	if (per != NULL)
		(*per)++;
	if (d->log != NULL) {
		char line[768];

		snprintf(line, sizeof(line),
			 "schema drift: %.200s: field \"%.128s\" of %.200s is in live messages but "
			 "not in the schema (new field name %" PRIu64 " of this schema): dropped "
			 "when encoded; add it to the schema to keep it",
			 schema, field, record, per != NULL ? *per : 0);
		d->log(line);
	}
	return 1;
}

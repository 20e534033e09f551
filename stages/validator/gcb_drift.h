/*
 * Schema drift at run time: a field present in live messages but absent
 * from the schema is dropped when the message is encoded (unless the routing
 * file is strict). Genesys adds fields without notice, so data engineers
 * need to learn of each one: it is counted (every occurrence, and every new
 * name per schema) and logged once per schema, record and field name.
 *
 * Fixed tables, no allocation: a table that fills up keeps counting and
 * says once that it stopped naming new fields.
 */
#ifndef GCB_DRIFT_H
#define GCB_DRIFT_H

#include <stdint.h>

#define GCB_DRIFT_NAMES	  4096 /* distinct (schema, record, field) remembered */
#define GCB_DRIFT_SCHEMAS 64   /* schemas with a per-schema count */

typedef struct gcb_drift {
	uint64_t seen[GCB_DRIFT_NAMES]; /* hashes; 0 empty */
	unsigned nseen;
	struct {
		uint64_t hash;
		uint64_t names;
	} schemas[GCB_DRIFT_SCHEMAS];
	int full_logged;
	uint64_t fields;	       /* occurrences */
	uint64_t names;		       /* distinct new names, all schemas */
	void (*log)(const char *line); /* where new names are reported; NULL: nowhere */
} gcb_drift_t;

/* The core stays free of the logger (gcb-validate, fuzzers): log may be NULL. */
void gcb_drift_init(gcb_drift_t *d, void (*log)(const char *line));

/*
 * One unknown field: member field of record (fullname) in a message of
 * schema. Counts it; logs it when this (schema, record, field) is new.
 * Returns 1 when new, else 0.
 */
int gcb_drift_note(gcb_drift_t *d, const char *schema, const char *record, const char *field);

#endif

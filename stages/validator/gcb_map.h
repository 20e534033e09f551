/*
 * JSON (cJSON) -> Avro (libavro-c generic value) mapping, driven by the
 * compiled schema tree of gcb_schema.h. The rules are documented in
 * docs/validator.md; every rejection sets a reason (gcb_reason.h), the field
 * path ("data.disposition.code", "items[3]") and a message.
 *
 * A gcb_mapper_t is reused for every event: nothing is allocated per event
 * except when a bytes value is longer than the scratch buffer (grown once).
 */
#ifndef GCB_MAP_H
#define GCB_MAP_H

#include <stddef.h>

#include <avro.h>
#include <cjson/cJSON.h>

#include "lib/gcb_buf.h"
#include "stages/validator/gcb_reason.h"
#include "stages/validator/gcb_schema.h"

#define GCB_MAP_PATH_MAX   256
#define GCB_MAP_DETAIL_MAX 256
#define GCB_MAP_MAX_DEPTH  128	   /* nesting of JSON values inside one event */
#define GCB_MAP_BUDGET	   1000000 /* schema nodes visited per event, union probes included */

typedef struct gcb_map_seg {
	const char *name; /* field or map key; NULL for an array index */
	size_t index;
} gcb_map_seg_t;

typedef struct gcb_mapper {
	int strict;		  /* reject fields the schema does not know */
	const gcb_sfield_t *skip; /* root field the caller sets itself (received_at) */
	/*
	 * Not strict: called for every member of a JSON object that its record
	 * does not have (the field is dropped), outside union probes and
	 * defaults. NULL: not reported.
	 */
	void (*unknown)(void *arg, const gcb_snode_t *record, const char *field);
	void *unknown_arg;

	/* per event */
	int reason;
	char path[GCB_MAP_PATH_MAX];
	char detail[GCB_MAP_DETAIL_MAX];
	unsigned depth;
	unsigned quiet; /* > 0 while probing union branches: no messages */
	unsigned in_default;
	long budget;
	gcb_map_seg_t segs[GCB_MAP_MAX_DEPTH];
	unsigned nsegs;

	gcb_buf_t scratch; /* the last decoded bytes/fixed value */
} gcb_mapper_t;

int gcb_mapper_init(gcb_mapper_t *m, size_t scratch_size);
void gcb_mapper_fini(gcb_mapper_t *m);

/*
 * Maps json onto value (already reset by the caller) following type. With
 * value NULL only checks. 0 on success; on rejection returns -EINVAL with
 * m->reason, m->path and m->detail set. -ENOMEM when libavro-c fails to
 * allocate (m->reason is GCB_REASON_ENCODE_FAILED).
 */
int gcb_map_value(gcb_mapper_t *m, const gcb_snode_t *type, const cJSON *json, avro_value_t *value);

/*
 * Checks a schema default against its type, with the specification's
 * default rules (a union default belongs to the first branch). 0 or -EINVAL
 * with the reason in errstr.
 */
int gcb_map_check_default(const gcb_snode_t *type, const cJSON *def, char *errstr,
			  size_t errstr_size);

/* ISO-8601 date-time with a zone ("2026-11-27T10:15:30.123Z", "...+02:00") to
 * microseconds since the epoch. 0 or -EINVAL. */
int gcb_map_parse_iso8601(const char *s, size_t len, int64_t *us);

/* 1 when s is a canonical uuid: 8-4-4-4-12 hex digits (either case). */
int gcb_map_is_uuid(const char *s, size_t len);

#endif

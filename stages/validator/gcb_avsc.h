/*
 * Avro schema model built from the raw .avsc JSON text.
 *
 * libavro-c drops "default", "logicalType" and "aliases", which the linter,
 * the compatibility check and the JSON -> Avro mapping all need, so schemas
 * are parsed here, straight from the cJSON tree; the validator's libavro-c
 * schema is built from this model (gcb_avsc_avro.h), not from the text. The
 * model keeps the cJSON tree alive: field defaults point into it.
 *
 * Parsing never stops at the first problem: every problem found is appended
 * to a gcb_avsc_problems_t as (JSON path, reason), where the path names the
 * schema element the way a data engineer reads it, e.g.
 * "fields.disposition.fields.code" (".items", ".values" and "[i]" for union
 * branches follow the same pattern; "" is the schema root).
 */
#ifndef GCB_AVSC_H
#define GCB_AVSC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

typedef enum gcb_avsc_type {
	GCB_AVSC_INVALID = 0, /* placeholder for a type that failed to parse */
	GCB_AVSC_NULL,
	GCB_AVSC_BOOLEAN,
	GCB_AVSC_INT,
	GCB_AVSC_LONG,
	GCB_AVSC_FLOAT,
	GCB_AVSC_DOUBLE,
	GCB_AVSC_BYTES,
	GCB_AVSC_STRING,
	GCB_AVSC_RECORD,
	GCB_AVSC_ENUM,
	GCB_AVSC_ARRAY,
	GCB_AVSC_MAP,
	GCB_AVSC_UNION,
	GCB_AVSC_FIXED,
} gcb_avsc_type_t;

typedef struct gcb_avsc_node gcb_avsc_node_t;

typedef struct gcb_avsc_field {
	char *name;
	char **aliases;
	size_t naliases;
	gcb_avsc_node_t *type;
	const cJSON *def; /* the "default" value, NULL when absent */
} gcb_avsc_field_t;

/*
 * One schema node. Named types (record, enum, fixed) exist once; every
 * reference to them points at the same node, so the graph may be cyclic
 * (a record that contains itself through an array or a union).
 */
struct gcb_avsc_node {
	gcb_avsc_type_t type;
	const cJSON *json;	  /* defining JSON value */
	const char *logical_type; /* NULL when absent; points into json */
	/* named types */
	char *fullname;
	const char *name; /* unqualified part of fullname */
	char **aliases;	  /* full names */
	size_t naliases;
	size_t index; /* 0..nnamed-1, for visited sets in graph walks */
	/* record */
	gcb_avsc_field_t *fields;
	size_t nfields;
	/* enum */
	char **symbols;
	size_t nsymbols;
	const char *enum_default; /* NULL when absent */
	/* array items, map values */
	gcb_avsc_node_t *items;
	/* union */
	gcb_avsc_node_t **branches;
	size_t nbranches;
	/* fixed */
	int64_t size;

	unsigned long mark;	     /* parse-time scratch */
	gcb_avsc_node_t *next_alloc; /* every node of a schema, for freeing */
};

typedef struct gcb_avsc {
	cJSON *json;
	gcb_avsc_node_t *root;
	gcb_avsc_node_t *nodes;
	size_t nnamed; /* named types (record, enum, fixed) defined */
} gcb_avsc_t;

typedef struct gcb_avsc_problem {
	char *path;
	char *reason;
} gcb_avsc_problem_t;

/* At most this many problems are kept; the rest are counted in "dropped". */
#define GCB_AVSC_PROBLEMS_MAX 200

typedef struct gcb_avsc_problems {
	gcb_avsc_problem_t *v;
	size_t n;
	size_t cap;
	size_t dropped;
	int oom; /* an allocation failed: the list is incomplete */
} gcb_avsc_problems_t;

void gcb_avsc_problems_init(gcb_avsc_problems_t *p);
void gcb_avsc_problems_fini(gcb_avsc_problems_t *p);
/* Total problems found, including the ones not kept. */
size_t gcb_avsc_problems_count(const gcb_avsc_problems_t *p);
__attribute__((format(printf, 3, 4))) void
gcb_avsc_problem_add(gcb_avsc_problems_t *p, const char *path, const char *fmt, ...);

/*
 * Parses and lints the schema in text[0..len) (need not be NUL-terminated).
 * Every problem goes to *problems (which the caller initialised). Returns 0
 * with *out set to a new schema when no problem was found; -EINVAL when the
 * text is not a valid schema (*out stays NULL, the reasons are in
 * *problems); -ENOMEM when out of memory.
 */
int gcb_avsc_parse(const char *text, size_t len, gcb_avsc_t **out, gcb_avsc_problems_t *problems);
void gcb_avsc_destroy(gcb_avsc_t *schema);

/* Reads a whole file (at most 64 MiB); *out is malloc'ed, NUL-terminated. */
int gcb_avsc_read_file(const char *path, char **out, size_t *len);

/* "record", "int", ...; for messages. */
const char *gcb_avsc_type_name(gcb_avsc_type_t type);

/* Whether s is a valid Avro name: [A-Za-z_][A-Za-z0-9_]*. */
int gcb_avsc_name_valid(const char *s);
/* Whether s is a valid namespace or full name: names joined by '.'; "" too
 * when allow_empty. */
int gcb_avsc_fullname_valid(const char *s, int allow_empty);

#endif

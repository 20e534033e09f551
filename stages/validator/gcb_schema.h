/*
 * One Avro schema as the validator uses it: the linter's model of it
 * (gcb_avsc_t: names, defaults, logical types, aliases, which libavro-c
 * drops), and, built from that model, the libavro-c schema (for the generic
 * value class and the writer; gcb_avsc_avro.h) and the node tree the mapper
 * walks: one schema model, the JSON read once.
 *
 * The node tree mirrors the libavro-c schema position for position (record
 * field i, union branch i), so the mapper walks both in step. Named types
 * referenced again point to the same node (recursive schemas are cycles).
 */
#ifndef GCB_SCHEMA_H
#define GCB_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include <avro.h>
#include <cjson/cJSON.h>

#include "stages/validator/gcb_avsc.h"

enum gcb_schema_logical {
	GCB_LT_NONE = 0,
	GCB_LT_TIMESTAMP_MILLIS, /* on long */
	GCB_LT_TIMESTAMP_MICROS, /* on long */
	GCB_LT_UUID,		 /* on string */
};

typedef struct gcb_snode gcb_snode_t;

typedef struct gcb_sfield {
	const char *name;
	gcb_snode_t *type;
	const cJSON *def; /* the "default" value (in avsc's JSON), NULL when none */
} gcb_sfield_t;

struct gcb_snode {
	avro_type_t type;
	int logical;
	char *fullname; /* named types (record, enum, fixed) */
	const char *shortname;
	/* record */
	gcb_sfield_t *fields;
	size_t nfields;
	/* enum */
	const char **symbols;
	size_t nsymbols;
	/* array items, map values */
	gcb_snode_t *items;
	/* union */
	gcb_snode_t **branches;
	size_t nbranches;
	/* fixed */
	size_t size;

	gcb_snode_t *next_alloc; /* every node of a schema, for freeing */
};

typedef struct gcb_schema {
	char *origin; /* file path or a label, for messages */
	char *text;   /* the raw schema text, NUL-terminated (what a registry gets) */
	size_t text_len;
	avro_schema_t avro;
	avro_value_iface_t *iface;
	avro_value_t value; /* reused for every event: reset, never re-created */
	gcb_snode_t *root;
	gcb_snode_t *nodes;
	const char *fullname; /* root's full name, "" for unnamed roots */
	gcb_avsc_t *avsc;     /* the linter's model: the nodes' source, compatibility checks */
	uint64_t fingerprint; /* CRC-64-AVRO of the Parsing Canonical Form */
} gcb_schema_t;

/*
 * Parses schema text (len bytes) into a new schema: lints it (gcb_avsc),
 * compiles the node tree, checks every default against its field's type,
 * builds the libavro-c schema from the model, computes its fingerprint and
 * creates the reusable value. origin names the source in errors. On error
 * returns a negative errno and writes "<origin>: <reason>" to errstr.
 */
int gcb_schema_parse(gcb_schema_t **out, const char *text, size_t len, const char *origin,
		     char *errstr, size_t errstr_size);

/* gcb_schema_parse() on the contents of a file. */
int gcb_schema_load_file(gcb_schema_t **out, const char *path, char *errstr, size_t errstr_size);

void gcb_schema_destroy(gcb_schema_t *s);

/* Index of the root record's field called name, or -1. */
int gcb_schema_field_index(const gcb_schema_t *s, const char *name);

/* The name a union branch answers to in the Avro JSON wrapper {"<name>": value}. */
const char *gcb_snode_type_name(const gcb_snode_t *n);

/* Reads a whole file into a new NUL-terminated buffer. 0 or -errno. */
int gcb_schema_read_file(const char *path, char **buf, size_t *len);

#endif

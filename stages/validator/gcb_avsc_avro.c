/*
 * Model -> libavro-c schema. The validator needs a libavro-c schema for its
 * generic value class and writer; it used to get it by handing the text to
 * avro_schema_from_json_length(), a second parse by a second JSON parser
 * (jansson) that could read the text differently from the linter's cJSON.
 * Built from the linted model instead, the writer and the mapper's nodes
 * (compiled from the same model) cannot disagree.
 *
 * The build follows the model in text order (record fields, union branches
 * in order), which is the order libavro-c's parser defines names in: the
 * first visit of a named type is its definition, every later one becomes a
 * link, as libavro-c's parser makes them. A link does not hold a reference
 * to its target (libavro-c 1.11): the definition, held by its parent, keeps
 * the target alive, so a recursive schema is no reference cycle.
 *
 * Recursion: links end every cycle, so the depth is that of the JSON text,
 * which the linter bounds (GCB_AVSC_JSON_DEPTH_MAX).
 */
#include "stages/validator/gcb_avsc_avro.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
	avro_schema_t *named; /* by gcb_avsc_node_t.index; borrowed: the tree holds them */
	char *errstr;
	size_t errstr_size;
} builder_t;

/* Names the libavro-c call that failed; avro_strerror() is one static
 * buffer, so it is copied at once. */
static int avro_fail(builder_t *b, const char *call, const char *what)
{
	if (b->errstr_size)
		snprintf(b->errstr, b->errstr_size, "%s(%s) failed: %s", call, what,
			 avro_strerror());
	return -EINVAL;
}

static avro_schema_t primitive(gcb_avsc_type_t t)
{
	switch (t) {
	case GCB_AVSC_NULL:
		return avro_schema_null();
	case GCB_AVSC_BOOLEAN:
		return avro_schema_boolean();
	case GCB_AVSC_INT:
		return avro_schema_int();
	case GCB_AVSC_LONG:
		return avro_schema_long();
	case GCB_AVSC_FLOAT:
		return avro_schema_float();
	case GCB_AVSC_DOUBLE:
		return avro_schema_double();
	case GCB_AVSC_BYTES:
		return avro_schema_bytes();
	case GCB_AVSC_STRING:
		return avro_schema_string();
	default:
		return NULL;
	}
}

static int build(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t *out);

static int build_fields(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t rec)
{
	for (size_t i = 0; i < n->nfields; i++) {
		avro_schema_t t;
		int rc = build(b, n->fields[i].type, &t);

		if (rc)
			return rc;
		/* The record takes its own reference to the field's type. */
		rc = avro_schema_record_field_append(rec, n->fields[i].name, t);
		avro_schema_decref(t);
		if (rc)
			return avro_fail(b, "avro_schema_record_field_append", n->fields[i].name);
	}
	return 0;
}

static int build_symbols(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t e)
{
	for (size_t i = 0; i < n->nsymbols; i++)
		if (avro_schema_enum_symbol_append(e, n->symbols[i]) != 0)
			return avro_fail(b, "avro_schema_enum_symbol_append", n->symbols[i]);
	return 0;
}

/*
 * A record, enum or fixed where the text defines it. libavro-c keeps the
 * namespace apart from the name; a full name without a dot is in the null
 * namespace (NULL, as libavro-c's parser gives it).
 */
static int build_named(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t *out)
{
	const char *dot = strrchr(n->fullname, '.');
	char *space = dot ? strndup(n->fullname, (size_t)(dot - n->fullname)) : NULL;
	avro_schema_t s = NULL;
	int rc;

	if (dot && !space)
		return -ENOMEM;
	switch (n->type) {
	case GCB_AVSC_RECORD:
		s = avro_schema_record(n->name, space);
		break;
	case GCB_AVSC_ENUM:
		s = avro_schema_enum_ns(n->name, space);
		break;
	default:
		s = avro_schema_fixed_ns(n->name, space, n->size);
		break;
	}
	free(space);
	if (!s)
		return avro_fail(b,
				 n->type == GCB_AVSC_RECORD ? "avro_schema_record"
				 : n->type == GCB_AVSC_ENUM ? "avro_schema_enum_ns"
							    : "avro_schema_fixed_ns",
				 n->fullname);
	/* Before the fields: a record may refer to itself. */
	b->named[n->index] = s;
	if (n->type == GCB_AVSC_RECORD)
		rc = build_fields(b, n, s);
	else if (n->type == GCB_AVSC_ENUM)
		rc = build_symbols(b, n, s);
	else
		rc = 0;
	if (rc) {
		avro_schema_decref(s);
		return rc;
	}
	*out = s;
	return 0;
}

static int build_union(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t *out)
{
	avro_schema_t u = avro_schema_union();

	if (!u)
		return avro_fail(b, "avro_schema_union", "");
	for (size_t i = 0; i < n->nbranches; i++) {
		avro_schema_t br;
		int rc = build(b, n->branches[i], &br);

		if (rc == 0) {
			/* The union takes its own reference to the branch. */
			if (avro_schema_union_append(u, br) != 0)
				rc = avro_fail(b, "avro_schema_union_append",
					       gcb_avsc_type_name(n->branches[i]->type));
			avro_schema_decref(br);
		}
		if (rc) {
			avro_schema_decref(u);
			return rc;
		}
	}
	*out = u;
	return 0;
}

/* Array items or map values. */
static int build_container(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t *out)
{
	int arr = n->type == GCB_AVSC_ARRAY;
	avro_schema_t items, s;
	int rc = build(b, n->items, &items);

	if (rc)
		return rc;
	/* The container takes its own reference to its items. */
	s = arr ? avro_schema_array(items) : avro_schema_map(items);
	avro_schema_decref(items);
	if (!s)
		return avro_fail(b, arr ? "avro_schema_array" : "avro_schema_map", "");
	*out = s;
	return 0;
}

/* *out: a new reference. Logical types are the underlying type to libavro-c. */
static int build(builder_t *b, const gcb_avsc_node_t *n, avro_schema_t *out)
{
	*out = NULL;
	switch (n->type) {
	case GCB_AVSC_RECORD:
	case GCB_AVSC_ENUM:
	case GCB_AVSC_FIXED:
		if (b->named[n->index] == NULL)
			return build_named(b, n, out);
		*out = avro_schema_link(b->named[n->index]);
		return *out ? 0 : avro_fail(b, "avro_schema_link", n->fullname);
	case GCB_AVSC_ARRAY:
	case GCB_AVSC_MAP:
		return build_container(b, n, out);
	case GCB_AVSC_UNION:
		return build_union(b, n, out);
	case GCB_AVSC_INVALID:
		if (b->errstr_size)
			snprintf(b->errstr, b->errstr_size, "not a valid schema");
		return -EINVAL;
	default:
		*out = primitive(n->type);
		return *out ? 0
			    : avro_fail(b, "avro_schema_<primitive>", gcb_avsc_type_name(n->type));
	}
}

int gcb_avsc_to_avro(const gcb_avsc_t *s, avro_schema_t *out, char *errstr, size_t errstr_size)
{
	builder_t b = {.errstr = errstr, .errstr_size = errstr_size};
	int rc;

	*out = NULL;
	b.named = calloc(s->nnamed ? s->nnamed : 1, sizeof(*b.named));
	if (!b.named) {
		if (errstr_size)
			snprintf(errstr, errstr_size, "out of memory");
		return -ENOMEM;
	}
	rc = build(&b, s->root, out);
	if (rc == -ENOMEM && errstr_size)
		snprintf(errstr, errstr_size, "out of memory");
	free(b.named);
	return rc;
}

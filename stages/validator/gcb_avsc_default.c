/*
 * Default values (Avro 1.11 specification, "Complex Types", records): a
 * field's default is the JSON encoding of a value of the field's type; for a
 * union it is a value of the FIRST branch; bytes and fixed are strings whose
 * code points 0-255 are the bytes.
 */
#include "stages/validator/gcb_avsc_internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Integers from 2^53 on do not survive cJSON's doubles (2^53 + 1 reads as 2^53). */
#define EXACT_INT_MAX 9007199254740992.0

static const char *json_kind(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an invalid value";
}

/* Code points of a UTF-8 string if all are <= 255 (a bytes value); -1 otherwise. */
static long bytes_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		if (*p < 0x80) {
			p++;
		} else if ((p[0] & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
			unsigned cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);

			if (cp < 0x80 || cp > 0xFF)
				return -1;
			p += 2;
		} else {
			return -1;
		}
		n++;
	}
	return n;
}

static int fail(gcb_avsc_buf_t *why, const gcb_avsc_buf_t *at, const char *expected, const cJSON *v)
{
	gcb_avsc_buf_printf(why, "expected %s, got %s", expected, json_kind(v));
	if (at->b.len)
		gcb_avsc_buf_printf(why, " at %s", gcb_avsc_buf_str(at));
	return 0;
}

static int valid(const cJSON *v, const gcb_avsc_node_t *t, gcb_avsc_buf_t *at, gcb_avsc_buf_t *why)
{
	const cJSON *it;
	size_t mark = at->b.len, i = 0;
	double d;
	long blen;

	switch (t->type) {
	case GCB_AVSC_INVALID:
		return 1;
	case GCB_AVSC_NULL:
		return cJSON_IsNull(v) ? 1 : fail(why, at, "null", v);
	case GCB_AVSC_BOOLEAN:
		return cJSON_IsBool(v) ? 1 : fail(why, at, "true or false", v);
	case GCB_AVSC_INT:
		if (!cJSON_IsNumber(v))
			return fail(why, at, "an int", v);
		d = v->valuedouble;
		if (!gcb_avsc_is_integral(d) || d < -2147483648.0 || d > 2147483647.0) {
			gcb_avsc_buf_printf(why, "%.17g is not an int (32-bit integer)", d);
			goto at;
		}
		return 1;
	case GCB_AVSC_LONG:
		if (!cJSON_IsNumber(v))
			return fail(why, at, "a long", v);
		d = v->valuedouble;
		if (!gcb_avsc_is_integral(d)) {
			gcb_avsc_buf_printf(why, "%.17g is not an integer", d);
			goto at;
		}
		if (fabs(d) >= EXACT_INT_MAX) {
			gcb_avsc_buf_printf(
			    why, "%.17g is not within +-(2^53 - 1) and cannot be kept exactly", d);
			goto at;
		}
		return 1;
	case GCB_AVSC_FLOAT:
	case GCB_AVSC_DOUBLE:
		if (!cJSON_IsNumber(v))
			return fail(why, at, "a number", v);
		if (!isfinite(v->valuedouble) ||
		    (t->type == GCB_AVSC_FLOAT && fabs(v->valuedouble) > FLT_MAX)) {
			gcb_avsc_buf_printf(why, "number out of %s range",
					    gcb_avsc_type_name(t->type));
			goto at;
		}
		return 1;
	case GCB_AVSC_STRING:
		return cJSON_IsString(v) ? 1 : fail(why, at, "a string", v);
	case GCB_AVSC_BYTES:
	case GCB_AVSC_FIXED:
		if (!cJSON_IsString(v))
			return fail(why, at, "a string of code points 0-255", v);
		blen = bytes_length(v->valuestring);
		if (blen < 0) {
			gcb_avsc_buf_puts(why, "bytes/fixed defaults are strings of code points "
					       "\\u0000-\\u00ff");
			goto at;
		}
		if (t->type == GCB_AVSC_FIXED && blen != t->size) {
			gcb_avsc_buf_printf(why, "fixed '%s' holds %lld bytes, the default has %ld",
					    t->fullname, (long long)t->size, blen);
			goto at;
		}
		return 1;
	case GCB_AVSC_ENUM:
		if (!cJSON_IsString(v))
			return fail(why, at, "a symbol string", v);
		for (size_t k = 0; k < t->nsymbols; k++) {
			if (strcmp(t->symbols[k], v->valuestring) == 0)
				return 1;
		}
		gcb_avsc_buf_printf(why, "'%s' is not a symbol of enum '%s'", v->valuestring,
				    t->fullname);
		goto at;
	case GCB_AVSC_ARRAY:
		if (!cJSON_IsArray(v))
			return fail(why, at, "an array", v);
		cJSON_ArrayForEach(it, v)
		{
			gcb_avsc_path_push_index(at, i++);
			if (!valid(it, t->items, at, why))
				return 0;
			gcb_avsc_buf_truncate(at, mark);
		}
		return 1;
	case GCB_AVSC_MAP:
		if (!cJSON_IsObject(v))
			return fail(why, at, "an object (map)", v);
		cJSON_ArrayForEach(it, v)
		{
			gcb_avsc_path_push(at, it->string ? it->string : "");
			if (!valid(it, t->items, at, why))
				return 0;
			gcb_avsc_buf_truncate(at, mark);
		}
		return 1;
	case GCB_AVSC_RECORD:
		if (!cJSON_IsObject(v))
			return fail(why, at, "an object (record)", v);
		for (size_t k = 0; k < t->nfields; k++) {
			const gcb_avsc_field_t *f = &t->fields[k];

			it = cJSON_GetObjectItemCaseSensitive(v, f->name);
			if (!it) {
				/* Filled from the field's own default, which is checked where
				 * the field is defined. */
				if (f->def)
					continue;
				gcb_avsc_buf_printf(why, "field '%s' is missing and has no default",
						    f->name);
				goto at;
			}
			gcb_avsc_path_push(at, f->name);
			if (!valid(it, f->type, at, why))
				return 0;
			gcb_avsc_buf_truncate(at, mark);
		}
		return 1;
	case GCB_AVSC_UNION:
		if (!t->nbranches) {
			gcb_avsc_buf_puts(why, "an empty union has no values");
			goto at;
		}
		if (valid(v, t->branches[0], at, why))
			return 1;
		gcb_avsc_buf_puts(why, " (a union's default must match its first branch)");
		return 0;
	}
	return 1;
at:
	if (at->b.len)
		gcb_avsc_buf_printf(why, " at %s", gcb_avsc_buf_str(at));
	return 0;
}

int gcb_avsc_default_valid(const cJSON *v, const gcb_avsc_node_t *t, gcb_avsc_buf_t *why)
{
	gcb_avsc_buf_t at;
	int ok;

	gcb_avsc_buf_init(&at);
	ok = valid(v, t, &at, why);
	gcb_avsc_buf_fini(&at);
	return ok;
}

struct walk {
	gcb_avsc_problems_t *pr;
	gcb_avsc_buf_t path;
	unsigned char *visited;
};

static void check_field_default(struct walk *w, const gcb_avsc_field_t *f)
{
	gcb_avsc_buf_t why, desc;
	char *shown;

	gcb_avsc_buf_init(&why);
	gcb_avsc_buf_init(&desc);
	if (!gcb_avsc_default_valid(f->def, f->type, &why)) {
		shown = cJSON_PrintUnformatted(f->def);
		gcb_avsc_describe(&desc, f->type);
		if (shown && strlen(shown) > 40)
			strcpy(shown + 37, "...");
		gcb_avsc_problem_add(w->pr, gcb_avsc_buf_str(&w->path),
				     "default %s does not match type %s: %s", shown ? shown : "",
				     gcb_avsc_buf_str(&desc), gcb_avsc_buf_str(&why));
		free(shown);
	}
	gcb_avsc_buf_fini(&why);
	gcb_avsc_buf_fini(&desc);
}

static void visit(struct walk *w, const gcb_avsc_node_t *n)
{
	size_t mark = w->path.b.len;

	switch (n->type) {
	case GCB_AVSC_RECORD:
		if (w->visited[n->index])
			return;
		w->visited[n->index] = 1;
		for (size_t i = 0; i < n->nfields; i++) {
			const gcb_avsc_field_t *f = &n->fields[i];

			gcb_avsc_path_push(&w->path, "fields");
			if (*f->name)
				gcb_avsc_path_push(&w->path, f->name);
			else
				gcb_avsc_path_push_index(&w->path, i);
			if (f->def)
				check_field_default(w, f);
			visit(w, f->type);
			gcb_avsc_buf_truncate(&w->path, mark);
		}
		break;
	case GCB_AVSC_ARRAY:
	case GCB_AVSC_MAP:
		gcb_avsc_path_push(&w->path, n->type == GCB_AVSC_ARRAY ? "items" : "values");
		visit(w, n->items);
		gcb_avsc_buf_truncate(&w->path, mark);
		break;
	case GCB_AVSC_UNION:
		for (size_t i = 0; i < n->nbranches; i++) {
			gcb_avsc_path_push_index(&w->path, i);
			visit(w, n->branches[i]);
			gcb_avsc_buf_truncate(&w->path, mark);
		}
		break;
	default:
		break;
	}
}

void gcb_avsc_lint_defaults(const gcb_avsc_t *s, gcb_avsc_problems_t *pr)
{
	struct walk w = {.pr = pr};

	w.visited = calloc(s->nnamed ? s->nnamed : 1, 1);
	if (!w.visited) {
		pr->oom = 1;
		return;
	}
	gcb_avsc_buf_init(&w.path);
	visit(&w, s->root);
	if (w.path.oom)
		pr->oom = 1;
	gcb_avsc_buf_fini(&w.path);
	free(w.visited);
}

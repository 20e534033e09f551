/*
 * .avsc text -> schema model, reporting every structural problem on the way
 * (Avro 1.11 specification, "Schema Declaration" and "Names").
 *
 * Names are resolved in one pass, in text order, as the reference
 * implementation does: a name must be defined before it is used, except
 * inside its own definition (a record may contain itself).
 */
#include "stages/validator/gcb_avsc_internal.h"
#include "lib/gcb_json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fullname -> named node, open addressing. */
struct names {
	gcb_avsc_node_t **slots;
	size_t cap;
	size_t n;
};

struct pctx {
	gcb_avsc_t *s;
	gcb_avsc_problems_t *pr;
	gcb_avsc_buf_t path;
	struct names names;
	int oom;
};

static const struct {
	const char *name;
	gcb_avsc_type_t type;
} primitives[] = {
    {"null", GCB_AVSC_NULL},   {"boolean", GCB_AVSC_BOOLEAN}, {"int", GCB_AVSC_INT},
    {"long", GCB_AVSC_LONG},   {"float", GCB_AVSC_FLOAT},     {"double", GCB_AVSC_DOUBLE},
    {"bytes", GCB_AVSC_BYTES}, {"string", GCB_AVSC_STRING},
};

static gcb_avsc_node_t *parse_type(struct pctx *c, const cJSON *j, const char *ns);

static gcb_avsc_type_t primitive_type(const char *name)
{
	for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++) {
		if (strcmp(primitives[i].name, name) == 0)
			return primitives[i].type;
	}
	return GCB_AVSC_INVALID;
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static gcb_avsc_node_t *names_get(const struct names *t, const char *fullname)
{
	if (!t->cap)
		return NULL;
	for (size_t i = hash_str(fullname) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		if (!t->slots[i])
			return NULL;
		if (strcmp(t->slots[i]->fullname, fullname) == 0)
			return t->slots[i];
	}
}

static int names_put(struct names *t, gcb_avsc_node_t *n)
{
	if ((t->n + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		gcb_avsc_node_t **slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		for (size_t k = 0; k < t->cap; k++) {
			gcb_avsc_node_t *e = t->slots[k];
			size_t i;

			if (!e)
				continue;
			for (i = hash_str(e->fullname) & (cap - 1); slots[i];
			     i = (i + 1) & (cap - 1))
				;
			slots[i] = e;
		}
		free(t->slots);
		t->slots = slots;
		t->cap = cap;
	}
	size_t i;

	for (i = hash_str(n->fullname) & (t->cap - 1); t->slots[i]; i = (i + 1) & (t->cap - 1))
		;
	t->slots[i] = n;
	t->n++;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void problem(struct pctx *c, const char *fmt, ...)
{
	char *reason = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&reason, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->oom = 1;
		return;
	}
	gcb_avsc_problem_add(c->pr, gcb_avsc_buf_str(&c->path), "%s", reason);
	free(reason);
}

static gcb_avsc_node_t *new_node(struct pctx *c, gcb_avsc_type_t type, const cJSON *json)
{
	gcb_avsc_node_t *n = calloc(1, sizeof(*n));

	if (!n) {
		c->oom = 1;
		return NULL;
	}
	n->type = type;
	n->json = json;
	n->next_alloc = c->s->nodes;
	c->s->nodes = n;
	return n;
}

static char *xstrdup(struct pctx *c, const char *s)
{
	char *d = strdup(s);

	if (!d)
		c->oom = 1;
	return d;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reports each string occurring more than once in v[0..n), once. */
static void report_duplicates(struct pctx *c, const char **v, size_t n, const char *what)
{
	const char **sorted;

	if (n < 2)
		return;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		c->oom = 1;
		return;
	}
	memcpy(sorted, v, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_strp);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(sorted[i], sorted[i - 1]) == 0 &&
		    (i == 1 || strcmp(sorted[i], sorted[i - 2]) != 0))
			problem(c, "duplicate %s '%s'", what, sorted[i]);
	}
	free(sorted);
}

static void check_duplicate_keys(struct pctx *c, const cJSON *obj)
{
	const char *stack[16];
	const char **keys = stack;
	size_t n = 0, cap = 16;
	const cJSON *it;

	cJSON_ArrayForEach(it, obj)
	{
		if (n == cap) {
			const char **k = malloc(cap * 2 * sizeof(*k));

			if (!k) {
				c->oom = 1;
				goto out;
			}
			memcpy(k, keys, n * sizeof(*k));
			if (keys != stack)
				free(keys);
			keys = k;
			cap *= 2;
		}
		keys[n++] = it->string ? it->string : "";
	}
	report_duplicates(c, keys, n, "key");
out:
	if (keys != stack)
		free(keys);
}

/* Optional string member; reports one of another JSON type. */
static const char *opt_string(struct pctx *c, const cJSON *obj, const char *key, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (present)
		*present = v != NULL;
	if (!v)
		return NULL;
	if (!cJSON_IsString(v) || !v->valuestring) {
		problem(c, "\"%s\" must be a string", key);
		return NULL;
	}
	return v->valuestring;
}

static char *make_fullname(struct pctx *c, const char *name, const char *ns)
{
	char *full;

	if (strchr(name, '.') || !ns || !*ns)
		return xstrdup(c, name);
	if (asprintf(&full, "%s.%s", ns, name) < 0) {
		c->oom = 1;
		return NULL;
	}
	return full;
}

/* Namespace part of a full name, malloc'ed ("" when none). */
static char *namespace_of(struct pctx *c, const char *fullname)
{
	const char *dot = strrchr(fullname, '.');
	char *ns = dot ? strndup(fullname, (size_t)(dot - fullname)) : strdup("");

	if (!ns)
		c->oom = 1;
	return ns;
}

/* "aliases": names (fields) or full names resolved against ns (types). */
static void parse_aliases(struct pctx *c, const cJSON *obj, const char *ns, int is_type,
			  char ***out, size_t *nout)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, "aliases");
	const cJSON *it;
	size_t n;

	if (!a)
		return;
	if (!cJSON_IsArray(a)) {
		problem(c, "\"aliases\" must be an array of names");
		return;
	}
	n = (size_t)cJSON_GetArraySize(a);
	if (!n)
		return;
	*out = calloc(n, sizeof(**out));
	if (!*out) {
		c->oom = 1;
		return;
	}
	cJSON_ArrayForEach(it, a)
	{
		const char *s = cJSON_IsString(it) ? it->valuestring : NULL;
		int ok = s && (is_type ? gcb_avsc_fullname_valid(s, 0) : gcb_avsc_name_valid(s));

		if (!ok) {
			if (s)
				problem(c, "invalid alias '%s'", s);
			else
				problem(c, "\"aliases\" must be an array of names");
			continue;
		}
		char *full = is_type ? make_fullname(c, s, ns) : xstrdup(c, s);

		if (!full)
			return;
		(*out)[(*nout)++] = full;
	}
}

static void parse_fields(struct pctx *c, gcb_avsc_node_t *rec, const cJSON *obj, const char *ns)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(obj, "fields");
	const char **names;
	const cJSON *f;
	size_t i = 0, n, nnames = 0;

	if (!cJSON_IsArray(fields)) {
		problem(c, "record needs a \"fields\" array");
		return;
	}
	n = (size_t)cJSON_GetArraySize(fields);
	if (!n)
		return;
	rec->fields = calloc(n, sizeof(*rec->fields));
	names = calloc(n, sizeof(*names));
	if (!rec->fields || !names) {
		free(names);
		c->oom = 1;
		return;
	}
	cJSON_ArrayForEach(f, fields)
	{
		gcb_avsc_field_t *fd = &rec->fields[i];
		size_t mark = c->path.b.len;
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *type, *order;
		int has_name = cJSON_IsString(name) && name->valuestring && *name->valuestring;

		gcb_avsc_path_push(&c->path, "fields");
		if (has_name)
			gcb_avsc_path_push(&c->path, name->valuestring);
		else
			gcb_avsc_path_push_index(&c->path, i);
		fd->name = xstrdup(c, has_name ? name->valuestring : "");
		if (has_name && fd->name)
			names[nnames++] = fd->name;
		rec->nfields = ++i;
		if (!cJSON_IsObject(f)) {
			problem(c, "a field must be a JSON object");
			goto next;
		}
		check_duplicate_keys(c, f);
		if (!has_name)
			problem(c, "field needs a \"name\" string");
		else if (!gcb_avsc_name_valid(name->valuestring))
			problem(c, "invalid field name '%s' (must match [A-Za-z_][A-Za-z0-9_]*)",
				name->valuestring);
		type = cJSON_GetObjectItemCaseSensitive(f, "type");
		if (!type)
			problem(c, "field needs a \"type\"");
		else
			fd->type = parse_type(c, type, ns);
		if (c->oom)
			break;
		fd->def = cJSON_GetObjectItemCaseSensitive(f, "default");
		order = cJSON_GetObjectItemCaseSensitive(f, "order");
		if (order && (!cJSON_IsString(order) || (strcmp(order->valuestring, "ascending") &&
							 strcmp(order->valuestring, "descending") &&
							 strcmp(order->valuestring, "ignore"))))
			problem(c, "\"order\" must be \"ascending\", \"descending\" or \"ignore\"");
		parse_aliases(c, f, ns, 0, &fd->aliases, &fd->naliases);
		opt_string(c, f, "doc", NULL);
		if (cJSON_GetObjectItemCaseSensitive(f, "logicalType"))
			problem(c, "\"logicalType\" on a field is ignored by Avro; "
				   "put it inside the field's type: {\"type\": ..., "
				   "\"logicalType\": ...}");
	next:
		if (!fd->type)
			fd->type = new_node(c, GCB_AVSC_INVALID, f);
		gcb_avsc_buf_truncate(&c->path, mark);
		if (c->oom)
			break;
	}
	if (!c->oom)
		report_duplicates(c, names, nnames, "field name");
	free(names);
}

static void parse_symbols(struct pctx *c, gcb_avsc_node_t *e, const cJSON *obj)
{
	const cJSON *syms = cJSON_GetObjectItemCaseSensitive(obj, "symbols");
	const cJSON *it, *def;
	size_t n;

	if (!cJSON_IsArray(syms)) {
		problem(c, "enum needs a \"symbols\" array");
		return;
	}
	n = (size_t)cJSON_GetArraySize(syms);
	if (n) {
		e->symbols = calloc(n, sizeof(*e->symbols));
		if (!e->symbols) {
			c->oom = 1;
			return;
		}
	}
	cJSON_ArrayForEach(it, syms)
	{
		if (!cJSON_IsString(it)) {
			problem(c, "enum symbols must be strings");
			continue;
		}
		if (!gcb_avsc_name_valid(it->valuestring))
			problem(c, "invalid enum symbol '%s' (must match [A-Za-z_][A-Za-z0-9_]*)",
				it->valuestring);
		e->symbols[e->nsymbols++] = it->valuestring;
	}
	report_duplicates(c, (const char **)e->symbols, e->nsymbols, "enum symbol");
	def = cJSON_GetObjectItemCaseSensitive(obj, "default");
	if (!def)
		return;
	if (!cJSON_IsString(def)) {
		problem(c, "enum \"default\" must be a string naming one of the symbols");
		return;
	}
	e->enum_default = def->valuestring;
	for (size_t i = 0; i < e->nsymbols; i++) {
		if (strcmp(e->symbols[i], def->valuestring) == 0)
			return;
	}
	problem(c, "enum default '%s' is not one of the symbols", def->valuestring);
}

static void parse_size(struct pctx *c, gcb_avsc_node_t *fx, const cJSON *obj)
{
	const cJSON *size = cJSON_GetObjectItemCaseSensitive(obj, "size");

	if (!cJSON_IsNumber(size)) {
		problem(c, "fixed needs a numeric \"size\"");
		return;
	}
	if (!gcb_avsc_is_integral(size->valuedouble) || size->valuedouble < 0 ||
	    size->valuedouble > 2147483647.0) {
		problem(c, "fixed \"size\" must be an integer from 0 to 2147483647");
		return;
	}
	fx->size = (int64_t)size->valuedouble;
}

static gcb_avsc_node_t *parse_named(struct pctx *c, gcb_avsc_type_t type, const cJSON *obj,
				    const char *ns)
{
	gcb_avsc_node_t *n = new_node(c, type, obj);
	const char *name, *nsattr;
	char *own_ns = NULL;
	int has_ns;

	if (!n)
		return NULL;
	n->index = c->s->nnamed++;
	name = opt_string(c, obj, "name", NULL);
	nsattr = opt_string(c, obj, "namespace", &has_ns);
	if (nsattr && !gcb_avsc_fullname_valid(nsattr, 1))
		problem(c, "invalid namespace '%s'", nsattr);
	if (!name || !*name) {
		problem(c, "%s needs a \"name\"", gcb_avsc_type_name(type));
		n->fullname = xstrdup(c, "");
	} else {
		n->fullname = make_fullname(c, name, has_ns && nsattr ? nsattr : ns);
	}
	if (!n->fullname)
		return NULL;
	n->name = strrchr(n->fullname, '.') ? strrchr(n->fullname, '.') + 1 : n->fullname;
	if (*n->fullname) {
		if (!gcb_avsc_fullname_valid(n->fullname, 0))
			problem(c,
				"invalid name '%s' (each part must match [A-Za-z_][A-Za-z0-9_]*)",
				n->fullname);
		else if (primitive_type(n->name) != GCB_AVSC_INVALID)
			problem(c, "'%s' is a primitive type name and cannot name a %s", n->name,
				gcb_avsc_type_name(type));
		else if (names_get(&c->names, n->fullname))
			problem(c, "'%s' is already defined", n->fullname);
		else if (names_put(&c->names, n))
			c->oom = 1;
	}
	own_ns = namespace_of(c, n->fullname);
	if (!own_ns)
		return NULL;
	parse_aliases(c, obj, own_ns, 1, &n->aliases, &n->naliases);
	opt_string(c, obj, "doc", NULL);
	if (type == GCB_AVSC_RECORD)
		parse_fields(c, n, obj, own_ns);
	else if (type == GCB_AVSC_ENUM)
		parse_symbols(c, n, obj);
	else
		parse_size(c, n, obj);
	free(own_ns);
	return n;
}

static gcb_avsc_node_t *resolve(struct pctx *c, const char *name, const char *ns)
{
	gcb_avsc_node_t *n;
	char *full;

	if (strchr(name, '.') || !ns || !*ns)
		return names_get(&c->names, name);
	if (asprintf(&full, "%s.%s", ns, name) < 0) {
		c->oom = 1;
		return NULL;
	}
	n = names_get(&c->names, full);
	free(full);
	/* Like the reference implementation, fall back to the null namespace. */
	return n ? n : names_get(&c->names, name);
}

static gcb_avsc_node_t *parse_name_ref(struct pctx *c, const cJSON *j, const char *name,
				       const char *ns)
{
	gcb_avsc_type_t t = primitive_type(name);
	gcb_avsc_node_t *n;

	if (t != GCB_AVSC_INVALID)
		return new_node(c, t, j);
	n = resolve(c, name, ns);
	if (n)
		return n;
	if (!strcmp(name, "record") || !strcmp(name, "enum") || !strcmp(name, "fixed") ||
	    !strcmp(name, "array") || !strcmp(name, "map"))
		problem(c, "'%s' must be written as an object: {\"type\": \"%s\", ...}", name,
			name);
	else if (gcb_avsc_fullname_valid(name, 0))
		problem(c, "unknown type '%s' (not a primitive and not defined before this point)",
			name);
	else
		problem(c, "unknown type '%s'", name);
	return new_node(c, GCB_AVSC_INVALID, j);
}

static gcb_avsc_node_t *parse_union(struct pctx *c, const cJSON *arr, const char *ns)
{
	gcb_avsc_node_t *u = new_node(c, GCB_AVSC_UNION, arr);
	unsigned char seen[GCB_AVSC_FIXED + 1] = {0};
	const cJSON *b;
	size_t n;

	if (!u)
		return NULL;
	n = (size_t)cJSON_GetArraySize(arr);
	if (!n)
		return u;
	u->branches = calloc(n, sizeof(*u->branches));
	if (!u->branches) {
		c->oom = 1;
		return NULL;
	}
	cJSON_ArrayForEach(b, arr)
	{
		size_t mark = c->path.b.len;
		gcb_avsc_node_t *bn;

		gcb_avsc_path_push_index(&c->path, u->nbranches);
		if (cJSON_IsArray(b)) {
			problem(c, "a union may not directly contain another union");
			bn = new_node(c, GCB_AVSC_INVALID, b);
		} else {
			bn = parse_type(c, b, ns);
		}
		if (!bn)
			return NULL;
		u->branches[u->nbranches++] = bn;
		if (bn->fullname && *bn->fullname) {
			/* mark holds the id of the last union this named type was seen in. */
			if (bn->mark == (unsigned long)(uintptr_t)u)
				problem(c, "duplicate type '%s' in union", bn->fullname);
			bn->mark = (unsigned long)(uintptr_t)u;
		} else if (!bn->fullname && bn->type != GCB_AVSC_INVALID) {
			if (seen[bn->type])
				problem(c,
					"duplicate type '%s' in union (a union holds at most one "
					"of each unnamed type)",
					gcb_avsc_type_name(bn->type));
			seen[bn->type] = 1;
		}
		gcb_avsc_buf_truncate(&c->path, mark);
	}
	return u;
}

static gcb_avsc_node_t *parse_object(struct pctx *c, const cJSON *obj, const char *ns)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
	const cJSON *lt;
	gcb_avsc_node_t *n;
	const char *t;

	check_duplicate_keys(c, obj);
	if (!type) {
		problem(c, "schema object needs a \"type\"");
		return new_node(c, GCB_AVSC_INVALID, obj);
	}
	if (!cJSON_IsString(type)) {
		problem(c, "\"type\" of a schema object must be a string such as \"record\"; "
			   "nested schemas go in \"fields\", \"items\" or \"values\"");
		return new_node(c, GCB_AVSC_INVALID, obj);
	}
	t = type->valuestring;
	if (!strcmp(t, "record")) {
		n = parse_named(c, GCB_AVSC_RECORD, obj, ns);
	} else if (!strcmp(t, "enum")) {
		n = parse_named(c, GCB_AVSC_ENUM, obj, ns);
	} else if (!strcmp(t, "fixed")) {
		n = parse_named(c, GCB_AVSC_FIXED, obj, ns);
	} else if (!strcmp(t, "array") || !strcmp(t, "map")) {
		int arr = t[0] == 'a';
		const cJSON *sub = cJSON_GetObjectItemCaseSensitive(obj, arr ? "items" : "values");
		size_t mark = c->path.b.len;

		n = new_node(c, arr ? GCB_AVSC_ARRAY : GCB_AVSC_MAP, obj);
		if (!n)
			return NULL;
		if (!sub) {
			problem(c, "%s needs \"%s\"", t, arr ? "items" : "values");
			n->items = new_node(c, GCB_AVSC_INVALID, obj);
		} else {
			gcb_avsc_path_push(&c->path, arr ? "items" : "values");
			n->items = parse_type(c, sub, ns);
			gcb_avsc_buf_truncate(&c->path, mark);
		}
		if (!n->items)
			return NULL;
	} else {
		/* A primitive, or a reference to a named type written as {"type": "Name"}. */
		n = parse_name_ref(c, obj, t, ns);
		if (n && n->fullname)
			return n;
	}
	if (!n)
		return NULL;
	lt = cJSON_GetObjectItemCaseSensitive(obj, "logicalType");
	if (lt && !cJSON_IsString(lt)) {
		problem(c, "\"logicalType\" must be a string");
	} else if (lt && n->type != GCB_AVSC_INVALID) {
		n->logical_type = lt->valuestring;
		gcb_avsc_lint_logical(n, obj, gcb_avsc_buf_str(&c->path), c->pr);
	}
	return n;
}

static gcb_avsc_node_t *parse_type(struct pctx *c, const cJSON *j, const char *ns)
{
	if (c->oom)
		return NULL;
	if (cJSON_IsString(j))
		return parse_name_ref(c, j, j->valuestring, ns);
	if (cJSON_IsArray(j))
		return parse_union(c, j, ns);
	if (cJSON_IsObject(j))
		return parse_object(c, j, ns);
	problem(c, "not a schema: expected a type name, a JSON object or a JSON array (union)");
	return new_node(c, GCB_AVSC_INVALID, j);
}

static void json_error(gcb_avsc_problems_t *pr, const char *text, size_t len, size_t off,
		       const char *why)
{
	size_t line = 1, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	gcb_avsc_problem_add(pr, "", "invalid JSON at line %zu, column %zu (byte offset %zu): %s",
			     line, col, off, why);
}

void gcb_avsc_destroy(gcb_avsc_t *s)
{
	gcb_avsc_node_t *n, *next;

	if (!s)
		return;
	for (n = s->nodes; n; n = next) {
		next = n->next_alloc;
		for (size_t i = 0; i < n->nfields; i++) {
			free(n->fields[i].name);
			for (size_t k = 0; k < n->fields[i].naliases; k++)
				free(n->fields[i].aliases[k]);
			free(n->fields[i].aliases);
		}
		for (size_t k = 0; k < n->naliases; k++)
			free(n->aliases[k]);
		free(n->aliases);
		free(n->fields);
		free(n->symbols);
		free(n->branches);
		free(n->fullname);
		free(n);
	}
	cJSON_Delete(s->json);
	free(s);
}

int gcb_avsc_parse(const char *text, size_t len, gcb_avsc_t **out, gcb_avsc_problems_t *pr)
{
	size_t before = gcb_avsc_problems_count(pr);
	struct pctx c = {.pr = pr};
	const char *end = NULL, *why;
	char *copy = NULL;
	size_t off;
	int err = -EINVAL;

	*out = NULL;
	c.s = calloc(1, sizeof(*c.s));
	if (!c.s)
		return -ENOMEM;
	gcb_avsc_buf_init(&c.path);
	if (memchr(text, '\0', len)) {
		gcb_avsc_problem_add(pr, "", "invalid JSON: the text contains a NUL byte");
		goto fail;
	}
	if (gcb_json_check(text, len, GCB_AVSC_JSON_DEPTH_MAX, &off, &why)) {
		json_error(pr, text, len, off, why);
		goto fail;
	}
	/* cJSON checks for trailing garbage only up to a NUL inside the length. */
	copy = malloc(len + 1);
	if (!copy) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	c.s->json = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!c.s->json) {
		off = end && end >= copy ? (size_t)(end - copy) : 0;
		json_error(pr, copy, len, off, "rejected by cJSON");
		goto fail;
	}
	c.s->root = parse_type(&c, c.s->json, "");
	if (!c.oom && c.s->root)
		gcb_avsc_lint_defaults(c.s, pr);
	if (c.oom || pr->oom || c.path.oom) {
		err = -ENOMEM;
		goto fail;
	}
	if (gcb_avsc_problems_count(pr) != before)
		goto fail;
	free(copy);
	free(c.names.slots);
	gcb_avsc_buf_fini(&c.path);
	*out = c.s;
	return 0;
fail:
	free(copy);
	free(c.names.slots);
	gcb_avsc_buf_fini(&c.path);
	gcb_avsc_destroy(c.s);
	return err;
}

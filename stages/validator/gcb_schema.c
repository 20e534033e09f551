#include "stages/validator/gcb_schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_map.h"

/* Named types seen so far while compiling one schema. */
typedef struct named {
	const char *fullname;
	gcb_snode_t *node;
} named_t;

typedef struct compiler {
	gcb_schema_t *s;
	named_t *names;
	size_t nnames;
	size_t cap;
	unsigned depth;
	char *errstr;
	size_t errstr_size;
} compiler_t;

#define COMPILE_MAX_DEPTH 64

__attribute__((format(printf, 2, 3))) static int cfail(compiler_t *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (c->errstr_size)
		vsnprintf(c->errstr, c->errstr_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Avro names: [A-Za-z_][A-Za-z0-9_]*; full names join such names with dots. */
static int valid_name(const char *s, int dotted)
{
	int start = 1;

	if (!*s)
		return 0;
	for (; *s; s++) {
		char ch = *s;

		if (dotted && ch == '.' && !start) {
			start = 1;
			continue;
		}
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_' ||
		      (!start && ch >= '0' && ch <= '9')))
			return 0;
		start = 0;
	}
	return !start;
}

static gcb_snode_t *node_new(compiler_t *c, avro_type_t type)
{
	gcb_snode_t *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	n->next_alloc = c->s->nodes;
	c->s->nodes = n;
	return n;
}

static const struct {
	const char *name;
	avro_type_t type;
} primitives[] = {
    {"null", AVRO_NULL},   {"boolean", AVRO_BOOLEAN}, {"int", AVRO_INT32},
    {"long", AVRO_INT64},  {"float", AVRO_FLOAT},     {"double", AVRO_DOUBLE},
    {"bytes", AVRO_BYTES}, {"string", AVRO_STRING},
};

static int primitive_type(const char *name, avro_type_t *type)
{
	for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++) {
		if (strcmp(primitives[i].name, name) == 0) {
			*type = primitives[i].type;
			return 1;
		}
	}
	return 0;
}

const char *gcb_snode_type_name(const gcb_snode_t *n)
{
	switch (n->type) {
	case AVRO_ARRAY:
		return "array";
	case AVRO_MAP:
		return "map";
	case AVRO_RECORD:
	case AVRO_ENUM:
	case AVRO_FIXED:
		return n->fullname;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
		if (primitives[i].type == n->type)
			return primitives[i].name;
	return "?";
}

static gcb_snode_t *lookup(compiler_t *c, const char *name, const char *ns)
{
	char full[512];

	if (!strchr(name, '.') && ns && *ns) {
		snprintf(full, sizeof(full), "%s.%s", ns, name);
		for (size_t i = 0; i < c->nnames; i++)
			if (strcmp(c->names[i].fullname, full) == 0)
				return c->names[i].node;
	}
	for (size_t i = 0; i < c->nnames; i++)
		if (strcmp(c->names[i].fullname, name) == 0)
			return c->names[i].node;
	return NULL;
}

/* Sets n->fullname and *ns_out (the namespace nested definitions inherit). */
static int define_name(compiler_t *c, gcb_snode_t *n, const cJSON *j, const char *ns, char **ns_out)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
	const cJSON *jns = cJSON_GetObjectItemCaseSensitive(j, "namespace");
	const char *dot;
	size_t len;

	if (!cJSON_IsString(name) || !*name->valuestring)
		return cfail(c, "named type without a \"name\"");
	if (!valid_name(name->valuestring, 1))
		return cfail(c, "invalid name \"%.64s\"", name->valuestring);
	if (jns && !cJSON_IsNull(jns) &&
	    (!cJSON_IsString(jns) || (*jns->valuestring && !valid_name(jns->valuestring, 1))))
		return cfail(c, "invalid namespace in \"%.64s\"", name->valuestring);
	if (strchr(name->valuestring, '.')) {
		n->fullname = strdup(name->valuestring);
	} else {
		const char *use = cJSON_IsString(jns) ? jns->valuestring : ns;

		if (use && *use) {
			len = strlen(use) + 1 + strlen(name->valuestring) + 1;
			n->fullname = malloc(len);
			if (n->fullname)
				snprintf(n->fullname, len, "%s.%s", use, name->valuestring);
		} else {
			n->fullname = strdup(name->valuestring);
		}
	}
	if (!n->fullname)
		return -ENOMEM;
	dot = strrchr(n->fullname, '.');
	n->shortname = dot ? dot + 1 : n->fullname;
	*ns_out = strndup(n->fullname, dot ? (size_t)(dot - n->fullname) : 0);
	if (!*ns_out)
		return -ENOMEM;
	if (lookup(c, n->fullname, NULL))
		return cfail(c, "type \"%s\" defined twice", n->fullname);
	if (c->nnames == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		named_t *p = realloc(c->names, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->names = p;
		c->cap = cap;
	}
	c->names[c->nnames].fullname = n->fullname;
	c->names[c->nnames].node = n;
	c->nnames++;
	return 0;
}

static int compile(compiler_t *c, const cJSON *j, const char *ns, gcb_snode_t **out);

static int compile_record(compiler_t *c, const cJSON *j, gcb_snode_t *n, const char *ns)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(j, "fields");
	const cJSON *f;
	char *myns = NULL;
	size_t i = 0;
	int rc;

	rc = define_name(c, n, j, ns, &myns);
	if (rc)
		goto out;
	if (!cJSON_IsArray(fields)) {
		rc = cfail(c, "record \"%s\" has no \"fields\" array", n->fullname);
		goto out;
	}
	n->nfields = (size_t)cJSON_GetArraySize(fields);
	n->fields = calloc(n->nfields ? n->nfields : 1, sizeof(*n->fields));
	if (!n->fields) {
		rc = -ENOMEM;
		goto out;
	}
	cJSON_ArrayForEach(f, fields)
	{
		const cJSON *fname = cJSON_GetObjectItemCaseSensitive(f, "name");
		const cJSON *ftype = cJSON_GetObjectItemCaseSensitive(f, "type");

		if (!cJSON_IsString(fname) || !ftype) {
			rc = cfail(c, "record \"%s\": field %zu needs \"name\" and \"type\"",
				   n->fullname, i);
			goto out;
		}
		if (!valid_name(fname->valuestring, 0)) {
			rc = cfail(c, "record \"%s\": invalid field name \"%.64s\"", n->fullname,
				   fname->valuestring);
			goto out;
		}
		for (size_t k = 0; k < i; k++) {
			if (strcmp(n->fields[k].name, fname->valuestring) == 0) {
				rc = cfail(c, "record \"%s\": field \"%s\" defined twice",
					   n->fullname, fname->valuestring);
				goto out;
			}
		}
		n->fields[i].name = fname->valuestring;
		n->fields[i].def = cJSON_GetObjectItemCaseSensitive(f, "default");
		rc = compile(c, ftype, myns, &n->fields[i].type);
		if (rc)
			goto out;
		i++;
	}
out:
	free(myns);
	return rc;
}

static int compile_named_simple(compiler_t *c, const cJSON *j, gcb_snode_t *n, const char *ns)
{
	char *myns = NULL;
	int rc = define_name(c, n, j, ns, &myns);

	free(myns);
	if (rc)
		return rc;
	if (n->type == AVRO_ENUM) {
		const cJSON *syms = cJSON_GetObjectItemCaseSensitive(j, "symbols");
		const cJSON *s;
		size_t i = 0;

		if (!cJSON_IsArray(syms) || cJSON_GetArraySize(syms) == 0)
			return cfail(c, "enum \"%s\" needs a non-empty \"symbols\" array",
				     n->fullname);
		n->nsymbols = (size_t)cJSON_GetArraySize(syms);
		n->symbols = calloc(n->nsymbols, sizeof(*n->symbols));
		if (!n->symbols)
			return -ENOMEM;
		cJSON_ArrayForEach(s, syms)
		{
			if (!cJSON_IsString(s) || !valid_name(s->valuestring, 0))
				return cfail(c, "enum \"%s\": symbols must be Avro names",
					     n->fullname);
			for (size_t k = 0; k < i; k++)
				if (strcmp(n->symbols[k], s->valuestring) == 0)
					return cfail(c, "enum \"%s\": symbol \"%s\" listed twice",
						     n->fullname, s->valuestring);
			n->symbols[i++] = s->valuestring;
		}
	} else {
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(j, "size");

		if (!cJSON_IsNumber(size) || size->valuedouble < 0 || size->valuedouble > 1 << 20 ||
		    size->valuedouble != (double)(int)size->valuedouble)
			return cfail(c, "fixed \"%s\" needs an integer \"size\"", n->fullname);
		n->size = (size_t)size->valueint;
	}
	return 0;
}

static int logical_of(const cJSON *j, avro_type_t type)
{
	const cJSON *lt = cJSON_GetObjectItemCaseSensitive(j, "logicalType");

	/* The spec says an unknown or misplaced logical type is ignored. */
	if (!cJSON_IsString(lt))
		return GCB_LT_NONE;
	if (type == AVRO_INT64 && strcmp(lt->valuestring, "timestamp-millis") == 0)
		return GCB_LT_TIMESTAMP_MILLIS;
	if (type == AVRO_INT64 && strcmp(lt->valuestring, "timestamp-micros") == 0)
		return GCB_LT_TIMESTAMP_MICROS;
	if (type == AVRO_STRING && strcmp(lt->valuestring, "uuid") == 0)
		return GCB_LT_UUID;
	return GCB_LT_NONE;
}

static int compile_object(compiler_t *c, const cJSON *j, const char *ns, gcb_snode_t **out)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
	const char *t;
	avro_type_t prim;
	gcb_snode_t *n;

	if (!type)
		return cfail(c, "schema object without \"type\"");
	if (!cJSON_IsString(type))
		return compile(c, type, ns, out);
	t = type->valuestring;
	if (primitive_type(t, &prim)) {
		n = node_new(c, prim);
		if (!n)
			return -ENOMEM;
		n->logical = logical_of(j, prim);
		*out = n;
		return 0;
	}
	if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
		n = node_new(c, AVRO_RECORD);
		if (!n)
			return -ENOMEM;
		*out = n;
		return compile_record(c, j, n, ns);
	}
	if (strcmp(t, "enum") == 0 || strcmp(t, "fixed") == 0) {
		n = node_new(c, t[0] == 'e' ? AVRO_ENUM : AVRO_FIXED);
		if (!n)
			return -ENOMEM;
		*out = n;
		return compile_named_simple(c, j, n, ns);
	}
	if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
		const cJSON *items =
		    cJSON_GetObjectItemCaseSensitive(j, t[0] == 'a' ? "items" : "values");

		if (!items)
			return cfail(c, "%s without \"%s\"", t, t[0] == 'a' ? "items" : "values");
		n = node_new(c, t[0] == 'a' ? AVRO_ARRAY : AVRO_MAP);
		if (!n)
			return -ENOMEM;
		*out = n;
		return compile(c, items, ns, &n->items);
	}
	/* {"type": "SomeNamedType"} */
	n = lookup(c, t, ns);
	if (!n)
		return cfail(c, "unknown type \"%s\"", t);
	*out = n;
	return 0;
}

static int compile(compiler_t *c, const cJSON *j, const char *ns, gcb_snode_t **out)
{
	int rc;

	if (++c->depth > COMPILE_MAX_DEPTH) {
		rc = cfail(c, "schema nested deeper than %d", COMPILE_MAX_DEPTH);
		goto out;
	}
	if (cJSON_IsString(j)) {
		avro_type_t prim;

		if (primitive_type(j->valuestring, &prim)) {
			*out = node_new(c, prim);
			rc = *out ? 0 : -ENOMEM;
			goto out;
		}
		*out = lookup(c, j->valuestring, ns);
		rc = *out ? 0 : cfail(c, "unknown type \"%s\"", j->valuestring);
	} else if (cJSON_IsArray(j)) {
		gcb_snode_t *n = node_new(c, AVRO_UNION);
		const cJSON *b;
		size_t i = 0;

		rc = -ENOMEM;
		if (!n)
			goto out;
		*out = n;
		n->nbranches = (size_t)cJSON_GetArraySize(j);
		if (n->nbranches == 0) {
			rc = cfail(c, "empty union");
			goto out;
		}
		n->branches = calloc(n->nbranches, sizeof(*n->branches));
		if (!n->branches)
			goto out;
		cJSON_ArrayForEach(b, j)
		{
			rc = compile(c, b, ns, &n->branches[i]);
			if (rc)
				goto out;
			if (n->branches[i]->type == AVRO_UNION) {
				rc = cfail(c, "union directly inside a union");
				goto out;
			}
			i++;
		}
		rc = 0;
	} else if (cJSON_IsObject(j)) {
		rc = compile_object(c, j, ns, out);
	} else {
		rc = cfail(c, "a schema must be a string, an object or an array");
	}
out:
	c->depth--;
	return rc;
}

/*
 * A record reaching itself through record-typed fields alone has no finite
 * value (libavro-c would recurse forever building its class): refuse it.
 * Arrays, maps and unions end such a chain.
 */
static int direct_cycle(compiler_t *c, const gcb_snode_t *n, const gcb_snode_t **stack,
			unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		if (stack[i] == n)
			return cfail(c,
				     "record \"%s\" contains itself without an array, map or "
				     "union in between: it has no finite value",
				     n->fullname);
	if (depth == COMPILE_MAX_DEPTH)
		return cfail(c, "records nested deeper than %d", COMPILE_MAX_DEPTH);
	stack[depth] = n;
	for (size_t i = 0; i < n->nfields; i++) {
		int rc;

		if (n->fields[i].type->type != AVRO_RECORD)
			continue;
		rc = direct_cycle(c, n->fields[i].type, stack, depth + 1);
		if (rc)
			return rc;
	}
	return 0;
}

/* Checks every record default once per record node (the graph may have cycles). */
static int check_defaults(compiler_t *c, gcb_snode_t *n, gcb_snode_t **seen, size_t *nseen,
			  size_t max)
{
	int rc;

	for (size_t i = 0; i < *nseen; i++)
		if (seen[i] == n)
			return 0;
	if (*nseen == max)
		return 0;
	seen[(*nseen)++] = n;
	switch (n->type) {
	case AVRO_RECORD:
		for (size_t i = 0; i < n->nfields; i++) {
			const gcb_sfield_t *f = &n->fields[i];

			if (f->def) {
				char why[256];

				if (gcb_map_check_default(f->type, f->def, why, sizeof(why)) != 0)
					return cfail(c,
						     "record \"%s\" field \"%s\": bad default: %s",
						     n->fullname, f->name, why);
			}
			rc = check_defaults(c, f->type, seen, nseen, max);
			if (rc)
				return rc;
		}
		return 0;
	case AVRO_ARRAY:
	case AVRO_MAP:
		return check_defaults(c, n->items, seen, nseen, max);
	case AVRO_UNION:
		for (size_t i = 0; i < n->nbranches; i++) {
			rc = check_defaults(c, n->branches[i], seen, nseen, max);
			if (rc)
				return rc;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * JSON parsers disagree on duplicate keys (cJSON keeps the first, libavro-c's
 * jansson the last), so a schema with any is refused rather than read two ways.
 */
static int duplicate_keys(compiler_t *c, const cJSON *j, unsigned depth)
{
	const cJSON *a, *b;

	if (depth > 4 * COMPILE_MAX_DEPTH)
		return cfail(c, "schema nested too deeply");
	for (a = j->child; a; a = a->next) {
		if (cJSON_IsObject(j))
			for (b = a->next; b; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return cfail(c, "key \"%.64s\" appears twice in one object",
						     a->string);
		if ((cJSON_IsObject(a) || cJSON_IsArray(a)) && duplicate_keys(c, a, depth + 1))
			return -EINVAL;
	}
	return 0;
}

static void copy_avro_error(char *buf, size_t size)
{
	/* avro_strerror() is one static buffer: copy it before anything else runs. */
	snprintf(buf, size, "%s", avro_strerror());
}

int gcb_schema_parse(gcb_schema_t **out, const char *text, size_t len, const char *origin,
		     char *errstr, size_t errstr_size)
{
	char why[512] = "";
	compiler_t c = {.errstr = why, .errstr_size = sizeof(why)};
	gcb_schema_t *s = calloc(1, sizeof(*s));
	gcb_snode_t **seen = NULL;
	size_t nseen = 0, max_seen = 4096;
	int rc = -ENOMEM;

	*out = NULL;
	if (!s)
		goto fail;
	c.s = s;
	s->origin = strdup(origin ? origin : "schema");
	s->text = malloc(len + 1);
	if (!s->origin || !s->text)
		goto fail;
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->text_len = len;

	s->raw = cJSON_ParseWithLength(s->text, len);
	if (!s->raw) {
		const char *at = cJSON_GetErrorPtr();
		long off = at && at >= s->text && at <= s->text + len ? (long)(at - s->text) : -1;

		snprintf(why, sizeof(why), "not valid JSON (near byte %ld)", off);
		rc = -EINVAL;
		goto fail;
	}
	/* The linter first: it reports the problem precisely (element path). */
	{
		gcb_avsc_problems_t pr;

		gcb_avsc_problems_init(&pr);
		rc = gcb_avsc_parse(s->text, len, &s->avsc, &pr);
		if (rc == -EINVAL && pr.n > 0)
			snprintf(why, sizeof(why), "%s%s%s%s", pr.v[0].path, *pr.v[0].path ? ": " : "",
				 pr.v[0].reason,
				 gcb_avsc_problems_count(&pr) > 1 ? " (and more: see gcb-schema lint)"
								  : "");
		else if (rc == -EINVAL)
			snprintf(why, sizeof(why), "not a valid schema");
		gcb_avsc_problems_fini(&pr);
		if (rc)
			goto fail;
		rc = gcb_avsc_fingerprint(s->avsc, &s->fingerprint);
		if (rc)
			goto fail;
	}
	/* Our own checks next: libavro-c leaks memory on some schemas it rejects. */
	rc = duplicate_keys(&c, s->raw, 0);
	if (rc)
		goto fail;
	rc = compile(&c, s->raw, "", &s->root);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < c.nnames; i++) {
		const gcb_snode_t *stack[COMPILE_MAX_DEPTH];

		if (c.names[i].node->type == AVRO_RECORD) {
			rc = direct_cycle(&c, c.names[i].node, stack, 0);
			if (rc)
				goto fail;
		}
	}
	if (avro_schema_from_json_length(s->text, len, &s->avro) != 0) {
		char aerr[400];

		copy_avro_error(aerr, sizeof(aerr));
		snprintf(why, sizeof(why), "avro_schema_from_json_length() failed: %s", aerr);
		s->avro = NULL;
		rc = -EINVAL;
		goto fail;
	}
	s->fullname = s->root->fullname ? s->root->fullname : "";
	seen = calloc(max_seen, sizeof(*seen));
	if (!seen) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = check_defaults(&c, s->root, seen, &nseen, max_seen);
	if (rc)
		goto fail;
	s->iface = avro_generic_class_from_schema(s->avro);
	if (!s->iface) {
		char aerr[400];

		copy_avro_error(aerr, sizeof(aerr));
		snprintf(why, sizeof(why), "avro_generic_class_from_schema() failed: %s", aerr);
		rc = -EINVAL;
		goto fail;
	}
	if (avro_generic_value_new(s->iface, &s->value) != 0) {
		char aerr[400];

		copy_avro_error(aerr, sizeof(aerr));
		snprintf(why, sizeof(why), "avro_generic_value_new() failed: %s", aerr);
		s->value.self = NULL;
		rc = -ENOMEM;
		goto fail;
	}
	free(seen);
	free(c.names);
	*out = s;
	return 0;
fail:
	if (errstr_size)
		snprintf(errstr, errstr_size, "%s: %s", origin ? origin : "schema",
			 *why ? why : strerror(-rc));
	free(seen);
	free(c.names);
	gcb_schema_destroy(s);
	return rc;
}

int gcb_schema_read_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	char *p = NULL;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
		rc = S_ISREG(st.st_mode) ? -EFBIG : -EISDIR;
		goto fail;
	}
	p = malloc((size_t)st.st_size + 1);
	if (!p) {
		rc = -ENOMEM;
		goto fail;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto fail;
		}
		got += (size_t)n;
	}
	p[got] = '\0';
	close(fd);
	*buf = p;
	*len = got;
	return 0;
fail:
	free(p);
	close(fd);
	return rc;
}

int gcb_schema_load_file(gcb_schema_t **out, const char *path, char *errstr, size_t errstr_size)
{
	char *text;
	size_t len;
	int rc = gcb_schema_read_file(path, &text, &len);

	if (rc) {
		*out = NULL;
		snprintf(errstr, errstr_size, "%s: cannot read: %s", path, strerror(-rc));
		return rc;
	}
	rc = gcb_schema_parse(out, text, len, path, errstr, errstr_size);
	free(text);
	return rc;
}

int gcb_schema_field_index(const gcb_schema_t *s, const char *name)
{
	if (s->root->type != AVRO_RECORD)
		return -1;
	for (size_t i = 0; i < s->root->nfields; i++)
		if (strcmp(s->root->fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

void gcb_schema_destroy(gcb_schema_t *s)
{
	gcb_snode_t *n, *next;

	if (!s)
		return;
	if (s->value.self)
		avro_value_decref(&s->value);
	if (s->iface)
		avro_value_iface_decref(s->iface);
	if (s->avro)
		avro_schema_decref(s->avro);
	for (n = s->nodes; n; n = next) {
		next = n->next_alloc;
		free(n->fullname);
		free(n->fields);
		free(n->symbols);
		free(n->branches);
		free(n);
	}
	gcb_avsc_destroy(s->avsc);
	cJSON_Delete(s->raw);
	free(s->text);
	free(s->origin);
	free(s);
}

#include "stages/validator/gcb_schema.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/validator/gcb_avsc_avro.h"
#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_map.h"

/*
 * The mapper's nodes are compiled from the linter's model (gcb_avsc_t): one
 * schema model, parsed once; names, namespaces, duplicates and logical types
 * are resolved there. What is left here is what only the mapper needs.
 */
typedef struct compiler {
	gcb_schema_t *s;
	gcb_snode_t **named; /* by gcb_avsc_node_t.index: named types compiled so far */
	unsigned depth;
	char *errstr;
	size_t errstr_size;
} compiler_t;

#define COMPILE_MAX_DEPTH 64
#define FIXED_SIZE_MAX	  (1 << 20)

__attribute__((format(printf, 2, 3))) static int cfail(compiler_t *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (c->errstr_size)
		vsnprintf(c->errstr, c->errstr_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
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

static int avro_type_of(gcb_avsc_type_t t, avro_type_t *out)
{
	static const avro_type_t map[] = {
	    [GCB_AVSC_NULL] = AVRO_NULL,     [GCB_AVSC_BOOLEAN] = AVRO_BOOLEAN,
	    [GCB_AVSC_INT] = AVRO_INT32,     [GCB_AVSC_LONG] = AVRO_INT64,
	    [GCB_AVSC_FLOAT] = AVRO_FLOAT,   [GCB_AVSC_DOUBLE] = AVRO_DOUBLE,
	    [GCB_AVSC_BYTES] = AVRO_BYTES,   [GCB_AVSC_STRING] = AVRO_STRING,
	    [GCB_AVSC_RECORD] = AVRO_RECORD, [GCB_AVSC_ENUM] = AVRO_ENUM,
	    [GCB_AVSC_ARRAY] = AVRO_ARRAY,   [GCB_AVSC_MAP] = AVRO_MAP,
	    [GCB_AVSC_UNION] = AVRO_UNION,   [GCB_AVSC_FIXED] = AVRO_FIXED,
	};

	if (t == GCB_AVSC_INVALID || (size_t)t >= sizeof(map) / sizeof(map[0]))
		return -1;
	*out = map[t];
	return 0;
}

/* The logical types the mapper acts on; the spec says an unknown or
 * misplaced one is ignored. */
static int logical_of(const gcb_avsc_node_t *a, avro_type_t type)
{
	const char *lt = a->logical_type;

	if (lt == NULL)
		return GCB_LT_NONE;
	if (type == AVRO_INT64 && strcmp(lt, "timestamp-millis") == 0)
		return GCB_LT_TIMESTAMP_MILLIS;
	if (type == AVRO_INT64 && strcmp(lt, "timestamp-micros") == 0)
		return GCB_LT_TIMESTAMP_MICROS;
	if (type == AVRO_STRING && strcmp(lt, "uuid") == 0)
		return GCB_LT_UUID;
	return GCB_LT_NONE;
}

static int compile(compiler_t *c, const gcb_avsc_node_t *a, gcb_snode_t **out);

static int compile_named(compiler_t *c, const gcb_avsc_node_t *a, gcb_snode_t *n)
{
	const char *dot;

	if ((n->fullname = strdup(a->fullname)) == NULL)
		return -ENOMEM;
	dot = strrchr(n->fullname, '.');
	n->shortname = dot ? dot + 1 : n->fullname;
	c->named[a->index] = n; /* before the fields: a record may refer to itself */
	switch (a->type) {
	case GCB_AVSC_RECORD:
		n->nfields = a->nfields;
		n->fields = calloc(n->nfields ? n->nfields : 1, sizeof(*n->fields));
		if (!n->fields)
			return -ENOMEM;
		for (size_t i = 0; i < a->nfields; i++) {
			int rc;

			n->fields[i].name = a->fields[i].name;
			n->fields[i].def = a->fields[i].def;
			rc = compile(c, a->fields[i].type, &n->fields[i].type);
			if (rc)
				return rc;
		}
		return 0;
	case GCB_AVSC_ENUM:
		/* No value would fit it (and libavro-c has always refused it). */
		if (a->nsymbols == 0)
			return cfail(c, "enum \"%s\" needs at least one symbol", n->fullname);
		n->nsymbols = a->nsymbols;
		n->symbols = calloc(n->nsymbols ? n->nsymbols : 1, sizeof(*n->symbols));
		if (!n->symbols)
			return -ENOMEM;
		for (size_t i = 0; i < a->nsymbols; i++)
			n->symbols[i] = a->symbols[i];
		return 0;
	default: /* fixed */
		if (a->size < 0 || a->size > FIXED_SIZE_MAX)
			return cfail(c, "fixed \"%s\" needs an integer \"size\"", n->fullname);
		n->size = (size_t)a->size;
		return 0;
	}
}

static int compile(compiler_t *c, const gcb_avsc_node_t *a, gcb_snode_t **out)
{
	avro_type_t type;
	gcb_snode_t *n;
	int rc = 0;

	if (++c->depth > COMPILE_MAX_DEPTH) {
		rc = cfail(c, "schema nested deeper than %d", COMPILE_MAX_DEPTH);
		goto out;
	}
	if (a->fullname != NULL && c->named[a->index] != NULL) {
		*out = c->named[a->index];
		goto out;
	}
	if (avro_type_of(a->type, &type) != 0) {
		rc = cfail(c, "not a valid schema");
		goto out;
	}
	rc = -ENOMEM;
	if ((n = node_new(c, type)) == NULL)
		goto out;
	*out = n;
	switch (a->type) {
	case GCB_AVSC_RECORD:
	case GCB_AVSC_ENUM:
	case GCB_AVSC_FIXED:
		rc = compile_named(c, a, n);
		break;
	case GCB_AVSC_ARRAY:
	case GCB_AVSC_MAP:
		rc = compile(c, a->items, &n->items);
		break;
	case GCB_AVSC_UNION:
		n->nbranches = a->nbranches;
		if (n->nbranches == 0) {
			rc = cfail(c, "empty union");
			break;
		}
		if ((n->branches = calloc(n->nbranches, sizeof(*n->branches))) == NULL)
			break;
		rc = 0;
		for (size_t i = 0; i < a->nbranches && rc == 0; i++)
			rc = compile(c, a->branches[i], &n->branches[i]);
		break;
	default:
		n->logical = logical_of(a, type);
		rc = 0;
		break;
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
 * JSON parsers disagree on duplicate keys (cJSON keeps the first, others the
 * last), and the raw text is what a Schema Registry gets: a schema with any
 * is refused rather than read two ways.
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

/*
 * cJSON ends a string at its first NUL, so a default holding \u0000 would
 * be read short (bytes "\u0000a" as ""), silently. libavro-c's parser used
 * to refuse such a text; it no longer reads it, so the refusal is here. The
 * text passed the strict check, so a backslash is always an escape.
 */
static int nul_escape(compiler_t *c, const char *text, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (text[i] != '\\')
			continue;
		if (text[i + 1] == 'u' && len - i >= 6 && memcmp(text + i + 2, "0000", 4) == 0)
			return cfail(c, "\\u0000 at byte %zu: a NUL cannot be kept in a string", i);
		i++; /* the escaped character */
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

	/*
	 * The linter first, the one reading of the JSON: it reports a problem
	 * precisely (element path). Text that is not JSON even to cJSON is
	 * named as such, as it always was.
	 */
	{
		gcb_avsc_problems_t pr;
		cJSON *j = NULL;

		gcb_avsc_problems_init(&pr);
		rc = gcb_avsc_parse(s->text, len, &s->avsc, &pr);
		if (rc == -EINVAL && (j = cJSON_ParseWithLength(s->text, len)) == NULL) {
			const char *at = cJSON_GetErrorPtr();
			long off =
			    at && at >= s->text && at <= s->text + len ? (long)(at - s->text) : -1;

			snprintf(why, sizeof(why), "not valid JSON (near byte %ld)", off);
		} else if (rc == -EINVAL && pr.n > 0)
			snprintf(why, sizeof(why), "%s%s%s%s", pr.v[0].path,
				 *pr.v[0].path ? ": " : "", pr.v[0].reason,
				 gcb_avsc_problems_count(&pr) > 1
				     ? " (and more: see gcb-schema lint)"
				     : "");
		else if (rc == -EINVAL)
			snprintf(why, sizeof(why), "not a valid schema");
		cJSON_Delete(j);
		gcb_avsc_problems_fini(&pr);
		if (rc)
			goto fail;
		rc = gcb_avsc_fingerprint(s->avsc, &s->fingerprint);
		if (rc)
			goto fail;
	}
	/* What the linter allows but the loader cannot keep exactly. */
	rc = duplicate_keys(&c, s->avsc->json, 0);
	if (rc == 0)
		rc = nul_escape(&c, s->text, len);
	if (rc)
		goto fail;
	c.named = calloc(s->avsc->nnamed ? s->avsc->nnamed : 1, sizeof(*c.named));
	if (!c.named) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = compile(&c, s->avsc->root, &s->root);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < s->avsc->nnamed; i++) {
		const gcb_snode_t *stack[COMPILE_MAX_DEPTH];

		if (c.named[i] != NULL && c.named[i]->type == AVRO_RECORD) {
			rc = direct_cycle(&c, c.named[i], stack, 0);
			if (rc)
				goto fail;
		}
	}
	/* From the same model: libavro-c does not parse the text again. */
	rc = gcb_avsc_to_avro(s->avsc, &s->avro, why, sizeof(why));
	if (rc)
		goto fail;
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
	free(c.named);
	*out = s;
	return 0;
fail:
	if (errstr_size)
		snprintf(errstr, errstr_size, "%s: %s", origin ? origin : "schema",
			 *why ? why : strerror(-rc));
	free(seen);
	free(c.named);
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
	free(s->text);
	free(s->origin);
	free(s);
}

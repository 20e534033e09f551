/*
 * Schema resolution, decided statically: every rule of the specification
 * that would signal an error while reading some old datum is reported here.
 *
 * Records may be recursive and may be reached along many paths, so each
 * (writer record, reader record) pair is checked once: a pair under check is
 * assumed compatible when met again (recursion), and a finished pair's result
 * is reused.
 */
#include "stages/validator/gcb_avsc_compat.h"
#include "stages/validator/gcb_avsc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_array.h"

enum pair_state { PAIR_RUNNING, PAIR_OK, PAIR_BAD };

struct pair {
	const gcb_avsc_node_t *w;
	const gcb_avsc_node_t *r;
	enum pair_state state;
	char *reported_at; /* path of the first loud report, NULL if none yet */
};

struct cctx {
	gcb_avsc_problems_t *pr;
	gcb_avsc_buf_t path;
	int quiet;   /* > 0 while probing union branches: count, do not report */
	size_t nerr; /* incompatibilities found (probes restore it) */
	struct pair *pairs;
	size_t npairs;
	size_t cap;
	int oom;
};

static void check(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r);

__attribute__((format(printf, 2, 3))) static void incompat(struct cctx *c, const char *fmt, ...)
{
	char *reason;
	va_list ap;
	int n;

	c->nerr++;
	if (c->quiet)
		return;
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

/* "record 'a.B'" / "int" in a small rotating set of buffers for messages. */
static const char *desc(const gcb_avsc_node_t *n)
{
	static __thread char bufs[4][160];
	static __thread unsigned k;
	char *b = bufs[k++ % 4];

	if (n->fullname)
		snprintf(b, sizeof(bufs[0]), "%s '%s'", gcb_avsc_type_name(n->type), n->fullname);
	else
		snprintf(b, sizeof(bufs[0]), "%s", gcb_avsc_type_name(n->type));
	return b;
}

static int is_primitive(gcb_avsc_type_t t)
{
	return t >= GCB_AVSC_NULL && t <= GCB_AVSC_STRING;
}

/* Writer primitive -> reader primitive, including the spec's promotions. */
static int promotable(gcb_avsc_type_t w, gcb_avsc_type_t r)
{
	if (w == r)
		return 1;
	switch (w) {
	case GCB_AVSC_INT:
		return r == GCB_AVSC_LONG || r == GCB_AVSC_FLOAT || r == GCB_AVSC_DOUBLE;
	case GCB_AVSC_LONG:
		return r == GCB_AVSC_FLOAT || r == GCB_AVSC_DOUBLE;
	case GCB_AVSC_FLOAT:
		return r == GCB_AVSC_DOUBLE;
	case GCB_AVSC_STRING:
		return r == GCB_AVSC_BYTES;
	case GCB_AVSC_BYTES:
		return r == GCB_AVSC_STRING;
	default:
		return 0;
	}
}

static const char *short_name(const char *full)
{
	const char *dot = strrchr(full, '.');

	return dot ? dot + 1 : full;
}

/* Named types match by unqualified name, or by one of the reader's aliases. */
static int names_match(const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	if (strcmp(w->name, r->name) == 0)
		return 1;
	for (size_t i = 0; i < r->naliases; i++) {
		if (strcmp(short_name(r->aliases[i]), w->name) == 0)
			return 1;
	}
	return 0;
}

/* The specification's "match" that selects a union branch, before recursion. */
static int kind_match(const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	if (is_primitive(w->type) && is_primitive(r->type))
		return promotable(w->type, r->type);
	if (w->type != r->type)
		return 0;
	if (w->fullname)
		return names_match(w, r);
	return 1;
}

static int compatible_quiet(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	size_t saved = c->nerr;
	int ok;

	c->quiet++;
	check(c, w, r);
	c->quiet--;
	ok = c->nerr == saved;
	c->nerr = saved;
	return ok;
}

/* Writer non-union w read through reader union r. */
static void check_to_union(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	size_t mark = c->path.b.len;

	for (size_t j = 0; j < r->nbranches; j++) {
		if (compatible_quiet(c, w, r->branches[j]))
			return;
	}
	for (size_t j = 0; j < r->nbranches; j++) {
		if (!kind_match(w, r->branches[j]))
			continue;
		/* Report why the branch that should have matched does not. */
		gcb_avsc_path_push_index(&c->path, j);
		check(c, w, r->branches[j]);
		gcb_avsc_buf_truncate(&c->path, mark);
		return;
	}
	incompat(c, "old type %s matches no branch of the new union", desc(w));
}

static const gcb_avsc_field_t *writer_field(const gcb_avsc_node_t *w, const gcb_avsc_field_t *rf)
{
	for (size_t i = 0; i < w->nfields; i++) {
		if (strcmp(w->fields[i].name, rf->name) == 0)
			return &w->fields[i];
	}
	for (size_t a = 0; a < rf->naliases; a++) {
		for (size_t i = 0; i < w->nfields; i++) {
			if (strcmp(w->fields[i].name, rf->aliases[a]) == 0)
				return &w->fields[i];
		}
	}
	return NULL;
}

static struct pair *find_pair(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	for (size_t i = 0; i < c->npairs; i++) {
		if (c->pairs[i].w == w && c->pairs[i].r == r)
			return &c->pairs[i];
	}
	return NULL;
}

static size_t add_pair(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	if (GCB_ARRAY_RESERVE(c->pairs, c->cap, c->npairs + 1, 16, 0) != 0) {
		c->oom = 1;
		return (size_t)-1;
	}
	c->pairs[c->npairs] = (struct pair){.w = w, .r = r, .state = PAIR_RUNNING};
	return c->npairs++;
}

static void check_fields(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	size_t mark = c->path.b.len;

	for (size_t i = 0; i < r->nfields; i++) {
		const gcb_avsc_field_t *rf = &r->fields[i];
		const gcb_avsc_field_t *wf = writer_field(w, rf);

		gcb_avsc_path_push(&c->path, "fields");
		gcb_avsc_path_push(&c->path, rf->name);
		if (wf)
			check(c, wf->type, rf->type);
		else if (!rf->def)
			incompat(c,
				 "field '%s' was added without a default: old data has no value "
				 "for it",
				 rf->name);
		gcb_avsc_buf_truncate(&c->path, mark);
	}
}

static void check_record(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	struct pair *p = find_pair(c, w, r);
	size_t saved = c->nerr, idx;

	if (p) {
		if (p->state == PAIR_RUNNING || p->state == PAIR_OK)
			return;
		if (c->quiet || p->reported_at) {
			if (p->reported_at)
				incompat(c,
					 "old record '%s' cannot be read as new record '%s' "
					 "(see %s)",
					 w->fullname, r->fullname,
					 *p->reported_at ? p->reported_at : "the top level");
			else
				c->nerr++;
			return;
		}
		/* Found bad while probing quietly: check again to report why. */
		p->state = PAIR_RUNNING;
		idx = (size_t)(p - c->pairs);
	} else {
		idx = add_pair(c, w, r);
		if (idx == (size_t)-1)
			return;
	}
	check_fields(c, w, r);
	p = &c->pairs[idx];
	p->state = c->nerr == saved ? PAIR_OK : PAIR_BAD;
	if (p->state == PAIR_BAD && !c->quiet) {
		p->reported_at = strdup(gcb_avsc_buf_str(&c->path));
		if (!p->reported_at)
			c->oom = 1;
	}
}

static void check_enum(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	for (size_t i = 0; i < w->nsymbols; i++) {
		size_t k;

		for (k = 0; k < r->nsymbols; k++) {
			if (strcmp(w->symbols[i], r->symbols[k]) == 0)
				break;
		}
		if (k == r->nsymbols && !r->enum_default)
			incompat(c,
				 "enum symbol '%s' was removed: old data may hold it and the new "
				 "enum '%s' has no default",
				 w->symbols[i], r->fullname);
	}
}

static void check(struct cctx *c, const gcb_avsc_node_t *w, const gcb_avsc_node_t *r)
{
	size_t mark = c->path.b.len;

	if (c->oom || w->type == GCB_AVSC_INVALID || r->type == GCB_AVSC_INVALID)
		return;
	if (w->type == GCB_AVSC_UNION) {
		for (size_t i = 0; i < w->nbranches; i++) {
			const gcb_avsc_node_t *wb = w->branches[i];

			if (r->type == GCB_AVSC_UNION)
				check_to_union(c, wb, r);
			else if (kind_match(wb, r))
				check(c, wb, r);
			else
				incompat(c, "old union branch %s cannot be read as %s", desc(wb),
					 desc(r));
		}
		return;
	}
	if (r->type == GCB_AVSC_UNION) {
		check_to_union(c, w, r);
		return;
	}
	if (is_primitive(w->type) && is_primitive(r->type)) {
		if (!promotable(w->type, r->type))
			incompat(c, "type changed from %s to %s, which is not a promotion", desc(w),
				 desc(r));
		return;
	}
	if (w->type != r->type) {
		incompat(c, "type changed from %s to %s", desc(w), desc(r));
		return;
	}
	if (w->fullname && !names_match(w, r)) {
		incompat(c, "%s was renamed to '%s' without an alias '%s'", desc(w), r->fullname,
			 w->name);
		return;
	}
	switch (w->type) {
	case GCB_AVSC_RECORD:
		check_record(c, w, r);
		break;
	case GCB_AVSC_ENUM:
		check_enum(c, w, r);
		break;
	case GCB_AVSC_FIXED:
		if (w->size != r->size)
			incompat(c, "fixed '%s' size changed from %lld to %lld", r->fullname,
				 (long long)w->size, (long long)r->size);
		break;
	case GCB_AVSC_ARRAY:
	case GCB_AVSC_MAP:
		gcb_avsc_path_push(&c->path, w->type == GCB_AVSC_ARRAY ? "items" : "values");
		check(c, w->items, r->items);
		gcb_avsc_buf_truncate(&c->path, mark);
		break;
	default:
		break;
	}
}

int gcb_avsc_compat_check(const gcb_avsc_t *old_schema, const gcb_avsc_t *new_schema,
			  gcb_avsc_problems_t *problems)
{
	struct cctx c = {.pr = problems};
	int err;

	gcb_avsc_buf_init(&c.path);
	check(&c, old_schema->root, new_schema->root);
	if (c.oom || c.path.oom || problems->oom)
		err = -ENOMEM;
	else
		err = c.nerr ? -EINVAL : 0;
	for (size_t i = 0; i < c.npairs; i++)
		free(c.pairs[i].reported_at);
	free(c.pairs);
	gcb_avsc_buf_fini(&c.path);
	return err;
}

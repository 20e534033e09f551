#include "stages/validator/gcb_map.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_utf8.h"

/* Largest integer a double holds exactly together with all its neighbours:
 * 2^53 itself may be a rounded 2^53 + 1, so it is already out. */
#define MAX_SAFE_INTEGER 9007199254740991.0

int gcb_mapper_init(gcb_mapper_t *m, size_t scratch_size)
{
	memset(m, 0, sizeof(*m));
	if (scratch_size == 0)
		scratch_size = 4096;
	m->scratch.first = scratch_size + 1; /* scratch_size bytes and the NUL */
	return gcb_buf_reserve(&m->scratch, scratch_size) == 0 ? 0 : -ENOMEM;
}

void gcb_mapper_fini(gcb_mapper_t *m)
{
	gcb_buf_fini(&m->scratch);
}

static void format_path(gcb_mapper_t *m)
{
	size_t off = 0;
	unsigned n = m->nsegs < GCB_MAP_MAX_DEPTH ? m->nsegs : GCB_MAP_MAX_DEPTH;

	m->path[0] = '\0';
	for (unsigned i = 0; i < n && off < sizeof(m->path); i++) {
		int w;

		if (m->segs[i].name)
			w = snprintf(m->path + off, sizeof(m->path) - off, "%s%s", i ? "." : "",
				     m->segs[i].name);
		else
			w = snprintf(m->path + off, sizeof(m->path) - off, "[%zu]",
				     m->segs[i].index);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (m->nsegs > GCB_MAP_MAX_DEPTH && off < sizeof(m->path))
		snprintf(m->path + off, sizeof(m->path) - off, "...");
}

__attribute__((format(printf, 3, 4))) static int fail(gcb_mapper_t *m, int reason, const char *fmt,
						      ...)
{
	va_list ap;

	m->reason = reason;
	if (m->quiet)
		return -EINVAL;
	format_path(m);
	va_start(ap, fmt);
	vsnprintf(m->detail, sizeof(m->detail), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int fail_avro(gcb_mapper_t *m, const char *call)
{
	/* avro_strerror() is one static buffer: fail() copies it at once. */
	fail(m, GCB_REASON_ENCODE_FAILED, "%s failed: %s", call, avro_strerror());
	return -ENOMEM;
}

static void push_name(gcb_mapper_t *m, const char *name)
{
	if (m->nsegs < GCB_MAP_MAX_DEPTH)
		m->segs[m->nsegs].name = name;
	m->nsegs++;
}

static void push_index(gcb_mapper_t *m, size_t index)
{
	if (m->nsegs < GCB_MAP_MAX_DEPTH) {
		m->segs[m->nsegs].name = NULL;
		m->segs[m->nsegs].index = index;
	}
	m->nsegs++;
}

static void pop(gcb_mapper_t *m)
{
	m->nsegs--;
}

static const char *json_kind(const cJSON *j)
{
	if (cJSON_IsNull(j))
		return "null";
	if (cJSON_IsBool(j))
		return "boolean";
	if (cJSON_IsNumber(j))
		return "number";
	if (cJSON_IsString(j))
		return "string";
	if (cJSON_IsArray(j))
		return "array";
	if (cJSON_IsObject(j))
		return "object";
	return "invalid";
}

static int wrong_type(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j)
{
	return fail(m, GCB_REASON_WRONG_TYPE, "expected %s, got %s", gcb_snode_type_name(n),
		    json_kind(j));
}

/* ---- scalars ---- */

static int integral(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, double lo, double hi,
		    int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return wrong_type(m, n, j);
	d = j->valuedouble;
	if (!isfinite(d))
		return fail(m, GCB_REASON_OUT_OF_RANGE, "number out of range");
	if (d != trunc(d))
		return fail(m, GCB_REASON_WRONG_TYPE, "expected an integer for %s, got %.17g",
			    gcb_snode_type_name(n), d);
	if (d < lo || d > hi)
		return fail(m, GCB_REASON_OUT_OF_RANGE,
			    "%.17g is outside the %s range [%.17g, %.17g]", d,
			    gcb_snode_type_name(n), lo, hi);
	*out = (int64_t)d;
	return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int map_long(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	int64_t x;

	if (n->logical != GCB_LT_NONE && cJSON_IsString(j)) {
		int64_t us;

		if (gcb_map_parse_iso8601(j->valuestring, strlen(j->valuestring), &us) != 0)
			return fail(m, GCB_REASON_BAD_TIMESTAMP,
				    "\"%.64s\" is not an ISO-8601 date-time with a zone",
				    j->valuestring);
		x = n->logical == GCB_LT_TIMESTAMP_MILLIS ? floor_div(us, 1000) : us;
	} else if (integral(m, n, j, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, &x) != 0) {
		return -EINVAL;
	}
	if (v && avro_value_set_long(v, x) != 0)
		return fail_avro(m, "avro_value_set_long()");
	return 0;
}

static int map_string(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	size_t len;

	if (!cJSON_IsString(j))
		return wrong_type(m, n, j);
	len = strlen(j->valuestring);
	if (!gcb_utf8_valid(j->valuestring, len))
		return fail(m, GCB_REASON_BAD_UTF8, "string is not valid UTF-8");
	if (n->logical == GCB_LT_UUID && !gcb_map_is_uuid(j->valuestring, len))
		return fail(m, GCB_REASON_BAD_UUID, "\"%.64s\" is not a uuid", j->valuestring);
	/* libavro-c string sizes count the terminating NUL. */
	if (v && avro_value_set_string_len(v, j->valuestring, len + 1) != 0)
		return fail_avro(m, "avro_value_set_string_len()");
	return 0;
}

/* Avro's JSON encoding of bytes: each code point U+0000..U+00FF is one byte. */
static int decode_bytes(gcb_mapper_t *m, const char *s, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), n = 0;
	unsigned char *out;

	/* Decoding never lengthens the text: len bytes are enough. */
	m->scratch.len = 0;
	if (gcb_buf_reserve(&m->scratch, len) != 0)
		return fail_avro(m, "gcb_buf_reserve()");
	out = (unsigned char *)m->scratch.data;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x80) {
			out[n++] = p[i];
		} else if ((p[i] == 0xC2 || p[i] == 0xC3) && i + 1 < len &&
			   (p[i + 1] & 0xC0) == 0x80) {
			out[n++] = (unsigned char)(((p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F));
			i++;
		} else {
			return fail(
			    m, GCB_REASON_BAD_BYTES,
			    "bytes are written as code points U+0000..U+00FF; byte %zu is not", i);
		}
	}
	out[n] = '\0';
	m->scratch.len = n;
	*out_len = n;
	return 0;
}

static int map_bytes(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	size_t len = 0;
	int rc;

	if (!cJSON_IsString(j))
		return wrong_type(m, n, j);
	rc = decode_bytes(m, j->valuestring, &len);
	if (rc)
		return rc;
	if (n->type == AVRO_FIXED) {
		if (len != n->size)
			return fail(m, GCB_REASON_BAD_BYTES, "fixed %s needs %zu bytes, got %zu",
				    n->fullname, n->size, len);
		if (v && avro_value_set_fixed(v, m->scratch.data, len) != 0)
			return fail_avro(m, "avro_value_set_fixed()");
		return 0;
	}
	if (v && avro_value_set_bytes(v, m->scratch.data, len) != 0)
		return fail_avro(m, "avro_value_set_bytes()");
	return 0;
}

static int enum_index(const gcb_snode_t *n, const char *s)
{
	for (size_t i = 0; i < n->nsymbols; i++)
		if (strcmp(n->symbols[i], s) == 0)
			return (int)i;
	return -1;
}

static int map_enum(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	int idx;

	if (!cJSON_IsString(j))
		return wrong_type(m, n, j);
	idx = enum_index(n, j->valuestring);
	if (idx < 0)
		return fail(m, GCB_REASON_BAD_ENUM, "\"%.64s\" is not a symbol of enum %s",
			    j->valuestring, n->fullname);
	if (v && avro_value_set_enum(v, idx) != 0)
		return fail_avro(m, "avro_value_set_enum()");
	return 0;
}

/* ---- containers ---- */

static int map_array(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	const cJSON *e;
	size_t i = 0;

	if (!cJSON_IsArray(j))
		return wrong_type(m, n, j);
	cJSON_ArrayForEach(e, j)
	{
		avro_value_t child;
		int rc;

		if (v && avro_value_append(v, &child, NULL) != 0)
			return fail_avro(m, "avro_value_append()");
		push_index(m, i++);
		rc = gcb_map_value(m, n->items, e, v ? &child : NULL);
		pop(m);
		if (rc)
			return rc;
	}
	return 0;
}

static int map_map(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	const cJSON *e;

	if (!cJSON_IsObject(j))
		return wrong_type(m, n, j);
	cJSON_ArrayForEach(e, j)
	{
		avro_value_t child;
		int rc;

		if (!gcb_utf8_valid(e->string, strlen(e->string)))
			return fail(m, GCB_REASON_BAD_UTF8, "map key is not valid UTF-8");
		if (v && avro_value_add(v, e->string, &child, NULL, NULL) != 0)
			return fail_avro(m, "avro_value_add()");
		push_name(m, e->string);
		rc = gcb_map_value(m, n->items, e, v ? &child : NULL);
		pop(m);
		if (rc)
			return rc;
	}
	return 0;
}

static int has_field(const gcb_snode_t *n, const char *name)
{
	for (size_t i = 0; i < n->nfields; i++)
		if (strcmp(n->fields[i].name, name) == 0)
			return 1;
	return 0;
}

/* Whether member e is called name; the first byte is compared inline, as
 * most members that are not the one sought differ there. */
static int member_is(const cJSON *e, const char *name)
{
	return e->string && e->string[0] == name[0] && strcmp(e->string, name) == 0;
}

/*
 * Member called name. Events usually list members in schema order, so the
 * search starts after the previous hit (*hint) and wraps: one comparison per
 * field in the common case instead of a scan from the start. A field the
 * event leaves out still costs a scan of every member.
 */
static const cJSON *find_member(const cJSON *obj, const char *name, const cJSON **hint)
{
	const cJSON *e;

	for (e = *hint; e; e = e->next) {
		if (member_is(e, name))
			goto found;
	}
	for (e = obj->child; e && e != *hint; e = e->next) {
		if (member_is(e, name))
			goto found;
	}
	return NULL;
found:
	*hint = e->next;
	return e;
}

static int map_record(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	const cJSON *hint;
	size_t found = 0;

	if (!cJSON_IsObject(j))
		return wrong_type(m, n, j);
	hint = j->child;
	for (size_t i = 0; i < n->nfields; i++) {
		const gcb_sfield_t *f = &n->fields[i];
		const cJSON *member;
		avro_value_t child;
		int rc;

		if (f == m->skip)
			continue;
		if (v && avro_value_get_by_index(v, i, &child, NULL) != 0)
			return fail_avro(m, "avro_value_get_by_index()");
		member = find_member(j, f->name, &hint);
		push_name(m, f->name);
		if (member) {
			found++;
			rc = gcb_map_value(m, f->type, member, v ? &child : NULL);
		} else if (f->def) {
			m->in_default++;
			rc = gcb_map_value(m, f->type, f->def, v ? &child : NULL);
			m->in_default--;
		} else {
			rc = fail(m, GCB_REASON_MISSING_FIELD, "required field \"%s\" is missing",
				  f->name);
		}
		pop(m);
		if (rc)
			return rc;
	}
	/* Drift: more members than fields found (duplicate keys aside) means
	 * fields the schema lacks; only then is the object scanned. */
	if (!m->strict && m->unknown != NULL && !m->in_default && !m->quiet &&
	    (size_t)cJSON_GetArraySize(j) > found) {
		const cJSON *e;

		cJSON_ArrayForEach(e, j)
		{
			if (e->string != NULL && !has_field(n, e->string))
				m->unknown(m->unknown_arg, n, e->string);
		}
	}
	if (m->strict && !m->in_default) {
		const cJSON *e;

		cJSON_ArrayForEach(e, j)
		{
			if (!has_field(n, e->string)) {
				int rc;

				push_name(m, e->string);
				rc = fail(m, GCB_REASON_UNKNOWN_FIELD,
					  "field \"%.64s\" is not in %s", e->string, n->fullname);
				pop(m);
				return rc;
			}
		}
	}
	return 0;
}

/* ---- unions ---- */

/* Cheap first look: could this branch take a JSON value of this kind? */
static int quick_fit(const gcb_snode_t *b, const cJSON *j)
{
	switch (b->type) {
	case AVRO_NULL:
		return cJSON_IsNull(j);
	case AVRO_BOOLEAN:
		return cJSON_IsBool(j);
	case AVRO_INT32:
	case AVRO_FLOAT:
	case AVRO_DOUBLE:
		return cJSON_IsNumber(j);
	case AVRO_INT64:
		return cJSON_IsNumber(j) || (b->logical != GCB_LT_NONE && cJSON_IsString(j));
	case AVRO_STRING:
	case AVRO_BYTES:
	case AVRO_FIXED:
		return cJSON_IsString(j);
	case AVRO_ENUM:
		return cJSON_IsString(j) && enum_index(b, j->valuestring) >= 0;
	case AVRO_ARRAY:
		return cJSON_IsArray(j);
	case AVRO_MAP:
	case AVRO_RECORD:
		return cJSON_IsObject(j);
	default:
		return 0;
	}
}

static int wrapper_names(const gcb_snode_t *b, const char *key)
{
	const char *name = gcb_snode_type_name(b);

	if (strcmp(name, key) == 0)
		return 1;
	return b->shortname && strcmp(b->shortname, key) == 0;
}

static int map_branch(gcb_mapper_t *m, const gcb_snode_t *n, size_t i, const cJSON *j,
		      avro_value_t *v)
{
	avro_value_t bv;

	if (v && avro_value_set_branch(v, (int)i, &bv) != 0)
		return fail_avro(m, "avro_value_set_branch()");
	return gcb_map_value(m, n->branches[i], j, v ? &bv : NULL);
}

static int map_union(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	size_t candidates = 0, first = 0, fits = 0, fit = 0, second = 0;

	/* A default always belongs to the first branch (Avro specification). */
	if (m->in_default)
		return map_branch(m, n, 0, j, v);
	/* Avro's JSON encoding: {"<branch type name>": value}. */
	if (cJSON_IsObject(j) && j->child && !j->child->next && j->child->string) {
		for (size_t i = 0; i < n->nbranches; i++)
			if (wrapper_names(n->branches[i], j->child->string))
				return map_branch(m, n, i, j->child, v);
	}
	for (size_t i = 0; i < n->nbranches; i++) {
		if (quick_fit(n->branches[i], j)) {
			if (candidates++ == 0)
				first = i;
		}
	}
	if (candidates == 0)
		return fail(m, GCB_REASON_WRONG_TYPE, "no branch of the union takes a %s",
			    json_kind(j));
	if (candidates == 1)
		return map_branch(m, n, first, j, v);

	/* Several kinds fit: probe each one without writing. */
	m->quiet++;
	for (size_t i = first; i < n->nbranches; i++) {
		if (!quick_fit(n->branches[i], j))
			continue;
		if (gcb_map_value(m, n->branches[i], j, NULL) == 0) {
			if (fits++ == 0)
				fit = i;
			else if (fits == 2)
				second = i;
		} else if (m->reason == GCB_REASON_TOO_DEEP) {
			m->quiet--;
			return fail(m, GCB_REASON_TOO_DEEP, "mapping needs more than %d steps",
				    GCB_MAP_BUDGET);
		}
	}
	m->quiet--;
	if (fits == 1)
		return map_branch(m, n, fit, j, v);
	if (fits == 0) {
		/* Report why the first plausible branch rejected it. */
		return map_branch(m, n, first, j, NULL);
	}
	return fail(m, GCB_REASON_AMBIGUOUS_UNION,
		    "value fits union branches %s and %s; write {\"%s\": value} to choose",
		    gcb_snode_type_name(n->branches[fit]), gcb_snode_type_name(n->branches[second]),
		    gcb_snode_type_name(n->branches[fit]));
}

/* ---- entry points ---- */

int gcb_map_value(gcb_mapper_t *m, const gcb_snode_t *n, const cJSON *j, avro_value_t *v)
{
	int rc;

	if (--m->budget < 0)
		return fail(m, GCB_REASON_TOO_DEEP, "mapping needs more than %d steps",
			    GCB_MAP_BUDGET);
	if (m->depth >= GCB_MAP_MAX_DEPTH)
		return fail(m, GCB_REASON_TOO_DEEP, "nested deeper than %d", GCB_MAP_MAX_DEPTH);
	m->depth++;
	switch (n->type) {
	case AVRO_NULL:
		rc = cJSON_IsNull(j) ? 0 : wrong_type(m, n, j);
		if (rc == 0 && v && avro_value_set_null(v) != 0)
			rc = fail_avro(m, "avro_value_set_null()");
		break;
	case AVRO_BOOLEAN:
		rc = cJSON_IsBool(j) ? 0 : wrong_type(m, n, j);
		if (rc == 0 && v && avro_value_set_boolean(v, cJSON_IsTrue(j)) != 0)
			rc = fail_avro(m, "avro_value_set_boolean()");
		break;
	case AVRO_INT32: {
		int64_t x = 0;

		rc = integral(m, n, j, INT32_MIN, INT32_MAX, &x);
		if (rc == 0 && v && avro_value_set_int(v, (int32_t)x) != 0)
			rc = fail_avro(m, "avro_value_set_int()");
		break;
	}
	case AVRO_INT64:
		rc = map_long(m, n, j, v);
		break;
	case AVRO_FLOAT:
	case AVRO_DOUBLE:
		if (!cJSON_IsNumber(j)) {
			rc = wrong_type(m, n, j);
		} else if (!isfinite(j->valuedouble) ||
			   (n->type == AVRO_FLOAT && fabs(j->valuedouble) > FLT_MAX)) {
			rc = fail(m, GCB_REASON_OUT_OF_RANGE, "%g is outside the %s range",
				  j->valuedouble, gcb_snode_type_name(n));
		} else {
			rc = 0;
			if (v && n->type == AVRO_FLOAT &&
			    avro_value_set_float(v, (float)j->valuedouble) != 0)
				rc = fail_avro(m, "avro_value_set_float()");
			if (v && n->type == AVRO_DOUBLE &&
			    avro_value_set_double(v, j->valuedouble) != 0)
				rc = fail_avro(m, "avro_value_set_double()");
		}
		break;
	case AVRO_STRING:
		rc = map_string(m, n, j, v);
		break;
	case AVRO_BYTES:
	case AVRO_FIXED:
		rc = map_bytes(m, n, j, v);
		break;
	case AVRO_ENUM:
		rc = map_enum(m, n, j, v);
		break;
	case AVRO_ARRAY:
		rc = map_array(m, n, j, v);
		break;
	case AVRO_MAP:
		rc = map_map(m, n, j, v);
		break;
	case AVRO_RECORD:
		rc = map_record(m, n, j, v);
		break;
	case AVRO_UNION:
		rc = map_union(m, n, j, v);
		break;
	default:
		rc = fail(m, GCB_REASON_ENCODE_FAILED, "unsupported schema node");
		break;
	}
	m->depth--;
	return rc;
}

int gcb_map_check_default(const gcb_snode_t *type, const cJSON *def, char *errstr,
			  size_t errstr_size)
{
	gcb_mapper_t m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.budget = GCB_MAP_BUDGET;
	m.in_default = 1;
	rc = gcb_map_value(&m, type, def, NULL);
	if (rc && errstr_size)
		snprintf(errstr, errstr_size, "%s%s%s", m.path, *m.path ? ": " : "", m.detail);
	gcb_mapper_fini(&m);
	return rc;
}

/* ---- formats ---- */

static int num(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned mo, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= mo <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int mo)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (mo == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[mo - 1];
}

int gcb_map_parse_iso8601(const char *s, size_t len, int64_t *us)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	int64_t frac = 0, t;
	size_t i = 19;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -EINVAL;
	if (num(s, 4, &y) || num(s + 5, 2, &mo) || num(s + 8, 2, &d) || num(s + 11, 2, &h) ||
	    num(s + 14, 2, &mi) || num(s + 17, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	if (s[i] == '.' || s[i] == ',') {
		int digits = 0;

		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
			if (digits < 6)
				frac = frac * 10 + (s[i] - '0');
		}
		if (digits == 0)
			return -EINVAL;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (i >= len)
		return -EINVAL; /* a zone is required: local times are ambiguous */
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		sign = 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '-' ? -1 : 1;
		if (len - i == 6 && s[i + 3] == ':') {
			if (num(s + i + 1, 2, &oh) || num(s + i + 4, 2, &om))
				return -EINVAL;
		} else if (len - i == 5) {
			if (num(s + i + 1, 2, &oh) || num(s + i + 3, 2, &om))
				return -EINVAL;
		} else if (len - i == 3) {
			if (num(s + i + 1, 2, &oh))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		if (oh > 23 || om > 59)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*us = t * 1000000 + frac;
	return 0;
}

/* 1 for the 22 hex digits, 0 for every other byte. */
static const unsigned char hex_digit[256] = {
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
};

int gcb_map_is_uuid(const char *str, size_t len)
{
	static const unsigned char groups[5][2] = {{0, 8}, {9, 13}, {14, 18}, {19, 23}, {24, 36}};
	const unsigned char *s = (const unsigned char *)str;
	unsigned ok = 1;

	if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return 0;
	for (unsigned g = 0; g < 5; g++)
		for (unsigned i = groups[g][0]; i < groups[g][1]; i++)
			ok &= hex_digit[s[i]];
	return (int)ok;
}

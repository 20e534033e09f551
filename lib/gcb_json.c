#include "lib/gcb_json.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

const char *gcb_json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/*
 * The one validating scanner, for two callers with two contracts:
 *  - gcb_json_skip_value() (the poll answer's own members): RFC 8259's
 *    grammar, bytes >= 0x80 taken as they are, a number ends where its
 *    grammar ends ("01" is "0" followed by "1");
 *  - gcb_json_check() (schema texts, registered as they are): strict, every
 *    string valid UTF-8 with paired surrogate escapes, no leading zero, and a
 *    reason and a position for the first problem.
 * Neither allocates; recursion is bounded by max_depth.
 */
typedef struct scan {
	const unsigned char *p;
	const unsigned char *end;
	const char *why;
	int max_depth;
	int strict;
} scan_t;

static int fail(scan_t *s, const char *why)
{
	s->why = why;
	return -1;
}

static void skip_ws(scan_t *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int literal(scan_t *s, const char *word)
{
	for (; *word; word++, s->p++) {
		if (s->p >= s->end || *s->p != (unsigned char)*word)
			return fail(s, "unknown literal (expected true, false or null)");
	}
	return 0;
}

static int is_digit(const scan_t *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static int number(scan_t *s)
{
	if (*s->p == '-')
		s->p++;
	if (!is_digit(s))
		return fail(s, "invalid number");
	if (*s->p == '0') {
		s->p++;
		if (s->strict && is_digit(s))
			return fail(s, "numbers may not have leading zeros");
	} else {
		while (is_digit(s))
			s->p++;
	}
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!is_digit(s))
			return fail(s, "a digit must follow the decimal point");
		while (is_digit(s))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!is_digit(s))
			return fail(s, "a digit must follow the exponent");
		while (is_digit(s))
			s->p++;
	}
	return 0;
}

static int hex4(scan_t *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, s->p++) {
		unsigned c = s->p < s->end ? *s->p : 0;

		if (c >= '0' && c <= '9')
			*v = *v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v = *v * 16 + (c - 'A' + 10);
		else
			return fail(s, "\\u needs four hex digits");
	}
	return 0;
}

/* One UTF-8 sequence starting at a byte >= 0x80 (RFC 3629). */
static int utf8(scan_t *s)
{
	const unsigned char *p = s->p;
	size_t left = (size_t)(s->end - p);
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return fail(s, "invalid UTF-8");
	}
	if (left < n || p[1] < lo || p[1] > hi)
		return fail(s, "invalid UTF-8");
	for (size_t i = 2; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xBF)
			return fail(s, "invalid UTF-8");
	}
	s->p += n;
	return 0;
}

static int string(scan_t *s)
{
	s->p++; /* opening quote */
	for (;;) {
		unsigned u, u2;

		if (s->p >= s->end)
			return fail(s, "unterminated string");
		if (*s->p == '"') {
			s->p++;
			return 0;
		}
		if (*s->p < 0x20)
			return fail(s, "control character in a string (escape it)");
		if (*s->p >= 0x80 && s->strict) {
			if (utf8(s))
				return -1;
			continue;
		}
		if (*s->p != '\\') {
			s->p++;
			continue;
		}
		s->p++;
		if (s->p >= s->end)
			return fail(s, "unterminated string");
		switch (*s->p) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			s->p++;
			break;
		case 'u':
			s->p++;
			if (hex4(s, &u))
				return -1;
			if (!s->strict)
				break;
			if (u >= 0xDC00 && u <= 0xDFFF)
				return fail(s, "lone low surrogate escape");
			if (u >= 0xD800 && u <= 0xDBFF) {
				if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
					return fail(s,
						    "high surrogate escape without its low half");
				s->p += 2;
				if (hex4(s, &u2))
					return -1;
				if (u2 < 0xDC00 || u2 > 0xDFFF)
					return fail(s,
						    "high surrogate escape without its low half");
			}
			break;
		default:
			return fail(s, "invalid escape in a string");
		}
	}
}

static int value(scan_t *s, int depth);

/* An object or array at s->p; white space inside is skipped here. */
static int container(scan_t *s, int depth)
{
	int obj = *s->p == '{';
	char close = obj ? '}' : ']';

	if (depth >= s->max_depth)
		return fail(s, "nested too deeply");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		skip_ws(s);
		if (obj) {
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "expected a member name in double quotes");
			if (string(s))
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':' after a member name");
			s->p++;
			skip_ws(s);
		}
		if (value(s, depth + 1))
			return -1;
		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == close) {
			s->p++;
			return 0;
		}
		return fail(s, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

/* The value starting exactly at s->p (no white space skipped). */
static int value(scan_t *s, int depth)
{
	if (s->p >= s->end)
		return fail(s, "unexpected end of text");
	switch (*s->p) {
	case '{':
	case '[':
		return container(s, depth);
	case '"':
		return string(s);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s);
		return fail(s, "expected a JSON value");
	}
}

const char *gcb_json_skip_value(const char *p, const char *end)
{
	scan_t s = {(const unsigned char *)p, (const unsigned char *)end, NULL,
		    GCB_JSON_MAX_DEPTH, 0};

	return value(&s, 0) == 0 ? (const char *)s.p : NULL;
}

int gcb_json_check(const char *text, size_t len, int max_depth, size_t *err_off,
		   const char **why)
{
	scan_t s = {(const unsigned char *)text, (const unsigned char *)text + len, NULL,
		    max_depth, 1};

	if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
	    (unsigned char)text[2] == 0xBF) {
		*err_off = 0;
		*why = "byte order mark before the JSON text";
		return -EINVAL;
	}
	skip_ws(&s);
	if (value(&s, 0) == 0) {
		skip_ws(&s);
		if (s.p != s.end)
			fail(&s, "text after the JSON value");
	}
	if (s.why) {
		*err_off = (size_t)(s.p - (const unsigned char *)text);
		if (*err_off > len)
			*err_off = len;
		*why = s.why;
		return -EINVAL;
	}
	return 0;
}

/* The byte after the string starting at p ('"'), escape-aware, unvalidated. */
static const char *delimit_string(const char *p, const char *end)
{
	for (const char *from = p + 1;;) {
		const char *q = memchr(from, '"', (size_t)(end - from));
		const char *b;

		if (q == NULL)
			return NULL;
		/* Escaped when preceded by an odd run of backslashes. */
		for (b = q; b > p + 1 && b[-1] == '\\'; b--)
			;
		if (((q - b) & 1) == 0)
			return q + 1;
		from = q + 1;
	}
}

static int ends_token(char c)
{
	switch (c) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
	case ',':
	case ':':
	case '[':
	case ']':
	case '{':
	case '}':
	case '"':
		return 1;
	default:
		return 0;
	}
}

const char *gcb_json_delimit(const char *p, const char *end)
{
	uint64_t kinds[GCB_JSON_KIND_LEVELS / 64]; /* bit set: '{' at that level */
	size_t depth = 0;

	if (p >= end)
		return NULL;
	if (*p == '"')
		return delimit_string(p, end);
	if (*p != '{' && *p != '[') {
		const char *s = p;

		while (p < end && !ends_token(*p))
			p++;
		return p == s ? NULL : p;
	}
	for (; p < end; p++) {
		char c = *p;

		if (c == '"') {
			if ((p = delimit_string(p, end)) == NULL)
				return NULL;
			p--;
		} else if (c == '{' || c == '[') {
			if (depth < GCB_JSON_KIND_LEVELS) {
				uint64_t bit = UINT64_C(1) << (depth % 64);

				if (c == '{')
					kinds[depth / 64] |= bit;
				else
					kinds[depth / 64] &= ~bit;
			}
			depth++;
		} else if (c == '}' || c == ']') {
			int want = c == '}';
			size_t d = depth;

			if (depth > GCB_JSON_KIND_LEVELS) {
				depth--; /* beyond the remembered levels: by count */
				continue;
			}
			/* The innermost opener of this kind closes, and all above it. */
			while (d > 0 && (int)((kinds[(d - 1) / 64] >> ((d - 1) % 64)) & 1) != want)
				d--;
			if (d == 0)
				continue; /* no opener of this kind: part of the value */
			depth = d - 1;
			if (depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

static unsigned hex4_value(const char *p)
{
	unsigned v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else
			v |= (unsigned)(c - 'A' + 10);
	}
	return v;
}

static size_t utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

const char *gcb_json_decode_string(const char *p, const char *end, char *out, size_t out_size,
				   size_t *out_len)
{
	scan_t sc = {(const unsigned char *)p, (const unsigned char *)end, NULL, 0, 0};
	const char *stop = string(&sc) == 0 ? (const char *)sc.p : NULL;
	size_t n = 0;

	if (stop == NULL)
		return NULL;
	for (p++; p < stop - 1;) {
		char tmp[4];
		size_t k = 1;

		if (*p != '\\') {
			tmp[0] = *p++;
		} else {
			char e = p[1];

			p += 2;
			switch (e) {
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case 'u': {
				unsigned cp = hex4_value(p);

				p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && stop - 1 - p >= 6 &&
				    p[0] == '\\' && p[1] == 'u') {
					unsigned lo = hex4_value(p + 2);

					if (lo >= 0xDC00 && lo < 0xE000) {
						cp =
						    0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						p += 6;
					}
				}
				k = utf8_put(tmp, cp);
				break;
			}
			default:
				tmp[0] = e;
				break;
			}
		}
		if (n + k > out_size)
			return NULL;
		memcpy(out + n, tmp, k);
		n += k;
	}
	*out_len = n;
	return stop;
}

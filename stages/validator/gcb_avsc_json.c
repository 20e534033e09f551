/*
 * Strict JSON syntax check (RFC 8259) run before cJSON parses a schema.
 *
 * cJSON is lenient: it takes numbers such as 015 or 1. and strings holding
 * raw control characters or invalid UTF-8. The raw schema text is what gets
 * registered with the Schema Registry, whose strict parser would refuse it
 * later, at run time; so it is refused here, with the exact position.
 */
#include "stages/validator/gcb_avsc_internal.h"

#include <errno.h>

#define JSON_DEPTH_MAX 1000 /* cJSON's own nesting limit */

struct jscan {
	const unsigned char *p;
	const unsigned char *end;
	const char *why;
};

static int fail(struct jscan *s, const char *why)
{
	s->why = why;
	return -1;
}

static void skip_ws(struct jscan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int literal(struct jscan *s, const char *word)
{
	for (; *word; word++, s->p++) {
		if (s->p >= s->end || *s->p != (unsigned char)*word)
			return fail(s, "unknown literal (expected true, false or null)");
	}
	return 0;
}

static int is_digit(struct jscan *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static int number(struct jscan *s)
{
	if (*s->p == '-')
		s->p++;
	if (!is_digit(s))
		return fail(s, "invalid number");
	if (*s->p == '0') {
		s->p++;
		if (is_digit(s))
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

static int hex4(struct jscan *s, unsigned *v)
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
static int utf8(struct jscan *s)
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

static int string(struct jscan *s)
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
		if (*s->p >= 0x80) {
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

static int value(struct jscan *s, int depth);

static int container(struct jscan *s, int depth)
{
	int obj = *s->p == '{';
	char close = obj ? '}' : ']';

	if (depth >= JSON_DEPTH_MAX)
		return fail(s, "nested too deeply");
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		return 0;
	}
	for (;;) {
		if (obj) {
			skip_ws(s);
			if (s->p >= s->end || *s->p != '"')
				return fail(s, "expected a member name in double quotes");
			if (string(s))
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return fail(s, "expected ':' after a member name");
			s->p++;
		}
		if (value(s, depth + 1))
			return -1;
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

static int value(struct jscan *s, int depth)
{
	int err;

	skip_ws(s);
	if (s->p >= s->end)
		return fail(s, "unexpected end of text");
	switch (*s->p) {
	case '{':
	case '[':
		err = container(s, depth);
		break;
	case '"':
		err = string(s);
		break;
	case 't':
		err = literal(s, "true");
		break;
	case 'f':
		err = literal(s, "false");
		break;
	case 'n':
		err = literal(s, "null");
		break;
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			err = number(s);
		else
			err = fail(s, "expected a JSON value");
		break;
	}
	if (err)
		return -1;
	skip_ws(s);
	return 0;
}

int gcb_avsc_json_check(const char *text, size_t len, size_t *err_off, const char **why)
{
	struct jscan s = {(const unsigned char *)text, (const unsigned char *)text + len, NULL};

	if (len >= 3 && (unsigned char)text[0] == 0xEF && (unsigned char)text[1] == 0xBB &&
	    (unsigned char)text[2] == 0xBF) {
		*err_off = 0;
		*why = "byte order mark before the JSON text";
		return -EINVAL;
	}
	if (value(&s, 0) == 0 && s.p != s.end)
		fail(&s, "text after the JSON value");
	if (s.why) {
		*err_off = (size_t)(s.p - (const unsigned char *)text);
		if (*err_off > len)
			*err_off = len;
		*why = s.why;
		return -EINVAL;
	}
	return 0;
}

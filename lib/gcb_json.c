#include "lib/gcb_json.h"

#include <stdint.h>
#include <string.h>

const char *gcb_json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *skip_string(const char *p, const char *end)
{
	p++; /* opening quote */
	while (p < end) {
		unsigned char c = (unsigned char)*p;

		if (c == '"')
			return p + 1;
		if (c < 0x20)
			return NULL;
		if (c == '\\') {
			if (++p >= end)
				return NULL;
			switch (*p) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p++;
				break;
			case 'u':
				if (end - p < 5 || !is_hex(p[1]) || !is_hex(p[2]) ||
				    !is_hex(p[3]) || !is_hex(p[4]))
					return NULL;
				p += 5;
				break;
			default:
				return NULL;
			}
			continue;
		}
		p++;
	}
	return NULL;
}

static const char *skip_digits(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p == s ? NULL : p;
}

static const char *skip_number(const char *p, const char *end)
{
	if (*p == '-')
		p++;
	if (p >= end)
		return NULL;
	if (*p == '0')
		p++;
	else if ((p = skip_digits(p, end)) == NULL)
		return NULL;
	if (p < end && *p == '.' && (p = skip_digits(p + 1, end)) == NULL)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if ((p = skip_digits(p, end)) == NULL)
			return NULL;
	}
	return p;
}

static const char *skip_literal(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0)
		return NULL;
	return p + n;
}

static const char *skip_value(const char *p, const char *end, int depth);

static const char *skip_container(const char *p, const char *end, int depth)
{
	char close = *p == '{' ? '}' : ']';
	int object = *p == '{';

	if (depth >= GCB_JSON_MAX_DEPTH)
		return NULL;
	p = gcb_json_skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (object) {
			if (p >= end || *p != '"' || (p = skip_string(p, end)) == NULL)
				return NULL;
			p = gcb_json_skip_ws(p, end);
			if (p >= end || *p != ':')
				return NULL;
			p = gcb_json_skip_ws(p + 1, end);
		}
		if ((p = skip_value(p, end, depth + 1)) == NULL)
			return NULL;
		p = gcb_json_skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = gcb_json_skip_ws(p + 1, end);
	}
}

static const char *skip_value(const char *p, const char *end, int depth)
{
	if (p >= end)
		return NULL;
	switch (*p) {
	case '{':
	case '[':
		return skip_container(p, end, depth);
	case '"':
		return skip_string(p, end);
	case 't':
		return skip_literal(p, end, "true");
	case 'f':
		return skip_literal(p, end, "false");
	case 'n':
		return skip_literal(p, end, "null");
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return skip_number(p, end);
		return NULL;
	}
}

const char *gcb_json_skip_value(const char *p, const char *end)
{
	return skip_value(p, end, 0);
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

static unsigned hex4(const char *p)
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
	const char *stop = skip_string(p, end);
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
				unsigned cp = hex4(p);

				p += 4;
				if (cp >= 0xD800 && cp < 0xDC00 && stop - 1 - p >= 6 &&
				    p[0] == '\\' && p[1] == 'u') {
					unsigned lo = hex4(p + 2);

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

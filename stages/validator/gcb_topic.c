#include "stages/validator/gcb_topic.h"

#include <string.h>

const char *gcb_topic_segment(const char *topic, unsigned idx, size_t *len)
{
	const char *s = topic, *dot;

	for (unsigned i = 0; i < idx; i++) {
		s = strchr(s, '.');
		if (!s)
			return NULL;
		s++;
	}
	dot = strchr(s, '.');
	*len = dot ? (size_t)(dot - s) : strlen(s);
	return *len ? s : NULL;
}

unsigned gcb_topic_nsegments(const char *s)
{
	unsigned n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits, exactly len bytes. */
static int is_uuid(const char *s, size_t len)
{
	if (len != 36)
		return 0;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i])) {
			return 0;
		}
	}
	return 1;
}

void gcb_topic_split(const char *topic, const char **family, size_t *family_len, const char **id,
		     size_t *id_len, const char **kind, size_t *kind_len)
{
	const char *s = topic, *dot, *last;
	size_t n;

	*family = *id = *kind = NULL;
	*family_len = *id_len = *kind_len = 0;
	for (;;) {
		dot = strchr(s, '.');
		n = dot ? (size_t)(dot - s) : strlen(s);
		if (is_uuid(s, n)) {
			if (s > topic) {
				*family = topic;
				*family_len = (size_t)(s - topic) - 1;
			}
			*id = s;
			*id_len = n;
			if (dot && dot[1]) {
				*kind = dot + 1;
				*kind_len = strlen(dot + 1);
			}
			return;
		}
		if (!dot)
			break;
		s = dot + 1;
	}
	last = strrchr(topic, '.');
	if (last) {
		*family = topic;
		*family_len = (size_t)(last - topic);
		*kind = last + 1;
		*kind_len = strlen(last + 1);
	} else if (*topic) {
		*kind = topic;
		*kind_len = strlen(topic);
	}
}

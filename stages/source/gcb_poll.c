#include "stages/source/gcb_poll.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_array.h"
#include "lib/gcb_json.h"

void gcb_poll_result_init(gcb_poll_result_t *res)
{
	memset(res, 0, sizeof(*res));
}

void gcb_poll_result_fini(gcb_poll_result_t *res)
{
	free(res->events);
	memset(res, 0, sizeof(*res));
}

static int push_span(gcb_poll_result_t *res, size_t off, size_t len)
{
	int rc = GCB_ARRAY_RESERVE(res->events, res->cap, res->n_events + 1, 256, 0);

	if (rc != 0)
		return rc;
	res->events[res->n_events].off = (uint32_t)off;
	res->events[res->n_events].len = (uint32_t)len;
	res->n_events++;
	return 0;
}

static int key_is(const char *k, const char *kend, const char *name)
{
	size_t n = strlen(name);

	return (size_t)(kend - k) == n + 2 && memcmp(k + 1, name, n) == 0;
}

static int parse_events(gcb_poll_result_t *res, const char *body, const char **pp, const char *end,
			char *errstr, size_t errstr_size)
{
	const char *p = *pp;

	if (*p != '[') {
		snprintf(errstr, errstr_size, "\"events\" is not an array");
		return -EBADMSG;
	}
	res->n_events = 0;
	p = gcb_json_skip_ws(p + 1, end);
	if (p < end && *p == ']') {
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		/* Delimited, not validated: the validator judges the event. */
		const char *v;
		int rc;

		/* An empty element ("[a,,b]", "[a,]") holds no event: skipping it
		 * loses nothing, refusing it would stall the stream. */
		if (p < end && (*p == ',' || *p == ']')) {
			if (*p == ']') {
				*pp = p + 1;
				return 0;
			}
			p = gcb_json_skip_ws(p + 1, end);
			continue;
		}
		v = gcb_json_delimit(p, end);
		if (v == NULL) {
			snprintf(errstr, errstr_size, "event %zu has no end (torn at byte %zu)",
				 res->n_events, (size_t)(p - body));
			return -EBADMSG;
		}
		if ((rc = push_span(res, (size_t)(p - body), (size_t)(v - p))) != 0)
			return rc;
		p = gcb_json_skip_ws(v, end);
		if (p < end && *p == ']') {
			*pp = p + 1;
			return 0;
		}
		if (p >= end || *p != ',') {
			snprintf(errstr, errstr_size, "\"events\" array malformed at byte %zu",
				 (size_t)(p - body));
			return -EBADMSG;
		}
		p = gcb_json_skip_ws(p + 1, end);
	}
}

int gcb_poll_parse(gcb_poll_result_t *res, const char *body, size_t len, char *errstr,
		   size_t errstr_size)
{
	const char *end = body + len, *p;
	int have_events = 0, have_cursor = 0, rc;

	res->n_events = 0;
	res->cursor_len = 0;
	res->cursor[0] = '\0';
	res->has_more = 0;
	res->raw_answer = 0;
	if (len > UINT32_MAX) {
		snprintf(errstr, errstr_size, "answer too large");
		return -EBADMSG;
	}
	p = body;
	/* A UTF-8 byte order mark is not part of the JSON text (RFC 8259 §8.1). */
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	p = gcb_json_skip_ws(p, end);
	if (p >= end || *p != '{') {
		snprintf(errstr, errstr_size, "answer is not a JSON object");
		return -EBADMSG;
	}
	p = gcb_json_skip_ws(p + 1, end);
	if (p < end && *p == '}')
		goto done;
	for (;;) {
		const char *k = p, *kend;

		/* Keys are matched on their raw bytes: an escaped key is simply unknown. */
		if (p >= end || *p != '"') {
			snprintf(errstr, errstr_size, "malformed object key at byte %zu",
				 (size_t)(p - body));
			return -EBADMSG;
		}
		kend = gcb_json_skip_value(p, end);
		if (kend == NULL) {
			snprintf(errstr, errstr_size, "malformed object key at byte %zu",
				 (size_t)(p - body));
			return -EBADMSG;
		}
		p = gcb_json_skip_ws(kend, end);
		if (p >= end || *p != ':') {
			snprintf(errstr, errstr_size, "missing ':' at byte %zu",
				 (size_t)(p - body));
			return -EBADMSG;
		}
		p = gcb_json_skip_ws(p + 1, end);
		if (p >= end) {
			snprintf(errstr, errstr_size, "truncated answer");
			return -EBADMSG;
		}
		if ((key_is(k, kend, "events") && have_events) ||
		    (key_is(k, kend, "cursor") && have_cursor)) {
			/* Ambiguous: JSON parsers disagree on which one wins. */
			snprintf(errstr, errstr_size, "duplicate key at byte %zu",
				 (size_t)(k - body));
			return -EBADMSG;
		}
		if (key_is(k, kend, "events")) {
			if ((rc = parse_events(res, body, &p, end, errstr, errstr_size)) != 0)
				return rc;
			have_events = 1;
		} else if (key_is(k, kend, "cursor") && *p == '"') {
			const char *v = gcb_json_decode_string(
			    p, end, res->cursor, sizeof(res->cursor) - 1, &res->cursor_len);

			if (v == NULL) {
				if (gcb_json_skip_value(p, end) != NULL) {
					snprintf(errstr, errstr_size, "cursor longer than %d bytes",
						 GCB_POLL_CURSOR_MAX - 1);
					return -ENAMETOOLONG;
				}
				snprintf(errstr, errstr_size, "malformed cursor");
				return -EBADMSG;
			}
			res->cursor[res->cursor_len] = '\0';
			have_cursor = 1;
			p = v;
		} else if (key_is(k, kend, "hasMore") && (*p == 't' || *p == 'f')) {
			const char *v = gcb_json_skip_value(p, end);

			if (v == NULL) {
				snprintf(errstr, errstr_size, "malformed hasMore");
				return -EBADMSG;
			}
			res->has_more = *p == 't';
			p = v;
		} else {
			/* A member gcbridge does not read: only its end matters. */
			const char *v = gcb_json_delimit(p, end);

			if (v == NULL) {
				snprintf(errstr, errstr_size, "malformed value at byte %zu",
					 (size_t)(p - body));
				return -EBADMSG;
			}
			p = v;
		}
		p = gcb_json_skip_ws(p, end);
		if (p < end && *p == '}')
			break;
		if (p >= end || *p != ',') {
			snprintf(errstr, errstr_size, "malformed object at byte %zu",
				 (size_t)(p - body));
			return -EBADMSG;
		}
		p = gcb_json_skip_ws(p + 1, end);
	}
	p++;
done:
	if (gcb_json_skip_ws(p, end) != end) {
		snprintf(errstr, errstr_size, "trailing bytes after the answer");
		return -EBADMSG;
	}
	if (!have_events) {
		snprintf(errstr, errstr_size, "answer has no \"events\" array");
		return -EBADMSG;
	}
	if (!have_cursor || res->cursor_len == 0) {
		/* An empty cursor would mean "from the oldest event" next time:
		 * an endless re-read, not a position. */
		snprintf(errstr, errstr_size, "answer has no (or an empty) \"cursor\" string");
		return -EBADMSG;
	}
	return 0;
}

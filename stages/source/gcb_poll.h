/*
 * Parser of a poll answer, {"events":[...],"cursor":"...","hasMore":bool}
 * (docs/genesys-api.md). Events are not decoded: each is located as a byte span of
 * the response body, so the ring receives exactly the bytes the server sent.
 * Spans live in a growable array reused across polls (it grows to the
 * largest answer once, then never allocates again).
 */
#ifndef GCB_FETCHER_POLL_H
#define GCB_FETCHER_POLL_H

#include <stddef.h>
#include <stdint.h>

#define GCB_POLL_CURSOR_MAX 1024

typedef struct gcb_poll_span {
	uint32_t off;
	uint32_t len;
} gcb_poll_span_t;

typedef struct gcb_poll_result {
	gcb_poll_span_t *events;
	size_t n_events;
	size_t cap;
	char cursor[GCB_POLL_CURSOR_MAX]; /* decoded, NUL-terminated */
	size_t cursor_len;
	int has_more;
	int raw_answer; /* the one "event" is a whole unreadable answer (GCB_REC_F_RAW_ANSWER) */
} gcb_poll_result_t;

void gcb_poll_result_init(gcb_poll_result_t *res);
void gcb_poll_result_fini(gcb_poll_result_t *res);

/*
 * Parses body (len bytes). 0 on success; -EBADMSG when the body is not a
 * valid answer (not JSON, no cursor, events not an array), -ENAMETOOLONG for
 * a cursor longer than GCB_POLL_CURSOR_MAX - 1, -ENOMEM. errstr says why.
 * Elements of "events" are delimited, not validated (gcb_json_delimit()):
 * whatever is inside one, invalid JSON or any nesting depth, goes to the
 * ring as received and the validator decides. Only the answer's framing
 * (not an object, no "events" array, an element without an end, no cursor)
 * fails the answer.
 */
int gcb_poll_parse(gcb_poll_result_t *res, const char *body, size_t len, char *errstr,
		   size_t errstr_size);

#endif

/*
 * Allocation-free JSON scanning: the one validating scanner of gcbridge, for
 * the poll answer's framing and for schema texts (gcb_json_check).
 *
 * Two ways to find where a value ends:
 *  - gcb_json_skip_value() validates the value (RFC 8259 grammar, nesting
 *    limited to GCB_JSON_MAX_DEPTH): for the answer's own small members;
 *  - gcb_json_delimit() only delimits it: no validation, no depth limit, no
 *    recursion. What is inside an event is the validator's business, so an
 *    event is delimited, never judged, here (a problem with one event is
 *    that event's problem, not the answer's).
 */
#ifndef GCB_JSON_H
#define GCB_JSON_H

#include <stddef.h>

#define GCB_JSON_MAX_DEPTH   64
#define GCB_JSON_KIND_LEVELS 4096 /* levels whose bracket kind delimit remembers */

/* First non-whitespace byte at or after p (end when none). */
const char *gcb_json_skip_ws(const char *p, const char *end);

/* Validates the value starting exactly at p (RFC 8259 grammar, bytes >= 0x80
 * as they are); returns the byte after it, or NULL. */
const char *gcb_json_skip_value(const char *p, const char *end);

/*
 * Returns the byte after the value starting exactly at p, or NULL when its
 * end cannot be found before end (a torn value, or no value at all). Strings
 * are skipped escape-aware; outside strings, brackets are matched by kind:
 * a closer whose opener is deeper pops down to it, a closer with no opener
 * is part of the (invalid) value. Any depth: the first GCB_JSON_KIND_LEVELS
 * levels are matched by kind, deeper ones by count. A bare token (number,
 * literal, garbage) ends at whitespace or a structural character.
 */
const char *gcb_json_delimit(const char *p, const char *end);

/*
 * Decodes the string literal starting at p ('"') into out (UTF-8, not
 * NUL-terminated unless room is left; *out_len bytes). Returns the byte after
 * the closing quote, or NULL when malformed or longer than out_size.
 */
const char *gcb_json_decode_string(const char *p, const char *end, char *out, size_t out_size,
				   size_t *out_len);

/*
 * Strict check of a whole JSON text: RFC 8259, every string valid UTF-8 (RFC
 * 3629) with paired surrogate escapes, no leading zeros, no byte order mark,
 * nesting below max_depth. 0, or -EINVAL with the offset of the first
 * problem in *err_off and its reason (a static string) in *why.
 */
int gcb_json_check(const char *text, size_t len, int max_depth, size_t *err_off,
		   const char **why);

#endif

/*
 * A strict, allocation-free JSON scanner: validates a value in place and
 * tells where it ends, so the poll parser can hand each event's exact bytes
 * to the ring without building a tree (RFC 8259 grammar; nesting limited).
 */
#ifndef GCB_FETCHER_JSON_H
#define GCB_FETCHER_JSON_H

#include <stddef.h>

#define GCB_JSON_MAX_DEPTH 64

/* First non-whitespace byte at or after p (end when none). */
const char *gcb_json_skip_ws(const char *p, const char *end);

/* Validates the value starting exactly at p; returns the byte after it, or NULL. */
const char *gcb_json_skip_value(const char *p, const char *end);

/*
 * Decodes the string literal starting at p ('"') into out (UTF-8, not
 * NUL-terminated unless room is left; *out_len bytes). Returns the byte after
 * the closing quote, or NULL when malformed or longer than out_size.
 */
const char *gcb_json_decode_string(const char *p, const char *end, char *out, size_t out_size,
				   size_t *out_len);

#endif

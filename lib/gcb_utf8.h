/*
 * UTF-8 well-formedness (RFC 3629): what a JSON string must be before it
 * goes into Avro, and what a WebSocket text message or close reason must be
 * (RFC 6455 section 8.1). Mostly ASCII input is checked eight bytes at a time.
 */
#ifndef GCB_UTF8_H
#define GCB_UTF8_H

#include <stddef.h>

/* 1 when s[0..len) is well-formed UTF-8: no overlongs, surrogates or code points above U+10FFFF. */
int gcb_utf8_valid(const char *s, size_t len);

#endif

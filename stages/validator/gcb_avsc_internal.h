/*
 * Helpers shared by the gcb_avsc_*.c files; not part of the public API.
 */
#ifndef GCB_AVSC_INTERNAL_H
#define GCB_AVSC_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/gcb_buf.h"
#include "stages/validator/gcb_avsc.h"

/* A gcb_buf whose "oom" sticks once an allocation failed, so a long chain of
 * appends needs one check at its end. */
typedef struct gcb_avsc_buf {
	gcb_buf_t b;
	int oom;
} gcb_avsc_buf_t;

void gcb_avsc_buf_init(gcb_avsc_buf_t *b);
void gcb_avsc_buf_fini(gcb_avsc_buf_t *b);
void gcb_avsc_buf_append(gcb_avsc_buf_t *b, const char *s, size_t n);
void gcb_avsc_buf_puts(gcb_avsc_buf_t *b, const char *s);
__attribute__((format(printf, 2, 3))) void gcb_avsc_buf_printf(gcb_avsc_buf_t *b, const char *fmt,
							       ...);
/* Appends s as a JSON string literal, escaping only what JSON requires. */
void gcb_avsc_buf_json_string(gcb_avsc_buf_t *b, const char *s);
/* Cuts the string back to len (a length saved earlier). */
void gcb_avsc_buf_truncate(gcb_avsc_buf_t *b, size_t len);
/* The string, never NULL ("" before the first append or after OOM). */
const char *gcb_avsc_buf_str(const gcb_avsc_buf_t *b);

/* Path segments: "fields.<name>", "items", "values", "[i]". */
void gcb_avsc_path_push(gcb_avsc_buf_t *path, const char *seg);
void gcb_avsc_path_push_index(gcb_avsc_buf_t *path, size_t i);

/*
 * Nesting allowed in a schema text, cJSON's own limit. The text is checked
 * strictly (lib/gcb_json.h: gcb_json_check) before cJSON parses it: cJSON
 * takes numbers such as 015 or 1. and strings holding raw control characters
 * or invalid UTF-8, but the raw text is what the Schema Registry gets, whose
 * strict parser would refuse it later, at run time; so it is refused at
 * load, with the exact position.
 */
#define GCB_AVSC_JSON_DEPTH_MAX 1000

/* Lint checks that run on a fully built model (defaults need the whole graph:
 * a record's default may reach a record defined later in the text). */
void gcb_avsc_lint_defaults(const gcb_avsc_t *s, gcb_avsc_problems_t *pr);
/* Whether v is a valid default for t; on failure a reason is put in why. */
int gcb_avsc_default_valid(const cJSON *v, const gcb_avsc_node_t *t, gcb_avsc_buf_t *why);
/* Checks node->logical_type against the node (obj is its JSON object). */
void gcb_avsc_lint_logical(const gcb_avsc_node_t *node, const cJSON *obj, const char *path,
			   gcb_avsc_problems_t *pr);

/* Type for messages: "record 'a.B'" or "int". */
void gcb_avsc_describe(gcb_avsc_buf_t *b, const gcb_avsc_node_t *n);

/* Whether d holds an integer exactly (no fraction, finite). */
int gcb_avsc_is_integral(double d);

#endif

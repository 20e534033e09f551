/*
 * The libavro-c schema of a linted model (gcb_avsc_t), built with libavro-c's
 * constructors: the schema text is parsed once per load (by the linter), not
 * a second time by libavro-c's own JSON parser.
 *
 * The only gcb_avsc_* file that needs libavro-c, so it is not part of
 * GCB_AVSC_SRCS (gcb-schema links cJSON alone): the validator links it.
 */
#ifndef GCB_AVSC_AVRO_H
#define GCB_AVSC_AVRO_H

#include <stddef.h>

#include <avro.h>

#include "stages/validator/gcb_avsc.h"

/*
 * Builds into *out the schema avro_schema_from_json_length() would give for
 * the text s was parsed from: the same types, names, namespaces, field and
 * branch order; a named type appears in full where the text defines it and
 * as an avro_schema_link() wherever it is referenced again. libavro-c knows
 * no defaults, logical types, aliases or doc, so none are carried over.
 * The caller owns *out (avro_schema_decref). On error returns a negative
 * errno, leaves *out NULL and writes the reason (naming the libavro-c call)
 * to errstr.
 */
int gcb_avsc_to_avro(const gcb_avsc_t *s, avro_schema_t *out, char *errstr, size_t errstr_size);

#endif

/*
 * Backward compatibility (Avro 1.11 specification, "Schema Resolution"):
 * can every datum written with the old schema be read with the new one?
 * The old schema is the writer's, the new one the reader's.
 *
 * libavro-c's own resolver is not used: it rejects a reader field that is
 * missing from the writer even when the field has a default.
 */
#ifndef GCB_AVSC_COMPAT_H
#define GCB_AVSC_COMPAT_H

#include "stages/validator/gcb_avsc.h"

/*
 * Checks that data written with old_schema can be read with new_schema.
 * Returns 0 when it can; -EINVAL when it cannot, with each incompatibility
 * (path in the new schema, reason) appended to *problems; -ENOMEM.
 */
int gcb_avsc_compat_check(const gcb_avsc_t *old_schema, const gcb_avsc_t *new_schema,
			  gcb_avsc_problems_t *problems);

#endif

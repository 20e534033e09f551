/*
 * libFuzzer target for the schema linter: any bytes must parse or be
 * rejected cleanly. A schema that passes lint must also canonicalise and be
 * backward compatible with itself (every resolution rule is reflexive).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "stages/validator/gcb_avsc.h"
#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_avsc_compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;
	char *form = NULL;
	uint64_t fp;

	gcb_avsc_problems_init(&pr);
	if (gcb_avsc_parse((const char *)data, size, &s, &pr) == 0) {
		if (pr.n != 0 || gcb_avsc_canonical(s, &form) != 0 ||
		    gcb_avsc_fingerprint(s, &fp) != 0)
			abort();
		if (gcb_avsc_compat_check(s, s, &pr) != 0)
			abort();
		free(form);
		gcb_avsc_destroy(s);
	} else if (pr.n == 0 && !pr.oom) {
		abort(); /* rejected without a reason */
	}
	gcb_avsc_problems_fini(&pr);
	return 0;
}

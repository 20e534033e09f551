/*
 * libFuzzer target for the schema linter: any bytes must parse or be
 * rejected with a reason. A schema that passes lint must also canonicalise
 * and be backward compatible with itself (every resolution rule is
 * reflexive). Text that passes the strict JSON check must parse with cJSON.
 * An input "OLD|||NEW" also runs the compatibility check on the
 * two halves, both ways.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/validator/gcb_avsc.h"
#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_avsc_compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gcb_avsc_t *lint(const char *text, size_t len)
{
	gcb_avsc_problems_t pr;
	gcb_avsc_t *s = NULL;
	char *form = NULL;
	uint64_t fp;

	gcb_avsc_problems_init(&pr);
	if (gcb_avsc_parse(text, len, &s, &pr) == 0) {
		if (pr.n != 0 || gcb_avsc_canonical(s, &form) != 0 ||
		    gcb_avsc_fingerprint(s, &fp) != 0)
			abort();
		if (gcb_avsc_compat_check(s, s, &pr) != 0)
			abort();
		free(form);
	} else if (pr.n == 0 && !pr.oom) {
		abort(); /* rejected without a reason */
	} else if (pr.n && strncmp(pr.v[0].reason, "invalid JSON at ", 16) == 0 &&
		   strstr(pr.v[0].reason, "): rejected by cJSON")) {
		abort(); /* the strict JSON check let through what cJSON refuses */
	}
	gcb_avsc_problems_fini(&pr);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *sep = memmem(text, size, "|||", 3);
	gcb_avsc_t *a, *b;

	if (!sep) {
		gcb_avsc_destroy(lint(text, size));
		return 0;
	}
	a = lint(text, (size_t)(sep - text));
	b = lint(sep + 3, size - (size_t)(sep - text) - 3);
	if (a && b) {
		gcb_avsc_problems_t pr;
		int err;

		gcb_avsc_problems_init(&pr);
		err = gcb_avsc_compat_check(a, b, &pr);
		if (err == -EINVAL && pr.n == 0 && !pr.dropped)
			abort(); /* incompatible without a reason */
		gcb_avsc_problems_fini(&pr);
		gcb_avsc_problems_init(&pr);
		gcb_avsc_compat_check(b, a, &pr);
		gcb_avsc_problems_fini(&pr);
	}
	gcb_avsc_destroy(a);
	gcb_avsc_destroy(b);
	return 0;
}

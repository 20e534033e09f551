/* Spool positions: "<seg>:<off>" text, as stored in the checkpoint. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "stages/spool/gcb_spool.h"

int gcb_spool_pos_format(gcb_spool_pos_t pos, char *buf, size_t size)
{
	return snprintf(buf, size, "%" PRIu64 ":%" PRIu64, pos.seg, pos.off);
}

/* Strict: decimal digits only, no sign, no spaces, no overflow. */
static const char *parse_u64(const char *p, uint64_t *v)
{
	const char *start = p;

	*v = 0;
	while (*p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');

		if (*v > (UINT64_MAX - d) / 10)
			return NULL;
		*v = *v * 10 + d;
		p++;
	}
	return p == start || p - start > 20 ? NULL : p;
}

int gcb_spool_pos_parse(const char *text, gcb_spool_pos_t *pos)
{
	gcb_spool_pos_t v;
	const char *p;

	if (text == NULL || (p = parse_u64(text, &v.seg)) == NULL || *p != ':')
		return -EINVAL;
	if ((p = parse_u64(p + 1, &v.off)) == NULL || *p != '\0')
		return -EINVAL;
	*pos = v;
	return 0;
}

int gcb_spool_pos_cmp(gcb_spool_pos_t a, gcb_spool_pos_t b)
{
	if (a.seg != b.seg)
		return a.seg < b.seg ? -1 : 1;
	if (a.off != b.off)
		return a.off < b.off ? -1 : 1;
	return 0;
}

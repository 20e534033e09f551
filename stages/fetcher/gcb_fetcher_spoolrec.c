#include "stages/fetcher/gcb_fetcher_spoolrec.h"

#include <errno.h>

size_t gcb_spoolrec_header(int type, int has_more, unsigned char hdr[GCB_SPOOLREC_HDR_MAX])
{
	hdr[0] = (unsigned char)type;
	if (type != GCB_SPOOLREC_END)
		return 1;
	hdr[1] = has_more ? '1' : '0';
	return 2;
}

int gcb_spoolrec_decode(const void *buf, size_t len, size_t cursor_max, gcb_spoolrec_t *rec)
{
	const char *p = buf;

	if (len < 1)
		return -EBADMSG;
	rec->type = (unsigned char)p[0];
	rec->has_more = 0;
	switch (rec->type) {
	case GCB_SPOOLREC_BEGIN:
		rec->data = p + 1;
		rec->len = len - 1;
		break;
	case GCB_SPOOLREC_EVENT:
		if (len < 2)
			return -EBADMSG;
		rec->data = p + 1;
		rec->len = len - 1;
		return 0;
	case GCB_SPOOLREC_END:
		if (len < 2 || (p[1] != '0' && p[1] != '1'))
			return -EBADMSG;
		rec->has_more = p[1] == '1';
		rec->data = p + 2;
		rec->len = len - 2;
		break;
	default:
		return -EBADMSG;
	}
	return rec->len >= cursor_max ? -ENAMETOOLONG : 0;
}

/*
 * The one libcurl body sink (CURLOPT_WRITEFUNCTION): appends to a gcb_buf_t
 * bounded by its max. No libcurl include is needed: the callback's
 * signature is plain C, so programs that only need the sink do not link the
 * client.
 */
#include "lib/gcb_http.h"

#include <errno.h>

size_t gcb_http_sink(char *ptr, size_t size, size_t nmemb, void *arg)
{
	gcb_http_sink_t *s = arg;
	size_t n = size * nmemb;
	int rc = gcb_buf_append(&s->body, ptr, n);

	if (rc == -EFBIG)
		s->overflow = 1;
	return rc == 0 ? n : 0;
}

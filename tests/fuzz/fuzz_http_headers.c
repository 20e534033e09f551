/*
 * libFuzzer target for the response headers the fetcher acts on
 * (gcb_http_header_line: inin-correlation-id, inin-ratelimit-*,
 * X-RateLimit-Remaining, Retry-After in seconds or as an HTTP date): the
 * bytes are cut into lines at '\n' and handed over one by one, as libcurl
 * does. The captured values stay in range: counts and waits are -1 (absent
 * or unusable) or non-negative, and the correlation id, which goes into log
 * lines as it is, is a terminated run of printable characters without
 * quotes or backslashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_http.h"

static void check(const gcb_http_resp_t *r)
{
	const char *end = memchr(r->correlation_id, '\0', sizeof(r->correlation_id));

	if (end == NULL || end == r->correlation_id)
		abort();
	for (const char *c = r->correlation_id; c < end; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f || *c == '"' ||
		    *c == '\\')
			abort();
	if (r->rl_allowed < -1 || r->rl_count < -1 || r->rl_reset_s < -1 || r->rl_remaining < -1 ||
	    r->retry_after_ms < -1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gcb_http_resp_t r;
	size_t off = 0;

	memset(&r, 0, sizeof(r));
	gcb_http_header_line(&r, "HTTP/1.1 200 OK\r\n", 17);
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t n = nl != NULL ? (size_t)(nl - (data + off)) + 1 : size - off;
		char *line = malloc(n);

		/* An exact-size copy: a read past the line is a sanitizer report. */
		if (line == NULL)
			return 0;
		memcpy(line, data + off, n);
		gcb_http_header_line(&r, line, n);
		free(line);
		check(&r);
		off += n;
	}
	return 0;
}

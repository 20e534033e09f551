/*
 * libFuzzer target for the bodies the login and API servers answer: the
 * first byte chooses. Even: an OAuth token answer to gcb_token_parse(); an
 * accepted token is non-empty, within the buffer, and free of anything
 * that could split the Authorization header line, with a renewal before
 * its expiry. Odd: an error body to gcb_errbody_parse() with a secret to
 * keep out of the log; code and message are printable ASCII, terminated,
 * and never contain the secret.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stages/source/gcb_errbody.h"
#include "stages/source/gcb_token.h"
#include "lib/gcb_log.h"

#define SECRET "s3cr3t-Value"

static void printable(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);

	if (end == NULL)
		abort();
	for (; s < end; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gcb_token_t t;
	static int quiet;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;

	if (size == 0)
		return 0;
	if (!quiet) {
		gcb_log_setup("fuzz", GCB_LOG_ERROR, GCB_LOG_LOGFMT);
		quiet = 1;
	}
	if (data[0] % 2 == 0) {
		gcb_token_init(&t, NULL, "https://login.example", "id", SECRET, 60, 1000, NULL);
		if (gcb_token_parse(&t, body, len, 1000) == 0) {
			size_t n = strnlen(t.access, sizeof(t.access));

			if (n == 0 || n == sizeof(t.access))
				abort();
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)t.access[i] <= 0x20 ||
				    (unsigned char)t.access[i] >= 0x7f)
					abort();
			if (t.renew_ns > t.expires_ns || t.expires_ns <= t.obtained_ns)
				abort();
		} else if (t.access[0] != '\0') {
			abort();
		}
		gcb_token_fini(&t);
	} else {
		const char *secrets[] = {SECRET, NULL, ""};
		gcb_errbody_t eb;

		memset(&eb, 0x55, sizeof(eb));
		gcb_errbody_parse(&eb, body, len, secrets, 3);
		printable(eb.code, sizeof(eb.code));
		printable(eb.message, sizeof(eb.message));
		if (strstr(eb.code, SECRET) != NULL || strstr(eb.message, SECRET) != NULL)
			abort();
	}
	return 0;
}

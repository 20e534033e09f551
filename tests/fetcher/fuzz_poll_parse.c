/*
 * libFuzzer target for the poll-answer parser and its JSON scanner. When the
 * parser accepts a body, cJSON must accept it too, every event span must be
 * a complete JSON value on its own, and the decoded cursor must equal
 * cJSON's. (The converse does not hold: cJSON is more lenient.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stages/source/gcb_poll.h"

/*
 * A \uD800-\uDFFF escape: the JSON grammar accepts unpaired surrogates,
 * cJSON rejects them. Known and harmless difference: the fetcher forwards
 * such an event, the validator rejects it.
 */
static int has_surrogate_escape(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 3 < n; i++)
		if (d[i] == '\\' && d[i + 1] == 'u' && (d[i + 2] == 'd' || d[i + 2] == 'D') &&
		    strchr("89abcdefABCDEF", d[i + 3]) != NULL && d[i + 3] != '\0')
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static gcb_poll_result_t res;
	char err[160];
	cJSON *root, *ev;

	if (gcb_poll_parse(&res, (const char *)data, size, err, sizeof(err)) != 0)
		return 0;
	if (has_surrogate_escape(data, size))
		return 0;
	root = cJSON_ParseWithLength((const char *)data, size);
	if (root == NULL)
		abort();
	for (size_t i = 0; i < res.n_events; i++) {
		ev = cJSON_ParseWithLength((const char *)data + res.events[i].off,
					   res.events[i].len);
		if (ev == NULL)
			abort();
		cJSON_Delete(ev);
	}
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "cursor");

		/* cJSON stops at a NUL a \u0000 escape decodes to; compare only then. */
		if (cJSON_IsString(c) && memchr(res.cursor, 0, res.cursor_len) == NULL &&
		    (strlen(c->valuestring) != res.cursor_len ||
		     memcmp(c->valuestring, res.cursor, res.cursor_len) != 0))
			abort();
	}
	cJSON_Delete(root);
	return 0;
}

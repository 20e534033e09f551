#include "stages/source/gcb_errbody.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#define ERRBODY_MAX_PARSE (64u << 10)

int gcb_errbody_has_secret(const char *text, size_t len, const char *const *secrets, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		size_t sl;

		if (secrets[i] == NULL || (sl = strlen(secrets[i])) == 0)
			continue;
		if (memmem(text, len, secrets[i], sl) != NULL)
			return 1;
	}
	return 0;
}

static void copy_printable(char *dst, size_t size, const char *src)
{
	size_t k = 0;

	for (; *src != '\0' && k + 1 < size; src++) {
		unsigned char c = (unsigned char)*src;

		dst[k++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	dst[k] = '\0';
}

static const char *str_item(const cJSON *o, const char *a, const char *b)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, a);

	if (!cJSON_IsString(it) && b != NULL)
		it = cJSON_GetObjectItemCaseSensitive(o, b);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

void gcb_errbody_parse(gcb_errbody_t *eb, const char *body, size_t len, const char *const *secrets,
		       unsigned n)
{
	cJSON *root;
	const char *s;

	eb->code[0] = '\0';
	eb->message[0] = '\0';
	if (body == NULL || len == 0)
		return;
	if (gcb_errbody_has_secret(body, len, secrets, n)) {
		snprintf(eb->code, sizeof(eb->code), "withheld");
		snprintf(eb->message, sizeof(eb->message),
			 "error body withheld: it contains a credential");
		return;
	}
	if (len > ERRBODY_MAX_PARSE || (root = cJSON_ParseWithLength(body, len)) == NULL) {
		snprintf(eb->message, sizeof(eb->message), "non-JSON error body of %zu bytes", len);
		return;
	}
	if ((s = str_item(root, "code", "error")) != NULL)
		copy_printable(eb->code, sizeof(eb->code), s);
	if ((s = str_item(root, "message", "error_description")) != NULL ||
	    (s = str_item(root, "description", NULL)) != NULL)
		copy_printable(eb->message, sizeof(eb->message), s);
	cJSON_Delete(root);
}

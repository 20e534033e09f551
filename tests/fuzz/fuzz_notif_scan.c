/*
 * libFuzzer target for the notification message scan
 * (stages/notif/gcb_notif_scan.c): the bytes as one WebSocket text message.
 * A name found is NUL-terminated inside the output buffer; when cJSON reads
 * the message as an object whose only top-level "topicName" is a string
 * without escapes, the scan finds exactly that name.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "stages/notif/gcb_notif_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[256];
	const cJSON *item, *t = NULL;
	cJSON *root;
	int rc, n = 0;

	memset(out, 0x55, sizeof(out));
	rc = gcb_notif_topic_name((const char *)data, size, out, sizeof(out));
	if (rc == 0 && memchr(out, '\0', sizeof(out)) == NULL)
		abort();
	if (rc != 0 && rc != -ENOENT && rc != -EBADMSG)
		abort();
	if (rc != 0 || memchr(data, '\\', size) != NULL || memchr(data, '\0', size) != NULL)
		return 0;
	root = cJSON_ParseWithLength((const char *)data, size);
	if (cJSON_IsObject(root)) {
		cJSON_ArrayForEach(item, root)
		{
			if (item->string != NULL && strcmp(item->string, "topicName") == 0) {
				t = item;
				n++;
			}
		}
		if (n == 1 && cJSON_IsString(t) && strcmp(t->valuestring, out) != 0)
			abort();
	}
	cJSON_Delete(root);
	return 0;
}

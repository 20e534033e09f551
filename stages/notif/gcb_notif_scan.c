/* The top-level topicName of a notification, found without allocating. */
#include "stages/notif/gcb_notif_scan.h"

#include <errno.h>
#include <string.h>

#include "lib/gcb_json.h"

int gcb_notif_topic_name(const char *msg, size_t len, char *out, size_t size)
{
	const char *p = msg, *end = msg + len;
	char key[16];
	size_t kl, tl;

	p = gcb_json_skip_ws(p, end);
	if (p == end || *p != '{')
		return -EBADMSG;
	p = gcb_json_skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return -ENOENT;
	while (p < end) {
		const char *q;
		int is_topic;

		if (*p != '"')
			return -EBADMSG;
		q = gcb_json_decode_string(p, end, key, sizeof(key), &kl);
		is_topic = q != NULL && kl == 9 && memcmp(key, "topicName", 9) == 0;
		if (q == NULL && (q = gcb_json_skip_value(p, end)) == NULL)
			return -EBADMSG;
		p = gcb_json_skip_ws(q, end);
		if (p == end || *p != ':')
			return -EBADMSG;
		p = gcb_json_skip_ws(p + 1, end);
		if (p == end)
			return -EBADMSG;
		if (is_topic) {
			if (*p != '"' || gcb_json_decode_string(p, end, out, size - 1, &tl) == NULL)
				return -EBADMSG;
			out[tl] = '\0';
			return 0;
		}
		if ((q = gcb_json_delimit(p, end)) == NULL)
			return -EBADMSG;
		p = gcb_json_skip_ws(q, end);
		if (p == end)
			return -EBADMSG;
		if (*p == '}')
			return -ENOENT;
		if (*p != ',')
			return -EBADMSG;
		p = gcb_json_skip_ws(p + 1, end);
	}
	return -EBADMSG;
}

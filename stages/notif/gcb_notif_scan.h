/*
 * Finds the top-level "topicName" of a notification message by scanning
 * the object in place (lib/gcb_json.h): no tree, no allocation, nested
 * objects skipped whole, so a "topicName" inside eventBody never counts.
 */
#ifndef GCB_NOTIF_SCAN_H
#define GCB_NOTIF_SCAN_H

#include <stddef.h>

/*
 * Copies the decoded topic name of msg into out (NUL-terminated). 0;
 * -ENOENT when the object has none; -EBADMSG when msg is not a JSON object,
 * the name is not a string or longer than size - 1.
 */
int gcb_notif_topic_name(const char *msg, size_t len, char *out, size_t size);

#endif

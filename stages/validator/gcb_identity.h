/*
 * An event's identity read from its raw bytes, for events the parser could
 * not turn into a document (not JSON, nested too deep, cut short): the
 * dead-letter record still says which event it was.
 *
 * The scan is bounded (it reads at most `limit` bytes), tolerant (it never
 * fails, it only finds less), iterative (any nesting depth) and does not
 * allocate. It reads top-level string members and the string members of
 * the top-level objects "data", "eventBody" and "metadata"; values with
 * escapes or longer than GCB_IDENTITY_VALUE_MAX are ignored, so a value is
 * always the exact bytes between its quotes.
 */
#ifndef GCB_IDENTITY_H
#define GCB_IDENTITY_H

#include <stddef.h>

#define GCB_IDENTITY_VALUE_MAX 256
#define GCB_IDENTITY_SCAN_MAX  (64u << 10) /* bytes read by default */

typedef struct gcb_ident_str {
	const char *p; /* into the scanned bytes; NULL when absent */
	size_t len;
} gcb_ident_str_t;

typedef struct gcb_identity {
	gcb_ident_str_t id;		 /* "id" */
	gcb_ident_str_t entity_type;	 /* "entityType" */
	gcb_ident_str_t event_type;	 /* "eventType" */
	gcb_ident_str_t entity_id;	 /* "entityId" */
	gcb_ident_str_t topic_name;	 /* "topicName" (notifications) */
	gcb_ident_str_t correlation_id;	 /* "metadata"."CorrelationId" */
	gcb_ident_str_t conversation_id; /* "data"/"eventBody"."conversationId" */
	gcb_ident_str_t user_id;	 /* "data"."userId" */
	gcb_ident_str_t body_id;	 /* "eventBody"."id" */
} gcb_identity_t;

/* Fills id from the first min(len, limit) bytes of json. */
void gcb_identity_scan(gcb_identity_t *id, const char *json, size_t len, size_t limit);

/* The event id: "id", else metadata.CorrelationId. */
gcb_ident_str_t gcb_identity_event_id(const gcb_identity_t *id);

/*
 * The key the event's good siblings would have: entityId, else the
 * conversation id, else data.userId, else eventBody.id.
 */
gcb_ident_str_t gcb_identity_key(const gcb_identity_t *id);

#endif

#include "stages/validator/gcb_identity.h"

#include <string.h>

enum parent { P_NONE, P_DATA, P_EVENT_BODY, P_METADATA };

typedef struct ident_key {
	const char *name;
	int parent;
	size_t off; /* of the gcb_ident_str_t in gcb_identity_t */
} ident_key_t;

#define AT(field) offsetof(gcb_identity_t, field)

static const ident_key_t keys[] = {
    {"id", P_NONE, AT(id)},
    {"entityType", P_NONE, AT(entity_type)},
    {"eventType", P_NONE, AT(event_type)},
    {"entityId", P_NONE, AT(entity_id)},
    {"topicName", P_NONE, AT(topic_name)},
    {"CorrelationId", P_METADATA, AT(correlation_id)},
    {"conversationId", P_DATA, AT(conversation_id)},
    {"userId", P_DATA, AT(user_id)},
    {"conversationId", P_EVENT_BODY, AT(conversation_id)},
    {"id", P_EVENT_BODY, AT(body_id)},
};

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int same(const char *p, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(p, name, len) == 0;
}

/* The closing quote of the string whose content starts at p, or NULL. */
static const char *string_close(const char *p, const char *end)
{
	for (const char *from = p;;) {
		const char *q = memchr(from, '"', (size_t)(end - from));
		const char *b;

		if (q == NULL)
			return NULL;
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if (((q - b) & 1) == 0)
			return q;
		from = q + 1;
	}
}

static int parent_of(const char *k, size_t len)
{
	if (same(k, len, "data"))
		return P_DATA;
	if (same(k, len, "eventBody"))
		return P_EVENT_BODY;
	if (same(k, len, "metadata"))
		return P_METADATA;
	return P_NONE;
}

static void take(gcb_identity_t *id, int parent, const char *k, size_t klen, const char *v,
		 size_t vlen)
{
	if (vlen == 0 || vlen > GCB_IDENTITY_VALUE_MAX || memchr(v, '\\', vlen) != NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		gcb_ident_str_t *s = (gcb_ident_str_t *)((char *)id + keys[i].off);

		/* The first occurrence wins, as it does for the validator's parser. */
		if (keys[i].parent == parent && s->p == NULL && same(k, klen, keys[i].name)) {
			s->p = v;
			s->len = vlen;
			return;
		}
	}
}

void gcb_identity_scan(gcb_identity_t *id, const char *json, size_t len, size_t limit)
{
	const char *p = json, *end = json + (len < limit ? len : limit);
	const char *key = NULL;
	size_t key_len = 0, depth = 0;
	int parent = P_NONE, after_colon = 0;

	memset(id, 0, sizeof(*id));
	while (p < end && is_ws(*p))
		p++;
	if (p >= end || *p != '{')
		return; /* not an object: nothing names it */
	while (p < end) {
		char c = *p;

		if (c == '"') {
			const char *s = p + 1, *q = string_close(s, end);

			if (q == NULL)
				return;
			p = q + 1;
			if (after_colon) {
				/* A string value at the levels that carry identity. */
				if (key != NULL && (depth == 1 || (depth == 2 && parent != P_NONE)))
					take(id, depth == 1 ? P_NONE : parent, key, key_len, s,
					     (size_t)(q - s));
				after_colon = 0;
				continue;
			}
			while (p < end && is_ws(*p))
				p++;
			if (p < end && *p == ':') {
				key = s;
				key_len = (size_t)(q - s);
				after_colon = 1;
				p++;
			}
			continue;
		}
		switch (c) {
		case '{':
		case '[':
			if (depth == 1)
				parent = c == '{' && after_colon && key != NULL
					     ? parent_of(key, key_len)
					     : P_NONE;
			depth++;
			key = NULL;
			after_colon = 0;
			break;
		case '}':
		case ']':
			if (depth <= 1)
				return;
			depth--;
			key = NULL;
			after_colon = 0;
			break;
		default:
			if (!is_ws(c))
				after_colon = 0; /* ',' or a number or literal */
			break;
		}
		p++;
	}
}

gcb_ident_str_t gcb_identity_event_id(const gcb_identity_t *id)
{
	return id->id.p != NULL ? id->id : id->correlation_id;
}

gcb_ident_str_t gcb_identity_key(const gcb_identity_t *id)
{
	if (id->entity_id.p != NULL)
		return id->entity_id;
	if (id->conversation_id.p != NULL)
		return id->conversation_id;
	if (id->user_id.p != NULL)
		return id->user_id;
	return id->body_id;
}

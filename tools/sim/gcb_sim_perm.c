#include "tools/sim/gcb_sim_perm.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

const char *gcb_sim_perm_required(const char *t)
{
	size_t len = strlen(t);

	if (!strncmp(t, "v2.routing.queues.", 18))
		return "routing:queue:view";
	if (!strncmp(t, "v2.detail.events.", 17))
		return "analytics:conversationDetail:view";
	if (!strncmp(t, "v2.users.", 9)) {
		if (len > 9 && strstr(t + 9, ".presence") != NULL)
			return "presence:userPresence:view";
		if (len > 9 &&
		    (strstr(t + 9, ".routingStatus") != NULL || strstr(t + 9, ".activity") != NULL))
			return "routing:agent:view";
		return "conversation:communication:view";
	}
	return "";
}

int gcb_sim_perm_missing(const char *missing, const char *perm)
{
	size_t n = strlen(perm);

	for (const char *s = missing; s != NULL && *s;) {
		const char *comma = strchr(s, ',');
		size_t l = comma ? (size_t)(comma - s) : strlen(s);

		if (l == n && n > 0 && !strncmp(s, perm, n))
			return 1;
		s = comma ? comma + 1 : NULL;
	}
	return 0;
}

int gcb_sim_perm_refused(const char *t, double rate, const char *missing)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	if (gcb_sim_perm_missing(missing, gcb_sim_perm_required(t)))
		return 1;
	if (rate <= 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	h ^= h >> 33;
	return (double)(h % 1000000) / 1e6 < rate;
}

static void family(cJSON *arr, const char *id, const char *example, const char *desc, int ws)
{
	cJSON *e = cJSON_CreateObject(), *l;

	cJSON_AddStringToObject(e, "id", id);
	cJSON_AddStringToObject(e, "description", desc);
	l = cJSON_AddArrayToObject(e, "requiresPermissions");
	cJSON_AddItemToArray(l, cJSON_CreateString(gcb_sim_perm_required(example)));
	cJSON_AddBoolToObject(e, "requiresDivisionPermissions", 1);
	cJSON_AddStringToObject(e, "visibility", "Public");
	l = cJSON_AddArrayToObject(e, "transports");
	if (ws) {
		cJSON_AddItemToArray(l, cJSON_CreateString("All"));
	} else {
		cJSON_AddItemToArray(l, cJSON_CreateString("EventBridge"));
		cJSON_AddItemToArray(l, cJSON_CreateString("ProcessAutomation"));
	}
	l = cJSON_AddArrayToObject(e, "topicParameters");
	cJSON_AddItemToArray(l, cJSON_CreateString("id"));
	cJSON_AddItemToArray(arr, e);
}

cJSON *gcb_sim_perm_available(int detail_ws)
{
	static const char *const users[] = {"conversations", "presence", "routingStatus",
					    "activity"};
	static const char *const details[] = {
	    "customer.start", "customer.end", "user.start", "user.end",
	    "acd.start",      "acd.end",      "acw",	    "wrapup"};
	cJSON *j = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(j, "entities");
	char id[128], ex[128];

	family(arr, "v2.routing.queues.{id}.conversations", "v2.routing.queues.x.conversations",
	       "Conversations in a queue", 1);
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		snprintf(id, sizeof(id), "v2.users.{id}.%s", users[i]);
		snprintf(ex, sizeof(ex), "v2.users.x.%s", users[i]);
		family(arr, id, ex, "A user's state", 1);
	}
	for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
		snprintf(id, sizeof(id), "v2.detail.events.conversation.{id}.%s", details[i]);
		family(arr, id, "v2.detail.events.x", "Conversation detail events", detail_ws);
	}
	return j;
}

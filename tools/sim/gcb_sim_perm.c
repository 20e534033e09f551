#include "tools/sim/gcb_sim_perm.h"

#include <stdint.h>
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
		if (len > 9 && (strstr(t + 9, ".routingStatus") != NULL ||
				strstr(t + 9, ".activity") != NULL))
			return "routing:agent:view";
		return "conversation:communication:view";
	}
	return "";
}

int gcb_sim_perm_refused(const char *t, double rate)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	if (rate <= 0)
		return 0;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	h ^= h >> 33;
	return (double)(h % 1000000) / 1e6 < rate;
}

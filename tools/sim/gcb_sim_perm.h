/*
 * Permissions of the simulated OAuth client (GENESYS.md C): which topic
 * family needs which permission, and which topics the client may not see.
 * A topic is refused when a hash of its name falls under the
 * subscribe-reject-rate fault, so the same topic is refused on every
 * attempt and by every process, as a missing role would be.
 */
#ifndef GCB_SIM_PERM_H
#define GCB_SIM_PERM_H

#include <cjson/cJSON.h>

/* The permission topic @t requires (a static string; "" for unknown families). */
const char *gcb_sim_perm_required(const char *t);

/*
 * 1 when the client lacks the permission @t requires: it is in @missing
 * (comma-separated), or the topic falls under the reject @rate (0..1).
 */
int gcb_sim_perm_refused(const char *t, double rate, const char *missing);

/* 1 when @perm is in the comma-separated @missing. */
int gcb_sim_perm_missing(const char *missing, const char *perm);

/*
 * GET /api/v2/notifications/availabletopics: an AvailableTopicEntityListing
 * of the families the simulator serves, with requiresPermissions and
 * transports; the detail-event families list WebSocket only when
 * @detail_ws. A new cJSON object, the caller's.
 */
cJSON *gcb_sim_perm_available(int detail_ws);

#endif

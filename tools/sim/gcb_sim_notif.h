/*
 * The notification service of docs/genesys-api.md as the simulator serves it
 * (docs/notifications.md, "Simulator (gcb-sim) additions"): channels (at most
 * GCB_SIM_NOTIF_CHANNELS for the one OAuth client; the next evicts the
 * oldest), topic subscriptions checked against the org, channel expiry, one
 * WebSocket per channel (gcb_sim_ws.c), publishing of data messages to
 * subscribed channels, the /admin/notify actions, and the sent log.
 *
 * One mutex (the hub lock) guards the channels; a socket is reached only
 * through its channel under that lock, and each socket has its own lock for
 * its queue (hub lock first, then socket lock).
 */
#ifndef GCB_SIM_NOTIF_H
#define GCB_SIM_NOTIF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/sim/gcb_sim_auth.h"
#include "tools/sim/gcb_sim_fault.h"
#include "tools/sim/gcb_sim_notif_reply.h"
#include "tools/sim/gcb_sim_notif_set.h"
#include "tools/sim/gcb_sim_org.h"
#include "tools/sim/gcb_sim_ws.h"

#define GCB_SIM_NOTIF_CHANNELS 20
#define GCB_SIM_NOTIF_TOPICS   1000

typedef struct gcb_sim_notif_conf {
	uint64_t seed;
	gcb_sim_ws_conf_t ws;
	double closing_grace_s; /* socket-closing: close this long after the notice */
	size_t sent_max;	/* bytes of sent log kept */
} gcb_sim_notif_conf_t;

/* Borrows @org, @auth and @faults (they must outlive the hub). */
gcb_sim_notif_t *gcb_sim_notif_new(const gcb_sim_notif_conf_t *conf, gcb_sim_org_t *org,
				   gcb_sim_auth_t *auth, gcb_sim_faults_t *faults, char *errstr,
				   size_t errstr_size);
/* Closes every socket and waits (at most 10 s) for their threads. */
void gcb_sim_notif_stop(gcb_sim_notif_t *n);
void gcb_sim_notif_destroy(gcb_sim_notif_t *n);

/* /api/v2/notifications/... (after the bearer check). */
int gcb_sim_notif_api(gcb_sim_notif_t *n, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp);
/* POST /admin/notify?action=&channel=, GET /admin/notify/sent. */
int gcb_sim_notif_admin(gcb_sim_notif_t *n, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp);
/* Adds the hub's counters to the JSON object @stats. */
void gcb_sim_notif_stats(gcb_sim_notif_t *n, cJSON *stats);

/* WebSocket GET /channels/<id>: 1 when the channel exists. */
int gcb_sim_notif_ws_exists(gcb_sim_notif_t *n, const char *id);
/*
 * Brackets a 101 answer until its request completes: the client may see the
 * 101 before the socket is attached, so admin actions first wait (at most
 * 2 s) for upgrades in flight, and a test can act right after connecting.
 */
void gcb_sim_notif_ws_upgrading(gcb_sim_notif_t *n, int delta);
/* Serves an upgraded socket for channel @id; < 0: the caller closes @urh. */
int gcb_sim_notif_ws_attach(gcb_sim_notif_t *n, const char *id, int fd,
			    struct MHD_UpgradeResponseHandle *urh, const char *extra,
			    size_t extra_len);

/*
 * Sends {"topicName","version":"2","eventBody":@body,"metadata"} to every
 * channel subscribed to @topic; @key (conversation or user id) goes into
 * the sent log.
 */
void gcb_sim_notif_publish(gcb_sim_notif_t *n, const char *topic, const char *key, const char *body,
			   size_t len);
/* Appends every published data message to @f, one per line (NULL: stop). */
void gcb_sim_notif_record(gcb_sim_notif_t *n, FILE *f);
void gcb_sim_notif_record_flush(gcb_sim_notif_t *n);

/* Calls @fn for each channel with a socket, under the hub lock. */
typedef void (*gcb_sim_notif_socket_fn)(void *arg, gcb_sim_ws_t *ws,
					const gcb_sim_strset_t *topics);
void gcb_sim_notif_each_socket(gcb_sim_notif_t *n, gcb_sim_notif_socket_fn fn, void *arg);

/*
 * Sends every message of @path (a gcb_sim_notif_record file) to each
 * channel subscribed to its topic, framed up front and written in large
 * writes (gcb_sim_notif_replay.c): a sender that is not the limit.
 * *messages: messages queued over all channels. 0 or a negative errno.
 */
int gcb_sim_notif_replay(gcb_sim_notif_t *n, const char *path, uint64_t *messages);

/* 1 when some channel is subscribed to @topic (saves building a body). */
int gcb_sim_notif_wanted(gcb_sim_notif_t *n, const char *topic);
/* Expires channels whose time has come. */
void gcb_sim_notif_tick(gcb_sim_notif_t *n);

/* Callbacks of the socket threads (gcb_sim_ws.c). */
void gcb_sim_notif_ws_message(gcb_sim_notif_t *n, gcb_sim_ws_t *ws, const char *msg, size_t len);
void gcb_sim_notif_ws_sent(gcb_sim_notif_t *n, const char *line);
void gcb_sim_notif_ws_heartbeat(gcb_sim_notif_t *n);
void gcb_sim_notif_ws_stalled(gcb_sim_notif_t *n);
void gcb_sim_notif_ws_detach(gcb_sim_notif_t *n, gcb_sim_ws_t *ws);
void gcb_sim_notif_ws_done(gcb_sim_notif_t *n);

/* Unix ms -> "2026-11-27T10:15:30.123Z". */
void gcb_sim_notif_iso(int64_t ms, char out[32]);
/* Parses an ISO-8601 date-time (Z, +hh:mm or none = UTC) into Unix ms. */
int gcb_sim_notif_parse_iso(const char *s, size_t len, int64_t *ms);
int64_t gcb_sim_notif_now_ms(void);

#endif

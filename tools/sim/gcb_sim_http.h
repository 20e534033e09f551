/*
 * The simulator's HTTP server (libmicrohttpd, one thread per connection so a
 * long poll blocks only its own connection): the OAuth token endpoint, the
 * event-stream API, the org, notification and analytics APIs (all in
 * docs/genesys-api.md; WebSocket upgrades included), and the /admin API.
 */
#ifndef GCB_SIM_HTTP_H
#define GCB_SIM_HTTP_H

#include <stdio.h>

#include "tools/sim/gcb_sim_analytics.h"
#include "tools/sim/gcb_sim_auth.h"
#include "tools/sim/gcb_sim_fault.h"
#include "tools/sim/gcb_sim_notif.h"
#include "tools/sim/gcb_sim_notif_gen.h"
#include "tools/sim/gcb_sim_org.h"
#include "tools/sim/gcb_sim_store.h"
#include "tools/sim/gcb_sim_stream.h"

typedef struct gcb_sim_http_conf {
	int port; /* 0 = ephemeral; the address is always 127.0.0.1 */
	uint64_t seed;
	int ratelimit_allowed;
	int ratelimit_window_s;
	int ratelimit_enforce;
	int x_ratelimit_remaining; /* also send X-RateLimit-Remaining */
	int max_connections;
	FILE *served_log;  /* not owned; may be NULL */
	FILE *request_log; /* not owned; may be NULL */
	/* The notification source (docs/notifications.md); borrowed, may be NULL. */
	gcb_sim_org_t *org;
	gcb_sim_notif_t *notif;
	gcb_sim_analytics_t *analytics;
	gcb_sim_notif_gen_t *notif_gen;
} gcb_sim_http_conf_t;

typedef struct gcb_sim_server gcb_sim_server_t;

/* Starts serving at once. The other objects are borrowed and must outlive it. */
gcb_sim_server_t *gcb_sim_server_new(const gcb_sim_http_conf_t *conf, gcb_sim_store_t *store,
				     gcb_sim_streams_t *streams, gcb_sim_auth_t *auth,
				     gcb_sim_faults_t *faults, char *errstr, size_t errstr_size);
int gcb_sim_server_port(gcb_sim_server_t *s);
/* Stops accepting, waits for in-flight requests, flushes the logs. */
void gcb_sim_server_destroy(gcb_sim_server_t *s);
void gcb_sim_server_flush(gcb_sim_server_t *s);

#endif

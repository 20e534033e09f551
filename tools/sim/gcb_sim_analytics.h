/*
 * Analytics conversation details (docs/genesys-api.md) over the conversations the
 * notification traffic generates: a bounded store of every conversation
 * (--notify-retention), asynchronous jobs (QUEUED -> PENDING -> FULFILLED,
 * or FAILED, then EXPIRED) with cursor-paged results, and the synchronous
 * query with pageSize/pageNumber. A conversation belongs to an interval when
 * [conversationStart, conversationEnd] overlaps it; a running conversation
 * (no end yet) counts as ending now. The data-availability watermark
 * (jobs/availability, and every results page) is now - analytics-lag-ms; a
 * job fulfilled while the lake lags misses the conversations that started
 * after the watermark, as the real data lake does. Thread-safe (one mutex).
 */
#ifndef GCB_SIM_ANALYTICS_H
#define GCB_SIM_ANALYTICS_H

#include <stddef.h>
#include <stdint.h>

#include "tools/sim/gcb_sim_fault.h"
#include "tools/sim/gcb_sim_notif_reply.h"

enum {
	GCB_SIM_MEDIA_VOICE,
	GCB_SIM_MEDIA_CHAT,
	GCB_SIM_MEDIA_EMAIL,
	GCB_SIM_MEDIA_MESSAGE,
	GCB_SIM_MEDIA_CALLBACK,
	GCB_SIM_MEDIA_N
};

/* One generated conversation as analytics reports it. Times are Unix ms; 0 = not yet. */
typedef struct gcb_sim_conv {
	char id[37];
	char queue_id[37], queue_name[48], user_id[37];
	char cust_pid[37], acd_pid[37], agent_pid[37];
	char cust_sid[37], acd_sid[37], agent_sid[37];
	char ani[24], dnis[24];
	char wrapup_code[24];
	uint8_t media, outbound, abandoned;
	int64_t start_ms;  /* customer.start, acd.start */
	int64_t answer_ms; /* acd.end; user.start unless abandoned */
	int64_t hangup_ms; /* user.end, customer.end */
	int64_t end_ms;	   /* after wrap-up: conversationEnd */
} gcb_sim_conv_t;

typedef struct gcb_sim_analytics_conf {
	uint64_t seed;
	uint64_t retention; /* conversations kept */
	int page_size;	    /* job result page */
	int job_ttl_s;	    /* jobs expire after this long */
} gcb_sim_analytics_conf_t;

typedef struct gcb_sim_analytics gcb_sim_analytics_t;

/* Borrows @faults. */
gcb_sim_analytics_t *gcb_sim_analytics_new(const gcb_sim_analytics_conf_t *conf,
					   gcb_sim_faults_t *faults, char *errstr,
					   size_t errstr_size);
void gcb_sim_analytics_destroy(gcb_sim_analytics_t *a);

/* Stores a new conversation; returns its sequence number for updates. */
uint64_t gcb_sim_analytics_add(gcb_sim_analytics_t *a, const gcb_sim_conv_t *c);
/* Replaces conversation @seq (ignored when it fell out of retention). */
void gcb_sim_analytics_update(gcb_sim_analytics_t *a, uint64_t seq, const gcb_sim_conv_t *c);

/* /api/v2/analytics/conversations/details/... (after the bearer check). */
int gcb_sim_analytics_api(gcb_sim_analytics_t *a, const gcb_sim_request_t *rq, gcb_sim_reply_t *rp);
/* GET /admin/notify/conversations: every stored conversation. */
int gcb_sim_analytics_list(gcb_sim_analytics_t *a, gcb_sim_reply_t *rp);
void gcb_sim_analytics_stats(gcb_sim_analytics_t *a, cJSON *stats);

#endif

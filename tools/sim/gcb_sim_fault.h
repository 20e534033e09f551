/*
 * Fault injection. Every fault is a named setting, the same name on the
 * command line (--fault-NAME=VALUE) and in the admin API
 * (POST /admin/faults?NAME=VALUE&...), so tests can switch faults mid-run.
 * All randomness comes from a generator seeded by --seed.
 */
#ifndef GCB_SIM_FAULT_H
#define GCB_SIM_FAULT_H

#include <pthread.h>
#include <stddef.h>

#include "tools/sim/gcb_sim_rand.h"

typedef struct gcb_sim_fault_conf {
	int every_429;	  /* every Nth API request starts a 429 storm; 0 = off */
	double rate_429;  /* probability that a request starts a 429 storm */
	int storm_429;	  /* consecutive 429s per storm (>= 1) */
	int retry_after;  /* Retry-After seconds; < 0 = header omitted */
	double rate_5xx;  /* probability of a 5xx */
	double rate_401;  /* probability a valid token is refused (API calls only) */
	int codes_5xx[8]; /* picked uniformly */
	int ncodes_5xx;
	int delay_ms;	       /* extra latency */
	double delay_rate;     /* probability a request is delayed */
	double garbage_rate;   /* 200 poll answer with a truncated/garbage body */
	double rate_410;       /* poll answers 410 cursor.expired (window advanced) */
	double bad_event_rate; /* generated events made schema-invalid */
	double drift_rate;     /* generated events with schema drift */
	int poll_only;	       /* request faults hit only polls (not token/streams) */
	/* Notification source (docs/sim.md): settings more than faults, kept
	 * here so that tests change them like faults. */
	int channel_ttl_s;	      /* lifetime of channels created from now on */
	int analytics_429_every;      /* every Nth analytics request answers 429 */
	int analytics_fail_every;     /* every Nth analytics job ends FAILED */
	int analytics_job_delay_ms;   /* QUEUED -> PENDING -> FULFILLED over this long */
	int analytics_lag_ms;	      /* data-availability watermark = now - this */
	double subscribe_reject_rate; /* share of topics the client lacks a permission for */
	int channel_outlives_token;   /* 1: channels live on after their creating token expires */
	int detail_events_eventbridge_only; /* availabletopics: detail events not over WebSocket */
	char missing_permissions[256];	    /* comma-separated: the client's role lacks them */
} gcb_sim_fault_conf_t;

typedef struct gcb_sim_fault_decision {
	int delay_ms;
	int status; /* 0, 429 or 5xx */
	int retry_after;
	int garbage;
	int expire;
	int unauth; /* answer 401 although the token is valid */
} gcb_sim_fault_decision_t;

typedef struct gcb_sim_faults {
	pthread_mutex_t lock;
	gcb_sim_fault_conf_t conf;
	gcb_sim_rand_t rnd;
	unsigned long requests;
	int storm_left;
} gcb_sim_faults_t;

void gcb_sim_faults_init(gcb_sim_faults_t *f, uint64_t seed);
void gcb_sim_faults_fini(gcb_sim_faults_t *f);
/* Resets every fault to off. */
void gcb_sim_faults_reset(gcb_sim_faults_t *f);

/* Sets fault @name (without "fault-") to @value; -EINVAL / -ENOENT with a reason. */
int gcb_sim_faults_set(gcb_sim_faults_t *f, const char *name, const char *value, char *errstr,
		       size_t errstr_size);

/* Decides the faults of one API request (@is_token: the OAuth endpoint). */
void gcb_sim_faults_decide(gcb_sim_faults_t *f, int is_poll, int is_token,
			   gcb_sim_fault_decision_t *d);
/* Garbles a 200 body in place: truncates it or replaces it; returns the new length. */
size_t gcb_sim_faults_garble(gcb_sim_faults_t *f, char *body, size_t len, size_t cap);

/* Current settings as a JSON object. */
int gcb_sim_faults_json(gcb_sim_faults_t *f, char *buf, size_t size);
void gcb_sim_faults_get(gcb_sim_faults_t *f, gcb_sim_fault_conf_t *conf);

/* The names accepted by gcb_sim_faults_set, for --help. */
extern const char *const gcb_sim_fault_help;

#endif

/*
 * The event log with its retention window. Positions are absolute event
 * indexes from 0; the window holds [tail, head). A cursor is an opaque
 * encoding of the position of the next event to consider.
 *
 * Generation is driven two ways: with rate > 0 a ticker thread generates
 * events on the wall clock; with rate 0 a poll that reaches the head generates
 * what it needs on demand, as fast as the client reads. Both stop after
 * the configured count; /admin/generate adds events regardless.
 */
#ifndef GCB_SIM_STORE_H
#define GCB_SIM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/sim/gcb_sim_filter.h"
#include "tools/sim/gcb_sim_gen.h"

#define GCB_SIM_CURSOR_MAX 32

typedef struct gcb_sim_store_conf {
	gcb_sim_gen_conf_t gen;
	uint64_t retention; /* events kept */
	double rate;	    /* events/s; 0 = on demand */
	int64_t count;	    /* events to generate; < 0 = unlimited */
	double bad_rate;
	double drift_rate;
	FILE *events_log; /* not owned; may be NULL */
} gcb_sim_store_conf_t;

typedef struct gcb_sim_store gcb_sim_store_t;

typedef struct gcb_sim_poll {
	/* in */
	const gcb_sim_filter_t *filter;
	int has_cursor;
	uint64_t cursor;
	int limit;
	int timeout_ms;
	int want_served; /* fill served with served-log lines */
	/* out; body and served are malloc'ed, owned by the caller */
	char *body;
	size_t body_len;
	char *served;
	size_t served_len;
	int count;
} gcb_sim_poll_t;

gcb_sim_store_t *gcb_sim_store_new(const gcb_sim_store_conf_t *conf, char *errstr,
				   size_t errstr_size);
/* Stops the ticker and wakes every waiting poll. */
void gcb_sim_store_stop(gcb_sim_store_t *s);
void gcb_sim_store_destroy(gcb_sim_store_t *s);
int gcb_sim_store_start(gcb_sim_store_t *s, char *errstr, size_t errstr_size);

/*
 * Answers a poll: fills p->body with the complete 200 response body.
 * Returns 0, -ESTALE when the cursor fell out of retention (410), -ERANGE when
 * it is beyond the head, -ECANCELED when the store is stopping, -ENOMEM.
 */
int gcb_sim_store_poll(gcb_sim_store_t *s, gcb_sim_poll_t *p);

/* Drops every retained event before the position @pos (forced expiry). */
void gcb_sim_store_evict_before(gcb_sim_store_t *s, uint64_t pos);
/* Drops the @n oldest retained events. */
void gcb_sim_store_evict(gcb_sim_store_t *s, uint64_t n);
/* Generates @n events now, beyond the configured count. */
void gcb_sim_store_generate(gcb_sim_store_t *s, uint64_t n);
/* Flushes the events log (written under the store lock). */
void gcb_sim_store_flush(gcb_sim_store_t *s);
void gcb_sim_store_set_rates(gcb_sim_store_t *s, double bad_rate, double drift_rate);

typedef struct gcb_sim_store_stats {
	uint64_t head, tail, generated_bad, generated_drift;
	int64_t remaining;
} gcb_sim_store_stats_t;
void gcb_sim_store_stats(gcb_sim_store_t *s, gcb_sim_store_stats_t *st);

/*
 * Dumps retained events from position @from (at most @limit) as
 * {"from":N,"next":N,"head":N,"tail":N,"events":[...]} into a malloc'ed body.
 */
int gcb_sim_store_dump(gcb_sim_store_t *s, uint64_t from, int limit, char **body, size_t *len);

void gcb_sim_cursor_encode(uint64_t pos, char out[GCB_SIM_CURSOR_MAX]);
int gcb_sim_cursor_decode(const char *s, uint64_t *pos);

#endif

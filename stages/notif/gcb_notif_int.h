/*
 * The notification source's private state and the helpers its files share.
 * One thread, one poll() loop: every field is touched from that loop only.
 */
#ifndef GCB_NOTIF_INT_H
#define GCB_NOTIF_INT_H

#include <stdint.h>

#include "shm/gcb_counters.h"
#include "stages/notif/gcb_backfill.h"
#include "stages/notif/gcb_drained.h"
#include "stages/notif/gcb_gaps.h"
#include "stages/notif/gcb_notif.h"
#include "stages/notif/gcb_notif_topics.h"
#include "stages/notif/gcb_rate.h"
#include "stages/source/gcb_source.h"
#include "stages/spool/gcb_spool.h"
#include "stages/ws/gcb_ws.h"

#define GCB_NOTIF_MAX_CHANNELS 20
#define GCB_NOTIF_ID_MAX       128
#define GCB_NOTIF_URI_MAX      1024
#define GCB_NOTIF_BATCH_EVENTS 1000
#define GCB_NOTIF_ALIVE_MS     1000 /* alive mark written at most this often */
/* Messages read off one channel per loop turn: then the spool is flushed and
 * the rings fed before reading on, so a sender that never pauses cannot keep
 * them (and the timers) waiting. */
#define GCB_NOTIF_TURN_MESSAGES 1000

struct gcb_notif;

typedef struct gcb_notif_chan {
	struct gcb_notif *n;
	unsigned index;
	int used;		     /* this slot carries a share of the topics */
	char id[GCB_NOTIF_ID_MAX];   /* "" when no channel exists on the server */
	char uri[GCB_NOTIF_URI_MAX]; /* connectUri exactly as returned */
	uint64_t expires_unix_ms;
	/* The token that created the channel: it may take the channel with it. */
	uint64_t token_expires_mono_ms; /* 0 unknown */
	uint64_t token_life_ms;
	gcb_ws_t *ws; /* NULL while disconnected */
	char *topics; /* space-separated, owned */
	unsigned n_topics;
	int dirty;		     /* topics changed since the last subscribe */
	gcb_notif_topics_t rejected; /* refused by the last subscribe, sorted */

	uint64_t last_rx_mono_ms;
	uint64_t last_rx_unix_ms;
	uint64_t ping_sent_mono_ms; /* 0: no ping since the last message */
	uint64_t retry_mono_ms;	    /* next connect attempt while disconnected */
	uint64_t rollover_retry_mono_ms;
	uint64_t gap_id; /* the gap open for this channel, 0 none */
	gcb_backoff_t backoff;

	/* Messages this turn may still take off the socket; 0: no limit (a drain). */
	unsigned budget;

	/* Set by the message handler, acted on by the loop. */
	int want_rollover;
	int want_revoke;
	int want_resubscribe;
	uint64_t event_unix_ms;
} gcb_notif_chan_t;

typedef struct gcb_notif {
	gcb_source_t src; /* endpoints, token, checkpoint, batch writer */
	const gcb_source_conf_t *conf;
	gcb_ring_t *rings;
	unsigned n_rings;

	gcb_notif_topics_t tmpl;   /* configured templates */
	gcb_notif_topics_t topics; /* resolved, sorted */
	uint64_t resolve_mono_ms;  /* next resolution */
	gcb_notif_chan_t chans[GCB_NOTIF_MAX_CHANNELS];
	unsigned n_chans; /* slots 0..n_chans-1; some may be free (!used) between used ones */
	gcb_ws_opts_t ws_opts;
	gcb_rate_t rate; /* the REST budget every request of this source draws on */
	int ever_live;	 /* every channel was live once: topic rejections are no longer fatal */
	int fatal;	 /* the service rejected the configured topics at startup */

	gcb_spool_t *spool;
	uint32_t max_message;
	int spool_full;		     /* reading stopped: the spool reached spool.max_size */
	int paused;		     /* channels closed for spool_full */
	uint64_t spool_syncs;	     /* gcb_spool_stats().syncs already counted */
	uint64_t spool_full_unix_ms; /* the spool-full gap's start */

	gcb_gaps_t gaps;
	int gaps_ready;
	uint64_t startup_gap; /* "not_running" gap, closed once every channel is live */
	gcb_backfill_t *backfill;
	uint64_t backfill_mono_ms; /* next step due */
	uint64_t requests_mono_ms; /* next scan of on-demand backfill requests */
	int requests_stuck;	   /* the gap log failed: requests wait for the next run */

	/* Feed: one batch assembled in scratch, kept until a ring takes it. */
	char *scratch;
	size_t scratch_size;
	size_t scratch_used;
	gcb_poll_result_t batch;
	uint64_t batch_bytes; /* ring bytes the batch takes */
	uint64_t batch_maxrec;
	uint64_t batch_arrival_ms;
	char prev_cursor[GCB_SHM_CURSOR_MAX];
	uint64_t released_seq; /* checkpoint batch whose position the spool released */
	int ring_blocked;      /* the last feed found no room */
	unsigned ring_retry_ms; /* then the next try is this soon (gcb_notif_feed.c) */
	int more_to_read;	/* a channel stopped at its budget: poll without waiting */

	/* The watermark (gcb_notif_watermark.c). */
	gcb_drained_t drained; /* the read turns that drained every live socket */
	uint64_t arrival_seq[GCB_SHM_CURSOR_SLOTS]; /* batch -> its last record's arrival */
	uint64_t arrival_ms[GCB_SHM_CURSOR_SLOTS];

	/* Group coordination: shards of the topic set (gcb_notif_shard.c). */
	gcb_coord_t *coord; /* NULL: every topic is this instance's */
	unsigned n_shards;
	uint64_t shards_owned; /* bit s: shard s is this instance's */
	int shards_changed;    /* re-filter the topics at once */
	uint64_t shard_gap[GCB_COORD_UNITS_MAX];	/* open takeover gap, 0 none */
	uint64_t shard_live_until[GCB_COORD_UNITS_MAX]; /* last live_until stored */
	uint64_t shards_unread;	 /* bit s: owned, the previous owner's state not read yet */
	uint64_t shard_read_mono_ms; /* next try at reading it */
	uint64_t shard_read_wait_ms; /* and the one after that this much later */
	uint64_t shard_put_seq;
	uint64_t shard_put_mono_ms;
} gcb_notif_t;

static inline void gcb_notif_count(gcb_notif_t *n, unsigned idx, uint64_t v)
{
	gcb_counter_add(n->src.counters, idx, v);
}

/* gcb_notif_rest.c: an authorised request on path. 0 with the answer in
 * n->src.api_http.resp, or -errno (-ECANCELED when stopping). */
int gcb_notif_rest(gcb_notif_t *n, const char *method, const char *path, const char *body,
		   size_t len);

/*
 * gcb_notif_rest.c: POST a channel and PUT c's topics on it (deleted again
 * when the subscription fails): 0, -EINVAL (topics rejected), -errno.
 */
int gcb_notif_chan_create(gcb_notif_chan_t *c, char *id, char *uri, uint64_t *expires);
/* PUT c's topics on its channel: 0, -ENOENT (channel gone), -EINVAL, -errno. */
int gcb_notif_chan_subscribe(gcb_notif_chan_t *c);
/* DELETE channel id's subscriptions (there is no DELETE on a channel), best effort. */
void gcb_notif_chan_retire(gcb_notif_t *n, const char *id);

/*
 * gcb_notif_subscribe.c: PUT c's topics on channel id, reading which the
 * service rejected (c->rejected, logged once, the topics_rejected gauge) and
 * narrowing a whole-request 400 down to the offending topics. 0 (some topics
 * may be rejected), -ENOENT (channel gone), -EINVAL, -errno.
 */
int gcb_notif_subscribe(gcb_notif_chan_t *c, const char *id);
/* c no longer carries topics: its rejections are forgotten. */
void gcb_notif_subscribe_forget(gcb_notif_chan_t *c);
/* Marks every channel with rejected topics for a new PUT (at each resolution). */
void gcb_notif_subscribe_retry(gcb_notif_t *n);

/*
 * gcb_notif_avail.c: refuses configured topic families that GET
 * notifications/availabletopics does not list for WebSocket (logged, naming
 * the template and the transports): 0, -EINVAL, -ECANCELED. A listing that
 * cannot be read is logged and not held against the start.
 */
int gcb_notif_avail_check(gcb_notif_t *n);
/* The availabletopics family of topic t: id segments ({…}, uuids) become {id}. */
int gcb_notif_avail_family(const char *t, size_t len, char *out, size_t size);

/* gcb_notif_resolve.c: resolves the topics; at startup retries until done. */
int gcb_notif_resolve(gcb_notif_t *n, int startup);

/* Spreads n->topics over the channel slots, a kept topic staying on its
 * channel (marks changed ones dirty, drops emptied ones). */
int gcb_notif_assign(gcb_notif_t *n);

/* gcb_notif_channel.c */
/* Reads what the socket holds, up to GCB_NOTIF_TURN_MESSAGES messages: 0, or
 * GCB_NOTIF_MORE when it stopped there (call again without waiting), or 1 (spool full). */
int gcb_notif_chan_service(gcb_notif_chan_t *c, short revents);
void gcb_notif_chan_step(gcb_notif_chan_t *c, uint64_t now_mono_ms);
int64_t gcb_notif_chan_due_ms(const gcb_notif_chan_t *c, uint64_t now_mono_ms);
void gcb_notif_chan_disconnect(gcb_notif_chan_t *c, const char *reason, uint64_t gap_start_unix_ms,
			       int forget);
void gcb_notif_chan_drop(gcb_notif_chan_t *c); /* close and retire: slot no longer used */
unsigned gcb_notif_live(const gcb_notif_t *n);
int gcb_notif_all_live(const gcb_notif_t *n); /* every used slot is connected */

/* gcb_notif_msg.c: one message off a channel. 0 go on, 1 stop reading (spool full),
 * GCB_NOTIF_MORE stop for this turn (the channel's budget is spent). */
#define GCB_NOTIF_MORE 2
int gcb_notif_on_message(void *arg, const char *msg, size_t len);

/* gcb_notif_feed.c */
int gcb_notif_feed_init(gcb_notif_t *n);
void gcb_notif_feed_fini(gcb_notif_t *n);
void gcb_notif_feed_resume(gcb_notif_t *n);
/* Moves spooled records into the rings without waiting. 0 or -EIO. */
int gcb_notif_feed(gcb_notif_t *n);
/* Releases spool segments the stored checkpoint covers. */
void gcb_notif_feed_release(gcb_notif_t *n);

/* gcb_notif_requests.c: turns on-demand backfill requests into gaps. */
void gcb_notif_requests_scan(gcb_notif_t *n);

/*
 * gcb_notif_shard.c: sharding under group coordination (docs/multihost.md).
 * setup joins the group when coord.group is set (0, -EINVAL, -EIO); fini
 * hands every shard over; turn serves the group (at the top of a loop turn)
 * and stores the owned shards' state after checkpoints; filter keeps the
 * topics of owned shards.
 */
int gcb_notif_shard_setup(gcb_notif_t *n);
void gcb_notif_shard_fini(gcb_notif_t *n);
void gcb_notif_shard_turn(gcb_notif_t *n);
void gcb_notif_shard_filter(gcb_notif_t *n, gcb_notif_topics_t *t);
unsigned gcb_notif_shard_of(const char *topic, unsigned n_shards);

/*
 * gcb_notif_watermark.c: all_acked: everything spooled is acknowledged by
 * Kafka. acked_until: every message that reached a live socket before it
 * is in Kafka (0: not known). batch_written: a batch written to the rings
 * ends with a record spooled at arrival_unix_ms.
 */
int gcb_notif_all_acked(const gcb_notif_t *n);
uint64_t gcb_notif_acked_until(const gcb_notif_t *n);
void gcb_notif_batch_written(gcb_notif_t *n, uint64_t batch_seq, uint64_t arrival_unix_ms);

/* Gap helpers (gcb_notif_main.c). */
uint64_t gcb_notif_gap_open(gcb_notif_t *n, uint64_t start_unix_ms, const char *reason,
			    const char *topics);
void gcb_notif_gap_close(gcb_notif_t *n, uint64_t *id, uint64_t end_unix_ms);

#endif

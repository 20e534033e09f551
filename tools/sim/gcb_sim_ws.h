/*
 * One server-side WebSocket of a notification channel: the socket handed over
 * by libmicrohttpd after the 101 answer, framed by libwslay's server context,
 * served by its own thread (the simulator's model: one thread per connection).
 *
 * Nothing that publishes ever blocks on a client: messages go into a bounded
 * per-socket queue (a full queue drops the message and counts it); the thread
 * hands one message at a time to wslay and reports it as sent once it was
 * written to the socket whole. A client whose queue stays full for longer than
 * the stall timeout is closed. The thread also sends the heartbeats.
 *
 * Lifetime: gcb_sim_ws_start() starts the thread, which owns the object and
 * frees it when the socket closes, after gcb_sim_notif_ws_detach() (so the
 * hub, which only reaches a socket through its channel under the hub lock,
 * never sees it freed) and before gcb_sim_notif_ws_done().
 */
#ifndef GCB_SIM_WS_H
#define GCB_SIM_WS_H

#include <stddef.h>
#include <stdint.h>

struct MHD_UpgradeResponseHandle;
typedef struct gcb_sim_notif gcb_sim_notif_t;
typedef struct gcb_sim_ws gcb_sim_ws_t;

typedef struct gcb_sim_ws_conf {
	double heartbeat_s;   /* heartbeat period */
	int queue_max;	      /* messages waiting per socket */
	double stall_s;	      /* close a socket whose queue stays full this long */
	double write_delay_s; /* hold each message this long before writing it */
	double read_lag_s;    /* read what the client sent at most this often */
} gcb_sim_ws_conf_t;

/* Sec-WebSocket-Accept for @key: base64(SHA-1(key GUID)). 0 or -EINVAL. */
int gcb_sim_ws_accept_key(const char *key, char out[32]);

/*
 * Starts serving @fd (non-blocking from here on) for channel @channel;
 * @extra holds bytes the client sent after its handshake. Copies what it
 * needs. NULL on failure (the caller closes the socket through @urh).
 */
gcb_sim_ws_t *gcb_sim_ws_start(gcb_sim_notif_t *hub, const char *channel, int fd,
			       struct MHD_UpgradeResponseHandle *urh, const char *extra,
			       size_t extra_len, const gcb_sim_ws_conf_t *conf);

/*
 * Queues a text message. @sent_line (may be NULL) is reported through
 * gcb_sim_notif_ws_sent() once the message has been written. 0, -ENOBUFS
 * when the queue is full (the message is dropped), -EPIPE when closing.
 */
int gcb_sim_ws_send(gcb_sim_ws_t *ws, const char *json, size_t len, const char *sent_line);

/* Closes after @after_ms (0: now), first flushing what is queued (at most 1 s). */
/*
 * Queues @frames, whole WebSocket frames built by the caller, to be written
 * as they are: a replay sends a recorded stream this way with no per-message
 * work. Takes ownership of @frames (malloc'ed). -ENOBUFS when the queue is
 * full or the socket closing.
 */
int gcb_sim_ws_send_frames(gcb_sim_ws_t *ws, char *frames, size_t len);
void gcb_sim_ws_close(gcb_sim_ws_t *ws, int64_t after_ms, const char *reason);
void gcb_sim_ws_heartbeats(gcb_sim_ws_t *ws, int on);
const char *gcb_sim_ws_channel(const gcb_sim_ws_t *ws);

#endif

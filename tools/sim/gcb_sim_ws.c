#include "tools/sim/gcb_sim_ws.h"

#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "lib/gcb_log.h"
#include "tools/sim/gcb_sim_notif.h"

#define WS_GUID	       "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define FLUSH_MS       1000
#define CLIENT_MSG_MAX (1 << 20)
#define HEARTBEAT_JSON                                                                             \
	"{\"topicName\":\"channel.metadata\",\"version\":\"2\","                                   \
	"\"eventBody\":{\"message\":\"WebSocket Heartbeat\"}}"

typedef struct item {
	char *buf; /* json, NUL, sent line (when line_off); or frames (raw) */
	size_t len;
	size_t line_off;
	int heartbeat;
	int raw;    /* buf holds whole WebSocket frames, written as they are */
	size_t off; /* raw: bytes of buf written so far */
	int64_t queued_ms;
} item_t;

struct gcb_sim_ws {
	gcb_sim_notif_t *hub;
	gcb_sim_ws_conf_t conf;
	char channel[40];
	int fd, evfd;
	struct MHD_UpgradeResponseHandle *urh;
	wslay_event_context_ptr ctx;
	char *extra;
	size_t extra_len, extra_off;
	int dead; /* read/write failed */

	pthread_mutex_t lock; /* everything below */
	item_t *q;
	int qhead, qlen;
	int closing;
	int64_t close_at_ms;
	char reason[64];
	int hb_off;
	int64_t full_since_ms;
	int64_t write_delay_ms; /* conf.write_delay_s */
	int64_t due_ms;		/* run thread: when the held head of the queue is due */

	item_t inflight; /* handed to wslay, not yet written whole */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int gcb_sim_ws_accept_key(const char *key, char out[32])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char buf[128];
	int n;

	if (!key || strlen(key) > 64)
		return -EINVAL;
	n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	if (!EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
		return -EINVAL;
	EVP_EncodeBlock((unsigned char *)out, md, 20); /* 28 chars + NUL */
	return 0;
}

static void wake(gcb_sim_ws_t *ws)
{
	uint64_t one = 1;
	ssize_t rc = write(ws->evfd, &one, sizeof(one));

	(void)rc;
}

static ssize_t on_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *arg)
{
	gcb_sim_ws_t *ws = arg;
	ssize_t n;

	(void)flags;
	if (ws->extra_off < ws->extra_len) {
		size_t k = ws->extra_len - ws->extra_off;

		if (k > len)
			k = len;
		memcpy(buf, ws->extra + ws->extra_off, k);
		ws->extra_off += k;
		return (ssize_t)k;
	}
	n = recv(ws->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	ws->dead = 1;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t on_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *arg)
{
	gcb_sim_ws_t *ws = arg;
	ssize_t n;

	(void)flags;
	n = send(ws->fd, data, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	ws->dead = 1;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
		   void *arg)
{
	gcb_sim_ws_t *ws = arg;

	(void)ctx;
	if (a->opcode == WSLAY_TEXT_FRAME)
		gcb_sim_notif_ws_message(ws->hub, ws, (const char *)a->msg, a->msg_length);
}

static int push(gcb_sim_ws_t *ws, const char *json, size_t len, const char *line, int hb)
{
	size_t ll = line ? strlen(line) : 0;
	item_t *it;
	char *b;

	if (ws->closing)
		return -EPIPE;
	if (ws->qlen == ws->conf.queue_max) {
		if (!ws->full_since_ms)
			ws->full_since_ms = mono_ms();
		return -ENOBUFS;
	}
	b = malloc(len + ll + 2);
	if (!b)
		return -ENOBUFS;
	memcpy(b, json, len);
	b[len] = 0;
	if (line)
		memcpy(b + len + 1, line, ll + 1);
	it = &ws->q[(ws->qhead + ws->qlen++) % ws->conf.queue_max];
	it->buf = b;
	it->len = len;
	it->line_off = line ? len + 1 : 0;
	it->heartbeat = hb;
	it->raw = 0;
	it->off = 0;
	it->queued_ms = mono_ms();
	return 0;
}

int gcb_sim_ws_send(gcb_sim_ws_t *ws, const char *json, size_t len, const char *sent_line)
{
	int rc;

	pthread_mutex_lock(&ws->lock);
	rc = push(ws, json, len, sent_line, 0);
	pthread_mutex_unlock(&ws->lock);
	if (rc == 0)
		wake(ws);
	return rc;
}

int gcb_sim_ws_send_frames(gcb_sim_ws_t *ws, char *frames, size_t len)
{
	item_t *it;

	pthread_mutex_lock(&ws->lock);
	if (ws->closing || ws->qlen == ws->conf.queue_max) {
		pthread_mutex_unlock(&ws->lock);
		free(frames);
		return -ENOBUFS;
	}
	it = &ws->q[(ws->qhead + ws->qlen++) % ws->conf.queue_max];
	memset(it, 0, sizeof(*it));
	it->buf = frames;
	it->len = len;
	it->raw = 1;
	pthread_mutex_unlock(&ws->lock);
	wake(ws);
	return 0;
}

void gcb_sim_ws_close(gcb_sim_ws_t *ws, int64_t after_ms, const char *reason)
{
	int64_t at = mono_ms() + (after_ms > 0 ? after_ms : 0);

	pthread_mutex_lock(&ws->lock);
	if (!ws->close_at_ms || at < ws->close_at_ms) {
		ws->close_at_ms = at;
		snprintf(ws->reason, sizeof(ws->reason), "%s", reason);
	}
	pthread_mutex_unlock(&ws->lock);
	wake(ws);
}

void gcb_sim_ws_heartbeats(gcb_sim_ws_t *ws, int on)
{
	pthread_mutex_lock(&ws->lock);
	ws->hb_off = !on;
	pthread_mutex_unlock(&ws->lock);
}

const char *gcb_sim_ws_channel(const gcb_sim_ws_t *ws)
{
	return ws->channel;
}

static void item_free(item_t *it)
{
	free(it->buf);
	memset(it, 0, sizeof(*it));
}

/* Moves queued messages into wslay one at a time and writes; reports each
 * message once written whole. Returns -1 when the connection is dead. */
static int pump(gcb_sim_ws_t *ws)
{
	ws->due_ms = 0;
	for (;;) {
		if (wslay_event_want_write(ws->ctx) && wslay_event_send(ws->ctx) != 0)
			return -1;
		if (ws->dead)
			return -1;
		if (wslay_event_get_queued_msg_count(ws->ctx) > 0)
			return 0; /* would block */
		if (ws->inflight.raw && ws->inflight.off < ws->inflight.len) {
			ssize_t n = send(ws->fd, ws->inflight.buf + ws->inflight.off,
					 ws->inflight.len - ws->inflight.off, MSG_NOSIGNAL);

			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
				return 0; /* POLLOUT brings us back */
			if (n <= 0) {
				ws->dead = 1;
				return -1;
			}
			ws->inflight.off += (size_t)n;
			continue;
		}
		if (ws->inflight.buf) {
			if (ws->inflight.heartbeat)
				gcb_sim_notif_ws_heartbeat(ws->hub);
			else if (ws->inflight.line_off)
				gcb_sim_notif_ws_sent(ws->hub,
						      ws->inflight.buf + ws->inflight.line_off);
			item_free(&ws->inflight);
		}
		pthread_mutex_lock(&ws->lock);
		if (!ws->qlen) {
			pthread_mutex_unlock(&ws->lock);
			return 0;
		}
		if (ws->write_delay_ms > 0 &&
		    mono_ms() < ws->q[ws->qhead].queued_ms + ws->write_delay_ms) {
			ws->due_ms = ws->q[ws->qhead].queued_ms + ws->write_delay_ms;
			pthread_mutex_unlock(&ws->lock);
			return 0; /* the run loop wakes at due_ms */
		}
		ws->inflight = ws->q[ws->qhead];
		ws->qhead = (ws->qhead + 1) % ws->conf.queue_max;
		ws->qlen--;
		ws->full_since_ms = 0;
		pthread_mutex_unlock(&ws->lock);
		if (ws->inflight.raw)
			continue;
		{
			struct wslay_event_msg m = {
			    WSLAY_TEXT_FRAME, (const uint8_t *)ws->inflight.buf, ws->inflight.len};

			if (wslay_event_queue_msg(ws->ctx, &m) != 0)
				return -1;
		}
	}
}

static void *run(void *arg)
{
	gcb_sim_ws_t *ws = arg;
	int64_t hb_period = (int64_t)(ws->conf.heartbeat_s * 1000 + 0.5);
	int64_t next_hb = mono_ms() + hb_period, flush_until = 0, read_at = 0;
	int64_t read_lag = (int64_t)(ws->conf.read_lag_s * 1000 + 0.5);
	const char *why = "client closed";
	char reason[64] = "";

	if (hb_period < 1)
		hb_period = 1;
	for (;;) {
		int64_t now = mono_ms(), wait, close_at, full_since;
		struct pollfd p[2];
		int hb_off, qlen, may_read;

		pthread_mutex_lock(&ws->lock);
		close_at = ws->close_at_ms;
		full_since = ws->full_since_ms;
		hb_off = ws->hb_off;
		if (close_at && now >= close_at && !ws->closing) {
			ws->closing = 1;
			snprintf(reason, sizeof(reason), "%s", ws->reason);
			flush_until = now + FLUSH_MS;
		}
		if (!ws->closing && now >= next_hb) {
			if (!hb_off)
				push(ws, HEARTBEAT_JSON, strlen(HEARTBEAT_JSON), NULL, 1);
			while (next_hb <= now)
				next_hb += hb_period;
		}
		qlen = ws->qlen;
		pthread_mutex_unlock(&ws->lock);

		if (full_since && now - full_since > (int64_t)(ws->conf.stall_s * 1000)) {
			why = "client does not read";
			gcb_sim_notif_ws_stalled(ws->hub);
			break;
		}
		if (pump(ws) < 0) {
			why = "connection lost";
			break;
		}
		if (flush_until) {
			if ((!ws->inflight.buf && !qlen &&
			     !wslay_event_get_queued_msg_count(ws->ctx)) ||
			    now >= flush_until) {
				why = reason;
				wslay_event_queue_close(ws->ctx, 1000, NULL, 0);
				wslay_event_send(ws->ctx);
				break;
			}
		}
		if (wslay_event_get_close_received(ws->ctx)) {
			wslay_event_send(ws->ctx); /* the close reply */
			break;
		}
		wait = flush_until ? 20 : next_hb - now;
		if (close_at && close_at - now < wait)
			wait = close_at - now;
		if (full_since && wait > 100)
			wait = 100;
		if (ws->due_ms && ws->due_ms - now < wait)
			wait = ws->due_ms - now;
		/* A read lag: what the client sent is read read_lag after it came. */
		may_read = !read_at;
		if (read_at && read_at - now < wait)
			wait = read_at - now;
		if (wait < 0)
			wait = 0;
		p[0].fd = ws->fd;
		p[0].events = (short)((may_read ? POLLIN : 0) |
				      (wslay_event_want_write(ws->ctx) ||
					       (ws->inflight.raw && ws->inflight.buf)
					   ? POLLOUT
					   : 0));
		p[1].fd = ws->evfd;
		p[1].events = POLLIN;
		if (ws->extra_off < ws->extra_len)
			wait = 0;
		if (poll(p, 2, (int)wait) < 0 && errno != EINTR) {
			why = "poll() failed";
			break;
		}
		if (p[1].revents & POLLIN) {
			uint64_t v;
			ssize_t rc = read(ws->evfd, &v, sizeof(v));

			(void)rc;
		}
		if (read_lag && !read_at && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			read_at = mono_ms() + read_lag;
		else if ((read_at && mono_ms() >= read_at) ||
			 (!read_lag && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) ||
			 ws->extra_off < ws->extra_len) {
			read_at = 0;
			if (wslay_event_recv(ws->ctx) != 0 || ws->dead) {
				why = "connection lost";
				break;
			}
		}
	}
	gcb_log_info("websocket of channel %s closed: %s", ws->channel, why);
	gcb_sim_notif_ws_detach(ws->hub, ws);
	shutdown(ws->fd, SHUT_RDWR);
	MHD_upgrade_action(ws->urh, MHD_UPGRADE_ACTION_CLOSE);
	{
		gcb_sim_notif_t *hub = ws->hub;

		item_free(&ws->inflight);
		for (int i = 0; i < ws->qlen; i++)
			item_free(&ws->q[(ws->qhead + i) % ws->conf.queue_max]);
		free(ws->q);
		free(ws->extra);
		wslay_event_context_free(ws->ctx);
		close(ws->evfd);
		pthread_mutex_destroy(&ws->lock);
		free(ws);
		gcb_sim_notif_ws_done(hub);
	}
	return NULL;
}

gcb_sim_ws_t *gcb_sim_ws_start(gcb_sim_notif_t *hub, const char *channel, int fd,
			       struct MHD_UpgradeResponseHandle *urh, const char *extra,
			       size_t extra_len, const gcb_sim_ws_conf_t *conf)
{
	static const struct wslay_event_callbacks cb = {on_recv, on_send, NULL,	 NULL,
							NULL,	 NULL,	  on_msg};
	gcb_sim_ws_t *ws = calloc(1, sizeof(*ws));
	pthread_attr_t attr;
	pthread_t t;
	int fl;

	if (!ws)
		return NULL;
	ws->hub = hub;
	ws->conf = *conf;
	ws->write_delay_ms = (int64_t)(conf->write_delay_s * 1000 + 0.5);
	if (ws->conf.queue_max < 1)
		ws->conf.queue_max = 1;
	snprintf(ws->channel, sizeof(ws->channel), "%s", channel);
	ws->fd = fd;
	ws->urh = urh;
	ws->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ws->q = calloc((size_t)ws->conf.queue_max, sizeof(*ws->q));
	if (extra_len) {
		ws->extra = malloc(extra_len);
		if (ws->extra)
			memcpy(ws->extra, extra, extra_len);
		ws->extra_len = extra_len;
	}
	pthread_mutex_init(&ws->lock, NULL);
	if (ws->evfd < 0 || !ws->q || (extra_len && !ws->extra) ||
	    wslay_event_context_server_init(&ws->ctx, &cb, ws) != 0)
		goto fail;
	wslay_event_config_set_max_recv_msg_length(ws->ctx, CLIENT_MSG_MAX);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		goto fail;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, run, ws) != 0) {
		pthread_attr_destroy(&attr);
		goto fail;
	}
	pthread_attr_destroy(&attr);
	return ws;
fail:
	gcb_log_error("websocket of channel %s: setup failed", channel);
	if (ws->ctx)
		wslay_event_context_free(ws->ctx);
	if (ws->evfd >= 0)
		close(ws->evfd);
	free(ws->q);
	free(ws->extra);
	pthread_mutex_destroy(&ws->lock);
	free(ws);
	return NULL;
}

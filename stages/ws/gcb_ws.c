/*
 * WebSocket framing over the transport, by libwslay's event API: wslay
 * parses and checks frames (masking, opcodes, UTF-8), masks client frames,
 * answers pings and replies to a close; this file feeds it bytes (first
 * those read past the handshake, then the transport) and turns its state
 * into gcb_ws_service()'s result.
 *
 * wslay's own reassembly allocates for every frame and again for every
 * message, so it is off (no_buffering): data frames are gathered here into
 * one buffer kept across messages, grown to the largest message seen and
 * never beyond max_message, so receiving allocates nothing in the steady
 * state.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <wslay/wslay.h>

#include "stages/ws/gcb_ws_int.h"
#include "lib/gcb_buf.h"
#include "lib/gcb_log.h"

/* A message read after on_message asked to stop, kept for the next call. */
typedef struct ws_held {
	struct ws_held *next;
	size_t len;
	char data[];
} ws_held_t;

struct gcb_ws {
	gcb_ws_conn_t conn;
	wslay_event_context_ptr ctx;
	uint8_t *extra; /* bytes read past the upgrade answer, fed to wslay first */
	size_t extra_len, extra_off;
	size_t max_message;
	gcb_buf_t msg;	   /* the text message being gathered; max: max_message */
	uint64_t msg_want; /* payload announced so far by its frames */
	int msg_text;	   /* it is a text message (binary ones are skipped) */
	int frame_data;	   /* the frame being received belongs to it */
	int too_big;	   /* it exceeded max_message: the connection fails */
	int io_err;	   /* transport failure (-errno), or -ECONNRESET at end of stream */
	int stop;	   /* non-zero: on_message asked to stop; later messages are held */
	ws_held_t *held, *held_tail;
	unsigned close_code;
	int (*on_message)(void *arg, const char *msg, size_t len);
	void *arg;
};

static ssize_t ws_recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags,
			  void *user_data)
{
	gcb_ws_t *ws = user_data;
	ssize_t n;

	(void)flags;
	if (ws->stop) {
		/* Leave the rest where it is until the owner has room again. */
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (ws->extra_off < ws->extra_len) {
		n = (ssize_t)(ws->extra_len - ws->extra_off);
		if ((size_t)n > len)
			n = (ssize_t)len;
		memcpy(buf, ws->extra + ws->extra_off, (size_t)n);
		ws->extra_off += (size_t)n;
		return n;
	}
	n = gcb_ws_conn_read(&ws->conn, buf, len);
	if (n > 0)
		return n;
	if (n == -EAGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	ws->io_err = n == 0 ? -ECONNRESET : (int)n;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static ssize_t ws_send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
			  void *user_data)
{
	gcb_ws_t *ws = user_data;
	ssize_t n;

	(void)flags;
	n = gcb_ws_conn_write(&ws->conn, data, len);
	if (n > 0)
		return n;
	if (n == -EAGAIN) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	if (!ws->io_err)
		ws->io_err = n == 0 ? -ECONNRESET : (int)n;
	wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
	return -1;
}

static int ws_genmask_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user_data)
{
	(void)user_data;
	if (RAND_bytes(buf, (int)len) != 1) {
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return 0;
}

/* The message buffer of a new client: 4096 bytes first, up to max_message
 * (and the NUL gcb_buf keeps after it). */
static void msg_init(gcb_ws_t *ws, size_t max_message)
{
	ws->max_message = max_message ? max_message : GCB_WS_DEFAULT_MAX_MSG;
	ws->msg.first = 4096;
	ws->msg.max = ws->max_message + 1;
}

/* Fails the connection from inside wslay_event_recv(): close frame queued, reading stops. */
static void ws_fail(gcb_ws_t *ws, uint16_t code)
{
	wslay_event_queue_close(ws->ctx, code, NULL, 0);
	wslay_event_shutdown_read(ws->ctx);
}

static void ws_frame_start_cb(wslay_event_context_ptr ctx,
			      const struct wslay_event_on_frame_recv_start_arg *arg,
			      void *user_data)
{
	gcb_ws_t *ws = user_data;

	(void)ctx;
	ws->frame_data = 0;
	if (arg->opcode == WSLAY_TEXT_FRAME || arg->opcode == WSLAY_BINARY_FRAME) {
		ws->msg.len = 0;
		ws->msg_want = 0;
		ws->msg_text = arg->opcode == WSLAY_TEXT_FRAME;
	} else if (arg->opcode != WSLAY_CONTINUATION_FRAME) {
		return; /* control frames: wslay buffers them itself */
	}
	ws->frame_data = 1;
	ws->msg_want += arg->payload_length;
	if (ws->msg_want > ws->max_message) {
		ws->too_big = 1;
		ws_fail(ws, WSLAY_CODE_MESSAGE_TOO_BIG);
		return;
	}
	/* msg_want <= max_message: only an allocation can fail. */
	if (ws->msg_text && gcb_buf_reserve(&ws->msg, ws->msg_want - ws->msg.len) < 0) {
		ws->io_err = -ENOMEM;
		ws_fail(ws, WSLAY_CODE_INTERNAL_SERVER_ERROR);
	}
}

static void ws_frame_chunk_cb(wslay_event_context_ptr ctx,
			      const struct wslay_event_on_frame_recv_chunk_arg *arg,
			      void *user_data)
{
	gcb_ws_t *ws = user_data;

	(void)ctx;
	if (!ws->frame_data || !ws->msg_text || ws->too_big || ws->io_err || !arg->data_length)
		return;
	/* Room was reserved for the whole frame at its start: this never allocates. */
	if (gcb_buf_append(&ws->msg, arg->data, arg->data_length) < 0) {
		ws->io_err = -ENOMEM;
		ws_fail(ws, WSLAY_CODE_INTERNAL_SERVER_ERROR);
	}
}

static void hold(gcb_ws_t *ws, const uint8_t *msg, size_t len)
{
	ws_held_t *h = malloc(sizeof(*h) + len + 1);

	if (!h) {
		/* Losing a message silently is worse than dropping the connection. */
		ws->io_err = -ENOMEM;
		wslay_event_shutdown_read(ws->ctx);
		return;
	}
	h->next = NULL;
	h->len = len;
	if (len > 0) /* an empty message has no buffer yet: msg may be NULL */
		memcpy(h->data, msg, len);
	h->data[len] = '\0';
	if (ws->held_tail)
		ws->held_tail->next = h;
	else
		ws->held = h;
	ws->held_tail = h;
}

static void ws_msg_cb(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
		      void *user_data)
{
	gcb_ws_t *ws = user_data;

	(void)ctx;
	if (arg->opcode == WSLAY_CONNECTION_CLOSE) {
		ws->close_code = arg->status_code;
		return;
	}
	if (arg->opcode != WSLAY_TEXT_FRAME || ws->too_big || ws->io_err)
		return; /* pings are answered by wslay; pongs and binary carry nothing for us */
	if (ws->stop) {
		hold(ws, (const uint8_t *)ws->msg.data, ws->msg.len);
		return;
	}
	ws->stop = ws->on_message(ws->arg, ws->msg.data ? ws->msg.data : "", ws->msg.len);
}

static const struct wslay_event_callbacks ws_callbacks = {
    .recv_callback = ws_recv_cb,
    .send_callback = ws_send_cb,
    .genmask_callback = ws_genmask_cb,
    .on_frame_recv_start_callback = ws_frame_start_cb,
    .on_frame_recv_chunk_callback = ws_frame_chunk_cb,
    .on_msg_recv_callback = ws_msg_cb,
};

static void ws_free(gcb_ws_t *ws)
{
	while (ws->held) {
		ws_held_t *h = ws->held;

		ws->held = h->next;
		free(h);
	}
	if (ws->ctx)
		wslay_event_context_free(ws->ctx);
	gcb_ws_conn_close(&ws->conn);
	free(ws->extra);
	gcb_buf_fini(&ws->msg);
	free(ws);
}

static int ua_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* The wslay client context, once the upgrade is done. */
static int ws_start(gcb_ws_t *ws, char *errstr, size_t errstr_size)
{
	int rc = wslay_event_context_client_init(&ws->ctx, &ws_callbacks, ws);

	if (rc != 0) {
		ws->ctx = NULL;
		snprintf(errstr, errstr_size, "wslay_event_context_client_init() failed: %d", rc);
		return -ENOMEM;
	}
	wslay_event_config_set_no_buffering(ws->ctx, 1);
	/* Per frame in this mode; ws_frame_start_cb() checks whole messages. */
	wslay_event_config_set_max_recv_msg_length(ws->ctx, ws->max_message);
	return 0;
}

int gcb_ws_connect(gcb_ws_t **out, const char *url, const gcb_ws_opts_t *opts, char *errstr,
		   size_t errstr_size)
{
	gcb_ws_url_t *u = NULL;
	gcb_ws_t *ws = NULL;
	const char *ua = opts->user_agent ? opts->user_agent : "gcbridge";
	int64_t deadline;
	int rc;

	*out = NULL;
	deadline = gcb_ws_now_ms() + (opts->connect_timeout_ms ? opts->connect_timeout_ms : 10000);
	if (!ua_ok(ua)) {
		snprintf(errstr, errstr_size, "bad User-Agent: control characters");
		return -EINVAL;
	}
	u = malloc(sizeof(*u));
	ws = calloc(1, sizeof(*ws));
	if (!u || !ws) {
		snprintf(errstr, errstr_size, "malloc() failed: out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	ws->conn.fd = -1;
	msg_init(ws, opts->max_message);
	rc = gcb_ws_url_parse(u, url, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	rc = gcb_ws_conn_open(&ws->conn, u, opts, deadline, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	rc = gcb_ws_handshake(&ws->conn, u, ua, deadline, &ws->extra, &ws->extra_len, errstr,
			      errstr_size);
	if (rc < 0)
		goto fail;
	rc = ws_start(ws, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	free(u);
	*out = ws;
	return 0;
fail:
	free(u);
	if (ws)
		ws_free(ws);
	return rc;
}

int gcb_ws_adopt(gcb_ws_t **out, int fd, const uint8_t *extra, size_t extra_len, size_t max_message)
{
	gcb_ws_t *ws = calloc(1, sizeof(*ws));
	char err[128];

	*out = NULL;
	if (ws == NULL)
		return -ENOMEM;
	ws->conn.fd = fd;
	msg_init(ws, max_message);
	if (extra_len > 0 && (ws->extra = malloc(extra_len)) == NULL) {
		ws_free(ws);
		return -ENOMEM;
	}
	if (extra_len > 0)
		memcpy(ws->extra, extra, extra_len);
	ws->extra_len = extra_len;
	if (ws_start(ws, err, sizeof(err)) < 0) {
		ws_free(ws);
		return -ENOMEM;
	}
	*out = ws;
	return 0;
}

int gcb_ws_fd(const gcb_ws_t *ws)
{
	return ws->conn.fd;
}

int gcb_ws_want_write(const gcb_ws_t *ws)
{
	return wslay_event_want_write(ws->ctx) || ws->conn.read_wants_write;
}

int gcb_ws_send_text(gcb_ws_t *ws, const char *text, size_t len)
{
	struct wslay_event_msg msg = {
	    .opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)text, .msg_length = len};

	switch (wslay_event_queue_msg(ws->ctx, &msg)) {
	case 0:
		return 0;
	case WSLAY_ERR_NO_MORE_MSG:
		return -ECONNRESET; /* closing: nothing more may be sent */
	case WSLAY_ERR_NOMEM:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

/* Hands held messages over until the owner stops again: 0 when all went. */
static int deliver_held(gcb_ws_t *ws)
{
	while (ws->held) {
		ws_held_t *h = ws->held;
		int rc;

		ws->held = h->next;
		if (!ws->held)
			ws->held_tail = NULL;
		rc = ws->on_message(ws->arg, h->data, h->len);
		free(h);
		if (rc)
			return rc;
	}
	return 0;
}

int gcb_ws_service(gcb_ws_t *ws, int (*on_message)(void *arg, const char *msg, size_t len),
		   void *arg)
{
	int rrc = 0, src;

	ws->on_message = on_message;
	ws->arg = arg;
	ws->stop = deliver_held(ws);
	if (ws->stop) {
		ws->on_message = NULL;
		return ws->stop;
	}
	if (wslay_event_get_read_enabled(ws->ctx))
		rrc = wslay_event_recv(ws->ctx);
	/* Also flushes what recv queued: pongs, the close reply. */
	src = wslay_event_send(ws->ctx);
	ws->on_message = NULL;

	/* Messages handed over come first; a close seen after them waits for the next call. */
	if (ws->stop)
		return ws->stop;
	if (ws->too_big) {
		gcb_log_warn(
		    "WebSocket message of more than max_message (%zu bytes): closing with 1009",
		    ws->max_message);
		return -EMSGSIZE;
	}
	if (wslay_event_get_close_received(ws->ctx))
		return -ECONNRESET;
	if (ws->io_err)
		return ws->io_err == -EPIPE ? -ECONNRESET : ws->io_err;
	if (rrc == WSLAY_ERR_NOMEM || src == WSLAY_ERR_NOMEM)
		return -ENOMEM;
	if (rrc < 0 || src < 0)
		return -EPROTO;
	if (!wslay_event_get_read_enabled(ws->ctx)) {
		/*
		 * wslay failed the connection itself (too large a message, bad
		 * framing or UTF-8) and queued a close frame saying why; the
		 * code tells which once that frame is out.
		 */
		unsigned sent;

		if (!wslay_event_get_close_sent(ws->ctx)) {
			if (wslay_event_want_write(ws->ctx))
				return 0;
			gcb_log_warn("WebSocket protocol error from the server");
			return -EPROTO;
		}
		sent = wslay_event_get_status_code_sent(ws->ctx);
		if (sent == WSLAY_CODE_MESSAGE_TOO_BIG) {
			gcb_log_warn("WebSocket frame of more than max_message (%zu bytes): "
				     "closed with 1009",
				     ws->max_message);
			return -EMSGSIZE;
		}
		gcb_log_warn("WebSocket protocol error from the server: closed with %u (%s)", sent,
			     sent == WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA ? "invalid UTF-8"
									   : "bad framing");
		return -EPROTO;
	}
	return 0;
}

unsigned gcb_ws_close_code(const gcb_ws_t *ws)
{
	return ws->close_code;
}

uint64_t gcb_ws_bytes_in(const gcb_ws_t *ws)
{
	return ws->conn.bytes_in;
}

uint64_t gcb_ws_bytes_out(const gcb_ws_t *ws)
{
	return ws->conn.bytes_out;
}

/* Queues our close frame unless one went out or the connection is dead; 1 if it may be sent. */
static int queue_close(gcb_ws_t *ws, unsigned code)
{
	if (ws->io_err || !wslay_event_get_write_enabled(ws->ctx))
		return 0;
	if (!wslay_event_get_close_sent(ws->ctx))
		wslay_event_queue_close(ws->ctx, (uint16_t)code, NULL, 0);
	return 1;
}

void gcb_ws_close(gcb_ws_t *ws, unsigned code)
{
	if (!ws)
		return;
	if (queue_close(ws, code))
		wslay_event_send(ws->ctx);
	ws_free(ws);
}

int gcb_ws_close_drain(gcb_ws_t *ws, unsigned code, unsigned timeout_ms,
		       int (*on_message)(void *arg, const char *msg, size_t len), void *arg)
{
	int64_t deadline = gcb_ws_now_ms() + timeout_ms;
	int rc = -ECONNRESET;

	(void)queue_close(ws, code); /* sent by the first gcb_ws_service() */
	for (;;) {
		struct pollfd p;
		int64_t left;

		rc = gcb_ws_service(ws, on_message, arg);
		if (rc != 0)
			break;
		if ((left = deadline - gcb_ws_now_ms()) <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		p.fd = ws->conn.fd;
		p.events = (short)(POLLIN | (gcb_ws_want_write(ws) ? POLLOUT : 0));
		p.revents = 0;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			rc = -errno;
			break;
		}
	}
	/* The peer's close answers ours: everything it sent came before it. */
	if (rc == -ECONNRESET && wslay_event_get_close_received(ws->ctx))
		rc = 0;
	ws_free(ws);
	return rc;
}

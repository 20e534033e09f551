/*
 * WebSocket framing over the transport.
 *
 * Receiving uses libwslay's frame API: wslay reads each frame header and
 * hands the payload over in pieces; this file checks what RFC 6455 section
 * 5 asks of the frames (reserved bits and opcodes, no masking from a
 * server, fragments in order, close codes), gathers a text message into one
 * buffer kept across messages, checks its UTF-8 once it is whole
 * (lib/gcb_utf8.c, eight ASCII bytes at a time), answers pings and replies
 * to a close. wslay's event API does the same, but runs a per-byte UTF-8
 * state machine over every text frame, which was the largest cost of the
 * notification source (docs/performance.md, "The notification source").
 *
 * Sending (our text messages, pongs, close frames, masking) goes through
 * wslay's event API, whose receive side is never called.
 *
 * Nothing is allocated per message in the steady state: the message buffer
 * grows to the largest message seen and never beyond max_message; the
 * transport is read in large pieces into a read-ahead buffer.
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
#include "lib/gcb_utf8.h"

/* Transport reads: one system call for many frames (wslay asks for at most 4 KiB at a time). */
#define READ_AHEAD (64u << 10)
#define CTRL_MAX   125 /* payload of a control frame (RFC 6455 5.5) */

struct gcb_ws {
	gcb_ws_conn_t conn;
	wslay_frame_context_ptr frames; /* receiving: frame headers and payload */
	wslay_event_context_ptr ctx;	/* sending: queue, masking, close */
	uint8_t *rd; /* read-ahead: bytes read from conn, not yet given to wslay */
	size_t rd_size, rd_off, rd_len;
	int would_block; /* the last transport read found nothing */
	int io_err;	 /* transport failure (-errno), or -ECONNRESET at end of stream */
	int read_enabled;
	size_t max_message;

	/* The frame being received. */
	int in_frame;
	uint8_t frame_op, frame_fin;
	uint64_t frame_len, frame_got;
	uint8_t ctrl[CTRL_MAX]; /* a control frame's payload */
	size_t ctrl_len;

	/* The data message being received, over one frame or several. */
	int msg_open;	   /* its last frame has not come yet */
	int msg_text;	   /* text (kept); binary is skipped */
	uint64_t msg_want; /* payload announced so far by its frames */
	gcb_buf_t msg;	   /* a text message's bytes; max: max_message */
	int too_big;	   /* it exceeded max_message: the connection fails */

	int close_received;  /* the peer's close frame came (and ours is queued) */
	unsigned close_code; /* its code, 0 when it had none */
	unsigned fail_code;  /* the code we failed the connection with, 0 when we did not */
	int (*on_message)(void *arg, const char *msg, size_t len);
	void *arg;
};

/* wslay asks for frame bytes: from the read-ahead buffer, refilled by one large read. */
static ssize_t frame_recv_cb(uint8_t *buf, size_t len, int flags, void *user_data)
{
	gcb_ws_t *ws = user_data;
	size_t n;

	(void)flags;
	if (ws->rd_off == ws->rd_len) {
		ssize_t r = gcb_ws_conn_read(&ws->conn, ws->rd, ws->rd_size);

		if (r == -EAGAIN) {
			ws->would_block = 1;
			return -1;
		}
		if (r <= 0) {
			ws->io_err = r == 0 ? -ECONNRESET : (int)r;
			return -1;
		}
		ws->rd_off = 0;
		ws->rd_len = (size_t)r;
	}
	n = ws->rd_len - ws->rd_off;
	if (n > len)
		n = len;
	memcpy(buf, ws->rd + ws->rd_off, n);
	ws->rd_off += n;
	return (ssize_t)n;
}

static const struct wslay_frame_callbacks frame_callbacks = {
    .recv_callback = frame_recv_cb, /* this context only receives */
};

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

static const struct wslay_event_callbacks ws_callbacks = {
    .send_callback = ws_send_cb,
    .genmask_callback = ws_genmask_cb,
};

/* The message buffer of a new client: 4096 bytes first, up to max_message
 * (and the NUL gcb_buf keeps after it). */
static void msg_init(gcb_ws_t *ws, size_t max_message)
{
	ws->max_message = max_message ? max_message : GCB_WS_DEFAULT_MAX_MSG;
	ws->msg.first = 4096;
	ws->msg.max = ws->max_message + 1;
}

/* Fails the connection (RFC 6455 7.1.7): our close frame saying why is queued, reading stops. -1.
 */
static int ws_fail(gcb_ws_t *ws, uint16_t code)
{
	if (!ws->fail_code)
		ws->fail_code = code;
	wslay_event_queue_close(ws->ctx, code, NULL, 0);
	ws->read_enabled = 0;
	return -1;
}

/* A new frame's header: checked, and its message started or continued. 0 or -1 (failed). */
static int frame_start(gcb_ws_t *ws, const struct wslay_frame_iocb *f)
{
	ws->in_frame = 1;
	ws->frame_op = f->opcode;
	ws->frame_fin = f->fin;
	ws->frame_len = f->payload_length;
	ws->frame_got = 0;
	/* No extension was negotiated, and a server never masks (RFC 6455 5.1, 5.2). */
	if (f->rsv != 0 || f->mask)
		return ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
	switch (f->opcode) {
	case WSLAY_CONNECTION_CLOSE:
	case WSLAY_PING:
	case WSLAY_PONG:
		/* wslay checked: at most 125 bytes, never fragmented. */
		ws->ctrl_len = 0;
		return 0;
	case WSLAY_TEXT_FRAME:
	case WSLAY_BINARY_FRAME:
		if (ws->msg_open) /* the previous message has not ended */
			return ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
		ws->msg_open = 1;
		ws->msg_text = f->opcode == WSLAY_TEXT_FRAME;
		ws->msg_want = 0;
		ws->msg.len = 0;
		break;
	case WSLAY_CONTINUATION_FRAME:
		if (!ws->msg_open)
			return ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
		break;
	default: /* reserved opcodes */
		return ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
	}
	/* msg_want <= max_message before, payload_length < 2^63: no overflow. */
	ws->msg_want += f->payload_length;
	if (ws->msg_want > ws->max_message) {
		ws->too_big = 1;
		return ws_fail(ws, WSLAY_CODE_MESSAGE_TOO_BIG);
	}
	/* msg_want <= max_message: only an allocation can fail. */
	if (ws->msg_text && gcb_buf_reserve(&ws->msg, ws->msg_want - ws->msg.len) < 0) {
		ws->io_err = -ENOMEM;
		return ws_fail(ws, WSLAY_CODE_INTERNAL_SERVER_ERROR);
	}
	return 0;
}

/* A piece of the current frame's payload. 0 or -1 (failed). */
static int frame_data(gcb_ws_t *ws, const uint8_t *data, size_t len)
{
	if (len == 0)
		return 0;
	if (wslay_is_ctrl_frame(ws->frame_op)) {
		/* wslay checked the length: the pieces add up to at most 125 bytes. */
		memcpy(ws->ctrl + ws->ctrl_len, data, len);
		ws->ctrl_len += len;
		return 0;
	}
	/* Room was reserved for the whole frame at its start: this never allocates. */
	if (ws->msg_text && gcb_buf_append(&ws->msg, data, len) < 0) {
		ws->io_err = -ENOMEM;
		return ws_fail(ws, WSLAY_CODE_INTERNAL_SERVER_ERROR);
	}
	return 0;
}

/* 1 for a code a peer may send (RFC 6455 7.4.1, 7.4.2). */
static int close_code_valid(unsigned code)
{
	return (code >= 1000 && code <= 1011 && code != 1004 && code != 1005 && code != 1006) ||
	       (code >= 3000 && code <= 4999);
}

/* The peer's close frame: checked, recorded and answered with the same code. */
static void close_received(gcb_ws_t *ws)
{
	unsigned code = 0;

	if (ws->ctrl_len == 1) {
		ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
		return;
	}
	if (ws->ctrl_len >= 2) {
		code = (unsigned)ws->ctrl[0] << 8 | ws->ctrl[1];
		if (!close_code_valid(code)) {
			ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
			return;
		}
		if (!gcb_utf8_valid((const char *)ws->ctrl + 2, ws->ctrl_len - 2)) {
			ws_fail(ws, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA);
			return;
		}
	}
	ws->close_received = 1;
	ws->close_code = code;
	ws->read_enabled = 0;
	/* Answered with the same code (RFC 6455 5.5.1) unless ours went first; 0: no code. */
	wslay_event_queue_close(ws->ctx, (uint16_t)ws->close_code, NULL, 0);
}

/* The current frame is complete. The owner's stop value when it was handed a message, else 0. */
static int frame_end(gcb_ws_t *ws)
{
	ws->in_frame = 0;
	switch (ws->frame_op) {
	case WSLAY_PING: {
		struct wslay_event_msg pong = {
		    .opcode = WSLAY_PONG, .msg = ws->ctrl, .msg_length = ws->ctrl_len};
		int rc = wslay_event_queue_msg(ws->ctx, &pong); /* copies the payload */

		if (rc == WSLAY_ERR_NOMEM) {
			ws->io_err = -ENOMEM;
			ws->read_enabled = 0;
		}
		return 0; /* WSLAY_ERR_NO_MORE_MSG: our close is queued, no pong is due */
	}
	case WSLAY_PONG:
		return 0;
	case WSLAY_CONNECTION_CLOSE:
		close_received(ws);
		return 0;
	}
	if (!ws->frame_fin)
		return 0;
	ws->msg_open = 0;
	if (!ws->msg_text)
		return 0; /* binary messages carry nothing for us */
	if (!gcb_utf8_valid(ws->msg.data, ws->msg.len)) {
		ws_fail(ws, WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA);
		return 0;
	}
	return ws->on_message(ws->arg, ws->msg.data ? ws->msg.data : "", ws->msg.len);
}

/*
 * Takes frames in until the transport has nothing more, reading ends, or
 * the owner asks to stop: then its value, and what was read after that
 * message stays in the read-ahead buffer and wslay's for the next call.
 */
static int ws_read(gcb_ws_t *ws)
{
	while (ws->read_enabled) {
		struct wslay_frame_iocb f;
		ssize_t r;
		int stop;

		ws->would_block = 0;
		r = wslay_frame_recv(ws->frames, &f);
		if (r == WSLAY_ERR_WANT_READ) {
			if (ws->io_err) {
				ws->read_enabled = 0;
				break;
			}
			if (ws->would_block)
				break;
			continue; /* part of a header came: read on */
		}
		if (r < 0) {
			/* WSLAY_ERR_PROTO: a control frame over 125 bytes or fragmented, a bad
			 * length. */
			ws_fail(ws, WSLAY_CODE_PROTOCOL_ERROR);
			break;
		}
		if (!ws->in_frame && frame_start(ws, &f) < 0)
			break;
		if (frame_data(ws, f.data, f.data_length) < 0)
			break;
		ws->frame_got += f.data_length;
		if (ws->frame_got < ws->frame_len)
			continue;
		stop = frame_end(ws);
		if (stop)
			return stop;
	}
	return 0;
}

static void ws_free(gcb_ws_t *ws)
{
	if (ws->frames)
		wslay_frame_context_free(ws->frames);
	if (ws->ctx)
		wslay_event_context_free(ws->ctx);
	gcb_ws_conn_close(&ws->conn);
	free(ws->rd);
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

/*
 * The framing state, once the upgrade is done: extra_len bytes of extra
 * (read past the upgrade answer) are the first the frames are read from.
 * 0 or -ENOMEM with the reason in errstr.
 */
static int ws_start(gcb_ws_t *ws, const uint8_t *extra, size_t extra_len, char *errstr,
		    size_t errstr_size)
{
	int rc;

	ws->rd_size = extra_len > READ_AHEAD ? extra_len : READ_AHEAD;
	ws->rd = malloc(ws->rd_size);
	if (ws->rd == NULL) {
		snprintf(errstr, errstr_size, "malloc() failed: out of memory");
		return -ENOMEM;
	}
	if (extra_len > 0)
		memcpy(ws->rd, extra, extra_len);
	ws->rd_len = extra_len;
	rc = wslay_frame_context_init(&ws->frames, &frame_callbacks, ws);
	if (rc != 0) {
		ws->frames = NULL;
		snprintf(errstr, errstr_size, "wslay_frame_context_init() failed: %d", rc);
		return -ENOMEM;
	}
	rc = wslay_event_context_client_init(&ws->ctx, &ws_callbacks, ws);
	if (rc != 0) {
		ws->ctx = NULL;
		snprintf(errstr, errstr_size, "wslay_event_context_client_init() failed: %d", rc);
		return -ENOMEM;
	}
	ws->read_enabled = 1;
	return 0;
}

int gcb_ws_connect(gcb_ws_t **out, const char *url, const gcb_ws_opts_t *opts, char *errstr,
		   size_t errstr_size)
{
	gcb_ws_url_t *u = NULL;
	gcb_ws_t *ws = NULL;
	const char *ua = opts->user_agent ? opts->user_agent : "gcbridge";
	uint8_t *extra = NULL;
	size_t extra_len = 0;
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
	rc = gcb_ws_handshake(&ws->conn, u, ua, deadline, &extra, &extra_len, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	rc = ws_start(ws, extra, extra_len, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	free(extra);
	free(u);
	*out = ws;
	return 0;
fail:
	free(extra);
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
	if (ws_start(ws, extra, extra_len, err, sizeof(err)) < 0) {
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

int gcb_ws_service(gcb_ws_t *ws, int (*on_message)(void *arg, const char *msg, size_t len),
		   void *arg)
{
	int stop, src;

	ws->on_message = on_message;
	ws->arg = arg;
	stop = ws_read(ws);
	/* Also flushes what reading queued: pongs, the close reply or ours. */
	src = wslay_event_send(ws->ctx);
	ws->on_message = NULL;

	/* Messages handed over come first; a close seen after them waits for the next call. */
	if (stop)
		return stop;
	if (ws->too_big) {
		gcb_log_warn(
		    "WebSocket message of more than max_message (%zu bytes): closing with 1009",
		    ws->max_message);
		return -EMSGSIZE;
	}
	if (ws->close_received)
		return -ECONNRESET;
	if (ws->io_err)
		return ws->io_err == -EPIPE ? -ECONNRESET : ws->io_err;
	if (src == WSLAY_ERR_NOMEM)
		return -ENOMEM;
	if (src < 0)
		return -EPROTO;
	if (ws->fail_code) {
		/* Bad framing or UTF-8: once our close frame saying so is out, or cannot go. */
		if (!wslay_event_get_close_sent(ws->ctx) && wslay_event_want_write(ws->ctx))
			return 0;
		gcb_log_warn(
		    "WebSocket protocol error from the server: closed with %u (%s)", ws->fail_code,
		    ws->fail_code == WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA ? "invalid UTF-8"
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
	if (rc == -ECONNRESET && ws->close_received)
		rc = 0;
	ws_free(ws);
	return rc;
}

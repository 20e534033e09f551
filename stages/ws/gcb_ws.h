/*
 * A WebSocket client connection (RFC 6455) for the notification source:
 * TCP connect, TLS (OpenSSL, peer verification and host name check on by
 * default) for wss://, the HTTP/1.1 upgrade handshake, and framing by
 * libwslay. Client frames are masked; ping frames are answered; messages
 * arrive whole. Non-blocking after connect: the owner polls gcb_ws_fd() and
 * calls gcb_ws_service(), which never blocks.
 *
 * Ownership: gcb_ws_connect() returns a connection the caller owns and
 * frees with gcb_ws_close(). A message handed to on_message is valid only
 * during the call. The process ignores SIGPIPE (the stages do): OpenSSL
 * writes to a peer that may be gone.
 */
#ifndef GCB_WS_H
#define GCB_WS_H

#include <stddef.h>
#include <stdint.h>

typedef struct gcb_ws gcb_ws_t;

typedef struct gcb_ws_opts {
	unsigned connect_timeout_ms; /* TCP + TLS + upgrade, all together */
	int tls_verify;		     /* 1: verify chain and host name (default) */
	const char *ca_path;	     /* CA bundle file; NULL: the system store */
	const char *user_agent;	     /* NULL: "gcbridge" */
	size_t max_message;	     /* a larger message fails the connection with -EMSGSIZE */
} gcb_ws_opts_t;

/*
 * Connects to url (ws://host[:port]/path or wss://...). Blocks at most
 * connect_timeout_ms. 0 with *out set; else -errno (-ETIMEDOUT,
 * -ECONNREFUSED, -EHOSTUNREACH, -EPROTO for TLS or handshake failures,
 * -EINVAL for a bad URL) with the reason in errstr.
 */
int gcb_ws_connect(gcb_ws_t **out, const char *url, const gcb_ws_opts_t *opts, char *errstr,
		   size_t errstr_size);

/* The socket to poll: POLLIN always, POLLOUT while gcb_ws_want_write(). */
int gcb_ws_fd(const gcb_ws_t *ws);
int gcb_ws_want_write(const gcb_ws_t *ws);

/* Queues a text message (sent by the next gcb_ws_service()). 0 or -errno. */
int gcb_ws_send_text(gcb_ws_t *ws, const char *text, size_t len);

/*
 * Reads what is available (including TLS-buffered bytes), hands each
 * complete text message to on_message, writes what is queued. Never
 * blocks. Stops early, returning that value, when on_message returns
 * non-zero. 0 while open; -ECONNRESET once the peer closed or the
 * connection dropped (gcb_ws_close_code() tells the peer's close code, 0
 * when none); -EMSGSIZE for a message above max_message; -EPROTO for a
 * protocol violation. After a negative return only gcb_ws_close() is valid.
 * Call it once right after connect, and after an early stop call it again
 * without waiting for poll(): bytes read with the upgrade answer or before
 * the stop are buffered in the process, where poll() cannot see them.
 */
int gcb_ws_service(gcb_ws_t *ws, int (*on_message)(void *arg, const char *msg, size_t len),
		   void *arg);

/* The close code the peer sent (1000, 1001, ...), 0 when none. */
unsigned gcb_ws_close_code(const gcb_ws_t *ws);

/* Bytes received / sent on the wire so far. */
uint64_t gcb_ws_bytes_in(const gcb_ws_t *ws);
uint64_t gcb_ws_bytes_out(const gcb_ws_t *ws);

/* Sends a close frame (best effort, never blocks), closes and frees. NULL is a no-op. */
void gcb_ws_close(gcb_ws_t *ws, unsigned code);

/*
 * Closes with the closing handshake and frees: sends a close frame, then
 * hands on_message every message the peer sent before its close reply,
 * for at most timeout_ms (blocking). 0 once the peer's close arrived
 * (nothing it sent is left unread); -ETIMEDOUT; on_message's non-zero stop
 * value; or the connection's error. ws is freed in every case.
 */
int gcb_ws_close_drain(gcb_ws_t *ws, unsigned code, unsigned timeout_ms,
		       int (*on_message)(void *arg, const char *msg, size_t len), void *arg);

/*
 * Whether a connectUri may be used: wss:// to the region's domain (the API
 * host without its "api." label, or a subdomain of it), or any ws:// or
 * wss:// to loopback. 0, or -EINVAL / -EPERM with the reason in errstr.
 */
int gcb_ws_connect_uri_check(const char *uri, const char *api_base, char *errstr,
			     size_t errstr_size);

#endif

/*
 * Internals of the WebSocket client (stages/ws), shared by its files only:
 * URL parsing, the TCP/TLS transport and the HTTP/1.1 upgrade handshake.
 * Framing (gcb_ws.c) sits on top of the transport.
 */
#ifndef GCB_WS_INT_H
#define GCB_WS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stages/ws/gcb_ws.h"

#define GCB_WS_HOST_MAX	       256
#define GCB_WS_PATH_MAX	       4096
#define GCB_WS_ACCEPT_LEN      28 /* base64 of a 20-byte SHA-1 */
#define GCB_WS_KEY_LEN	       24 /* base64 of 16 random bytes */
#define GCB_WS_RESPONSE_MAX    8192
#define GCB_WS_DEFAULT_MAX_MSG (16u << 20)

typedef struct gcb_ws_url {
	int tls;		    /* wss:// */
	char host[GCB_WS_HOST_MAX]; /* without brackets for IPv6 literals */
	uint16_t port;		    /* explicit or 80 / 443 */
	int port_given;		    /* the URL named the port */
	int ipv6;		    /* host is an IPv6 literal */
	char path[GCB_WS_PATH_MAX]; /* path and query, at least "/" */
} gcb_ws_url_t;

/*
 * Parses ws://host[:port][/path][?query] or wss://... (scheme
 * case-insensitive, IPv6 literals in brackets). No user info, no fragment.
 * 0 or -EINVAL with the reason in errstr.
 */
int gcb_ws_url_parse(gcb_ws_url_t *u, const char *url, char *errstr, size_t errstr_size);

/* The Host header value: host, bracketed when IPv6, ":port" when not the default. */
void gcb_ws_url_host_header(const gcb_ws_url_t *u, char *out, size_t out_size);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t gcb_ws_now_ms(void);

/* The transport: a non-blocking TCP socket, with OpenSSL on top for wss://. */
typedef struct gcb_ws_conn {
	int fd;
	void *ssl_ctx;	      /* SSL_CTX *, NULL for ws:// */
	void *ssl;	      /* SSL * */
	int read_wants_write; /* SSL_read() needs the socket writable */
	int write_wants_read; /* SSL_write() needs the socket readable */
	uint64_t bytes_in;
	uint64_t bytes_out;
} gcb_ws_conn_t;

/*
 * Connects (TCP, then TLS when u->tls) before deadline_ms (gcb_ws_now_ms()
 * clock). 0, or -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH, -EPROTO (TLS),
 * -errno, with the reason in errstr; on failure c holds nothing.
 */
int gcb_ws_conn_open(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const gcb_ws_opts_t *opts,
		     int64_t deadline_ms, char *errstr, size_t errstr_size);

/*
 * Non-blocking I/O: bytes moved (> 0), 0 for an orderly end of stream
 * (read only), -EAGAIN when the socket is not ready, -ECONNRESET, -EPROTO
 * (TLS) or -errno.
 */
ssize_t gcb_ws_conn_read(gcb_ws_conn_t *c, void *buf, size_t len);
ssize_t gcb_ws_conn_write(gcb_ws_conn_t *c, const void *buf, size_t len);

/* Waits until the socket is ready for events (POLLIN/POLLOUT) or the deadline: 0 or -ETIMEDOUT. */
int gcb_ws_conn_wait(gcb_ws_conn_t *c, short events, int64_t deadline_ms);

/*
 * Puts TLS on the connected socket c->fd: verification and host name
 * check unless opts->tls_verify is 0, SNI for names. 0, -ETIMEDOUT or
 * -EPROTO with the reason in errstr; the caller closes c on failure.
 */
int gcb_ws_tls_open(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const gcb_ws_opts_t *opts,
		    int64_t deadline_ms, char *errstr, size_t errstr_size);

/* Best-effort TLS close_notify, then closes the socket. Safe after a failed open. */
void gcb_ws_conn_close(gcb_ws_conn_t *c);

/* Sec-WebSocket-Accept for key: base64(SHA-1(key + RFC 6455 GUID)). 0 or -EIO. */
int gcb_ws_accept_key(const char *key, char out[GCB_WS_ACCEPT_LEN + 1]);

/*
 * Checks an upgrade response head (status line and headers up to and
 * including the blank line): 101, Upgrade: websocket, Connection: upgrade,
 * Sec-WebSocket-Accept == accept. 0 or -EPROTO with the reason in errstr.
 */
int gcb_ws_handshake_check(const char *head, size_t len, const char *accept, char *errstr,
			   size_t errstr_size);

/*
 * Sends the upgrade request and reads the response before deadline_ms.
 * Bytes the server sent after the response head (the first frames) are
 * returned in *extra (malloc'd, the caller frees) / *extra_len.
 * 0, -ETIMEDOUT, -EPROTO, -ECONNRESET or -errno with the reason in errstr.
 */
int gcb_ws_handshake(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const char *user_agent,
		     int64_t deadline_ms, uint8_t **extra, size_t *extra_len, char *errstr,
		     size_t errstr_size);

/*
 * A client over an already upgraded plain socket fd (owned from now on):
 * extra_len bytes of extra are taken as read from it before anything else.
 * For tests and the fuzz target, which feed it frames without a server.
 */
int gcb_ws_adopt(gcb_ws_t **out, int fd, const uint8_t *extra, size_t extra_len,
		 size_t max_message);

#endif

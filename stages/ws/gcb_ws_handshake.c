/*
 * The HTTP/1.1 upgrade (RFC 6455 section 4): a GET with a fresh random
 * Sec-WebSocket-Key, then a 101 answer whose Sec-WebSocket-Accept proves
 * the server read that key. No extensions and no subprotocol are offered,
 * so an answer selecting either fails the connection.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "stages/ws/gcb_ws_int.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

int gcb_ws_accept_key(const char *key, char out[GCB_WS_ACCEPT_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	char buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "%s%s", key, WS_GUID);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	if (EVP_Digest(buf, (size_t)n, md, &md_len, EVP_sha1(), NULL) != 1 || md_len != 20)
		return -EIO;
	EVP_EncodeBlock((unsigned char *)out, md, 20);
	out[GCB_WS_ACCEPT_LEN] = '\0';
	return 0;
}

static int key_new(char out[GCB_WS_KEY_LEN + 1])
{
	unsigned char raw[16];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -EIO;
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
	out[GCB_WS_KEY_LEN] = '\0';
	return 0;
}

/* Does the comma-separated list [v, v + n) hold token (case-insensitive)? */
static int has_token(const char *v, size_t n, const char *token)
{
	size_t tl = strlen(token);
	const char *end = v + n;

	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		const char *e = comma ? comma : end;

		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - v) == tl && strncasecmp(v, token, tl) == 0)
			return 1;
		v = comma ? comma + 1 : end;
	}
	return 0;
}

static int hs_fail(char *errstr, size_t errstr_size, const char *why, const char *v, size_t vl)
{
	snprintf(errstr, errstr_size, "WebSocket upgrade failed: %s%s%.*s%s", why, v ? " (" : "",
		 v ? (int)(vl > 120 ? 120 : vl) : 0, v ? v : "", v ? ")" : "");
	return -EPROTO;
}

int gcb_ws_handshake_check(const char *head, size_t len, const char *accept, char *errstr,
			   size_t errstr_size)
{
	const char *p = head, *end = head + len, *eol;
	int upgrade = 0, connection = 0, accepted = 0;
	size_t sl;

	eol = memmem(p, len, "\r\n", 2);
	if (!eol)
		return hs_fail(errstr, errstr_size, "no status line", NULL, 0);
	sl = (size_t)(eol - p);
	if (sl < 12 || strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ')
		return hs_fail(errstr, errstr_size, "not an HTTP/1.x answer", p, sl);
	if (strncmp(p + 9, "101", 3) != 0 || (sl > 12 && p[12] != ' '))
		return hs_fail(errstr, errstr_size, "the server refused", p, sl);

	for (p = eol + 2; p < end; p = eol + 2) {
		const char *colon, *v, *ve;

		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol || eol == p)
			break; /* the blank line ends the head */
		colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon)
			return hs_fail(errstr, errstr_size, "malformed header line", p,
				       (size_t)(eol - p));
		v = colon + 1;
		ve = eol;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
#define IS(name) ((size_t)(colon - p) == strlen(name) && strncasecmp(p, name, strlen(name)) == 0)
		if (IS("Upgrade")) {
			upgrade = has_token(v, (size_t)(ve - v), "websocket");
		} else if (IS("Connection")) {
			connection = connection || has_token(v, (size_t)(ve - v), "upgrade");
		} else if (IS("Sec-WebSocket-Accept")) {
			accepted = (size_t)(ve - v) == strlen(accept) &&
				   memcmp(v, accept, strlen(accept)) == 0;
			if (!accepted)
				return hs_fail(errstr, errstr_size, "wrong Sec-WebSocket-Accept", v,
					       (size_t)(ve - v));
		} else if (IS("Sec-WebSocket-Extensions") || IS("Sec-WebSocket-Protocol")) {
			if (ve > v)
				return hs_fail(errstr, errstr_size,
					       "the server chose an extension or subprotocol "
					       "that was not offered",
					       p, (size_t)(eol - p));
		}
#undef IS
	}
	if (!upgrade)
		return hs_fail(errstr, errstr_size, "no \"Upgrade: websocket\" header", NULL, 0);
	if (!connection)
		return hs_fail(errstr, errstr_size, "no \"Connection: Upgrade\" header", NULL, 0);
	if (!accepted)
		return hs_fail(errstr, errstr_size, "no Sec-WebSocket-Accept header", NULL, 0);
	return 0;
}

/* Waits for whichever direction the transport needs: 0, -ETIMEDOUT or -errno. */
static int wait_io(gcb_ws_conn_t *c, int writing, int64_t deadline_ms)
{
	short ev;

	if (writing)
		ev = c->write_wants_read ? POLLIN : POLLOUT;
	else
		ev = c->read_wants_write ? POLLOUT : POLLIN;
	return gcb_ws_conn_wait(c, ev, deadline_ms);
}

static int send_request(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const char *user_agent,
			const char *key, int64_t deadline_ms, char *errstr, size_t errstr_size)
{
	char host[GCB_WS_HOST_MAX + 16];
	char *req;
	size_t len, off = 0;
	int n, rc = 0;

	gcb_ws_url_host_header(u, host, sizeof(host));
	n = asprintf(&req,
		     "GET %s HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n"
		     "User-Agent: %.200s\r\n"
		     "\r\n",
		     u->path, host, key, user_agent);
	if (n < 0) {
		snprintf(errstr, errstr_size, "asprintf() failed: out of memory");
		return -ENOMEM;
	}
	len = (size_t)n;
	while (off < len) {
		ssize_t w = gcb_ws_conn_write(c, req + off, len - off);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w == -EAGAIN)
			rc = wait_io(c, 1, deadline_ms);
		else
			rc = w < 0 ? (int)w : -ECONNRESET;
		if (rc < 0)
			break;
	}
	free(req);
	if (rc == -ETIMEDOUT)
		snprintf(errstr, errstr_size, "sending the WebSocket upgrade to %s:%u timed out",
			 u->host, (unsigned)u->port);
	else if (rc < 0)
		snprintf(errstr, errstr_size, "sending the WebSocket upgrade to %s:%u failed: %s",
			 u->host, (unsigned)u->port, strerror(-rc));
	return rc;
}

int gcb_ws_handshake(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const char *user_agent,
		     int64_t deadline_ms, uint8_t **extra, size_t *extra_len, char *errstr,
		     size_t errstr_size)
{
	char key[GCB_WS_KEY_LEN + 1], accept[GCB_WS_ACCEPT_LEN + 1];
	char *buf = NULL, *end = NULL;
	size_t len = 0, head_len, rest;
	int rc;

	*extra = NULL;
	*extra_len = 0;
	if (key_new(key) < 0 || gcb_ws_accept_key(key, accept) < 0) {
		snprintf(errstr, errstr_size, "RAND_bytes()/EVP_Digest() failed");
		return -EIO;
	}
	rc = send_request(c, u, user_agent, key, deadline_ms, errstr, errstr_size);
	if (rc < 0)
		return rc;

	buf = malloc(GCB_WS_RESPONSE_MAX);
	if (!buf) {
		snprintf(errstr, errstr_size, "malloc() failed: out of memory");
		return -ENOMEM;
	}
	while (!end) {
		ssize_t n;

		if (len == GCB_WS_RESPONSE_MAX) {
			rc = hs_fail(errstr, errstr_size, "answer head too large", NULL, 0);
			goto fail;
		}
		n = gcb_ws_conn_read(c, buf + len, GCB_WS_RESPONSE_MAX - len);
		if (n == -EAGAIN) {
			rc = wait_io(c, 0, deadline_ms);
			if (rc == -ETIMEDOUT) {
				snprintf(errstr, errstr_size,
					 "no WebSocket upgrade answer from %s:%u in time", u->host,
					 (unsigned)u->port);
				goto fail;
			}
			if (rc < 0) {
				snprintf(errstr, errstr_size, "poll() failed: %s", strerror(-rc));
				goto fail;
			}
			continue;
		}
		if (n == 0) {
			snprintf(errstr, errstr_size,
				 "%s:%u closed the connection during the WebSocket upgrade",
				 u->host, (unsigned)u->port);
			rc = -ECONNRESET;
			goto fail;
		}
		if (n < 0) {
			rc = (int)n;
			snprintf(errstr, errstr_size,
				 "reading the WebSocket upgrade answer from %s:%u failed: %s",
				 u->host, (unsigned)u->port, strerror(-rc));
			goto fail;
		}
		/* Look again a little before the new bytes: the terminator may straddle reads. */
		{
			size_t from = len > 3 ? len - 3 : 0;

			len += (size_t)n;
			end = memmem(buf + from, len - from, "\r\n\r\n", 4);
		}
	}
	head_len = (size_t)(end - buf) + 4;
	rc = gcb_ws_handshake_check(buf, head_len, accept, errstr, errstr_size);
	if (rc < 0)
		goto fail;
	rest = len - head_len;
	if (rest) {
		memmove(buf, buf + head_len, rest);
		*extra = (uint8_t *)buf;
		*extra_len = rest;
	} else {
		free(buf);
	}
	return 0;
fail:
	free(buf);
	return rc;
}

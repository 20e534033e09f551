/*
 * The WebSocket transport: a non-blocking TCP connection (connect bounded
 * by the caller's deadline), optionally wrapped in TLS (gcb_ws_tls.c). Reads
 * and writes never block; TLS renegotiation needs are remembered so the
 * owner polls for the right direction.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "stages/ws/gcb_ws_int.h"
#include "lib/gcb_clock.h"
#include "lib/gcb_log.h"

int64_t gcb_ws_now_ms(void)
{
	return (int64_t)(gcb_clock_mono_ms());
}

int gcb_ws_conn_wait(gcb_ws_conn_t *c, short events, int64_t deadline_ms)
{
	struct pollfd pfd = {.fd = c->fd, .events = events};

	for (;;) {
		int64_t left = deadline_ms - gcb_ws_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, left > 1000000 ? 1000000 : (int)left);
		if (n > 0)
			return 0; /* ready, or an error the next call reports */
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* One address: 0 connected, else -errno (-ETIMEDOUT when the deadline passed). */
static int tcp_connect_one(const struct addrinfo *ai, int64_t deadline_ms, int *fdp)
{
	gcb_ws_conn_t tmp = {.fd = -1};
	socklen_t len = sizeof(int);
	int fd, soerr = 0, one = 1, rc;

	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			rc = -errno;
			goto fail;
		}
		tmp.fd = fd;
		rc = gcb_ws_conn_wait(&tmp, POLLOUT, deadline_ms);
		if (rc < 0)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0) {
			rc = -errno;
			goto fail;
		}
		if (soerr) {
			rc = -soerr;
			goto fail;
		}
	}
	/* Small control messages (subscribe, ping) should not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fdp = fd;
	return 0;
fail:
	close(fd);
	return rc;
}

int gcb_ws_conn_open(gcb_ws_conn_t *c, const gcb_ws_url_t *u, const gcb_ws_opts_t *opts,
		     int64_t deadline_ms, char *errstr, size_t errstr_size)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG};
	struct addrinfo *res = NULL, *ai;
	char port[8];
	int rc, grc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	snprintf(port, sizeof(port), "%u", (unsigned)u->port);
	grc = getaddrinfo(u->host, port, &hints, &res);
	if (grc != 0) {
		snprintf(errstr, errstr_size, "getaddrinfo(%s) failed: %s", u->host,
			 gai_strerror(grc));
		return -EHOSTUNREACH;
	}
	rc = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		rc = tcp_connect_one(ai, deadline_ms, &c->fd);
		if (rc == 0 || rc == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (rc == -ETIMEDOUT) {
		snprintf(errstr, errstr_size, "connect() to %s:%u timed out", u->host,
			 (unsigned)u->port);
		return rc;
	}
	if (rc < 0) {
		snprintf(errstr, errstr_size, "connect() to %s:%u failed: %s", u->host,
			 (unsigned)u->port, strerror(-rc));
		return rc;
	}
	if (u->tls) {
		rc = gcb_ws_tls_open(c, u, opts, deadline_ms, errstr, errstr_size);
		if (rc < 0) {
			gcb_ws_conn_close(c);
			return rc;
		}
	}
	return 0;
}

static ssize_t tls_result(gcb_ws_conn_t *c, int n, int is_read)
{
	int err = SSL_get_error(c->ssl, n);

	switch (err) {
	case SSL_ERROR_WANT_READ:
		if (!is_read)
			c->write_wants_read = 1;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		if (is_read)
			c->read_wants_write = 1;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return is_read ? 0 : -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		if (errno == EAGAIN || errno == EINTR)
			return -EAGAIN;
		return errno ? -errno : (is_read ? 0 : -ECONNRESET);
	default: {
		char why[256];
		unsigned long e = ERR_peek_last_error();

		if (e)
			ERR_error_string_n(e, why, sizeof(why));
		else
			snprintf(why, sizeof(why), "SSL error %d", err);
		ERR_clear_error();
		gcb_log_warn("%s() failed: %s", is_read ? "SSL_read" : "SSL_write", why);
		return -EPROTO;
	}
	}
}

ssize_t gcb_ws_conn_read(gcb_ws_conn_t *c, void *buf, size_t len)
{
	ssize_t n;

	if (c->ssl) {
		int r;

		ERR_clear_error();
		errno = 0;
		r = SSL_read(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
		c->read_wants_write = 0;
		if (r <= 0)
			return tls_result(c, r, 1);
		n = r;
	} else {
		do
			n = recv(c->fd, buf, len, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	c->bytes_in += (uint64_t)n;
	return n;
}

ssize_t gcb_ws_conn_write(gcb_ws_conn_t *c, const void *buf, size_t len)
{
	ssize_t n;

	if (c->ssl) {
		int r;

		ERR_clear_error();
		errno = 0;
		r = SSL_write(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
		c->write_wants_read = 0;
		if (r <= 0)
			return tls_result(c, r, 0);
		n = r;
	} else {
		/* MSG_NOSIGNAL: a peer gone away is an error here, not a SIGPIPE. */
		do
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	}
	c->bytes_out += (uint64_t)n;
	return n;
}

void gcb_ws_conn_close(gcb_ws_conn_t *c)
{
	if (c->ssl) {
		/* One non-blocking attempt at close_notify; the WebSocket close frame matters more.
		 */
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->ssl_ctx) {
		SSL_CTX_free(c->ssl_ctx);
		c->ssl_ctx = NULL;
	}
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
}

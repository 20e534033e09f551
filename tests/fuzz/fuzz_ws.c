/*
 * libFuzzer target for the WebSocket client's parsing; the first byte
 * chooses what the rest is:
 *   0  server frames: a client adopted over a socket pair is fed the bytes
 *      as what the server sent after the upgrade, and serviced until it
 *      reports the end (the peer half-closes after them); every message
 *      handed over is within max_message; the handler sometimes asks to
 *      stop, which leaves the bytes already read for the next call
 *   1  an upgrade answer head to gcb_ws_handshake_check() against a fixed
 *      Sec-WebSocket-Accept; a refusal has a reason
 *   2  a URL to gcb_ws_url_parse() and gcb_ws_connect_uri_check(); an
 *      accepted connectUri is loopback or wss:// in the region's domain
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "stages/ws/gcb_ws_int.h"
#include "lib/gcb_log.h"

#define MAX_MESSAGE 4096

struct run {
	unsigned messages;
	unsigned stop_every;
};

static int on_message(void *arg, const char *msg, size_t len)
{
	struct run *r = arg;

	if (len > MAX_MESSAGE || (len > 0 && msg == NULL))
		abort();
	r->messages++;
	return r->stop_every != 0 && r->messages % r->stop_every == 0;
}

static void frames(const uint8_t *data, size_t size)
{
	struct run r = {0, size > 0 ? data[0] % 4 : 0};
	gcb_ws_t *ws;
	int sv[2], rc = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		return;
	shutdown(sv[1], SHUT_WR); /* the server has said all it will */
	if (gcb_ws_adopt(&ws, sv[0], data, size, MAX_MESSAGE) != 0) {
		close(sv[0]);
		close(sv[1]);
		return;
	}
	/* A stop returns at once; what was read after it goes out on the following calls. */
	for (size_t i = 0; i < size + 64 && rc >= 0; i++)
		rc = gcb_ws_service(ws, on_message, &r);
	gcb_ws_close(ws, 1000);
	close(sv[1]);
}

static void handshake(const uint8_t *data, size_t size)
{
	char *head = malloc(size + 1), err[256] = "";
	int rc;

	if (head == NULL)
		return;
	memcpy(head, data, size);
	head[size] = '\0';
	rc = gcb_ws_handshake_check(head, size, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", err, sizeof(err));
	if (rc != 0 && err[0] == '\0')
		abort();
	free(head);
}

static void url(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), err[256];
	gcb_ws_url_t u;

	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (gcb_ws_url_parse(&u, s, err, sizeof(err)) == 0 &&
	    (u.host[0] == '\0' || u.path[0] != '/' || u.port == 0))
		abort();
	if (gcb_ws_connect_uri_check(s, "https://api.mypurecloud.de", err, sizeof(err)) == 0 &&
	    gcb_ws_url_parse(&u, s, err, sizeof(err)) != 0)
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int quiet;

	if (!quiet) {
		gcb_log_setup("fuzz", GCB_LOG_ERROR, GCB_LOG_LOGFMT);
		quiet = 1;
	}
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		frames(data + 1, size - 1);
		break;
	case 1:
		handshake(data + 1, size - 1);
		break;
	default:
		url(data + 1, size - 1);
		break;
	}
	return 0;
}

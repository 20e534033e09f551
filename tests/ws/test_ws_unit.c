/*
 * Unit tests of the WebSocket client's pure parts: URL parsing, the
 * Sec-WebSocket-Accept computation (RFC 6455 section 1.3 example) and the
 * upgrade answer check; and the closing handshake (gcb_ws_close_drain())
 * against a server played on the other end of a socket pair.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "stages/ws/gcb_ws_int.h"

static void test_url_ok(void **state)
{
	gcb_ws_url_t u;
	char err[256], host[300];

	(void)state;
	assert_int_equal(gcb_ws_url_parse(&u, "ws://127.0.0.1:8080/channels/abc", err, sizeof(err)),
			 0);
	assert_int_equal(u.tls, 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 8080);
	assert_string_equal(u.path, "/channels/abc");
	gcb_ws_url_host_header(&u, host, sizeof(host));
	assert_string_equal(host, "127.0.0.1:8080");

	assert_int_equal(gcb_ws_url_parse(&u,
					  "WSS://streaming.mypurecloud.com/channels/"
					  "streaming-0-abc?x=1&y=2",
					  err, sizeof(err)),
			 0);
	assert_int_equal(u.tls, 1);
	assert_string_equal(u.host, "streaming.mypurecloud.com");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/channels/streaming-0-abc?x=1&y=2");
	gcb_ws_url_host_header(&u, host, sizeof(host));
	assert_string_equal(host, "streaming.mypurecloud.com");

	assert_int_equal(gcb_ws_url_parse(&u, "ws://localhost", err, sizeof(err)), 0);
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/");

	assert_int_equal(gcb_ws_url_parse(&u, "ws://h:81?q", err, sizeof(err)), 0);
	assert_string_equal(u.path, "/?q");

	assert_int_equal(gcb_ws_url_parse(&u, "wss://[::1]:9443/x", err, sizeof(err)), 0);
	assert_int_equal(u.ipv6, 1);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9443);
	gcb_ws_url_host_header(&u, host, sizeof(host));
	assert_string_equal(host, "[::1]:9443");

	/* The default port named explicitly stays out of Host. */
	assert_int_equal(gcb_ws_url_parse(&u, "wss://example.com:443/", err, sizeof(err)), 0);
	gcb_ws_url_host_header(&u, host, sizeof(host));
	assert_string_equal(host, "example.com");
}

static void test_url_bad(void **state)
{
	static const char *const bad[] = {
	    "http://example.com/",
	    "ws:/example.com",
	    "ws://",
	    "ws:///path",
	    "ws://example.com:0/",
	    "ws://example.com:65536/",
	    "ws://example.com:12a/",
	    "ws://example.com:/",
	    "ws://user@example.com/",
	    "ws://example.com/#frag",
	    "ws://exa mple.com/",
	    "ws://example.com/a b",
	    "ws://[::1/",
	    "ws://[::1]x/",
	    "ws://ex\"ample.com/",
	    "",
	};
	gcb_ws_url_t u;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(gcb_ws_url_parse(&u, bad[i], err, sizeof(err)), -EINVAL);
		assert_true(strlen(err) > 0);
	}
	assert_int_equal(gcb_ws_url_parse(&u, NULL, err, sizeof(err)), -EINVAL);
}

static void test_url_long(void **state)
{
	static char url[GCB_WS_PATH_MAX + 64];
	gcb_ws_url_t u;
	char err[256];

	(void)state;
	strcpy(url, "ws://h/");
	memset(url + 7, 'a', GCB_WS_PATH_MAX + 10);
	url[7 + GCB_WS_PATH_MAX + 10] = '\0';
	assert_int_equal(gcb_ws_url_parse(&u, url, err, sizeof(err)), -EINVAL);

	strcpy(url, "ws://");
	memset(url + 5, 'h', GCB_WS_HOST_MAX + 1);
	url[5 + GCB_WS_HOST_MAX + 1] = '\0';
	assert_int_equal(gcb_ws_url_parse(&u, url, err, sizeof(err)), -EINVAL);
}

static void test_accept_key(void **state)
{
	char out[GCB_WS_ACCEPT_LEN + 1];

	(void)state;
	assert_int_equal(gcb_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static int check(const char *head)
{
	char err[256];

	return gcb_ws_handshake_check(head, strlen(head), ACCEPT, err, sizeof(err));
}

static void test_handshake_check(void **state)
{
	(void)state;
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "Upgrade: websocket\r\n"
			       "Connection: Upgrade\r\n"
			       "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n"),
			 0);
	/* Case-insensitive names and tokens, token lists, extra whitespace. */
	assert_int_equal(check("HTTP/1.1 101\r\n"
			       "upgrade:WebSocket\r\n"
			       "connection: keep-alive, UPGRADE\r\n"
			       "sec-websocket-accept:   " ACCEPT "  \r\n"
			       "Server: x\r\n\r\n"),
			 0);
	assert_int_equal(check("HTTP/1.1 200 OK\r\n"
			       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			       "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n"),
			 -EPROTO);
	assert_int_equal(check("HTTP/1.1 1010 x\r\n\r\n"), -EPROTO);
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			       "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"),
			 -EPROTO);
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "Connection: Upgrade\r\n"
			       "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n"),
			 -EPROTO);
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "Upgrade: websocket\r\n"
			       "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n"),
			 -EPROTO);
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n"),
			 -EPROTO);
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			       "Sec-WebSocket-Extensions: permessage-deflate\r\n"
			       "Sec-WebSocket-Accept: " ACCEPT "\r\n\r\n"),
			 -EPROTO);
	assert_int_equal(check("SSH-2.0-OpenSSH\r\n\r\n"), -EPROTO);
	assert_int_equal(check("HTTP/1.1 101 Switching Protocols\r\n"
			       "garbage line\r\n\r\n"),
			 -EPROTO);
}

/* connectUri: wss:// in the region's domain, or loopback; nothing else. */
static void test_connect_uri(void **state)
{
	const char *api = "https://api.mypurecloud.de";
	char err[256];

	(void)state;
	assert_int_equal(gcb_ws_connect_uri_check("wss://streaming.mypurecloud.de/channels/x", api,
						  err, sizeof(err)),
			 0);
	assert_int_equal(
	    gcb_ws_connect_uri_check("WSS://Streaming.MyPureCloud.DE:443/c", api, err, sizeof(err)),
	    0);
	assert_int_equal(gcb_ws_connect_uri_check("ws://127.0.0.1:4567/c", "http://127.0.0.1:4567",
						  err, sizeof(err)),
			 0);
	assert_int_equal(gcb_ws_connect_uri_check("wss://[::1]:4567/c", api, err, sizeof(err)), 0);
	assert_int_equal(
	    gcb_ws_connect_uri_check("ws://streaming.mypurecloud.de/c", api, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "not wss://"));
	assert_int_equal(gcb_ws_connect_uri_check("wss://evil.example/c", api, err, sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, "not in the region's domain mypurecloud.de"));
	assert_int_equal(
	    gcb_ws_connect_uri_check("wss://evilmypurecloud.de/c", api, err, sizeof(err)), -EPERM);
	assert_int_equal(
	    gcb_ws_connect_uri_check("wss://mypurecloud.de.evil.example/c", api, err, sizeof(err)),
	    -EPERM);
	assert_int_equal(
	    gcb_ws_connect_uri_check("wss://127.0.0.1.evil.example/c", api, err, sizeof(err)),
	    -EPERM);
	assert_int_equal(
	    gcb_ws_connect_uri_check("https://streaming.mypurecloud.de/c", api, err, sizeof(err)),
	    -EINVAL);
}

/* ---- the closing handshake ---- */

struct seen {
	unsigned n;
	char last[16];
	int stop_at; /* on_message returns 7 at this message (1-based); 0 never */
};

static int on_message(void *arg, const char *msg, size_t len)
{
	struct seen *s = arg;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%.*s", (int)len, msg);
	return s->stop_at != 0 && s->n == (unsigned)s->stop_at ? 7 : 0;
}

/* Writes what the server says: unmasked text frames, then maybe a close. */
static void server_says(int fd, const char *const *texts, int close_frame)
{
	for (; *texts != NULL; texts++) {
		uint8_t f[2] = {0x81, (uint8_t)strlen(*texts)};

		assert_int_equal(write(fd, f, 2), 2);
		assert_int_equal(write(fd, *texts, f[1]), (ssize_t)f[1]);
	}
	if (close_frame) {
		static const uint8_t c[] = {0x88, 0x02, 0x03, 0xe8}; /* close, 1000 */

		assert_int_equal(write(fd, c, sizeof(c)), (ssize_t)sizeof(c));
	}
}

static gcb_ws_t *pair(int sv[2])
{
	gcb_ws_t *ws = NULL;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(gcb_ws_adopt(&ws, sv[0], NULL, 0, 1 << 16), 0);
	return ws;
}

/* The client's close frame reached the server: masked, opcode 8, code 1000. */
static void assert_client_closed(int fd)
{
	uint8_t b[16];
	ssize_t n = read(fd, b, sizeof(b));

	assert_true(n >= 8);
	assert_int_equal(b[0], 0x88);
	assert_int_equal(b[1], 0x80 | 2);
	assert_int_equal((b[6] ^ b[2]) << 8 | (b[7] ^ b[3]), 1000);
}

/* What the server sent before its close reply is all handed over: 0. */
static void test_close_drain_reads_to_reply(void **state)
{
	static const char *const said[] = {"one", "two", "three", NULL};
	struct seen s = {0};
	int sv[2];
	gcb_ws_t *ws = pair(sv);

	(void)state;
	server_says(sv[1], said, 1);
	assert_int_equal(gcb_ws_close_drain(ws, 1000, 2000, on_message, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.last, "three");
	assert_client_closed(sv[1]);
	close(sv[1]);
}

/* No close reply: what came is handed over, then -ETIMEDOUT. */
static void test_close_drain_times_out(void **state)
{
	static const char *const said[] = {"one", NULL};
	struct seen s = {0};
	int sv[2];
	gcb_ws_t *ws = pair(sv);

	(void)state;
	server_says(sv[1], said, 0);
	assert_int_equal(gcb_ws_close_drain(ws, 1000, 50, on_message, &s), -ETIMEDOUT);
	assert_int_equal(s.n, 1);
	close(sv[1]);
}

/* The server just goes away: not a clean close. */
static void test_close_drain_connection_lost(void **state)
{
	static const char *const said[] = {"one", NULL};
	struct seen s = {0};
	int sv[2];
	gcb_ws_t *ws = pair(sv);

	(void)state;
	server_says(sv[1], said, 0);
	close(sv[1]);
	assert_int_equal(gcb_ws_close_drain(ws, 1000, 2000, on_message, &s), -ECONNRESET);
	assert_int_equal(s.n, 1);
}

/* on_message's stop ends the drain with its value. */
static void test_close_drain_stop(void **state)
{
	static const char *const said[] = {"one", "two", "three", NULL};
	struct seen s = {.stop_at = 2};
	int sv[2];
	gcb_ws_t *ws = pair(sv);

	(void)state;
	server_says(sv[1], said, 1);
	assert_int_equal(gcb_ws_close_drain(ws, 1000, 2000, on_message, &s), 7);
	assert_int_equal(s.n, 2);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_ok),
	    cmocka_unit_test(test_url_bad),
	    cmocka_unit_test(test_url_long),
	    cmocka_unit_test(test_accept_key),
	    cmocka_unit_test(test_handshake_check),
	    cmocka_unit_test(test_connect_uri),
	    cmocka_unit_test(test_close_drain_reads_to_reply),
	    cmocka_unit_test(test_close_drain_times_out),
	    cmocka_unit_test(test_close_drain_connection_lost),
	    cmocka_unit_test(test_close_drain_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

# stages/ws: the WebSocket client (TCP/TLS transport, HTTP upgrade, libwslay
# framing) for the notification source. Linked into the fetcher and tests,
# together with $(LOG_SRCS).

WS_SRCS := stages/ws/gcb_ws.c stages/ws/gcb_ws_url.c stages/ws/gcb_ws_conn.c \
	stages/ws/gcb_ws_tls.c stages/ws/gcb_ws_handshake.c $(BUF_SRCS) $(UTF8_SRCS)
WS_LIBS := $(call pkglibs,libssl libcrypto) -lwslay

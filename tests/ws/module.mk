# tests/ws: the WebSocket client's unit test and its driver for the socket tests.

PROGS += test-ws-unit
test-ws-unit.srcs = tests/ws/test_ws_unit.c $(WS_SRCS) $(LOG_SRCS)
test-ws-unit.libs = $(call pkglibs,cmocka) $(WS_LIBS)
UNIT_TESTS += $(BIN)/test-ws-unit

PROGS += test-ws-client
test-ws-client.srcs = tests/ws/ws_client.c $(WS_SRCS) $(LOG_SRCS)
test-ws-client.libs = $(WS_LIBS)
INTEGRATION_TESTS += tests/ws/ws_plain.sh tests/ws/ws_tls.sh tests/ws/ws_valgrind.sh \
	tests/ws/ws_valgrind_tls.sh

# Receive-rate benchmark (make bench).
BENCHES += tests/ws/bench_ws.sh

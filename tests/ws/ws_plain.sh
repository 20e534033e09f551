#!/bin/sh
# The WebSocket client over plain ws:// on 127.0.0.1 against a websockets
# (python) server and a few raw TCP servers: round trip, many, large and
# fragmented messages, max_message, ping, close codes, handshake failures,
# timeouts and refusal.
. "$(dirname "$0")/ws_lib.sh"
T="-t 30000"

start_server echo -
URL="ws://127.0.0.1:$PORT/channels/x?y=1"
printf 'alpha\nbeta\n{"message":"ping"}\n' >"$TMP/want"
run "echo round trip" 0 $T -n 3 -s alpha -s beta -s '{"message":"ping"}' "$URL" &&
	expect_out "echo round trip" "$TMP/want"
run "bad url" 15 $T "http://127.0.0.1:$PORT/"
stop_server

start_server many 3000
seq 0 2999 | sed 's/^/m-/' >"$TMP/want"
run "many messages in order" 0 $T -n 3000 "ws://127.0.0.1:$PORT/" &&
	expect_out "many messages in order" "$TMP/want"
stop_server

start_server large 1048576
pattern 1048576 "$TMP/want"
run "1 MiB message" 0 $T -n 1 -m 2000000 "ws://127.0.0.1:$PORT/" &&
	expect_out "1 MiB message" "$TMP/want"
run "max_message exceeded" 14 $T -n 1 -m 1048575 "ws://127.0.0.1:$PORT/"
run "max_message exact" 0 $T -n 1 -m 1048576 "ws://127.0.0.1:$PORT/"
stop_server

start_server frag -
printf 'frag-afrag-bfrag-c\n' >"$TMP/want"
run "fragmented message" 0 $T -n 1 "ws://127.0.0.1:$PORT/" &&
	expect_out "fragmented message" "$TMP/want"
run "fragments over max_message" 14 $T -n 1 -m 12 "ws://127.0.0.1:$PORT/"
stop_server

start_server fraglarge 1048576
pattern 1048576 "$TMP/want"
run "1 MiB in 16 fragments" 0 $T -n 1 -m 1048576 "ws://127.0.0.1:$PORT/" &&
	expect_out "1 MiB in 16 fragments" "$TMP/want"
stop_server

start_server ping -
printf 'pong-ok\n' >"$TMP/want"
run "server ping answered" 0 $T -n 1 "ws://127.0.0.1:$PORT/" &&
	expect_out "server ping answered" "$TMP/want"
stop_server

start_server close 4000
run "server close" 13 $T "ws://127.0.0.1:$PORT/" &&
	expect_err "server close" "result=ECONNRESET close_code=4000"
stop_server

start_server burst 500
seq 0 499 | sed 's/^/b-/' >"$TMP/want"
run "frames in the upgrade answer's packet" 0 $T -n 500 "ws://127.0.0.1:$PORT/" &&
	expect_out "frames in the upgrade answer's packet" "$TMP/want"
stop_server

start_server silent -
run "no upgrade answer" 10 -t 1500 "ws://127.0.0.1:$PORT/" &&
	expect_err "no upgrade answer" "no WebSocket upgrade answer"
stop_server

start_server badaccept -
run "wrong Sec-WebSocket-Accept" 12 $T "ws://127.0.0.1:$PORT/" &&
	expect_err "wrong Sec-WebSocket-Accept" "wrong Sec-WebSocket-Accept"
stop_server

start_server status403 -
run "upgrade refused" 12 $T "ws://127.0.0.1:$PORT/" &&
	expect_err "upgrade refused" "403 Forbidden"
stop_server

# A port nothing listens on: bound then released by python.
FREE=$("$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "connection refused" 11 $T "ws://127.0.0.1:$FREE/" &&
	expect_err "connection refused" "Connection refused"

finish

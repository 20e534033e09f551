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
pattern 1048576 "$TMP/want"
run "1 MiB sent and echoed" 0 $T -S 1048576 -m 1048576 -n 1 "$URL" &&
	expect_out "1 MiB sent and echoed" "$TMP/want"
full && run "bad url" 15 $T "http://127.0.0.1:$PORT/"
stop_server

start_server many 3000
seq 0 2999 | sed 's/^/m-/' >"$TMP/want"
full && run "many messages in order" 0 $T -n 3000 "ws://127.0.0.1:$PORT/" &&
	expect_out "many messages in order" "$TMP/want"
stop_server

start_server large 1048576
pattern 1048576 "$TMP/want"
run "1 MiB message" 0 $T -n 1 -m 2000000 "ws://127.0.0.1:$PORT/" &&
	expect_out "1 MiB message" "$TMP/want"
run "max_message exceeded" 14 $T -n 1 -m 1048575 "ws://127.0.0.1:$PORT/"
full && run "max_message exact" 0 $T -n 1 -m 1048576 "ws://127.0.0.1:$PORT/"
stop_server

start_server frag -
printf 'frag-afrag-bfrag-c\n' >"$TMP/want"
full && run "fragmented message" 0 $T -n 1 "ws://127.0.0.1:$PORT/" &&
	expect_out "fragmented message" "$TMP/want"
full && run "fragments over max_message" 14 $T -n 1 -m 12 "ws://127.0.0.1:$PORT/"
stop_server

start_server fraglarge 1048576
pattern 1048576 "$TMP/want"
full && run "1 MiB in 16 fragments" 0 $T -n 1 -m 1048576 "ws://127.0.0.1:$PORT/" &&
	expect_out "1 MiB in 16 fragments" "$TMP/want"
stop_server

start_server ping -
printf 'pong-ok\n' >"$TMP/want"
full && run "server ping answered" 0 $T -n 1 "ws://127.0.0.1:$PORT/" &&
	expect_out "server ping answered" "$TMP/want"
stop_server

start_server close 4000
run "server close" 13 $T "ws://127.0.0.1:$PORT/" &&
	expect_err "server close" "result=ECONNRESET close_code=4000"
stop_server
if ! grep -q "client close reply: 4000" "$TMP/server.$seq.log"; then
	echo "FAIL server close: the client did not echo the close code" && fails=$((fails + 1))
	cat "$TMP/server.$seq.log"
fi

start_server burst 500
seq 0 499 | sed 's/^/b-/' >"$TMP/want"
full && run "frames in the upgrade answer's packet" 0 $T -n 500 "ws://127.0.0.1:$PORT/" &&
	expect_out "frames in the upgrade answer's packet" "$TMP/want"
stop_server

# The owner stops after each message (no room): the rest of the burst,
# already read, must come on the following calls, in order, none lost.
start_server burst 500
seq 0 499 | sed 's/^/b-/' >"$TMP/want"
run "early stop after each message" 0 $T -p -n 500 "ws://127.0.0.1:$PORT/" &&
	expect_out "early stop after each message" "$TMP/want"
stop_server

start_server many 3000
seq 0 2999 | sed 's/^/m-/' >"$TMP/want"
full && run "early stop, many messages" 0 $T -p -n 3000 "ws://127.0.0.1:$PORT/" &&
	expect_out "early stop, many messages" "$TMP/want"
stop_server

# Frames a server must not send (RFC 6455 section 5): each fails the
# connection; text before the fault still arrives.
frames() {
	start_server frames "$2"
	run "$1" "$3" $T "ws://127.0.0.1:$PORT/"
	stop_server
}
# A ping between the fragments of a text message: answered, and the
# message still arrives whole.
start_server frames 01036162638900800364656681026768
printf 'abcdef\ngh\n' >"$TMP/want"
run "ping inside a fragmented message" 0 $T -n 2 "ws://127.0.0.1:$PORT/" &&
	expect_out "ping inside a fragmented message" "$TMP/want"
stop_server
frames "invalid UTF-8 in a text message" 810268698102c328 12
if ! grep -qx hi "$TMP/out"; then
	echo "FAIL frames: no text before the fault" && fails=$((fails + 1))
fi
full && frames "a masked frame from the server" 81820102030469 12
full && frames "a reserved opcode" 8300 12
full && frames "a continuation without a start" 800161 12
full && frames "a 2^62-byte length claimed" 827f400000000000000000 14
full && frames "an orderly close without a code" 8100880000 13
full && frames "a close with an invalid code" 810068880203e7 12
full && frames "a close with a one-byte payload" 880103 12
full && frames "a close reason that is not UTF-8" 880403e8c328 12
full && frames "a text frame inside a fragmented message" 010161810162 12
full && frames "a reserved bit set" c10161 12
full && frames "a ping of 126 bytes" "897e007e$(printf '%0252d' 0)" 12
# A character split over two fragments is one valid character; a binary
# message is skipped, and the text after it arrives.
start_server frames 0101c38001a9820100810268698100
printf '\303\251\nhi\n\n' >"$TMP/want"
run "UTF-8 over fragments, binary skipped, empty text" 0 $T -n 3 "ws://127.0.0.1:$PORT/" &&
	expect_out "UTF-8 over fragments, binary skipped, empty text" "$TMP/want"
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
full && run "upgrade refused" 12 $T "ws://127.0.0.1:$PORT/" &&
	expect_err "upgrade refused" "403 Forbidden"
stop_server

# A port nothing listens on: bound then released by python.
FREE=$("$PY" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run "connection refused" 11 $T "ws://127.0.0.1:$FREE/" &&
	expect_err "connection refused" "Connection refused"

finish

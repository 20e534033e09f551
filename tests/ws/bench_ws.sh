#!/bin/sh
# Receive rate of the WebSocket client: a raw server writes N text frames of
# S bytes in one go (after the upgrade); the driver times from its first
# gcb_ws_service() call to the last message, over ws:// and wss://.
#   tests/ws/bench_ws.sh [N [S]]      (default 100000 messages of 1024 bytes)
. "$(dirname "$0")/ws_lib.sh"
N=${1:-100000}
S=${2:-1024}
. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd openssl openssl
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" 2>"$TMP/openssl.log" || {
	cat "$TMP/openssl.log"
	exit 1
}
for scheme in ws wss; do
	if [ $scheme = wss ]; then
		start_server burst "$N:$S" --cert "$TMP/cert.pem" --key "$TMP/key.pem"
	else
		start_server burst "$N:$S"
	fi
	run "bench $scheme:// $N x $S bytes" 0 -t 30000 -w 120000 -q -c "$TMP/cert.pem" \
		-n "$N" "$scheme://127.0.0.1:$PORT/" && echo "     $scheme: $(cat "$TMP/out")"
	stop_server
done
finish

#!/bin/sh
# The WebSocket client over wss:// on 127.0.0.1: a throwaway CA and server
# certificates made with the openssl CLI; verification against the CA,
# against the system store (fails), with a certificate for another name
# (fails), with verification off; large and many messages, ping and close
# through TLS.
. "$(dirname "$0")/ws_lib.sh"
. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd openssl openssl
T="-t 30000"

# cert NAME SAN: a key and a certificate signed by the test CA.
cert() {
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$TMP/$1.key" -out "$TMP/$1.csr" -subj "/CN=$1" 2>>"$TMP/openssl.log" &&
		printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
			"$2" >"$TMP/$1.ext" &&
		openssl x509 -req -in "$TMP/$1.csr" -CA "$TMP/ca.pem" -CAkey "$TMP/ca.key" \
			-CAcreateserial -days 2 -out "$TMP/$1.pem" -extfile "$TMP/$1.ext" \
			2>>"$TMP/openssl.log"
}
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$TMP/ca.key" -out "$TMP/ca.pem" -days 2 -subj "/CN=gcbridge test CA" \
	2>>"$TMP/openssl.log" ||
	! cert server "IP:127.0.0.1,DNS:localhost" || ! cert other "DNS:other.example"; then
	echo "making test certificates failed"
	cat "$TMP/openssl.log"
	exit 1
fi
CA="-c $TMP/ca.pem"
TLS="--cert $TMP/server.pem --key $TMP/server.key"

start_server echo - $TLS
printf 'hello\n' >"$TMP/want"
run "wss with the test CA" 0 $T $CA -n 1 -s hello "wss://127.0.0.1:$PORT/" &&
	expect_out "wss with the test CA" "$TMP/want"
pattern 1048576 "$TMP/want2"
run "wss 1 MiB sent and echoed" 0 $T $CA -S 1048576 -n 1 "wss://127.0.0.1:$PORT/" &&
	expect_out "wss 1 MiB sent and echoed" "$TMP/want2"
full && run "wss by name (SNI, DNS check)" 0 $T $CA -n 1 -s hello "wss://localhost:$PORT/" &&
	expect_out "wss by name (SNI, DNS check)" "$TMP/want"
run "wss against the system store" 12 $T -n 1 -s hello "wss://127.0.0.1:$PORT/" &&
	expect_err "wss against the system store" "certificate verification failed.*local issuer"
full && run "wss with verification off" 0 $T -k -n 1 -s hello "wss://127.0.0.1:$PORT/" &&
	expect_out "wss with verification off" "$TMP/want"
full && run "wss with a missing CA file" 12 $T -c "$TMP/nonexistent.pem" -n 1 "wss://127.0.0.1:$PORT/" &&
	expect_err "wss with a missing CA file" "cannot read CA file.*No such file"
full && run "ws:// to a TLS server" 13 $T -n 1 -s hello "ws://127.0.0.1:$PORT/"
stop_server

start_server echo - --cert "$TMP/other.pem" --key "$TMP/other.key"
full && run "wss with a certificate for another host" 12 $T $CA -n 1 "wss://127.0.0.1:$PORT/" &&
	expect_err "wss with a certificate for another host" "verification failed.*mismatch"
full && run "wss by name, certificate for another host" 12 $T $CA -n 1 "wss://localhost:$PORT/" &&
	expect_err "wss by name, certificate for another host" "verification failed.*mismatch"
full && run "another host, verification off" 0 $T -k -n 1 -s x "wss://127.0.0.1:$PORT/"
stop_server

start_server echo -
full && run "wss:// to a plain server" 12 $T $CA -n 1 "wss://127.0.0.1:$PORT/" &&
	expect_err "wss:// to a plain server" "SSL_connect"
stop_server

start_server silent -
run "TLS handshake never answered" 10 -t 1500 $CA -n 1 "wss://127.0.0.1:$PORT/" &&
	expect_err "TLS handshake never answered" "TLS handshake with .* timed out"
stop_server

start_server many 3000 $TLS
seq 0 2999 | sed 's/^/m-/' >"$TMP/want"
run "wss early stop after each message" 0 $T $CA -p -n 3000 "wss://127.0.0.1:$PORT/" &&
	expect_out "wss early stop after each message" "$TMP/want"
stop_server

start_server large 1048576 $TLS
pattern 1048576 "$TMP/want"
run "wss 1 MiB message" 0 $T $CA -n 1 -m 1048576 "wss://127.0.0.1:$PORT/" &&
	expect_out "wss 1 MiB message" "$TMP/want"
full && run "wss max_message exceeded" 14 $T $CA -n 1 -m 65536 "wss://127.0.0.1:$PORT/"
stop_server

start_server many 3000 $TLS
seq 0 2999 | sed 's/^/m-/' >"$TMP/want"
full && run "wss many messages" 0 $T $CA -n 3000 "wss://127.0.0.1:$PORT/" &&
	expect_out "wss many messages" "$TMP/want"
stop_server

start_server fraglarge 300000 $TLS
pattern 300000 "$TMP/want"
full && run "wss fragmented message" 0 $T $CA -n 1 "wss://127.0.0.1:$PORT/" &&
	expect_out "wss fragmented message" "$TMP/want"
stop_server

start_server ping - $TLS
full && run "wss server ping answered" 0 $T $CA -n 1 "wss://127.0.0.1:$PORT/"
stop_server

start_server close 1001 $TLS
run "wss server close" 13 $T $CA "wss://127.0.0.1:$PORT/" &&
	expect_err "wss server close" "close_code=1001"
stop_server

finish

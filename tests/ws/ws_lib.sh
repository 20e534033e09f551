# Shared by the tests/ws scripts: the python server, the driver, checks.
# Sourced; sets PY, CLIENT, TMP, cleanup trap, and the helpers below.
set -u
: "${GCB_BIN:=bin}"
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
PY=/usr/bin/python3
. "$GCB_ROOT/tests/need.sh"
need_py websockets python3-websockets
CLIENT="$GCB_BIN/test-ws-client"
[ -x "$CLIENT" ] || { echo "missing $CLIENT (make first)"; exit 1; }
if [ -n "${WS_VALGRIND:-}" ]; then
	CLIENT="valgrind -q --error-exitcode=99 --suppressions=$GCB_ROOT/tests/ws/valgrind.supp --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect $CLIENT"
fi
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gcb-ws-$$.XXXXXX")
PIDS=""
seq=0
fails=0
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start_server MODE ARG [--cert C --key K]: sets SPID and PORT.
start_server() {
	mode=$1 arg=$2
	shift 2
	seq=$((seq + 1))
	pf="$TMP/port.$seq"
	"$PY" "$GCB_ROOT/tests/ws/ws_server.py" "$mode" "$arg" "$pf" "$@" \
		>"$TMP/server.$seq.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	i=0
	while [ ! -s "$pf" ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 "$SPID" 2>/dev/null; then
			echo "server $mode did not start"
			cat "$TMP/server.$seq.log"
			exit 1
		fi
		sleep 0.1
	done
	PORT=$(cat "$pf")
}

stop_server() {
	kill "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

# run NAME EXPECTED_EXIT client-args...: runs the driver (bounded by timeout),
# output in $TMP/out and $TMP/err; a mismatch counts as a failure.
run() {
	name=$1 want=$2
	shift 2
	timeout 90 $CLIENT "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL $name: exit $got, expected $want"
		sed 's/^/    err| /' "$TMP/err" | head -20
		head -c 600 "$TMP/out" | sed 's/^/    out| /'
		fails=$((fails + 1))
		return 1
	fi
	echo "ok   $name ($(tail -n 1 "$TMP/err" | cut -c1-160))"
	return 0
}

# expect_err NAME PATTERN: the driver's stderr matches PATTERN (grep -E).
expect_err() {
	if ! grep -Eq "$2" "$TMP/err"; then
		echo "FAIL $1: stderr does not match /$2/"
		sed 's/^/    err| /' "$TMP/err" | head -20
		fails=$((fails + 1))
	fi
}

# expect_out NAME FILE: the driver's stdout equals FILE.
expect_out() {
	if ! cmp -s "$TMP/out" "$2"; then
		echo "FAIL $1: output differs from $2 ($(wc -c <"$TMP/out") vs $(wc -c <"$2") bytes)"
		fails=$((fails + 1))
	fi
}

# pattern N FILE: the message the server's large modes send, plus a newline.
pattern() {
	"$PY" -c 'import sys
b = b"0123456789abcdefghijklmnopqrstuvwxyz"
n = int(sys.argv[1])
sys.stdout.buffer.write((b * (n // len(b) + 1))[:n] + b"\n")' "$1" >"$2"
}

# full: true unless under valgrind, where only the cases that reach
# different code run (valgrind is slow; each script stays well under 60 s).
full() {
	[ -z "${WS_VALGRIND:-}" ]
}

finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}

# Shared by the ringstat_*.sh tests (sourced, not a test itself).
# Needs $GCB_BIN (from tests/run) with gcb-ringstat and gcb-ringfeed.
set -eu
: "${GCB_BIN:=bin}"
RS="$GCB_BIN/gcb-ringstat"
FEED="$GCB_BIN/gcb-ringfeed"
PY=/usr/bin/python3
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gcb-ringstat-test.XXXXXX")
BG_PIDS=""
INSTANCES=""

cleanup() {
	for p in $BG_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $BG_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	for i in $INSTANCES; do
		rm -f "/dev/shm/gcbridge-$i"
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	for f in "$TMP"/out "$TMP"/err; do
		[ -s "$f" ] && { echo "--- $f"; cat "$f"; } >&2
	done
	exit 1
}

# inst NAME: sets I to a unique instance name (NAME-pid), removed on exit.
inst() {
	I="ringstat-$1-$$"
	INSTANCES="$INSTANCES $I"
}

# wait_ready FILE: until the helper printed its "ready" line (generous timeout).
wait_ready() {
	n=0
	while ! grep -q '^ready' "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -gt 600 ] && fail "helper not ready: $(cat "$1")"
		sleep 0.05
	done
}

# feed SCENARIO INSTANCE [args]: a static scenario (helper exits, segment stays).
feed() {
	"$FEED" "$@" >"$TMP/feed.out" 2>&1 || fail "gcb-ringfeed $*: $(cat "$TMP/feed.out")"
}

# feed_live SCENARIO INSTANCE: a live scenario in the background, until ready.
feed_live() {
	"$FEED" "$1" "$2" --lifetime 50 >"$TMP/$2.feed" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	wait_ready "$TMP/$2.feed"
}

# rs ARGS...: runs gcb-ringstat; stdout in $TMP/out, stderr in $TMP/err, status in RC.
rs() {
	set +e
	"$RS" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	set -e
}

expect_rc() {
	[ "$RC" = "$1" ] || fail "expected exit $1, got $RC ($2)"
}

# expect_out REGEX [FILE]: a line matching the extended regex.
expect_out() {
	grep -Eq -- "$1" "${2:-$TMP/out}" || fail "no line matching /$1/ in ${2:-$TMP/out}"
}

# jq_py EXPR: evaluates a Python expression over the JSON in $TMP/out (as d).
jq_py() {
	"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$TMP/out" "$1"
}

# expect_json EXPR VALUE
expect_json() {
	got=$(jq_py "$1") || fail "bad JSON or expression $1"
	[ "$got" = "$2" ] || fail "$1 = '$got', expected '$2'"
}

# Shared helpers of the backfill integration tests (sourced, not run).
# Each test: the simulator (bin/gcb-sim, analytics jobs API) on 127.0.0.1:0
# and bin/backfill-driver; names unique by pid, everything cleaned on exit.
set -u
: "${GCB_BIN:=bin}"
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
PY=/usr/bin/python3
BF_NAME=$(basename "$0" .sh)
BF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gcb-$BF_NAME.$$.XXXXXX")
BF_INSTANCE="bf-test-$$"
BF_CLIENT="bf-client-$$"
BF_SECRET="bf-secret-$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
BF_SRV_PID=""
printf '%s' "$BF_SECRET" >"$BF_TMP/secret"

bf_cleanup() {
	[ -n "$BF_SRV_PID" ] && kill "$BF_SRV_PID" 2>/dev/null && wait "$BF_SRV_PID" 2>/dev/null
	if [ -n "${BF_KEEP:-}" ]; then echo "kept $BF_TMP"; else rm -rf "$BF_TMP"; fi
}
trap bf_cleanup EXIT
trap 'exit 1' INT TERM

bf_fail() {
	echo "FAIL: $*" >&2
	for f in "$BF_TMP"/driver*.log; do
		[ -f "$f" ] && { echo "--- $f (tail)"; tail -n 25 "$f"; }
	done
	[ -f "$BF_TMP/server.log" ] && { echo "--- server.log (tail)"; tail -n 10 "$BF_TMP/server.log"; }
	exit 1
}

. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd curl curl
need_cmd od coreutils
[ -x "$GCB_BIN/backfill-driver" ] && [ -x "$GCB_BIN/gcb-sim" ] ||
	{ echo "FAIL: backfill-driver or gcb-sim not built (make all)"; exit 1; }

# bf_server [RATE_ALLOWED]: starts gcb-sim (7 conversations per job result
# page), sets BF_URL. RATE_ALLOWED: enforce that many requests per 3 s window,
# with inin-ratelimit-* headers.
bf_server() {
	_rl=""
	[ -n "${1:-}" ] && _rl="--ratelimit-allowed=$1 --ratelimit-window=3 --ratelimit-enforce"
	rm -f "$BF_TMP/url"
	# shellcheck disable=SC2086
	"$GCB_BIN/gcb-sim" --client-id="$BF_CLIENT" --client-secret="$BF_SECRET" \
		--port-file="$BF_TMP/url" --request-log="$BF_TMP/requests" \
		--analytics-page=7 $_rl >/dev/null 2>>"$BF_TMP/server.log" &
	BF_SRV_PID=$!
	for _ in $(seq 1 200); do
		[ -s "$BF_TMP/url" ] && break
		sleep 0.05
	done
	[ -s "$BF_TMP/url" ] || bf_fail "gcb-sim did not start"
	BF_URL=$(head -n 1 "$BF_TMP/url")
	echo "gcb-sim at $BF_URL"
}

bf_admin() { # bf_admin METHOD PATH
	curl -sf -X "$1" "$BF_URL$2" >/dev/null || bf_fail "admin $1 $2 failed"
}

bf_now_ms() { date +%s%3N; }

# bf_generate N: N conversations, and BF_START/BF_END a gap around them once
# every one has ended (so what analytics stores no longer changes).
bf_generate() {
	BF_START=$(($(bf_now_ms) - 60000))
	bf_admin POST "/admin/notify/generate?count=$1"
	for _ in $(seq 1 300); do
		$PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" ended "$BF_URL" && break
		sleep 0.1
	done
	$PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" ended "$BF_URL" ||
		bf_fail "generated conversations did not end"
	sleep 0.2
	BF_END=$(bf_now_ms)
}

# bf_wait_log RUN TEXT SECONDS: waits until the driver log of RUN contains TEXT.
bf_wait_log() {
	for _ in $(seq 1 $(($3 * 10))); do
		grep -q "$2" "$BF_TMP/driver-$1.log" 2>/dev/null && return 0
		sleep 0.1
	done
	bf_fail "\"$2\" not logged by run $1 within $3 s"
}

# bf_driver NAME [driver options...]: one driver run, log in $BF_TMP/driver-NAME.log,
# exit status in BF_RC and returned.
bf_driver() {
	_name=$1
	shift
	"$GCB_BIN/backfill-driver" --api "$BF_URL" --login "$BF_URL" --client-id "$BF_CLIENT" \
		--secret-file "$BF_TMP/secret" --state-dir "$BF_TMP/state" \
		--instance "$BF_INSTANCE" --out "$BF_TMP/out" --poll-ms 100 \
		--counters-out "$BF_TMP/counters-$_name" "$@" >"$BF_TMP/driver-$_name.log" 2>&1
	BF_RC=$?
	return $BF_RC
}

bf_counter() { # bf_counter RUN NAME
	sed -n "s/^$2=//p" "$BF_TMP/counters-$1"
}

# bf_verify PAD [--allow-dups]: every stored conversation of gap 1 emitted as stored.
bf_verify() {
	_pad=$1
	shift
	bf_admin POST /admin/flush
	$PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" verify "$BF_TMP/out" "$BF_URL" \
		"$BF_CLIENT" "$BF_TMP/secret" "$BF_START" "$BF_END" "$_pad" 1 "$@" ||
		bf_fail "backfilled conversations do not match the stored ones"
}

# The gap log holds no gap and no backfill job is left.
bf_check_done() {
	[ -e "$BF_TMP/state/$BF_INSTANCE.backfill" ] && bf_fail "backfill state left behind"
	grep -q '"gaps":\[\]' "$BF_TMP/state/$BF_INSTANCE.gaps" ||
		bf_fail "gap log not empty: $(cat "$BF_TMP/state/$BF_INSTANCE.gaps")"
}

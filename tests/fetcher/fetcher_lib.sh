# Shared helpers of the fetcher integration tests (sourced, not run).
# Each test: a simulator (bin/gcb-sim) on 127.0.0.1:0 and the fetcher harness
# (bin/fetcher-harness), names unique by pid, everything cleaned on exit.

: "${GCB_BIN:=bin}"
FH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gcb-fetcher-test.$$.XXXXXX")
FH_INSTANCE="fetcher-test-$$"
FH_SECRET="sim-secret-$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
FH_CLIENT="sim-client-$$"
FH_SIM_PID=""
printf '%s' "$FH_SECRET" >"$FH_TMP/secret"

fh_cleanup() {
	[ -n "$FH_SIM_PID" ] && kill "$FH_SIM_PID" 2>/dev/null && wait "$FH_SIM_PID" 2>/dev/null
	rm -f "/dev/shm/gcbridge-$FH_INSTANCE"
	if [ -n "${FH_KEEP:-}" ]; then
		echo "kept $FH_TMP"
	else
		rm -rf "$FH_TMP"
	fi
}
trap fh_cleanup EXIT
trap 'exit 1' INT TERM

fh_fail() {
	echo "FAIL: $*" >&2
	for f in "$FH_TMP"/harness*.log; do
		[ -f "$f" ] && { echo "--- $f (tail)"; tail -n 25 "$f"; }
	done
	[ -f "$FH_TMP/sim.log" ] && { echo "--- sim.log (tail)"; tail -n 10 "$FH_TMP/sim.log"; }
	exit 1
}

. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd curl curl
need_cmd od coreutils
[ -x "$GCB_BIN/gcb-sim" ] && [ -x "$GCB_BIN/fetcher-harness" ] ||
	{ echo "FAIL: gcb-sim or fetcher-harness not built (make all)"; exit 1; }

# fh_sim [gcb-sim options...]: starts the simulator, sets FH_URL.
fh_sim() {
	rm -f "$FH_TMP/url"
	"$GCB_BIN/gcb-sim" --client-id="$FH_CLIENT" --client-secret="$FH_SECRET" \
		--port-file="$FH_TMP/url" --served-log="$FH_TMP/served" \
		--request-log="$FH_TMP/requests" "$@" >/dev/null 2>>"$FH_TMP/sim.log" &
	FH_SIM_PID=$!
	for _ in $(seq 1 200); do
		[ -s "$FH_TMP/url" ] && break
		sleep 0.05
	done
	[ -s "$FH_TMP/url" ] || fh_fail "simulator did not start"
	FH_URL=$(head -n 1 "$FH_TMP/url")
}

# fh_harness NAME [harness options...]: one harness run, log in $FH_TMP/harness-NAME.log.
fh_harness() {
	_name=$1
	shift
	"$GCB_BIN/fetcher-harness" --api "$FH_URL" --login "$FH_URL" --client-id "$FH_CLIENT" \
		--secret-file "$FH_TMP/secret" --state-dir "$FH_TMP/state" \
		--instance "$FH_INSTANCE" --ids-out "$FH_TMP/ids" \
		--counters-out "$FH_TMP/counters-$_name" \
		--segment-copy "$FH_TMP/segment-$_name" "$@" >"$FH_TMP/harness-$_name.log" 2>&1
}

fh_admin() { # fh_admin METHOD PATH
	curl -sf -X "$1" "$FH_URL$2"
}

fh_flush() {
	fh_admin POST /admin/flush >/dev/null || fh_fail "simulator flush failed"
}

# fh_counter RUN NAME: a counter from a harness run.
fh_counter() {
	sed -n "s/^$2=//p" "$FH_TMP/counters-$1"
}

# Every event id the simulator served is in the ring: none skipped.
fh_check_nothing_lost() {
	fh_flush
	cut -f1 "$FH_TMP/served" | sort -u >"$FH_TMP/served.ids"
	cut -d' ' -f1 "$FH_TMP/ids" | sort -u >"$FH_TMP/ring.ids"
	[ -s "$FH_TMP/served.ids" ] || fh_fail "the simulator served nothing"
	missing=$(comm -23 "$FH_TMP/served.ids" "$FH_TMP/ring.ids" | wc -l)
	[ "$missing" -eq 0 ] || fh_fail "$missing served events never reached the ring"
	echo "ok: all $(wc -l <"$FH_TMP/served.ids") served events reached the ring"
}

fh_check_no_duplicates() {
	dups=$(cut -d' ' -f1 "$FH_TMP/ids" | sort | uniq -d | wc -l)
	[ "$dups" -eq 0 ] || fh_fail "$dups events are in the ring more than once"
	echo "ok: no duplicates in the ring"
}

fh_duplicates() {
	cut -d' ' -f1 "$FH_TMP/ids" | sort | uniq -d | wc -l
}

# Neither the client secret nor any token the simulator issued appears in a
# log, a checkpoint/state file or a copy of the segment. The simulator's
# tokens are seeded: a second simulator with the same seed issues the same
# sequence, which is how the test learns them without the fetcher's help.
fh_check_secrets() {
	fh_flush
	_issued=$(fh_admin GET /admin/stats | sed -n 's/.*"tokensIssued":\([0-9]*\).*/\1/p')
	[ -n "$_issued" ] && [ "$_issued" -gt 0 ] || fh_fail "no token issued?"
	_files=$(ls "$FH_TMP"/harness-*.log "$FH_TMP"/segment-* "$FH_TMP"/state/* 2>/dev/null)
	for f in $_files; do
		grep -qaF "$FH_SECRET" "$f" && fh_fail "client secret found in $f"
	done
	rm -f "$FH_TMP/replay.url"
	"$GCB_BIN/gcb-sim" --client-id=replay --client-secret=replay --seed="${FH_SEED:-1}" \
		--port-file="$FH_TMP/replay.url" >/dev/null 2>&1 &
	_rp=$!
	for _ in $(seq 1 200); do
		[ -s "$FH_TMP/replay.url" ] && break
		sleep 0.05
	done
	_rurl=$(head -n 1 "$FH_TMP/replay.url")
	: >"$FH_TMP/tokens"
	_i=0
	while [ $_i -lt "$_issued" ]; do
		_tok=$(curl -sf -u replay:replay -d grant_type=client_credentials \
			"$_rurl/oauth/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
		[ -n "$_tok" ] && printf '%s\n' "$_tok" >>"$FH_TMP/tokens"
		_i=$((_i + 1))
	done
	kill $_rp 2>/dev/null
	wait $_rp 2>/dev/null
	[ "$(grep -c . "$FH_TMP/tokens")" -eq "$_issued" ] || fh_fail "token replay failed"
	# With long-lived tokens, prove the replay right: the real simulator accepts them.
	if [ "${1:-}" = verify ]; then
		_st=$(curl -s -o /dev/null -w '%{http_code}' \
			-H "Authorization: Bearer $(tail -n 1 "$FH_TMP/tokens")" \
			"$FH_URL/api/v2/eventstreams/$2")
		[ "$_st" = 200 ] || fh_fail "replayed token refused ($_st): replay is wrong"
	fi
	for f in $_files; do
		grep -qaF -f "$FH_TMP/tokens" "$f" && fh_fail "an access token found in $f"
	done
	echo "ok: secret and $_issued tokens absent from logs, state files and the segment"
}

fh_sim_stop() {
	[ -n "$FH_SIM_PID" ] && kill "$FH_SIM_PID" 2>/dev/null && wait "$FH_SIM_PID" 2>/dev/null
	FH_SIM_PID=""
}

# fh_new_round: forget the previous round's logs and state (same tmp dir).
fh_new_round() {
	fh_sim_stop
	rm -rf "$FH_TMP/state" "$FH_TMP/ids" "$FH_TMP/served" "$FH_TMP/requests"
}

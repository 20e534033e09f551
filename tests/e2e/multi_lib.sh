# Several gcbridge instances in one group (docs/multihost.md), sourced after
# tests/lib.sh and tests/e2e/lib.sh. Each instance X has its own
# name ($T_INSTANCE-X), state directory ($T_DIR/X.state), configuration
# ($T_DIR/X.conf) and logs ($T_DIR/X.err); they share one simulator and one
# embedded Kafka (a separate process), all on 127.0.0.1.
#
#   mh_start_kafka [MOCK-ARGS]   e2e_start_kafka + the group's two topics
#   mh_conf X [LINE...]          X's configuration (group $MH_GROUP)
#   mh_start X                   starts X; its pid in MH_PID_X
#   mh_kill_tree X               SIGKILL X's supervisor and every stage at once
#   mh_metrics X                 X's /metrics
#   mh_owns X                    X owns unit 0 (gcb-ringstat --json)
#   mh_owner                     the instance owning unit 0, "" when none
#   mh_state_pos                 stream position of the winning state record
#   mh_acked_through N           the winning state record is at position N or beyond
#   mh_notif_three SEED          Kafka, gcb-sim and notification instances a, b, c
#   mh_shard_story               every instance's shard moves and gaps, in time order
#   mh_notif_settled X...        nothing waits in X's spool, rings or gap log
#   mh_notif_stop_verify SINCE X...  SIGTERM to every X, then notif_verify.py
#   mh_notif_lost_user_state     messages missing (all user-state changes, else fails)
#   mh_state_dump                every state record: key TAB value
MH_GROUP="g$$"
MH_SESSION_MS=${MH_SESSION_MS:-4000}
MH_NAMES=""

_mh_cleanup() {
	for _n in $MH_NAMES; do
		rm -f "/dev/shm/gcbridge-$T_INSTANCE-$_n"
	done
	t_cleanup
}
trap _mh_cleanup EXIT

mh_start_kafka() {
	e2e_start_kafka --topic "$MH_GROUP.units:${MH_UNITS:-1}" --topic "$MH_GROUP.state:1" "$@"
}

# MH_WRITE: the config writer (e2e_write_conf; ne2e_write_conf for the
# notification source).
MH_WRITE=${MH_WRITE:-e2e_write_conf}

mh_conf() {
	_n=$1
	shift
	$MH_WRITE "$T_DIR/$_n.conf" "$@"
	# e2e_write_conf names the test's own instance: give X its own.
	sed -i -e "s|^instance.name = .*|instance.name = $T_INSTANCE-$_n|" \
		-e "s|^instance.state_dir = .*|instance.state_dir = $T_DIR/$_n.state|" \
		-e "s|^metrics.listen =.*|metrics.listen = 127.0.0.1:0|" "$T_DIR/$_n.conf"
	cat >>"$T_DIR/$_n.conf" <<EOF
coord.group = $MH_GROUP
coord.session_timeout = ${MH_SESSION_MS}ms
EOF
	mkdir -p "$T_DIR/$_n.state"
	chmod 700 "$T_DIR/$_n.state"
	case " $MH_NAMES " in *" $_n "*) ;; *) MH_NAMES="$MH_NAMES $_n" ;; esac
}

mh_start() {
	t_bg "$GCB_BIN/gcbridge" -c "$T_DIR/$1.conf" >>"$T_DIR/$1.out" 2>>"$T_DIR/$1.err"
	eval "MH_PID_$1=$T_LAST"
}

mh_pid() {
	eval "echo \$MH_PID_$1"
}

mh_kill_tree() {
	_p=$(mh_pid "$1")
	_kids=$(pgrep -P "$_p" || true)
	kill -KILL "$_p" $_kids 2>/dev/null || true
}

# mh_metrics X: X's /metrics (the port it logged).
mh_metrics() {
	_port=$(sed -n 's/.*metrics listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$T_DIR/$1.err" | tail -n 1)
	[ -n "$_port" ] || return 1
	curl -s --max-time 10 "http://127.0.0.1:$_port/metrics"
}

mh_ringstat() {
	"$GCB_BIN/gcb-ringstat" --json "$T_INSTANCE-$1" 2>/dev/null || true
}

mh_owns() {
	mh_ringstat "$1" | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
sys.exit(0 if 0 in d.get("coord", {}).get("owned_units", []) else 1)'
}

# mh_owned X: how many units X owns now (0 when X is not running).
mh_owned() {
	mh_ringstat "$1" | "$PY" -c '
import json, sys
try:
    print(len(json.load(sys.stdin).get("coord", {}).get("owned_units", [])))
except ValueError:
    print(0)'
}

# mh_all_owned X...: the running instances X... own every unit between them.
mh_all_owned() {
	_sum=0
	for _n in "$@"; do
		_sum=$((_sum + $(mh_owned "$_n")))
	done
	[ "$_sum" = "${MH_UNITS:-1}" ]
}

# mh_fc X NAME: fetcher counter NAME of X.
mh_fc() {
	"$PY" "$E2E/shmcounters.py" "$T_INSTANCE-$1" "$2" 2>/dev/null | sed -n "s/^$2=//p"
}

mh_owner() {
	for _n in $MH_NAMES; do
		if t_running "$(mh_pid "$_n")" 2>/dev/null && mh_owns "$_n"; then
			echo "$_n"
			return 0
		fi
	done
	echo ""
}

mh_state_dump() {
	kcat -b "$BS" -C -t "$MH_GROUP.state" -o beginning -e -q -f '%k\t%s\n' 2>/dev/null
}

# The winning record by the readers' rule: highest generation, then latest.
mh_state_winner() {
	mh_state_dump | "$PY" -c '
import json, sys
best = None
for line in sys.stdin:
    k, _, v = line.rstrip("\n").partition("\t")
    if not v:
        continue
    r = json.loads(v)
    if best is None or r["generation"] >= best["generation"]:
        best = r
print(json.dumps(best) if best else "")'
}

# mh_cursor_pos CURSOR: the stream position gcb-sim encoded in a cursor.
mh_cursor_pos() {
	"$PY" -c '
import sys
c = sys.argv[1]
if not c:
    print(0)
    sys.exit(0)
tag, x, _ = c.split(".")
print(int(x, 16) ^ 0x5BD1E9955BD1E995)' "$1"
}

mh_state_pos() {
	_w=$(mh_state_winner)
	[ -n "$_w" ] || {
		echo 0
		return 0
	}
	mh_cursor_pos "$(echo "$_w" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["state"]["cursor"])')"
}

# mh_notif_three SEED: the notification tests' start: the embedded Kafka
# with the group's topics, gcb-sim (seed SEED, 20 queues, 100 agents) and
# instances a, b and c. Each gets a REST budget the simulator does not
# enforce anyway: at Genesys's 300 requests a minute the backfill of a dozen
# hand-over gaps (thousands of conversations, a hundred a page) would take
# minutes to page through. Needs tests/e2e/notif_lib.sh and MH_WRITE =
# ne2e_write_conf.
mh_notif_three() {
	ne2e_start_kafka 8
	"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "topic $MH_GROUP.units $MH_UNITS" \
		"topic $MH_GROUP.state 1" >/dev/null || t_fail "coordination topics refused"
	ne2e_start_sim --seed "$1" --queues 20 --agents 100 --heartbeat-interval 0.5
	for _x in a b c; do
		mh_conf "$_x" "genesys.notifications.rate_limit = 6000"
		mh_start "$_x"
	done
}

# mh_shard_story: what happened to the shards, one short line per event of
# any instance, in time order: printed first when a notification test's
# verification fails, so that a CI log cut after a screenful still tells
# which hand-over or takeover a missing conversation falls into.
mh_shard_story() {
	for _x in a b c; do
		[ -f "$T_DIR/$_x.err" ] || continue
		grep -h "shard [0-9]* \(taken over\|assigned\|handed over\|lost\)\|state topic\|gap [0-9]* \(opened\|closed\)" \
			"$T_DIR/$_x.err" | sed -e "s/^ts=[^T]*T\([^ ]*\) .*msg=\"/\1 $_x /" -e 's/"$//' |
			cut -c1-110
	done | sort | tail -n 60
}

# mh_notif_settled X...: in every X nothing waits: no unread spool record,
# no gap waiting for its backfill, every fetched batch acknowledged.
mh_notif_settled() {
	for _x in "$@"; do
		[ "$(mh_fc "$_x" spool_unread)" = 0 ] && [ "$(mh_fc "$_x" gaps_pending)" = 0 ] &&
			_mh_idle "$_x" || return 1
	done
}

# mh_notif_pending X...: what each X still has waiting, for a failure message.
mh_notif_pending() {
	for _x in "$@"; do
		printf '%s gaps_pending=%s spool_unread=%s; ' "$_x" "$(mh_fc "$_x" gaps_pending)" \
			"$(mh_fc "$_x" spool_unread)"
	done
}

# mh_notif_stop_verify SINCE X...: SIGTERM to every X at once, each must exit
# 0; then every conversation the simulator generated since SINCE (unix ms)
# must be in Kafka, live or backfilled, and every message sent must be there
# unless its conversation was backfilled (notif_verify.py, kcat,
# python3-avro; $T_DIR/verify.json). Prints the verdict; on a failure the
# shards' story first.
mh_notif_stop_verify() {
	_since=$1
	shift
	_pids=""
	for _x in "$@"; do
		_pids="$_pids $(mh_pid "$_x")"
	done
	# shellcheck disable=SC2086
	kill -TERM $_pids
	for _x in "$@"; do
		t_wait_exit "$(mh_pid "$_x")" 60
		[ "$T_CODE" = 0 ] || t_fail "$_x exit $T_CODE after SIGTERM: $(tail -3 "$T_DIR/$_x.err")"
	done
	_out=$(ne2e_verify --check-conversations --since "$_since" --lost-backfilled \
		--max-missing 100000 --json "$T_DIR/verify.json") || {
		mh_shard_story
		echo "$_out"
		t_fail "verify failed"
	}
	echo "$_out"
}

# mh_notif_lost_user_state: after mh_notif_stop_verify, prints how many
# messages sent are missing; exits 1 (naming them) when one of them is not a
# presence, routing-status or activity change: only those may be lost in a
# gap, since the Analytics API does not have them and no backfill brings
# them back.
mh_notif_lost_user_state() {
	"$PY" - "$T_DIR/verify.json" "$T_DIR/sent.jsonl" <<'PY'
import json, re, sys
missing = set(json.load(open(sys.argv[1]))["missing"])
bad = 0
for line in open(sys.argv[2]):
    m = json.loads(line)
    if m["correlationId"] in missing and not re.search(
            r"^v2\.users\.[^.]*\.(presence|routingStatus|activity)$", m["topic"]):
        print("missing and not excusable: %s" % line.strip(), file=sys.stderr)
        bad += 1
print(len(missing))
sys.exit(1 if bad else 0)
PY
}

# mh_acked_through N: the state topic's winning record is at stream position
# N or beyond: its writer had Kafka's acknowledgement of every event before
# N. The end of a poll test waits for this, not for an idle instance: the
# last answer may still be on its way (in the socket, or spooled but not yet
# fed) when the simulator has served it and the rings look idle, and a stop
# then leaves it to the next owner, which is not a loss but is not in Kafka.
mh_acked_through() {
	[ "$(mh_state_pos)" -ge "$1" ]
}

# _mh_rings_idle X: every batch X fetched is acknowledged.
_mh_rings_idle() {
	_o=$("$PY" "$E2E/shmpeek.py" "$T_INSTANCE-$1" 2>/dev/null) || return 1
	_f=$(echo "$_o" | tr ' ' '\n' | sed -n 's/^fetched=//p')
	_a=$(echo "$_o" | tr ' ' '\n' | sed -n 's/^acked=//p')
	[ -n "$_f" ] && [ "$_f" = "$_a" ]
}

# _mh_idle X: that, and nothing spooled that the rings have not had (a stop
# leaves the spool to X's next start, not to the verification).
_mh_idle() {
	_mh_rings_idle "$1" && [ "$(mh_fc "$1" spool_unread)" = 0 ]
}

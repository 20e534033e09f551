#!/bin/sh
# Channels lost in every way the Notification Service loses them, while
# traffic runs: heartbeats stop, the socket is closed, v2.system.socket_closing,
# the channel expires (and, with a short channel lifetime, is rolled over
# before it does), the token is revoked. After each, gcbridge reconnects;
# every disconnect is recorded as a gap (gap log, gcbridge log, gaps_opened)
# and backfilled from the Analytics API onto genesys.backfill.conversations
# with backfill.gapId set. notif_verify.py then checks that every
# conversation the simulator generated is in Kafka (live topics or
# backfill), that each gap's conversations are in its backfill, and that
# nothing the simulator sent is lost or out of order.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

# Conversations at a fixed rate while the faults run, stopped after the last
# one (every gap has conversations to backfill), at most N.
N=$(e2e_events 2400)
RATE=$((N / 60))
NE2E_ALLOW_DROPS=1 # a socket being closed drops what is queued for it
ne2e_start_kafka 8
ne2e_start_sim --seed 22 --queues 20 --agents 100 --heartbeat-interval 0.5
# Pings stay on (ping_interval 1 s): a channel whose heartbeats stopped
# answers no ping either, so gcbridge must still give it up.
ne2e_write_conf "$T_DIR/gcb.conf" "genesys.notifications.rollover_before = 2s"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "channel not connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
since=$(date +%s%3N) # conversations over before the first subscription are not required
ne2e_traffic "$N" "$RATE"
t_wait_for 30 ne2e_fc_ge ws_messages 1 || t_fail "no data: $(ne2e_state)"

gaps_file="$T_DIR/state/$T_INSTANCE.gaps"
: >"$T_DIR/gaps.seen"
# snap_gaps: keep every version of the gap log (backfilled gaps leave it).
snap_gaps() {
	[ -f "$gaps_file" ] && cat "$gaps_file" >>"$T_DIR/gaps.seen"
	return 0
}
reconnected() {
	snap_gaps
	[ "$(ne2e_fc ws_reconnects)" -gt "$1" ] || [ "$(ne2e_fc rollovers)" -gt "$2" ] || return 1
	[ "$(ne2e_fc channels)" = 1 ]
}
gap_opened() {
	snap_gaps
	[ "$(ne2e_fc gaps_opened)" -gt "$1" ]
}

# inject ACTION [EXPECT_GAP]: the fault on every channel, then wait until
# gcbridge is connected again (and, with EXPECT_GAP, a gap was recorded).
gaps_expected=0
inject() {
	r0=$(ne2e_fc ws_reconnects)
	o0=$(ne2e_fc rollovers)
	g0=$(ne2e_fc gaps_opened)
	ne2e_sim_admin "notify?action=$1&channel=all" || t_fail "action $1 refused"
	if [ "$1" = heartbeat-stop ]; then
		# Traffic paused too: the channel falls silent until gcbridge gives
		# it up (heartbeat_timeout, 3 s).
		: >"$T_DIR/pause"
		t_wait_for 30 gap_opened "$g0" || t_fail "heartbeat-stop: no gap: $(ne2e_state)"
		ne2e_sim_admin "notify?action=heartbeat-resume&channel=all" || t_fail "resume refused"
		rm -f "$T_DIR/pause"
	fi
	t_wait_for 40 reconnected "$r0" "$o0" || t_fail "$1: not reconnected: $(ne2e_state)"
	if [ "${2:-}" = gap ]; then
		gaps_expected=$((gaps_expected + 1))
		t_wait_for 20 gap_opened "$g0" || t_fail "$1: no gap recorded: $(ne2e_state)"
	fi
	t_log "$1: reconnected ($(ne2e_fc ws_reconnects) reconnects, $(ne2e_fc rollovers) rollovers, $(ne2e_fc gaps_opened) gaps)"
	sleep 1 # traffic on the new channel before the next fault
}

inject heartbeat-stop gap
inject close gap
inject socket-closing
inject expire gap
inject revoke gap

# A short channel lifetime: gcbridge replaces each channel rollover_before
# (2 s) ahead of its expiry, with no gap.
o0=$(ne2e_fc rollovers)
ne2e_sim_admin "faults?channel-ttl=5" || t_fail "channel-ttl refused"
r0=$(ne2e_fc ws_reconnects)
inject expire gap # a new channel (close reconnects to the same one), with the 5 s lifetime
t_wait_for 30 ne2e_fc_ge rollovers $((o0 + 2)) ||
	t_fail "no rollover before expiry: $(ne2e_state)"
ne2e_sim_admin "faults?channel-ttl=86400" || t_fail "channel-ttl refused"
t_log "rollovers before expiry: $(($(ne2e_fc rollovers) - o0))"
sleep 1
: >"$T_DIR/stop"

ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
ne2e_wait_settled 60 || t_fail "not settled: $(ne2e_state)"
snap_gaps
t_log "settled: $(ne2e_state)"

opened=$(ne2e_fc gaps_opened)
backfilled=$(ne2e_fc gaps_backfilled)
[ "$opened" -ge "$gaps_expected" ] || t_fail "$opened gaps for $gaps_expected disconnects"
[ "$backfilled" = "$opened" ] || t_fail "$backfilled of $opened gaps backfilled"
[ "$(ne2e_fc backfill_events)" -gt 0 ] || t_fail "no backfill events"
# The log names every gap ("gap N opened (REASON) from T"): heartbeat,
# closed (close, and expire: the socket just closes before its time),
# token_revoked; each gap must be in the backfill topic.
sed -n 's/.*gap \([0-9][0-9]*\) opened (\([a-z_]*\)).*/\1 \2/p' "$T_DIR/gcb.err" | sort -un >"$T_DIR/gaps.log"
t_log "gaps: $(tr '\n' ' ' <"$T_DIR/gaps.log")"
for reason in heartbeat closed token_revoked; do
	grep -q " $reason\$" "$T_DIR/gaps.log" || t_fail "no gap with reason $reason in gcbridge's log"
done
expect=""
for id in $(cut -d' ' -f1 "$T_DIR/gaps.log"); do expect="$expect --expect-gap $id"; done
# The gap log file (<instance>.gaps) holds a gap until its backfill is done:
# the versions caught while waiting must agree with the log, id and reason.
"$PY" - "$T_DIR/gaps.seen" "$T_DIR/gaps.log" <<'PY' || t_fail "gap log file and gcbridge's log disagree"
import json, sys
text = open(sys.argv[1]).read()
dec, i, seen = json.JSONDecoder(), 0, {}
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    doc, i = dec.raw_decode(text, i)
    for g in doc["gaps"]:
        seen[str(g["id"])] = g["reason"]
logged = dict(line.split() for line in open(sys.argv[2]) if line.strip())
bad = {k: (v, logged.get(k)) for k, v in seen.items() if logged.get(k) != v}
print("gap log file: caught %d of %d gaps (%s)%s" % (
    len(seen), len(logged), " ".join("%s=%s" % kv for kv in sorted(seen.items())),
    "; disagreeing: %r" % bad if bad else ""))
sys.exit(1 if bad or not seen else 0)
PY

kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"

# shellcheck disable=SC2086
out=$(ne2e_verify --check-conversations --since "$since" --gap-coverage --min-gaps "$gaps_expected" $expect \
	--lost-backfilled --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "ok: $opened gaps opened and backfilled"

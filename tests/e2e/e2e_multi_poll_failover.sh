#!/bin/sh
# Two instances on one stream (docs/multihost.md): a is active, b stands by.
# While events flow, a's whole process tree is SIGKILLed: b takes the stream
# over once the group notices (the session timeout, then the rejoin: on
# librdkafka's mock the rejoin itself waits one more session timeout, so the
# bound is two sessions, a heartbeat and 5 s of slack for a loaded machine;
# the measured time is reported), resumes from the state topic, and once
# b's state record covers the whole stream (b had Kafka's acknowledgement of
# every event), every served event is in Kafka (verify.py, kcat): 0 lost. Every duplicate
# lies between the state record a had stored before the kill and what the
# simulator had served at the kill (the checkpoint interval's worth plus
# what was in flight).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/multi_lib.sh"

N=$(e2e_events 20000)
mh_start_kafka
e2e_start_sim --count "$N" --rate $((N / 20)) --seed 18
mh_conf a
mh_conf b
mh_start a
t_wait_for 30 mh_owns a || t_fail "a never owned the stream: $(tail -5 "$T_DIR/a.err")"
mh_start b
t_wait_for 30 sh -c "'$GCB_BIN/gcb-ringstat' --json '$T_INSTANCE-b' | grep -q '\"state\": *\"stable\"'" ||
	t_fail "b did not join: $(tail -5 "$T_DIR/b.err")"
mh_owns b && t_fail "b owns the stream while a runs"
e2e_wait_served $((N / 4)) 60 || t_fail "events do not flow: $(tail -3 "$T_DIR/a.err")"

lo=$(mh_state_pos)
t0=$(date +%s%N)
mh_kill_tree a
hi=$(e2e_served)
t_log "a killed at served=$hi, state position $lo"
t_wait_for 60 mh_owns b || t_fail "b did not take over: $(tail -5 "$T_DIR/b.err")"
t1=$(date +%s%N)
takeover_ms=$(((t1 - t0) / 1000000))
hb_ms=$((MH_SESSION_MS / 3))
t_log "takeover after $takeover_ms ms (session timeout $MH_SESSION_MS ms, heartbeat $hb_ms ms)"
[ "$takeover_ms" -le $((2 * MH_SESSION_MS + hb_ms + 5000)) ] ||
	t_fail "takeover took $takeover_ms ms, more than two session timeouts + a heartbeat + 5 s"

# The operator's view of the takeover: /metrics (linted) and gcb-ringstat.
mh_metrics b >"$T_DIR/b.metrics" || t_fail "no /metrics from b"
promtool check metrics <"$T_DIR/b.metrics" >"$T_DIR/lint.out" 2>&1 || {
	cat "$T_DIR/lint.out"
	t_fail "promtool check metrics"
}
grep -q '^gcbridge_coord_units_owned 1$' "$T_DIR/b.metrics" || t_fail "b's /metrics: not owning"
grep -q '^gcbridge_coord_unit_owned{unit="0"} 1$' "$T_DIR/b.metrics" || t_fail "b's /metrics: unit 0"
grep -q '^gcbridge_coord_state{state="stable"} 1$' "$T_DIR/b.metrics" || t_fail "b's /metrics: state"
"$GCB_BIN/gcb-ringstat" "$T_INSTANCE-b" | grep -q "^coord .*owns 0 of 1 unit" ||
	t_fail "gcb-ringstat: $("$GCB_BIN/gcb-ringstat" "$T_INSTANCE-b" | grep coord)"

e2e_wait_served "$N" 90 || t_fail "served only $(e2e_served) of $N after the takeover"
t_wait_for 60 mh_acked_through "$N" ||
	t_fail "b does not deliver: state at $(mh_state_pos) of $N; $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE-b")"
grep -q "resuming stream $E2E_STREAM from the state topic" "$T_DIR/b.err" ||
	t_fail "b did not resume from the state topic: $(grep -i resum "$T_DIR/b.err")"
kill -TERM "$(mh_pid b)"
t_wait_exit "$(mh_pid b)" 60
[ "$T_CODE" = 0 ] || t_fail "b exit $T_CODE after SIGTERM"

out=$(e2e_verify --dup-pos-window "$lo:$hi" --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
dups=$(echo "$out" | sed -n 's/.* duplicates=\([0-9]*\) .*/\1/p')
t_log "REPORT: failover after $takeover_ms ms (session $MH_SESSION_MS ms), $N events, 0 lost, $dups duplicates (all within positions $lo..$hi)"

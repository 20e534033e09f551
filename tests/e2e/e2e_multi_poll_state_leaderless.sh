#!/bin/sh
# The state topic's partition loses its leader (docs/multihost.md, "When
# the state topic cannot be written") while the owner polls and delivers:
# the embedded Kafka is told the partition has no leader for 25 s, more
# than twice watchdog.timeout. Every state write in that time fails. The
# fetcher must say so and keep its watchdog fed meanwhile: no stage is
# restarted, the instance keeps the stream, events keep flowing to Kafka
# during the outage, and once the leader is back the state moves on again.
# Nothing is lost (verify.py: every served event in Kafka, once). (A
# consumer of the state topic, kcat included, waits while it has no leader:
# the state is read only after the outage.)
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/multi_lib.sh"

N=$(e2e_events 24000)
OUTAGE_S=25
mh_start_kafka
e2e_start_sim --count "$N" --rate $((N / 50)) --seed 23
mh_conf a
mh_start a
t_wait_for 30 mh_owns a || t_fail "a never owned the stream: $(tail -5 "$T_DIR/a.err")"
e2e_wait_served $((N / 10)) 60 || t_fail "events do not flow: $(tail -3 "$T_DIR/a.err")"
t_wait_for 30 mh_acked_through 1 || t_fail "no state record: $(tail -3 "$T_DIR/a.err")"

restarts() {
	mh_ringstat a | "$PY" -c '
import json, sys
print(sum(s["restarts"] for s in json.load(sys.stdin)["stages"]))'
}
delivered() {
	"$PY" "$E2E/shmcounters.py" --stage producer "$T_INSTANCE-a" delivered | sed 's/^delivered=//'
}
r0=$(restarts)
lines=$(wc -l <"$T_DIR/a.err")
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "leader $MH_GROUP.state 0 all" >/dev/null ||
	t_fail "the mock refused to take the state partition's leader away"
d0=$(delivered)
t_log "state partition leaderless from delivered=$d0, restarts=$r0"
sleep "$OUTAGE_S"
d1=$(delivered)
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "leader $MH_GROUP.state 0 1" >/dev/null ||
	t_fail "the mock refused to give the state partition a leader again"
pos_out=$(mh_state_pos)
t_log "leader back at delivered=$d1, state position $pos_out"

tail -n +"$((lines + 1))" "$T_DIR/a.err" | grep -q "state of unit 0 not written" ||
	t_fail "the failed state writes were not logged: $(tail -5 "$T_DIR/a.err")"
r1=$(restarts)
[ "$r1" = "$r0" ] || t_fail "stages restarted during the outage ($r0 -> $r1): $(grep -i 'watchdog\|restart' "$T_DIR/a.err" | tail -3)"
mh_owns a || t_fail "a lost the stream during the outage"
[ "$d1" -gt "$d0" ] || t_fail "nothing delivered during the outage ($d0 -> $d1)"

e2e_wait_served "$N" 90 || t_fail "served only $(e2e_served) of $N"
t_wait_for 60 mh_acked_through "$N" ||
	t_fail "the state did not move on after the outage: at $(mh_state_pos) of $N"
kill -TERM "$(mh_pid a)"
t_wait_exit "$(mh_pid a)" 60
[ "$T_CODE" = 0 ] || t_fail "a exit $T_CODE after SIGTERM"
out=$(e2e_verify --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "REPORT: state partition leaderless ${OUTAGE_S}s; delivered $d0 -> $d1 meanwhile, no restart, state at $pos_out then $N, 0 lost"

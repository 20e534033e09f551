#!/bin/sh
# A deposed owner (docs/multihost.md, "Fencing"): a's whole process tree is
# SIGSTOPped while it owns the stream; b takes the stream over and moves on.
# Then a is resumed (SIGCONT). a must not move the unit's state back (the
# winning state record, by the readers' rule, stays b's generation and its
# position never decreases), and a must stop on its own: it logs that it
# lost the unit, shows no owned unit, and its poll count stops growing.
# Nothing is lost (verify.py: every served event in Kafka).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/multi_lib.sh"

N=$(e2e_events 20000)
mh_start_kafka
e2e_start_sim --count "$N" --rate $((N / 25)) --seed 19
mh_conf a
mh_conf b
mh_start a
t_wait_for 30 mh_owns a || t_fail "a never owned the stream: $(tail -5 "$T_DIR/a.err")"
mh_start b
e2e_wait_served $((N / 5)) 60 || t_fail "events do not flow: $(tail -3 "$T_DIR/a.err")"

tree_a="$(mh_pid a) $(pgrep -P "$(mh_pid a)" | tr '\n' ' ')"
lo=$(mh_state_pos)
kill -STOP $tree_a
hi=$(e2e_served)
t_log "a stopped (pids $tree_a) at served=$hi, state position $lo"
t_wait_for 60 mh_owns b || t_fail "b did not take over: $(tail -5 "$T_DIR/b.err")"
gen_b=$(mh_ringstat b | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["coord"]["generation"])')
pos_b0=$(mh_state_pos)
# b must move the state on before a comes back.
sleep 2
pos_b1=$(mh_state_pos)
[ "$pos_b1" -gt "$lo" ] || t_fail "b's state did not move past a's ($pos_b1 <= $lo)"
t_log "b owns the stream at generation $gen_b, state position $pos_b0 -> $pos_b1"

kill -CONT $tree_a
t_log "a resumed"
# a learns from the group (its heartbeat is refused) or from the state topic.
t_wait_for 30 grep -q "polling stopped\|unit 0 lost\|a newer generation owns it" "$T_DIR/a.err" ||
	t_fail "a did not notice it lost the stream: $(tail -5 "$T_DIR/a.err")"
t_wait_for 30 sh -c "! '$GCB_BIN/gcb-ringstat' --json '$T_INSTANCE-a' | grep -q '\"owned_units\": *\[ *0'" ||
	t_fail "a still shows the unit"
polls_a=$("$PY" "$E2E/shmcounters.py" "$T_INSTANCE-a" polls | sed 's/polls=//')
prev=$pos_b1
for i in 1 2 3 4 5 6; do
	sleep 1
	pos=$(mh_state_pos)
	[ "$pos" -ge "$prev" ] || t_fail "state moved back: $prev -> $pos"
	prev=$pos
	winner_gen=$(mh_state_winner | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
	[ "$winner_gen" -ge "$gen_b" ] || t_fail "winning state record of generation $winner_gen < b's $gen_b"
	mh_owns b || t_fail "b lost the stream after a resumed"
done
polls_a2=$("$PY" "$E2E/shmcounters.py" "$T_INSTANCE-a" polls | sed 's/polls=//')
[ "$polls_a2" = "$polls_a" ] || t_fail "a keeps polling: $polls_a -> $polls_a2"
# Records a wrote after b's claim (a paused inside a write): they exist only
# in that narrow window and carry a's older generation, so they lose.
late=$(mh_state_dump | "$PY" -c '
import json, sys
gb = int(sys.argv[1]); seen = False; late = 0
for line in sys.stdin:
    k, _, v = line.rstrip("\n").partition("\t")
    if not v:
        continue
    g = json.loads(v)["generation"]
    if g >= gb:
        seen = True
    elif seen:
        late += 1
print(late)' "$gen_b")

e2e_wait_served "$N" 90 || t_fail "served only $(e2e_served) of $N"
t_wait_for 60 mh_acked_through "$N" || t_fail "b does not deliver: state at $(mh_state_pos) of $N"
t_wait_for 60 _mh_rings_idle a || t_fail "a's rings do not drain"
kill -TERM "$(mh_pid a)" "$(mh_pid b)"
t_wait_exit "$(mh_pid a)" 60
[ "$T_CODE" = 0 ] || t_fail "a exit $T_CODE after SIGTERM"
t_wait_exit "$(mh_pid b)" 60
[ "$T_CODE" = 0 ] || t_fail "b exit $T_CODE after SIGTERM"
out=$(e2e_verify --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "REPORT: a paused, b took over at generation $gen_b; a resumed, stopped on its own (polls $polls_a -> $polls_a2), state never moved back ($pos_b1 -> $prev), $late late record(s) of the old generation ignored, 0 lost"

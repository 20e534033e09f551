#!/bin/sh
# Rolling restart (docs/multihost.md): two instances share the stream; while
# events flow each is stopped with SIGTERM and started again, one after the
# other, twice round. A clean stop drains the stream's unit and hands it over
# at the acknowledged position, so the other instance resumes exactly there.
# Nothing is lost (verify.py, kcat); duplicates are reported.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/multi_lib.sh"

N=$(e2e_events 24000)
mh_start_kafka
e2e_start_sim --count "$N" --rate $((N / 30)) --seed 20
mh_conf a
mh_conf b
mh_start a
t_wait_for 30 mh_owns a || t_fail "a never owned the stream: $(tail -5 "$T_DIR/a.err")"
mh_start b
e2e_wait_served $((N / 10)) 60 || t_fail "events do not flow"

handovers=0
_mh_has_owner() {
	[ -n "$(mh_owner)" ]
}
for round in 1 2; do
	for x in a b; do
		# The previous restart's hand-over may still be in progress.
		t_wait_for 30 _mh_has_owner || t_fail "nobody owns the stream before stopping $x"
		owner=$(mh_owner)
		p=$(mh_pid "$x")
		kill -TERM "$p"
		t_wait_exit "$p" 60
		[ "$T_CODE" = 0 ] || t_fail "$x exit $T_CODE after SIGTERM (round $round)"
		[ "$owner" = "$x" ] && handovers=$((handovers + 1))
		t_log "round $round: $x stopped (owner was ${owner:-none}), served $(e2e_served)"
		mh_start "$x"
		t_wait_for 30 sh -c "'$GCB_BIN/gcb-ringstat' --json '$T_INSTANCE-$x' | grep -q '\"state\": *\"stable\"'" ||
			t_fail "$x did not rejoin: $(tail -5 "$T_DIR/$x.err")"
		sleep 1
	done
done
[ "$handovers" -ge 2 ] || t_fail "the owner was stopped only $handovers time(s)"

e2e_wait_served "$N" 120 || t_fail "served only $(e2e_served) of $N"
t_wait_for 60 mh_acked_through "$N" || t_fail "the stream is not delivered: state at $(mh_state_pos) of $N"
for x in a b; do
	t_wait_for 60 _mh_idle "$x" || t_fail "$x does not deliver"
done
grep -q "unit handed over" "$T_DIR/a.err" "$T_DIR/b.err" || t_fail "no clean handover logged"
kill -TERM "$(mh_pid a)" "$(mh_pid b)"
for x in a b; do
	t_wait_exit "$(mh_pid "$x")" 60
	[ "$T_CODE" = 0 ] || t_fail "$x exit $T_CODE after SIGTERM"
done
out=$(e2e_verify --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
dups=$(echo "$out" | sed -n 's/.* duplicates=\([0-9]*\) .*/\1/p')
t_log "REPORT: 4 restarts ($handovers with the stream handed over), $N events, 0 lost, $dups duplicates"

#!/bin/sh
# SIGKILL the supervisor: its stages die with it; a new supervisor re-attaches
# the segment, resumes with what the rings hold, and nothing is lost.
. "$(dirname "$0")/../lib.sh"

TOTAL=200000
# run N: supervisor number N, its log in $T_DIR/log.N (one file per round,
# so a round's check cannot pass on an earlier round's line).
run() {
	t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
		--total $TOTAL --rate 50000 --batch 100 2>"$T_DIR/log.$1"
	sv=$T_LAST
}
run 0
for i in 1 2 3; do
	t_wait_for 10 test -s "$T_DIR/sink" || t_fail "pipeline did not start"
	sleep 0.7
	stages=$(pgrep -P "$sv" | tr '\n' ' ')
	kill -KILL "$sv"
	wait "$sv" 2>/dev/null || true
	for p in $stages; do
		t_wait_for 5 sh -c "! kill -0 $p" || t_fail "stage $p outlived its supervisor"
	done
	[ -e "/dev/shm/gcbridge-$T_INSTANCE" ] || t_fail "segment gone after supervisor crash"
	before=$(stat -c %s "$T_DIR/sink")
	run $i
	t_wait_for 10 grep -q "re-attached segment" "$T_DIR/log.$i" ||
		t_fail "round $i: did not re-attach"
	# This round's supervisor moves records itself (the sink grows past
	# what the killed one left), before the next round kills it.
	t_wait_for 30 sh -c "[ \$(stat -c %s $T_DIR/sink) -gt $before ]" ||
		t_fail "round $i: no record delivered after re-attaching"
done
t_wait_for 60 sh -c "[ \$(stat -c %s $T_DIR/sink) -ge $((TOTAL * 8)) ]" ||
	t_fail "sink did not receive $TOTAL records"
kill -TERM "$sv"
t_wait_exit "$sv" 60
code=$T_CODE
[ "$code" = 0 ] || t_fail "exit $code after SIGTERM"
$PY "$GCB_ROOT/tests/supervisor/seqcheck.py" "$T_DIR/sink" $TOTAL || t_fail "records lost"

#!/bin/sh
# A stage that stops heart-beating (SIGSTOP) is detected, killed and replaced,
# and nothing it held is lost.
. "$(dirname "$0")/../lib.sh"

TOTAL=100000
t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
	--total $TOTAL --rate 20000 --watchdog-ms 1500 --grace-ms 500 \
	--restart-min-ms 100 2>"$T_DIR/log"
sv=$T_LAST
t_wait_for 10 test -s "$T_DIR/sink" || t_fail "pipeline did not start"
for stage in validator-1 producer fetcher; do
	pid=$(t_stage_pid "$sv" $stage)
	kill -STOP "$pid"
	t_wait_for 20 sh -c "p=\$(pgrep -P $sv -x $stage); [ -n \"\$p\" ] && [ \"\$p\" != $pid ]" ||
		t_fail "stopped $stage was not replaced"
	grep -q "stage $stage (pid $pid) has not sent a heartbeat" "$T_DIR/log" ||
		t_fail "hang of $stage not logged"
done
t_wait_for 60 sh -c "[ \$(stat -c %s $T_DIR/sink) -ge $((TOTAL * 8)) ]" ||
	t_fail "sink did not receive $TOTAL records"
kill -TERM "$sv"
t_wait_exit "$sv" 60
code=$T_CODE
[ "$code" = 0 ] || t_fail "exit $code after SIGTERM"
$PY "$GCB_ROOT/tests/supervisor/seqcheck.py" "$T_DIR/sink" $TOTAL || t_fail "records lost"

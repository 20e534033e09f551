#!/bin/sh
# SIGTERM drains: every record the source had fetched comes out of the sink
# before exit 0, and the segment is removed.
. "$(dirname "$0")/../lib.sh"

t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
	--total 100000000 --rate 200000 --batch 200 --ring-size 4194304 2>"$T_DIR/log"
sv=$T_LAST
t_wait_for 10 test -s "$T_DIR/sink" || t_fail "pipeline did not start"
sleep 2
kill -TERM "$sv"
t_wait_exit "$sv" 60
code=$T_CODE
[ "$code" = 0 ] || t_fail "exit $code after SIGTERM"
last=$(sed -n 's/.*source stopped after event \([0-9]*\).*/\1/p' "$T_DIR/log" | tail -n 1)
[ -n "$last" ] && [ "$last" -gt 0 ] || t_fail "source did not report where it stopped"
$PY "$GCB_ROOT/tests/supervisor/seqcheck.py" "$T_DIR/sink" "$last" ||
	t_fail "records fetched before SIGTERM did not all come out"
[ ! -e "/dev/shm/gcbridge-$T_INSTANCE" ] || t_fail "segment left behind after a clean drain"
t_log "drained $last records"

#!/bin/sh
# Each stage type is SIGKILLed repeatedly while records flow: every stage is
# restarted, restarts are counted, and no record is lost.
. "$(dirname "$0")/../lib.sh"

TOTAL=300000
t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
	--total $TOTAL --batch 50 --rate 60000 --restart-min-ms 100 --restart-max-ms 400 \
	2>"$T_DIR/log"
sv=$T_LAST
t_wait_for 10 test -s "$T_DIR/sink" || t_fail "no record reached the sink"

kills=0
for round in 1 2 3; do
	for stage in fetcher validator-0 validator-1 producer; do
		t_wait_for 10 t_stage_pid "$sv" "$stage" || t_fail "$stage not running"
		pid=$(t_stage_pid "$sv" "$stage")
		kill -KILL "$pid"
		kills=$((kills + 1))
		# the replacement must come up before the next kill of this type
		t_wait_for 10 sh -c "p=\$(pgrep -P $sv -x $stage); [ -n \"\$p\" ] && [ \"\$p\" != $pid ]" ||
			t_fail "$stage was not restarted"
		sleep 0.3
	done
done
restarts=$(grep -c 'crashed (killed by SIGKILL)' "$T_DIR/log" || true)
[ "$restarts" -eq "$kills" ] || t_fail "$kills kills but $restarts restarts logged"

# Restart counts are visible in the stage table.
if [ -x "$GCB_BIN/gcb-ringstat" ]; then
	"$GCB_BIN/gcb-ringstat" --json "$T_INSTANCE" >"$T_DIR/stat.json" || true
	$PY - "$T_DIR/stat.json" <<'PY' || t_fail "stage table restart counts wrong"
import json, sys
doc = json.load(open(sys.argv[1]))
stages = {s["name"]: s for s in doc["stages"]}
for name in ("fetcher", "validator-0", "validator-1", "producer"):
    assert stages[name]["restarts"] >= 3, (name, stages[name])
PY
fi

t_wait_for 120 sh -c "[ \$(stat -c %s $T_DIR/sink) -ge $((TOTAL * 8)) ]" ||
	t_fail "sink did not receive $TOTAL records"
kill -TERM "$sv"
t_wait_exit "$sv" 60
code=$T_CODE
[ "$code" = 0 ] || { tail -20 "$T_DIR/log" >&2; t_fail "exit $code after SIGTERM"; }
$PY "$GCB_ROOT/tests/supervisor/seqcheck.py" "$T_DIR/sink" $TOTAL || t_fail "records lost"
t_log "$kills kills, all restarted, nothing lost"

#!/bin/sh
# SIGKILL the producer stage while records are in flight, four times (the
# brokers answer after 40 ms so acknowledgements lag): the supervisor
# restarts it, nothing is missing, and every duplicate belongs to a batch that
# was in flight at one of the kills: acked_batch_seq (read before the kill) <
# batch <= fetched_batch_seq (read after it). The duplicate count is reported.
. "$(dirname "$0")/lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=${E2E_EVENTS:-40000}
KILLS=4
e2e_start_kafka
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "rtt all 40" >/dev/null || t_fail "rtt refused"
e2e_start_sim --count "$N" --rate 3000 --seed 13 --fault-bad-event-rate 0.01
e2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

t_wait_for 60 sh -c "[ \$(cut -f1 '$T_DIR/served.tsv' 2>/dev/null | wc -l) -ge 3000 ]" ||
	t_fail "events do not flow: $(tail -3 "$T_DIR/gcb.err")"

windows=""
k=0
inflight_batches=0
while [ $k -lt $KILLS ]; do
	t_wait_for 30 sh -c "pgrep -P $GCB_PID -x producer >/dev/null" || t_fail "no producer stage"
	prod=$(pgrep -P "$GCB_PID" -x producer | head -n 1)
	# Kill only with something in flight (fetched ahead of acked).
	t_wait_for 20 sh -c "[ \$($PY '$E2E/shmpeek.py' '$T_INSTANCE' | sed 's/.*fetched=\([0-9]*\) acked=\([0-9]*\).*/\1 - \2/' | xargs expr) -gt 2 ]" ||
		t_fail "nothing in flight: $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
	lo=$(e2e_peek acked)
	kill -KILL "$prod"
	hi=$(e2e_peek fetched)
	k=$((k + 1))
	t_log "kill $k: producer $prod, batches $lo < b <= $hi in flight"
	windows="$windows${windows:+,}$lo:$hi"
	inflight_batches=$((inflight_batches + hi - lo))
	# Wait for the successor, and for it to acknowledge something new.
	t_wait_for 30 sh -c "p=\$(pgrep -P $GCB_PID -x producer) && [ \"\$p\" != $prod ]" ||
		t_fail "producer not restarted after kill $k"
	t_wait_for 30 sh -c "[ \$($PY '$E2E/shmpeek.py' '$T_INSTANCE' | sed 's/.*acked=\([0-9]*\).*/\1/') -gt $hi ]" ||
		t_fail "restarted producer does not deliver: $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
done

e2e_wait_delivered "$N" 75 || t_fail "not delivered: served $(e2e_served), $(
	"$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
restarts=$("$GCB_BIN/gcb-ringstat" --json "$T_INSTANCE" | "$PY" -c '
import json, sys
print([s["restarts"] for s in json.load(sys.stdin)["stages"] if s["kind"] == "producer"][0])')
[ "$restarts" -ge "$KILLS" ] || t_fail "producer restarts $restarts, expected >= $KILLS"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"

out=$(e2e_verify --dup-window "$windows" --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
dups=$(echo "$out" | sed -n 's/.* duplicates=\([0-9]*\) .*/\1/p')
win=$(echo "$out" | sed -n "s/.* window_records=\([0-9]*\).*/\1/p")
t_log "REPORT: $KILLS producer kills, $restarts restarts, $inflight_batches batches ($win records) in flight at the kills, $dups duplicate records (all inside the in-flight windows $windows), 0 lost"
t_log "ok"

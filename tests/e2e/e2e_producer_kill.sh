#!/bin/sh
# SIGKILL the producer stage while records are in flight, four times (the
# brokers answer after 40 ms so acknowledgements lag): the supervisor
# restarts it, nothing is missing, and every duplicate Kafka holds (read with
# kcat) lies in a kill window taken from evidence outside gcbridge's counters:
# from the position of the cursor in the checkpoint file (read before the
# kill) up to what the simulator had served (read after it); the copies do
# not outnumber those windows. The duplicate count is reported.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=$(e2e_events 40000)
KILLS=4
e2e_start_kafka
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "rtt all 40" >/dev/null || t_fail "rtt refused"
e2e_start_sim --count "$N" --rate $((N / 16)) --seed 13 --fault-bad-event-rate 0.01
e2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

# ckpt_pos: the stream position of the cursor in the checkpoint file (0 when
# none was stored yet), decoded as gcb-sim encodes it (tools/sim/gcb_sim_store.c).
ckpt_pos() {
	"$PY" - "$T_DIR/state/$T_INSTANCE.cursor" <<'PY'
import json, sys
try:
    c = json.load(open(sys.argv[1]))["cursor"]
except FileNotFoundError:
    print(0)
    sys.exit(0)
tag, x, _ = c.split(".")
assert tag == "c1", c
print(int(x, 16) ^ 0x5BD1E9955BD1E995)
PY
}

e2e_wait_served $((N / 16)) 60 ||
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
	lo=$(ckpt_pos) || t_fail "checkpoint file unreadable"
	kill -KILL "$prod"
	fetched=$(e2e_peek fetched) # only to wait for new progress below
	hi=$(e2e_served)
	k=$((k + 1))
	t_log "kill $k: producer $prod, stream positions $lo <= p < $hi after the checkpoint"
	windows="$windows${windows:+,}$lo:$hi"
	inflight_batches=$((inflight_batches + hi - lo))
	# Wait for the successor, and for it to acknowledge something new.
	t_wait_for 30 sh -c "p=\$(pgrep -P $GCB_PID -x producer) && [ \"\$p\" != $prod ]" ||
		t_fail "producer not restarted after kill $k"
	t_wait_for 30 sh -c "[ \$($PY '$E2E/shmpeek.py' '$T_INSTANCE' | sed 's/.*acked=\([0-9]*\).*/\1/') -gt $fetched ]" ||
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

out=$(e2e_verify --dup-pos-window "$windows" --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
dups=$(echo "$out" | sed -n 's/.* duplicates=\([0-9]*\) .*/\1/p')
t_log "REPORT: $KILLS producer kills, $restarts restarts, $inflight_batches stream positions after the checkpoint at the kills, $dups duplicate records (all inside the windows $windows), 0 lost"
t_log "ok"

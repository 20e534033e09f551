#!/bin/sh
# Simulator -> gcbridge -> gcb-kafka-mock, 100 000 events with schema-invalid
# and drifted ones among them, read back with kcat and checked event by event
# by tests/e2e/verify.py; then SIGTERM drains and gcbridge exits 0.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=$(e2e_events 100000)
e2e_start_kafka
e2e_start_sim --count "$N" --seed 11 --fault-bad-event-rate 0.02 --fault-drift-rate 0.05
e2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

e2e_wait_delivered "$N" 75 || t_fail "not delivered in time: served $(e2e_served), $(
	"$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
t_log "all $N served and acked: $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
acked=$(e2e_peek acked)

# A clean drain: SIGTERM, exit 0, nothing left behind.
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"
grep -q 'drained: every fetched event was delivered' "$T_DIR/gcb.err" ||
	t_fail "no drain message: $(tail -5 "$T_DIR/gcb.err")"
# The last checkpoint is the last acknowledged batch.
grep -q "\"batch_seq\":$acked," "$T_DIR/state/$T_INSTANCE.cursor" ||
	t_fail "checkpoint $(cat "$T_DIR/state/$T_INSTANCE.cursor") is not batch $acked"

bad=$(e2e_stat generatedBad)
drift=$(e2e_stat generatedDrift)
t_log "simulator generated $bad bad and $drift drifted events"
[ "$bad" -gt 0 ] && [ "$drift" -gt 0 ] || t_fail "no bad or drifted events generated"

out=$(e2e_verify --max-dups 0 --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
# Every bad event is a DLQ record; no drifted one is (drift only renames
# optional fields or adds/removes them, except mediaType which is required).
dlq=$(echo "$out" | sed -n 's/.* dlq=\([0-9]*\) .*/\1/p')
[ "$dlq" -ge "$bad" ] || t_fail "$dlq DLQ records for $bad bad events"
e2e_no_secret || t_fail "the client secret appears in gcbridge's output or state"
t_log "ok"

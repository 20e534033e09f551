#!/bin/sh
# producer.dlq_topic is the one place the dead-letter topic is named: with it
# set to a name of its own, every event the simulator spoiled is found there
# (read back with kcat, reason header included), and the default DLQ topic
# genesys.dlq stays empty. The validators and the producer both log it.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

DLQ=ops.rejects
N=$(e2e_events 4000)
e2e_start_kafka --topic "$DLQ:2"
e2e_start_sim --count "$N" --seed 23 --fault-bad-event-rate 0.05
e2e_write_conf "$T_DIR/gcb.conf" "producer.dlq_topic = $DLQ"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID, dlq $DLQ"

e2e_wait_delivered "$N" 90 || t_fail "not delivered in time: served $(e2e_served), $(
	"$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
bad=$(e2e_stat generatedBad)
[ "$bad" -gt 0 ] || t_fail "the simulator spoiled no event"

# kcat: the rejects are on $DLQ, each with its reason; none on genesys.dlq.
timeout 60 kcat -C -b "$BS" -t "$DLQ" -o beginning -e -q -f '%h\n' >"$T_DIR/dlq.headers" ||
	t_fail "kcat could not read $DLQ"
got=$(grep -c 'error.reason=' "$T_DIR/dlq.headers" || true)
[ "$got" -ge "$bad" ] || t_fail "$got records with error.reason on $DLQ for $bad spoiled events"
# Each dead letter names the cursor of its batch (the producer reads it from
# the batch's cursor slot).
nocur=$(grep 'error.reason=' "$T_DIR/dlq.headers" | grep -vc 'source.cursor=[^,]' || true)
[ "$nocur" = 0 ] || t_fail "$nocur records on $DLQ without source.cursor"
timeout 60 kcat -C -b "$BS" -t genesys.dlq -o beginning -e -q -f '%o\n' >"$T_DIR/old.offsets" ||
	t_fail "kcat could not read genesys.dlq"
[ ! -s "$T_DIR/old.offsets" ] || t_fail "$(wc -l <"$T_DIR/old.offsets") records on genesys.dlq"
t_log "kcat: $got rejects on $DLQ for $bad spoiled events, genesys.dlq empty"

# Event by event: each reject is the spoiled event, nothing lost or misplaced.
out=$(e2e_verify --dlq-topic "$DLQ" --extra-topic genesys.dlq --max-dups 0) || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
grep -q "producing to .*(dlq $DLQ)" "$T_DIR/gcb.err" || t_fail "the producer does not name $DLQ"

kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"
t_log "ok"

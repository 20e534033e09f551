#!/bin/sh
# The notification source end to end: gcb-sim pushes conversation snapshots
# and user presence/routing/activity over WebSocket channels (60 queues and
# 400 users: 1 260 topics, so two channels), gcbridge spools them and
# produces them to gcb-kafka-mock. notif_verify.py then checks that every
# data message the simulator sent is in Kafka on its topic with its key,
# decodes as Avro, in send order per (topicName, key), none in the DLQ and
# none twice. Then SIGTERM drains and gcbridge exits 0.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 1500) # conversations
RATE=$((N / 12))     # generated over about 12 s
ne2e_start_kafka 16
ne2e_start_sim --seed 21 --queues 60 --agents 400 --heartbeat-interval 1
ne2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

t_wait_for 30 ne2e_fc_ge channels 2 ||
	t_fail "two channels not connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
topics=$(ne2e_fc topics)
[ "$topics" -gt 1000 ] || t_fail "only $topics topics subscribed"
t_log "2 channels, $topics topics"
ne2e_traffic "$N" "$RATE"

ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
t_log "traffic over: $NE2E_SENT data messages sent"
ne2e_wait_settled 60 "$NE2E_SENT" || t_fail "not delivered: $NE2E_SENT sent, $(ne2e_state)"
t_log "settled: $(ne2e_state)"
[ "$(ne2e_fc gaps_opened)" = 0 ] || t_log "note: $(ne2e_fc gaps_opened) gaps opened"

kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"

out=$(ne2e_verify --max-dups 0 --check-conversations --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
sent=$(echo "$out" | sed -n 's/.* sent=\([0-9]*\) .*/\1/p')
[ "${sent:-0}" -gt 0 ] || t_fail "nothing sent"
e2e_no_secret || t_fail "the client secret appears in gcbridge's output or state"
t_log "ok"

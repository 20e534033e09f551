#!/bin/sh
# Topics refused for missing permissions, end to end: gcb-sim refuses 5 % of
# the topics (--fault-subscribe-reject-rate: Rejected, with the missing
# permission, under ignoreErrors=true). gcbridge subscribes the rest, shows
# the refused ones in its topics_rejected gauge, in gcb-ringstat and in the
# metrics, and every data message the simulator sent for the others reaches
# Kafka (notif_verify.py: on its topic, with its key, Avro, no DLQ, no
# duplicate).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 300)
ne2e_start_kafka 4
ne2e_start_sim --seed 23 --queues 20 --agents 150 --heartbeat-interval 1 \
	--fault-subscribe-reject-rate=0.05
ne2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"

t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "no channel connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
refused=$(curl -s --max-time 20 "$SIM_URL/admin/notify/stats" |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["topicsRejected"])')
[ "${refused:-0}" -gt 0 ] || t_fail "the simulator refused no topic"
t_wait_for 20 ne2e_fc_ge topics_rejected "$refused" ||
	t_fail "topics_rejected $(ne2e_fc topics_rejected), the simulator refused $refused"
[ "$(ne2e_fc topics_rejected)" = "$refused" ] ||
	t_fail "topics_rejected $(ne2e_fc topics_rejected), the simulator refused $refused"
grep -q "rejected by the service: .*missing permissions: [a-z]*:[a-zA-Z]*:view" "$T_DIR/gcb.err" ||
	t_fail "no rejection logged with its missing permission"
"$GCB_BIN/gcb-ringstat" "$T_INSTANCE" | grep -q "topics, $refused rejected by the service" ||
	t_fail "gcb-ringstat does not show the rejected topics: $("$GCB_BIN/gcb-ringstat" "$T_INSTANCE" | grep notifications)"
t_log "$refused topics refused, $(ne2e_fc topics) subscribed"

ne2e_traffic "$N" $((N / 6))
ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
ne2e_wait_settled 60 "$NE2E_SENT" || t_fail "not delivered: $NE2E_SENT sent, $(ne2e_state)"

ne2e_stop_and_verify
t_log "ok"

#!/bin/sh
# The default topic set fits a large org: gcbridge with no topics configured
# (the default: one conversations topic per queue, one activity topic per
# user) against gcb-sim with 15,000 users and 2,000 queues subscribes 17,000
# topics on 17 channels (within 19 x 1,000, one channel kept for rollover),
# and the messages the simulator sends reach Kafka (notif_verify.py).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

ne2e_start_kafka 4
ne2e_start_sim --seed 29 --queues 250 --agents 15000 --heartbeat-interval 1 --notify-rate 0
# --queues stops at 250 (the poll source's generator); the org grows over the admin API.
ne2e_sim_admin "notify/org?queues=1750&users=0" || t_fail "the org did not grow"
e2e_write_conf "$T_DIR/gcb.conf" "genesys.source = notifications" \
	"genesys.notifications.heartbeat_timeout = 5s" "genesys.notifications.ping_interval = 2s" \
	"backfill.pad = 2s" "backfill.poll_interval = 200ms"
grep -q "notifications.topics" "$T_DIR/gcb.conf" && t_fail "the test must run the default topics"
e2e_start_gcb "$T_DIR/gcb.conf"

t_wait_for 120 ne2e_fc_ge channels 17 ||
	t_fail "17 channels not connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
[ "$(ne2e_fc topics)" = 17000 ] || t_fail "topics $(ne2e_fc topics), expected 17000"
grep -q "topics: 17000 (2000 queues, 15000 users) over 17 channels" "$T_DIR/gcb.err" ||
	t_fail "resolution not logged as expected"
t_log "17,000 topics on 17 channels"

ne2e_traffic 60 10
ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
[ "$NE2E_SENT" -gt 0 ] || t_fail "nothing sent"
ne2e_wait_settled 60 "$NE2E_SENT" || t_fail "not delivered: $NE2E_SENT sent, $(ne2e_state)"
ne2e_stop_and_verify
t_log "ok"

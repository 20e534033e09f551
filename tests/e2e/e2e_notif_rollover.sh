#!/bin/sh
# Channel rollover against a slow server loses nothing. gcb-sim holds each
# message 0.3 s in its socket queue before writing it (--ws-write-delay)
# and reads what the client sends at most every 0.5 s (--ws-read-lag), and
# channels live 5 s, so gcbridge replaces its channel every 3 s
# (rollover_before = 2 s) while conversations flow. What was published
# before the new channel's socket was up reaches only the old socket, and
# is written there after the switch: gcbridge must read the old socket up
# to the server's close reply. Every message the simulator queued for a
# socket must be in Kafka, in order per key, with no gap recorded.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 600)
RATE=$((N / 15))
ne2e_start_kafka 8
ne2e_start_sim --seed 41 --queues 20 --agents 100 --heartbeat-interval 0.5 \
	--channel-ttl 5 --ws-write-delay 0.3 --ws-read-lag 0.5 \
	--notify-record "$T_DIR/published.jsonl"
ne2e_write_conf "$T_DIR/gcb.conf" "genesys.notifications.rollover_before = 2s"
e2e_start_gcb "$T_DIR/gcb.conf"
t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "channel not connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
ne2e_traffic "$N" "$RATE"
t_wait_for 30 ne2e_fc_ge ws_messages 1 || t_fail "no data: $(ne2e_state)"
t_wait_for 40 ne2e_fc_ge rollovers 3 || t_fail "fewer than 3 rollovers: $(ne2e_state)"

ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
ne2e_wait_settled 60 || t_fail "not settled: $(ne2e_state)"
t_log "settled: $(ne2e_state)"
[ "$(ne2e_fc gaps_opened)" = 0 ] ||
	t_fail "a rollover opened a gap: $(grep 'gap [0-9]* opened' "$T_DIR/gcb.err" | head -3)"
[ "$(ne2e_fc ws_reconnects)" = 0 ] || t_fail "reconnected instead of rolling over: $(ne2e_state)"

kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"
# Every message the simulator queued for a socket (--published), written
# or not: one published before the new channel's socket was up is queued
# only on the old socket, and is written there only if gcbridge waits for
# the close reply. Duplicates are expected: after the switch both channels
# are sent what is published until the old one is gone.
curl -s -X POST --max-time 20 "$SIM_URL/admin/flush" >/dev/null || t_fail "flush refused"
out=$(ne2e_verify --published "$T_DIR/published.jsonl" --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "ok: $(ne2e_fc rollovers) rollovers, nothing lost"

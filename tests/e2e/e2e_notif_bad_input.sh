#!/bin/sh
# Bad input from the Notification Service loses nothing: gcb-sim spoils 5 %
# of its messages with broken JSON and 5 % with a drifted field (the body's
# first key renamed: a required field of most families). notif_verify.py
# checks every sent message: the good ones on their topic, in order, once;
# every broken one in the dead-letter topic with its raw bytes; a drifted
# one either encoded (the renamed field was optional) or dead-lettered;
# nothing missing. event.max_bytes is 1 KiB, so the larger conversation
# snapshots are oversized: each is in the dead-letter topic (reason
# oversized) with all its bytes. gcbridge never restarts a stage on it.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 400) # conversations
RATE=$((N / 8))
ne2e_start_kafka 8
ne2e_start_sim --seed 23 --queues 10 --agents 60 --heartbeat-interval 1 \
	--fault-bad-event-rate 0.05 --fault-drift-rate 0.05
ne2e_write_conf "$T_DIR/gcb.conf" "event.max_bytes = 1KiB"
e2e_start_gcb "$T_DIR/gcb.conf"
t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "channel not connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
ne2e_traffic "$N" "$RATE"
ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
ne2e_wait_settled 60 "$NE2E_SENT" || t_fail "not delivered: $NE2E_SENT sent, $(ne2e_state)"

out=$(ne2e_verify --max-dups 0 --oversized 1024 --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
dlq=$(echo "$out" | sed -n 's/.* dlq_spoiled=\([0-9]*\).*/\1/p')
[ "${dlq:-0}" -gt 0 ] || t_fail "no spoiled message reached the dead-letter topic"
big=$(echo "$out" | sed -n 's/.* dlq_oversized=\([0-9]*\).*/\1/p')
[ "${big:-0}" -gt 0 ] || t_fail "no oversized message reached the dead-letter topic"
spoiled=$(grep -c '"fault"' "$T_DIR/sent.jsonl")
grep -q 'restarting' "$T_DIR/gcb.err" && t_fail "a stage restarted on bad input"
t_log "ok: $dlq of $spoiled spoiled messages dead-lettered, the rest encoded; $big oversized"

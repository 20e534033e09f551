#!/bin/sh
# The notification source end to end on the real shapes: gcb-sim fills every
# message from the Genesys model table (--models, the copy in
# tests/fixtures/genesys: absent fields added at random, 5 % of messages
# with a field no model has, undocumented enum values now and then). Every
# data message reaches Kafka encoded, none dead-lettered (the schemas cover
# the models, open sets are strings); the unknown fields are counted by the
# validators' drift counter and each name is logged once.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 400)
ne2e_start_kafka 8
ne2e_start_sim --seed 67 --queues 20 --agents 100 --heartbeat-interval 1 \
	--models "$GCB_ROOT/tests/fixtures/genesys/models.json" --models-fill 0.7 --models-drift 0.05
ne2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "no channel connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
ne2e_traffic "$N" $((N / 8))
ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
ne2e_wait_settled 60 "$NE2E_SENT" || t_fail "not delivered: $NE2E_SENT sent, $(ne2e_state)"

drift=0
for st in validator-0 validator-1; do
	v=$("$PY" "$E2E/shmcounters.py" --stage "$st" "$T_INSTANCE" schema_drift_fields 2>/dev/null |
		sed -n 's/^schema_drift_fields=//p')
	drift=$((drift + ${v:-0}))
done
[ "$drift" -gt 0 ] || t_fail "no schema drift counted although the simulator adds unknown fields"
# The log escapes the quotes: field \"simDriftField3\".
grep -q 'schema drift: .*field [^ ]*simDriftField[0-7]' "$T_DIR/gcb.err" ||
	t_fail "no drift logged for the simulator's unknown fields"
names=$(grep -o 'stage=validator-[0-9]* pid=[0-9]* msg="schema drift: [^ ]* field [^ ]* of [^ ]*' \
	"$T_DIR/gcb.err" | sed 's/ pid=[0-9]*//' | sort | uniq -d | wc -l)
[ "$names" = 0 ] || t_fail "a drift field was logged twice by one validator"
t_log "schema drift: $drift field occurrences counted"

ne2e_stop_and_verify
t_log "ok"

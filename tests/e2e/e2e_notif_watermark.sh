#!/bin/sh
# A recent gap while the analytics data lake lags, end to end: gcb-sim's
# watermark trails real time by 8 s (--fault-analytics-lag-ms; a job then
# misses every conversation that started after it, still FULFILLED). The
# channel is closed while conversations run, so a gap opens and closes a
# moment later. gcbridge does not submit its job until the watermark has
# passed the gap (logged; the gap stays pending meanwhile; the simulator
# counts no job over an interval past its watermark), then every
# conversation of the gap reaches Kafka on genesys.backfill.conversations
# (notif_verify.py --gap-coverage), and only then is the gap done.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 600)
RATE=$((N / 15))
NE2E_ALLOW_DROPS=1 # closing the socket drops what is queued for it
ne2e_start_kafka 8
ne2e_start_sim --seed 73 --queues 20 --agents 100 --heartbeat-interval 0.5 \
	--fault-analytics-lag-ms=8000
ne2e_write_conf "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "channel not connected: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
since=$(date +%s%3N)
ne2e_traffic "$N" "$RATE"
t_wait_for 30 ne2e_fc_ge ws_messages 1 || t_fail "no data: $(ne2e_state)"
sleep 2
ne2e_sim_admin "notify?action=close&channel=all" || t_fail "close refused"
t_wait_for 30 ne2e_fc_ge gaps_opened 1 || t_fail "no gap recorded: $(ne2e_state)"

# The gap closes at the reconnect; its backfill then waits for the watermark.
t_wait_for 30 grep -q "waits: analytics data is complete up to" "$T_DIR/gcb.err" ||
	t_fail "the backfill did not wait for the watermark: $(grep backfill "$T_DIR/gcb.err" | tail -3)"
[ "$(ne2e_fc gaps_pending)" -ge 1 ] || t_fail "the gap left the log while the lake lags"
[ "$(ne2e_fc gaps_backfilled)" = 0 ] || t_fail "the gap was marked backfilled before the watermark"
t_log "backfill waiting for the watermark, gap pending"

ne2e_wait_traffic_done 75 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
ne2e_wait_settled 90 || t_fail "not settled: $(ne2e_state)"
[ "$(ne2e_fc gaps_backfilled)" = "$(ne2e_fc gaps_opened)" ] || t_fail "gaps not all backfilled: $(ne2e_state)"
early=$(curl -s --max-time 20 "$SIM_URL/admin/notify/stats" |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["jobsPastWatermark"])')
[ "$early" = 0 ] || t_fail "$early analytics job(s) over an interval past the watermark"
[ "$(ne2e_fc backfill_watermark_waits)" -ge 1 ] || t_fail "backfill_watermark_waits not counted"

kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"
expect=""
for id in $(sed -n 's/.*gap \([0-9][0-9]*\) opened (.*/\1/p' "$T_DIR/gcb.err" | sort -un); do
	expect="$expect --expect-gap $id"
done
# shellcheck disable=SC2086
out=$(ne2e_verify --check-conversations --since "$since" --gap-coverage --min-gaps 1 $expect \
	--lost-backfilled --json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "ok: the gap was backfilled from complete data only"

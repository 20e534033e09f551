#!/bin/sh
# /metrics: a valid Prometheus exposition (promtool check metrics) whose
# values follow the pipeline: every stage up, events fetched and delivered,
# ring capacities as configured; /healthz and /readyz answer 200.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ops_lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd curl curl

ops_conf
ops_start
t_wait_for 60 ops_ready || { curl -s "$OPS_URL/readyz" >&2; t_fail "never ready"; }
[ "$(ops_code /healthz)" = 200 ] || t_fail "/healthz not 200"
[ "$(ops_code /nope)" = 404 ] || t_fail "unknown path not 404"

# Wait for traffic, then check a scrape.
delivered() { ops_scrape && [ "$(ops_metric 'gcbridge_producer_delivered_total{stage="producer"}')" -gt 0 ]; }
t_wait_for 60 delivered || t_fail "no delivery seen in the metrics"
need_cmd promtool prometheus
promtool check metrics <"$T_DIR/metrics" >"$T_DIR/promtool" 2>&1 ||
	{ cat "$T_DIR/promtool" >&2; t_fail "promtool check metrics"; }
t_log "promtool check metrics: ok"
grep -q "^gcbridge_info{version=\"[^\"]*\",instance=\"$T_INSTANCE\"} 1$" "$T_DIR/metrics" ||
	t_fail "gcbridge_info missing"
for s in fetcher validator-0 validator-1 producer; do
	v=$(awk -v s="$s" -F'[{}" ]' '$1 == "gcbridge_stage_up" && $3 == s { print $NF }' "$T_DIR/metrics")
	[ "$v" = 1 ] || t_fail "stage $s not up ($v)"
done
[ "$(ops_metric 'gcbridge_ring_capacity_bytes{ring="fetch-0"}')" = 4194304 ] ||
	t_fail "ring capacity"
f1=$(ops_metric 'gcbridge_fetcher_events_total{stage="fetcher"}')
d1=$(ops_metric 'gcbridge_producer_delivered_total{stage="producer"}')
[ "$f1" -ge "$d1" ] || t_fail "delivered $d1 > fetched $f1"
if [ -e "$GCB_ROOT/shm/gcb_counters_validator.h" ]; then
	grep -q '^gcbridge_validator_events_total{stage="validator-1"}' "$T_DIR/metrics" ||
		t_fail "no validator counters"
fi
for m in gcbridge_producer_latency_seconds_count \
	gcbridge_pipeline_batch_seq gcbridge_checkpoint_age_seconds gcbridge_kafka_up \
	gcbridge_ring_used_bytes gcbridge_stage_heartbeat_age_seconds; do
	grep -q "^$m" "$T_DIR/metrics" || t_fail "no $m"
done
# docs/operations.md lists every family the endpoint exports.
for m in $(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$T_DIR/metrics"); do
	grep -q "\`$m\`" "$GCB_ROOT/docs/operations.md" || t_fail "$m not in docs/operations.md"
done
[ "$(ops_metric gcbridge_ready)" = 1.000000 ] || t_fail "gcbridge_ready not 1"
# Counters only grow.
more() { ops_scrape && [ "$(ops_metric 'gcbridge_fetcher_events_total{stage="fetcher"}')" -gt "$f1" ]; }
t_wait_for 30 more || t_fail "fetched events did not grow"
t_log "fetched $f1 then $(ops_metric 'gcbridge_fetcher_events_total{stage="fetcher"}')"
ops_stop

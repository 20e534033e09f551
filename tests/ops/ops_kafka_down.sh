#!/bin/sh
# Kafka unreachable: the embedded Kafka is frozen (SIGSTOP) while events
# flow; records stay in flight unacknowledged and /readyz turns 503 naming
# Kafka (gcbridge_kafka_up 0) while /healthz stays 200. Thawed, Kafka
# acknowledges again and /readyz returns to 200; a drain then exits 0.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ops_lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd curl curl

ops_conf
ops_start
t_wait_for 60 ops_ready || { curl -s "$OPS_URL/readyz" >&2; t_fail "never ready"; }
kafka=$(pgrep -P "$OPS_PID" -f gcb-kafka-mock | head -n 1)
[ -n "$kafka" ] || t_fail "embedded Kafka not found"
kill -STOP "$kafka"
t_log "froze the embedded Kafka (pid $kafka)"
not_ready() { [ "$(ops_code /readyz)" = 503 ]; }
t_wait_for 50 not_ready || { kill -CONT "$kafka"; t_fail "/readyz still 200 with Kafka frozen"; }
body=$(curl -s --max-time 10 "$OPS_URL/readyz")
[ "$(ops_code /healthz)" = 200 ] || { kill -CONT "$kafka"; t_fail "/healthz not 200"; }
ops_scrape
kill -CONT "$kafka"
t_log "/readyz: $body"
case "$body" in *kafka*) ;; *) t_fail "503 body does not name Kafka: $body" ;; esac
[ "$(ops_metric gcbridge_kafka_up)" = 0.000000 ] || t_fail "gcbridge_kafka_up not 0"
t_wait_for 60 ops_ready || { curl -s "$OPS_URL/readyz" >&2; t_fail "not ready after Kafka returned"; }
ops_scrape
[ "$(ops_metric gcbridge_kafka_up)" = 1.000000 ] || t_fail "gcbridge_kafka_up not back to 1"
ops_stop

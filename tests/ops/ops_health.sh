#!/bin/sh
# /readyz follows the stages: 200 when all run with fresh heartbeats; a
# frozen validator (SIGSTOP) makes it 503 naming the stage, the supervisor's
# watchdog replaces it and /readyz is 200 again, with the restart and the
# kill visible in the metrics. /healthz stays 200 throughout.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ops_lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd curl curl

ops_conf "[watchdog]
timeout = 4s
kill_grace = 1s
[restart]
min_interval = 200ms"
ops_start
t_wait_for 60 ops_ready || { curl -s "$OPS_URL/readyz" >&2; t_fail "never ready"; }

v0=$(t_stage_pid "$OPS_PID" validator-0)
[ -n "$v0" ] || v0=$(pgrep -P "$OPS_PID" | sed -n 2p)
[ -n "$v0" ] || t_fail "validator-0 not found"
kill -STOP "$v0"
t_log "stopped validator-0 (pid $v0)"
not_ready() { [ "$(ops_code /readyz)" = 503 ]; }
t_wait_for 30 not_ready || t_fail "/readyz still 200 with a frozen stage"
body=$(curl -s --max-time 10 "$OPS_URL/readyz")
t_log "/readyz: $body"
case "$body" in *validator-0*) ;; *) t_fail "503 body does not name the stage: $body" ;; esac
[ "$(ops_code /healthz)" = 200 ] || t_fail "/healthz not 200 while a stage is down"

t_wait_for 60 ops_ready || { curl -s "$OPS_URL/readyz" >&2; t_fail "not ready after the restart"; }
ops_scrape
[ "$(ops_metric 'gcbridge_stage_restarts_total{stage="validator-0",kind="validator"}')" -ge 1 ] ||
	t_fail "restart not counted"
code=$(ops_metric 'gcbridge_stage_last_exit_code{stage="validator-0",kind="validator"}')
# SIGTERM is not delivered to a stopped process; SIGKILL (137) is.
[ "$code" = 137 ] || [ "$code" = 143 ] || t_fail "last exit code $code"
t_log "validator-0 restarted, last exit code $code"
ops_stop

#!/bin/sh
# The metrics endpoint under hostile clients: 48 connections that never
# finish their request (one byte every 0.5 s) do not keep /healthz from
# answering, and 50 clients that reset their connection mid-request leave
# at most one warning in the log, not one each.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/ops/ops_lib.sh"
command -v curl >/dev/null || { echo "curl not installed"; exit 77; }

ops_conf
ops_start
t_wait_for 60 ops_ready || t_fail "never ready"

t_bg "$PY" "$(dirname "$0")/metrics_clients.py" "$OPS_PORT" idle 48 20 >"$T_DIR/idle.out"
idle=$T_LAST
t_wait_for 20 grep -q "holding 48" "$T_DIR/idle.out" || t_fail "could not open 48 connections"
for i in 1 2 3 4 5; do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$OPS_URL/healthz" || true)
	[ "$code" = 200 ] || t_fail "/healthz attempt $i answered '$code' while 48 slow clients were connected"
done
kill "$idle" 2>/dev/null || true
t_log "/healthz answered 5 times beside 48 slow clients"

before=$(grep -c 'libmicrohttpd' "$T_DIR/log" || true)
"$PY" "$(dirname "$0")/metrics_clients.py" "$OPS_PORT" abort 50
[ "$(ops_code /healthz)" = 200 ] || t_fail "/healthz not 200 after aborted clients"
sleep 0.5
after=$(grep -c 'libmicrohttpd' "$T_DIR/log" || true)
[ $((after - before)) -le 1 ] ||
	{ grep libmicrohttpd "$T_DIR/log" | tail -n 3 >&2; t_fail "$((after - before)) warnings for 50 aborted clients"; }
t_log "50 aborted clients: $((after - before)) log line(s)"
kill -TERM "$OPS_PID"
t_wait_exit "$OPS_PID" 60

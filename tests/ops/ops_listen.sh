#!/bin/sh
# metrics.listen on a port another process holds: gcbridge logs an error
# naming the address and runs on without the endpoint (events matter more
# than their metrics): events keep being delivered, and it still drains and
# exits 0 on SIGTERM.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ops_lib.sh"

t_bg "$PY" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(90)
' "$T_DIR/port"
t_wait_for 10 test -s "$T_DIR/port" || t_fail "port holder did not start"
port=$(cat "$T_DIR/port")
ops_conf
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" "$T_DIR/gcbridge.conf"
cd "$GCB_ROOT"
t_bg "$GCB_BIN/gcbridge" -c "$T_DIR/gcbridge.conf" 2>"$T_DIR/log"
OPS_PID=$T_LAST
t_wait_for 30 grep -q "running without /metrics" "$T_DIR/log" || t_fail "no error logged"
grep -q "metrics.listen 127.0.0.1:$port" "$T_DIR/log" || t_fail "log does not name the address"
t_wait_for 30 grep -q "running instance" "$T_DIR/log" || t_fail "pipeline did not start"
# Events still flow: the producer's delivered counter (read from the segment,
# not from the endpoint that is missing) passes 0 and then keeps growing.
delivered() {
	"$PY" "$GCB_ROOT/tests/e2e/shmcounters.py" --stage producer "$T_INSTANCE" delivered |
		sed -n 's/^delivered=//p'
}
grows_past() { [ "$(delivered)" -gt "$1" ] 2>/dev/null; }
t_wait_for 60 grows_past 0 || t_fail "no event delivered without the endpoint"
first=$(delivered)
t_wait_for 60 grows_past "$first" || t_fail "delivery stopped at $first events"
ops_stop
t_log "port $port in use: ran without the endpoint, delivered $first+ events, drained, exit 0"

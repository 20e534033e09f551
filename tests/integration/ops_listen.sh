#!/bin/sh
# metrics.listen on a port another process holds: gcbridge exits 1 (worth
# retrying, unlike a bad configuration's 2) naming the address, and leaves
# no segment, no embedded service and no stage behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ops_lib.sh"

t_bg "$PY" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(60)
' "$T_DIR/port"
t_wait_for 10 test -s "$T_DIR/port" || t_fail "port holder did not start"
port=$(cat "$T_DIR/port")
ops_conf
sed -i "s/^listen = .*/listen = 127.0.0.1:$port/" "$T_DIR/gcbridge.conf"
cd "$GCB_ROOT"
set +e
"$GCB_BIN/gcbridge" -c "$T_DIR/gcbridge.conf" 2>"$T_DIR/log"
code=$?
set -e
[ "$code" = 1 ] || { cat "$T_DIR/log" >&2; t_fail "exit $code, expected 1"; }
grep -q "metrics.listen 127.0.0.1:$port" "$T_DIR/log" || t_fail "log does not name the address"
[ ! -e "/dev/shm/gcbridge-$T_INSTANCE" ] || t_fail "segment created"
sleep 0.5
! pgrep -f "$T_DIR/state" >/dev/null || t_fail "embedded services left running"
t_log "port $port in use: exit 1"

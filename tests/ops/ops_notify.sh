#!/bin/sh
# The systemd notification protocol without systemd: NOTIFY_SOCKET points
# at a datagram socket this test listens on. Expect READY=1 once the stages
# are up, STATUS= lines, WATCHDOG=1 keep-alives (WATCHDOG_USEC set), and
# STOPPING=1 when SIGTERM starts the drain.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/ops_lib.sh"

sock="$T_DIR/notify.sock"
t_bg "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(90)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            msg = s.recv(4096)
        except socket.timeout:
            break
        out.write(msg.decode() + "\n")
        out.flush()
' "$sock" "$T_DIR/notes"
t_wait_for 10 test -S "$sock" || t_fail "listener did not start"

ops_conf
ops_start NOTIFY_SOCKET="$sock" WATCHDOG_USEC=600000
t_wait_for 60 grep -qx "READY=1" "$T_DIR/notes" || t_fail "no READY=1"
ops_ready || t_log "note: READY=1 came before /readyz (Kafka not yet proven)"
t_wait_for 30 grep -q "^STATUS=ready; fetched" "$T_DIR/notes" || t_fail "no STATUS= progress"
wd() { [ "$(grep -cx "WATCHDOG=1" "$T_DIR/notes")" -ge 3 ]; }
t_wait_for 30 wd || t_fail "fewer than 3 WATCHDOG=1"
grep -q "^STOPPING=1" "$T_DIR/notes" && t_fail "STOPPING=1 before the stop"
ops_stop
t_wait_for 10 grep -qx "STOPPING=1" "$T_DIR/notes" || t_fail "no STOPPING=1"
t_log "$(sort "$T_DIR/notes" | cut -c1-40 | uniq -c | tr '\n' ';')"

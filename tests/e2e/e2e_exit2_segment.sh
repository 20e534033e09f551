#!/bin/sh
# Exit 2 (a permanent error) leaves no shared-memory segment behind: the
# simulator answers 404 for a stream id it does not know, the fetcher exits 2,
# gcbridge stops with exit 2 and /dev/shm/gcbridge-<instance> is gone. Exit 3
# (stopped before the rings drained) keeps it on purpose, for the next start.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

SEG="/dev/shm/gcbridge-$T_INSTANCE"
e2e_start_kafka
e2e_start_sim --count 100 --seed 3
e2e_write_conf "$T_DIR/gcb.conf"
sed -i "s|^genesys.stream_id = .*|genesys.stream_id = no-such-stream|" "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 2 ] || t_fail "unknown stream id: exit $T_CODE, want 2: $(tail -5 "$T_DIR/gcb.err")"
grep -q 'permanent error (exit 2)' "$T_DIR/gcb.err" || t_fail "no permanent-error line"
grep -q "created segment $SEG" "$T_DIR/gcb.err" || t_fail "the segment was never created"
[ ! -e "$SEG" ] || t_fail "exit 2 left $SEG behind"
grep -q "segment $SEG removed" "$T_DIR/gcb.err" || t_fail "no line saying the segment was removed"
t_log "unknown stream id: exit 2, $SEG removed"

# Exit 3 keeps the segment: a second SIGTERM stops without draining.
e2e_write_conf "$T_DIR/ok.conf"
e2e_start_gcb "$T_DIR/ok.conf"
t_wait_for 30 test -e "$SEG" || t_fail "no segment: $(tail -5 "$T_DIR/gcb.err")"
t_wait_for 30 grep -q 'running instance' "$T_DIR/gcb.err" || t_fail "gcbridge did not start"
kill -TERM "$GCB_PID"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
if [ "$T_CODE" = 3 ]; then
	[ -e "$SEG" ] || t_fail "exit 3 removed the segment"
	t_log "exit 3: $SEG kept for the next start"
else
	# The drain can finish before the second signal is read: then exit 0
	# and no segment, which is right too.
	[ "$T_CODE" = 0 ] || t_fail "exit $T_CODE after two SIGTERMs"
	[ ! -e "$SEG" ] || t_fail "exit 0 left $SEG behind"
	t_log "drained before the second SIGTERM: exit 0, no segment"
fi
rm -f "$SEG"
t_log "ok"

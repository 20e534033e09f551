#!/bin/sh
# A stage exiting 2 (permanent error) stops the daemon with exit 2 and a
# message on stderr naming the stage, and removes its shared-memory segment.
. "$(dirname "$0")/../lib.sh"

t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
	--total 1000 --fatal-file "$T_DIR/fatal" 2>"$T_DIR/log"
sv=$T_LAST
t_wait_for 10 test -s "$T_DIR/sink" || t_fail "pipeline did not start"
touch "$T_DIR/fatal"
t_wait_exit "$sv" 30
code=$T_CODE
[ "$code" = 2 ] || t_fail "expected exit 2, got $code"
grep -q 'stage validator-[01] exited with a permanent error (exit 2); stopping gcbridge' \
	"$T_DIR/log" || t_fail "no message naming the stage"
pgrep -P "$sv" >/dev/null && t_fail "stages outlived the supervisor"
[ ! -e "/dev/shm/gcbridge-$T_INSTANCE" ] || t_fail "exit 2 left the segment behind"
t_log "exit 2 with: $(grep -m1 'permanent error' "$T_DIR/log" | sed 's/.*msg=//')"

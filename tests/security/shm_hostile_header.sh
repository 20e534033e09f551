#!/bin/sh
# Hostile values inside a segment this user owns (written by a compromised
# stage, or a damaged file): an offset that wraps 64-bit arithmetic, a stage
# row naming an unrelated process, a supervisor row naming pid 1. None may
# crash the supervisor, kill the process, or keep gcbridge from starting.
. "$(dirname "$0")/../lib.sh"

SEG=/dev/shm/gcbridge-$T_INSTANCE
POKE="$PY $(dirname "$0")/shmpoke.py"

start() {
	: >"$T_DIR/log"
	t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
		--total 100000000 --rate 20000 --batch 100 2>>"$T_DIR/log"
	sv=$T_LAST
}
# running: the supervisor has spawned its stages and they have written
# rows (the log starts empty at each start, the sink does not).
running() {
	t_wait_for 10 grep -q "running instance" "$T_DIR/log" || t_fail "pipeline did not start"
	sleep 0.5
}
crash() {
	kill -KILL "$sv"
	t_wait_exit "$sv" 10
	sleep 0.3
	[ -e "$SEG" ] || t_fail "no segment left by the crashed supervisor"
}
stop() {
	kill -TERM "$sv"
	t_wait_exit "$sv" 60
	[ "$T_CODE" = 0 ] || { cat "$T_DIR/log" >&2; t_fail "$1: exit $T_CODE after SIGTERM"; }
}
start_time() { sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20; }

start
running
crash

# 1. pipeline_offset = 2^64 - 4096: offset + size wraps to a small number.
$POKE "$SEG" pipeline_offset=0xfffffffffffff000
start
t_wait_for 10 grep -q "created segment" "$T_DIR/log" ||
	{ cat "$T_DIR/log" >&2; t_fail "wrapped pipeline_offset: no fresh segment (exit ${T_CODE:-?})"; }
grep -q "pipeline section lies outside the segment" "$T_DIR/log" ||
	t_fail "wrapped pipeline_offset: not named in the log"
stop "wrapped pipeline_offset"
t_log "pipeline_offset 2^64-4096: replaced, reason logged"

# 2. stage_table_offset wrapping the same way.
start
running
crash
$POKE "$SEG" stage_table_offset=0xffffffffffffff80
start
t_wait_for 10 grep -q "created segment" "$T_DIR/log" || t_fail "wrapped stage_table_offset: no fresh segment"
grep -q "stage table lies outside the segment" "$T_DIR/log" || t_fail "wrapped stage_table_offset: not named"
running
crash

# 3. A stage row naming an unrelated process (pid and its real start time).
t_bg sleep 300
victim=$T_LAST
$POKE "$SEG" stage0.pid=$victim stage0.start_time="$(start_time $victim)"
start
t_wait_for 10 grep -q "re-attached segment" "$T_DIR/log" || t_fail "hostile stage row: no re-attach"
sleep 0.5
kill -0 "$victim" 2>/dev/null || t_fail "the supervisor killed pid $victim named by a stage row"
grep -q "pid $victim" "$T_DIR/log" && t_fail "the supervisor took pid $victim for a stage"
t_log "stage row naming pid $victim (sleep): left alone"
running
crash

# 4. supervisor_pid = 1 with pid 1's start time: not "already running".
$POKE "$SEG" supervisor_pid=1 supervisor_start_time="$(start_time 1)"
start
t_wait_for 10 grep -q "re-attached segment" "$T_DIR/log" ||
	{ cat "$T_DIR/log" >&2; t_fail "supervisor_pid=1 kept gcbridge from starting"; }
stop "supervisor_pid=1"
t_log "supervisor_pid=1: re-attached"

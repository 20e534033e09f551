#!/bin/sh
# Secrets and the process: the client secret handed over as env:NAME is in
# no /proc/PID/environ of the supervisor or any stage (a stage restarted
# later included), nowhere in the memory of the stages that do not use it
# (validators, producer), core files are off (RLIMIT_CORE 0) and the
# processes are not dumpable. The daemon runs as a throwaway uid (setpriv), which
# makes "not dumpable" visible: the kernel then gives the files under
# /proc/PID to root.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

OTHER=64999
e2e_start_sim --count 3000 --rate 2000
e2e_start_kafka
e2e_write_conf "$T_DIR/gcb.conf"
# The throwaway uid may not be able to reach the checkout (a clone under a
# 0700 directory): it runs a copy of the binary on a copy of the schemas.
mkdir "$T_DIR/schemas"
cp "$GCB_ROOT"/schemas/* "$T_DIR/schemas/"
cp "$GCB_BIN/gcbridge" "$T_DIR/gcbridge"
chmod -R a+rX "$T_DIR/schemas" "$T_DIR/gcbridge"
sed -i "s|^schemas.dir = .*|schemas.dir = $T_DIR/schemas|" "$T_DIR/gcb.conf"
chmod 0755 "$T_DIR"
chmod 0644 "$T_DIR/gcb.conf"
chown "$OTHER:$OTHER" "$T_DIR/state"
chmod 0700 "$T_DIR/state"
t_bg setpriv --reuid=$OTHER --regid=$OTHER --clear-groups \
	"$T_DIR/gcbridge" -c "$T_DIR/gcb.conf" >"$T_DIR/gcb.out" 2>"$T_DIR/gcb.err"
sv=$T_LAST
e2e_wait_delivered 500 60 || t_fail "events did not flow: $(tail -n 5 "$T_DIR/gcb.err")"

check() { # check PID WHAT
	_p=$1
	tr '\0' '\n' <"/proc/$_p/environ" >"$T_DIR/environ" || t_fail "$2: cannot read environ"
	grep -qF "$E2E_SIM_SECRET" "$T_DIR/environ" && t_fail "$2 (pid $_p): the secret is in /proc/$_p/environ"
	grep -Eq '^Max core file size +0 +0 ' "/proc/$_p/limits" ||
		t_fail "$2 (pid $_p): core files not off: $(grep 'core file' "/proc/$_p/limits")"
	[ "$(awk '/^Uid:/ {print $3}' "/proc/$_p/status")" = $OTHER ] || t_fail "$2: not running as uid $OTHER"
	case "$GCB_BIN" in
	*asan*) ;; # dumpable under the sanitizers (gcb_main.c: protect_process)
	*) [ "$(stat -c %u "/proc/$_p/environ")" = 0 ] || t_fail "$2 (pid $_p): still dumpable" ;;
	esac
	return 0
}
check "$sv" supervisor
n=0
for p in $(pgrep -P "$sv"); do
	check "$p" "stage $(cat "/proc/$p/comm")"
	n=$((n + 1))
done
[ $n -ge 4 ] || t_fail "expected fetcher, 2 validators and producer; found $n stages"
t_log "supervisor and $n stages: no secret in environ, no core files, not dumpable"

# Only the fetcher uses the client secret: no other stage holds a copy
# anywhere in its memory (read from /proc/PID/mem). Not under the
# sanitizers: their runtime keeps its own copy of the whole initial
# environment (read from /proc/self/environ before libc starts).
case "$GCB_BIN" in *asan*) stages= ;; *) stages=$(pgrep -P "$sv") ;; esac
for p in $stages; do
	name=$(cat "/proc/$p/comm")
	c=$("$PY" "$(dirname "$0")/memscan.py" "$p" "$E2E_SIM_SECRET") || t_fail "cannot read the memory of $name"
	case "$name" in
	fetcher) t_log "fetcher: $c cop(ies) of the secret in memory (it logs in with it)" ;;
	*) [ "$c" = 0 ] || t_fail "stage $name holds $c cop(ies) of the client secret" ;;
	esac
done

# A stage restarted after a crash is forked from the same scrubbed memory.
old=$(t_stage_pid "$sv" fetcher)
kill -KILL "$old"
t_wait_for 30 sh -c "p=\$(pgrep -P $sv -x fetcher) && [ \"\$p\" != $old ]" || t_fail "fetcher not restarted"
check "$(t_stage_pid "$sv" fetcher)" "restarted fetcher"
grep -qF "$E2E_SIM_SECRET" "$T_DIR/gcb.err" "$T_DIR/gcb.out" && t_fail "the secret is in the log"
kill -TERM "$sv"
t_wait_exit "$sv" 60
[ "$T_CODE" = 0 ] || [ "$T_CODE" = 3 ] || t_fail "exit $T_CODE after SIGTERM"

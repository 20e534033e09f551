# Helpers for integration tests (sourced). Every test gets its own scratch
# directory and instance name, and cleans up whatever it started.
set -eu
: "${GCB_BIN:=bin}"
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
case "$GCB_BIN" in /*) ;; *) GCB_BIN="$GCB_ROOT/$GCB_BIN" ;; esac
PY=/usr/bin/python3

T_NAME=$(basename "$0" .sh)
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gcb-$T_NAME.XXXXXX")
T_INSTANCE="t$$-$(echo "$T_NAME" | tr -c 'a-z0-9\n' '-' | cut -c1-20)"
T_PIDS=""

t_cleanup() {
	for p in $T_PIDS; do
		kill -KILL "$p" 2>/dev/null || true
	done
	# Stages die with their supervisor (PDEATHSIG); give them a moment.
	sleep 0.2
	rm -f "/dev/shm/gcbridge-$T_INSTANCE"
	if [ "${T_KEEP:-0}" = 1 ]; then echo "kept $T_DIR" >&2; else rm -rf "$T_DIR"; fi
}
trap t_cleanup EXIT

t_log() { echo "[$T_NAME] $*" >&2; }
t_fail() {
	echo "[$T_NAME] FAIL: $*" >&2
	exit 1
}

# t_bg CMD...: start CMD in the background, remember its pid in T_LAST.
t_bg() {
	"$@" &
	T_LAST=$!
	T_PIDS="$T_PIDS $T_LAST"
}

# t_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
t_wait_for() {
	_deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_deadline" ] || return 1
		sleep 0.1
	done
}

# t_stage_pid SUPERVISOR_PID NAME: pid of the stage called NAME.
t_stage_pid() {
	pgrep -P "$1" -x "$2" | head -n 1
}

# t_running PID: the process exists and is not a zombie awaiting wait.
t_running() {
	_st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$_st" in Z*) return 1 ;; esac
	return 0
}

# t_wait_exit PID SECONDS: wait for a background child; its exit code (or
# "timeout") goes to T_CODE. Not for $(...): a subshell cannot wait for it.
t_wait_exit() {
	_deadline=$(($(date +%s) + $2))
	while t_running "$1"; do
		if [ "$(date +%s)" -ge "$_deadline" ]; then
			T_CODE=timeout
			return 0
		fi
		sleep 0.1
	done
	set +e
	wait "$1"
	T_CODE=$?
	set -e
}

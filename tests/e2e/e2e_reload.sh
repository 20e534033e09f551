#!/bin/sh
# SIGHUP while events flow: log.level info -> debug is applied (debug lines
# follow), a changed non-reloadable key is reported and kept, a broken file is
# refused with the old configuration kept; the pipeline never stops, and
# every event lands exactly once.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=$(e2e_events 30000)
e2e_start_kafka
e2e_start_sim --count "$N" --rate $((N / 12)) --seed 14 --fault-bad-event-rate 0.01 \
	--fault-drift-rate 0.02
CONF="$T_DIR/gcb.conf"
e2e_write_conf "$CONF"
e2e_start_gcb "$CONF"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

e2e_wait_served $((N / 10)) 60 ||
	t_fail "events do not flow: $(tail -3 "$T_DIR/gcb.err")"
grep -q 'level=debug' "$T_DIR/gcb.err" && t_fail "debug lines at log.level = info"

# 1. log.level -> debug (reloadable) and poll.limit (needs a restart).
sed -i 's/^log.level = info$/log.level = debug/; s/^genesys.poll.limit = 1000$/genesys.poll.limit = 500/' "$CONF"
before=$(wc -l <"$T_DIR/gcb.err")
kill -HUP "$GCB_PID"
t_wait_for 30 grep -q 'log.level: info -> debug (applied)' "$T_DIR/gcb.err" ||
	t_fail "log.level not applied: $(tail -5 "$T_DIR/gcb.err")"
grep -q 'genesys.poll.limit.*restart' "$T_DIR/gcb.err" ||
	t_fail "no notice for the non-reloadable key: $(tail -5 "$T_DIR/gcb.err")"
t_log "$(grep -m1 'log.level: info -> debug' "$T_DIR/gcb.err")"
# Debug lines now appear, from the running stages too: they follow the level
# the supervisor publishes in the segment, without a restart.
fpid=$(t_stage_pid "$GCB_PID" fetcher)
t_wait_for 30 sh -c "tail -n +$((before + 1)) '$T_DIR/gcb.err' | grep -q 'level=debug stage=fetcher.*msg=\"batch '" ||
	t_fail "no fetcher debug line after the reload: $(tail -5 "$T_DIR/gcb.err")"
[ "$(t_stage_pid "$GCB_PID" fetcher)" = "$fpid" ] || t_fail "the fetcher was restarted"
t_log "debug lines after the reload: $(tail -n +$((before + 1)) "$T_DIR/gcb.err" | grep -c 'level=debug')"

# 2. A broken file: refused, the running configuration (debug) stays.
echo "genesys.poll.limit = 99999" >>"$CONF"
kill -HUP "$GCB_PID"
t_wait_for 30 grep -q 'reload of .* failed, keeping the running configuration' "$T_DIR/gcb.err" ||
	t_fail "broken file not refused: $(tail -5 "$T_DIR/gcb.err")"
t_running "$GCB_PID" || t_fail "gcbridge died on a broken reload"

e2e_wait_delivered "$N" 75 || t_fail "not delivered: served $(e2e_served), $(
	"$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"
out=$(e2e_verify --max-dups 0) || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
e2e_no_secret || t_fail "the client secret appears in gcbridge's output or state"
t_log "ok"

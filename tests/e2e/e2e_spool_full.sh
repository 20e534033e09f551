#!/bin/sh
# Kafka down for longer than the poll source's spool can absorb: once the
# spool reaches spool.max_size, polling stops and every operator surface
# says so, with the time left before the stream's retention runs out: the
# log, the metrics (gcbridge_fetcher_spool_full_now, the retention
# deadline), gcb-ringstat (diagnosis line, spool line, --json) and /readyz.
# After "up all" everything already spooled reaches Kafka, polling resumes
# below 3/4 of the spool, and every generated event arrives (verify.py).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=$(e2e_events 20000)
e2e_start_kafka
e2e_start_sim --count "$N" --rate 5000 --seed 23
e2e_write_conf "$T_DIR/gcb.conf" "ring.size = 1024KiB" "ring.max_record = 256KiB" \
	"event.max_bytes = 128KiB" "spool.segment_size = 64KiB" "spool.max_size = 2MiB" \
	"genesys.poll.retention = 2h"
sed -i 's/^metrics.listen =.*/metrics.listen = 127.0.0.1:0/' "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_wait_for 30 grep -q "metrics listening on" "$T_DIR/gcb.err" || t_fail "no metrics endpoint"
PORT=$(sed -n 's/.*metrics listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$T_DIR/gcb.err" | head -n 1)
URL="http://127.0.0.1:$PORT"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID, metrics $URL"
e2e_wait_served 1000 60 || t_fail "events do not flow: $(tail -3 "$T_DIR/gcb.err")"

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL$1"; }
metric() {
	curl -s --max-time 5 "$URL/metrics" | sed -n "s/^$1{stage=\"fetcher\"} //p"
}
full_logged() { grep -q "spool full (" "$T_DIR/gcb.err"; }

"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "down all" >/dev/null || t_fail "down all refused"
t_log "kafka down at $(e2e_served) served"
t_wait_for 60 full_logged || t_fail "the spool never filled: $(tail -3 "$T_DIR/gcb.err")"

# Polling stopped: nothing more is served (the feed had stopped long before).
s1=$(e2e_served)
sleep 2
s2=$(e2e_served)
[ "$s1" = "$s2" ] || t_fail "still polling with the spool full: $s1 -> $s2 served"
t_log "spool full, polling stopped at $s2 served: $(grep -m1 "spool full (" "$T_DIR/gcb.err")"

# The log says so, with the retention left.
grep -Eq "spool full \([0-9]+ bytes, spool.max_size 2097152\): polling stopped at cursor .* until .*retention \(7200 s\) runs out in about [0-9]+ s" \
	"$T_DIR/gcb.err" || t_fail "log line: $(grep "spool full" "$T_DIR/gcb.err" | head -2)"

# Metrics.
[ "$(metric gcbridge_fetcher_spool_full_now)" = 1 ] ||
	t_fail "gcbridge_fetcher_spool_full_now: $(metric gcbridge_fetcher_spool_full_now)"
[ "$(metric gcbridge_fetcher_spool_full_total)" -ge 1 ] || t_fail "gcbridge_fetcher_spool_full_total"
"$PY" - "$(metric gcbridge_fetcher_retention_deadline_timestamp_seconds)" \
	"$(metric gcbridge_fetcher_spool_bytes)" "$(metric gcbridge_fetcher_spool_events)" <<'PY' ||
import sys, time
deadline, spool_bytes, events = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
left = deadline - time.time()
print("retention left %.0f s, spool %d bytes, %d events not in the rings" % (left, spool_bytes, events))
sys.exit(0 if 6000 < left <= 7200 and spool_bytes > 1.5 * 2**20 and events > 0 else 1)
PY
	t_fail "retention deadline / spool gauges wrong"
[ "$(metric gcbridge_source_stalled)" = "" ] || true

# /readyz.
[ "$(code /readyz)" = 503 ] || t_fail "/readyz $(code /readyz) with the spool full"
curl -s --max-time 5 "$URL/readyz" | grep -Eq "spool full .*polling stopped; the upstream retention runs out in about [0-9]+ s" ||
	t_fail "/readyz: $(curl -s --max-time 5 "$URL/readyz")"

# gcb-ringstat: exit 1 (degraded), the diagnosis line, the spool lines, --json.
rc=0
"$GCB_BIN/gcb-ringstat" "$T_INSTANCE" >"$T_DIR/ringstat" 2>&1 || rc=$?
[ "$rc" = 1 ] || t_fail "gcb-ringstat exit $rc with the spool full (1: degraded)"
grep -Eq '^segment diagnosis: spool full, polling stopped at cursor ".*": spool full' "$T_DIR/ringstat" ||
	t_fail "gcb-ringstat diagnosis: $(cat "$T_DIR/ringstat")"
grep -Eq '^fetcher spool: .*, [0-9]+ events not yet in the rings, oldest ' "$T_DIR/ringstat" ||
	t_fail "gcb-ringstat spool line: $(cat "$T_DIR/ringstat")"
grep -Eq '^fetcher spool FULL: polling stopped; upstream retention runs out in ' "$T_DIR/ringstat" ||
	t_fail "gcb-ringstat full line: $(cat "$T_DIR/ringstat")"
"$GCB_BIN/gcb-ringstat" --json "$T_INSTANCE" >"$T_DIR/ringstat.json" 2>&1 || true
"$PY" - "$T_DIR/ringstat.json" <<'PY' || t_fail "gcb-ringstat --json: $(cat "$T_DIR/ringstat.json")"
import json, sys, time
d = json.load(open(sys.argv[1]))
assert d["segment"]["diagnosis"] == "spool full", d["segment"]
assert d["source"]["reason"].startswith("spool full"), d["source"]
f = [s for s in d["stages"] if s["name"] == "fetcher"][0]
sp = f["spool"]
assert sp["full"] is True and sp["bytes"] > 0 and sp["events"] > 0, sp
assert sp["retention_deadline_unix_ms"] > time.time() * 1000, sp
assert sp["oldest_unix_ms"] > 0, sp
PY

# Kafka back: the spool drains, polling resumes, nothing is lost.
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "up all" >/dev/null || t_fail "up all refused"
e2e_wait_delivered "$N" 90 || t_fail "not delivered after recovery: served $(e2e_served) of $N, spooled $(
	e2e_spooled), $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
grep -q "below 3/4 of spool.max_size): polling again" "$T_DIR/gcb.err" ||
	t_fail "no log line for the end of the full state"
t_wait_for 30 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 $URL/readyz)\" = 200 ]" ||
	t_fail "/readyz not ready after recovery: $(curl -s "$URL/readyz")"
[ "$(metric gcbridge_fetcher_spool_full_now)" = 0 ] || t_fail "spool_full_now still set"
[ "$(e2e_served)" = "$N" ] || t_fail "$(e2e_served) of $N events served"
e2e_handed_once "$N"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"
out=$(e2e_verify $E2E_OUTAGE_DUPS) || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "ok"

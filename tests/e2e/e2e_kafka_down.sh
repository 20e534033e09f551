#!/bin/sh
# Every Kafka broker down for 10 s while events flow, without the poll
# source's spool (genesys.poll.spool = false): the pipeline stalls
# (the simulator stops serving once the rings are full), every gcbridge
# process's memory stays within a bound derived from the ring sizes, the
# checkpoint cursor does not move; after "up all" nothing is missing.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=$(e2e_events 40000)
RING_KIB=1024
e2e_start_kafka
e2e_start_sim --count "$N" --rate $((N / 10)) --seed 12 --fault-bad-event-rate 0.01 \
	--fault-drift-rate 0.02
e2e_write_conf "$T_DIR/gcb.conf" "ring.size = ${RING_KIB}KiB" "ring.max_record = 256KiB" \
	"genesys.poll.spool = false" \
	"event.max_bytes = 128KiB"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

e2e_wait_served $((N / 5)) 60 ||
	t_fail "events do not flow: $(tail -3 "$T_DIR/gcb.err")"

# Processes to watch: the supervisor and its stages.
procs() { echo "$GCB_PID $(pgrep -P "$GCB_PID" | tr '\n' ' ')"; }
ckpt() { sed -n 's/.*"batch_seq":\([0-9]*\).*/\1/p' "$T_DIR/state/$T_INSTANCE.cursor" 2>/dev/null; }

rss_file="$T_DIR/rss.tsv"
: >"$rss_file"
for p in $(procs); do echo "$p start $(e2e_rss_kb "$p")" >>"$rss_file"; done
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "down all" >/dev/null || t_fail "down all refused"
t_log "kafka down at $(e2e_served) served, $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
# Deliveries already answered may still be acknowledged and checkpointed
# (checkpoint.interval is 200 ms): let that settle first.
sleep 1.5
ck0=$(ckpt)
ack0=$(e2e_peek acked)
served_mid=""
i=0
while [ $i -lt 17 ]; do # about 8.5 s more of outage, sampled every 0.5 s
	sleep 0.5
	i=$((i + 1))
	for p in $(procs); do echo "$p $i $(e2e_rss_kb "$p")" >>"$rss_file"; done
	[ "$(ckpt)" = "$ck0" ] || t_fail "checkpoint moved while Kafka was down: $ck0 -> $(ckpt)"
	[ "$(e2e_peek acked)" = "$ack0" ] || t_fail "acked_batch_seq moved while down: $ack0 -> $(e2e_peek acked)"
	[ $i = 9 ] && served_mid=$(e2e_served)
done
served_end=$(e2e_served)
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "up all" >/dev/null || t_fail "up all refused"
t_log "kafka up: checkpoint stayed at batch $ck0 (acked $ack0); served $served_mid -> $served_end in the last 4 s"
[ "$served_mid" = "$served_end" ] ||
	t_fail "the fetcher kept fetching while Kafka was down: $served_mid -> $served_end"

# Memory bound: a process may grow by at most what the rings hold (it maps
# the segment; the producer's librdkafka queue is capped at the ring bytes)
# plus 8 MiB of slack; reported per process.
seg_kb=$(($(stat -c %s "/dev/shm/gcbridge-$T_INSTANCE") / 1024))
bound_kb=$((seg_kb * 2 + 8192))
"$PY" - "$rss_file" "$bound_kb" <<'PY' || t_fail "memory grew beyond the bound"
import collections, sys
start, peak = {}, collections.defaultdict(int)
for line in open(sys.argv[1]):
    pid, when, kb = line.split()
    kb = int(kb or 0)
    if when == "start":
        start[pid] = kb
    peak[pid] = max(peak[pid], kb)
bad = 0
for pid in start:
    grow = peak[pid] - start[pid]
    print("pid %s: rss %d KiB before the outage, peak %d KiB, growth %d KiB (bound %s)" %
          (pid, start[pid], peak[pid], grow, sys.argv[2]))
    if grow > int(sys.argv[2]):
        bad = 1
sys.exit(bad)
PY

e2e_wait_delivered "$N" 60 || t_fail "not delivered after recovery: served $(e2e_served), $(
	"$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
[ "$(ckpt)" -gt "$ck0" ] || t_fail "checkpoint did not move after recovery"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"
out=$(e2e_verify) || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "ok"

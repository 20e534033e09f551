#!/bin/sh
# Kafka down for 30 s while notifications keep arriving: the spool takes them
# (spool_bytes and spool_unread grow) and the fetcher's memory stays bounded
# (its peak RSS, VmHWM, grows by less than a bound fixed by the ring sizes,
# whatever the number of messages spooled). Then, Kafka still down and the
# spool not empty, the fetcher is SIGKILLed; the supervisor restarts it, it
# reopens the spool. Kafka comes back: every message the simulator sent is
# in Kafka, in send order per (topicName, key); duplicates are allowed (the
# batches in the rings at the kill), counted and bounded.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
ne2e_require

N=$(e2e_events 2000) # conversations
RATE=$((N / 20))     # generated over about 20 s
OUTAGE=30
# Under the sanitizers, ASan's quarantine keeps freed memory resident (256 MiB
# by default), which would make the peak RSS grow with the message count:
# a small quarantine keeps the memory check meaningful there too.
case "$GCB_BIN" in
*asan*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4" ;;
esac
ne2e_start_kafka 16
ne2e_start_sim --seed 23 --queues 30 --agents 200 --heartbeat-interval 1
ne2e_write_conf "$T_DIR/gcb.conf" "ring.size = 1MiB" "ring.max_record = 256KiB" \
	"event.max_bytes = 128KiB" "spool.segment_size = 1MiB"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "sim $SIM_URL, kafka $BS, gcbridge pid $GCB_PID"

t_wait_for 30 ne2e_fc_ge channels 1 ||
	t_fail "no channel: $(ne2e_state); $(tail -5 "$T_DIR/gcb.err")"
ne2e_traffic "$N" "$RATE"
t_wait_for 30 ne2e_fc_ge ws_messages 200 || t_fail "no data: $(ne2e_state)"
t_wait_for 30 ne2e_acked_ge 1 || t_fail "nothing acknowledged: $(ne2e_state)"

fpid=$(ne2e_fetcher_pid)
hwm0=$(ne2e_vmhwm_kb "$fpid")
sent0=$(ne2e_sent_lines)
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "down all" >/dev/null || t_fail "down all refused"
down_at=$(date +%s)
t_log "kafka down at $sent0 sent; fetcher $fpid VmHWM $hwm0 KiB; $(ne2e_state)"

# While down: the spool grows; sample it and the fetcher's peak RSS.
spool_max=0
unread_max=0
while [ $(($(date +%s) - down_at)) -lt $((OUTAGE - 8)) ]; do
	sleep 1
	b=$(ne2e_fc spool_bytes)
	u=$(ne2e_fc spool_unread)
	[ "${b:-0}" -gt "$spool_max" ] && spool_max=$b
	[ "${u:-0}" -gt "$unread_max" ] && unread_max=$u
done
ne2e_wait_traffic_done 30 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
sent1=$NE2E_SENT
t_wait_for 20 ne2e_received_all ||
	t_fail "not everything received: $sent1 sent, $(ne2e_state)"
b=$(ne2e_fc spool_bytes)
u=$(ne2e_fc spool_unread)
[ "$b" -gt "$spool_max" ] && spool_max=$b
[ "$u" -gt "$unread_max" ] && unread_max=$u
hwm1=$(ne2e_vmhwm_kb "$fpid")
t_log "during the outage: $((sent1 - sent0)) messages sent, spool up to $spool_max bytes, $unread_max unread; fetcher VmHWM $hwm0 -> $hwm1 KiB"
[ "$spool_max" -gt 0 ] && [ "$unread_max" -gt 0 ] ||
	t_fail "the spool did not grow while Kafka was down: $(ne2e_state)"
[ "$u" -gt 0 ] || t_fail "spool empty before the kill: $(ne2e_state)"

# Memory: the fetcher maps the segment (rings of 1 MiB) and holds fixed
# buffers; its peak may grow by the segment plus 8 MiB, not with the spool.
seg_kb=$(($(stat -c %s "/dev/shm/gcbridge-$T_INSTANCE") / 1024))
bound_kb=$((seg_kb + 8192))
[ $((hwm1 - hwm0)) -le "$bound_kb" ] ||
	t_fail "fetcher VmHWM grew by $((hwm1 - hwm0)) KiB (bound $bound_kb KiB) with $spool_max bytes spooled"
t_log "fetcher VmHWM growth $((hwm1 - hwm0)) KiB <= $bound_kb KiB, spooled $((spool_max / 1024)) KiB"

# SIGKILL the fetcher with the spool not empty, Kafka still down.
kill -KILL "$fpid"
new_fetcher() {
	_p=$(ne2e_fetcher_pid)
	[ -n "$_p" ] && [ "$_p" != 0 ] && [ "$_p" != "$fpid" ] && [ "$(ne2e_fc channels)" -ge 1 ]
}
t_wait_for 30 new_fetcher || t_fail "fetcher not restarted: $(ne2e_state)"
t_log "fetcher restarted as $(ne2e_fetcher_pid): $(ne2e_state)"
[ "$(ne2e_fc spool_bytes)" -gt 0 ] || t_fail "the restarted fetcher found an empty spool"
left=$((OUTAGE - ($(date +%s) - down_at)))
[ "$left" -gt 0 ] && sleep "$left"
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "up all" >/dev/null || t_fail "up all refused"
t_log "kafka up after $(($(date +%s) - down_at)) s"

ne2e_wait_settled 60 || t_fail "not delivered after recovery: $(ne2e_state)"
t_log "settled: $(ne2e_state)"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"

# Duplicates: at most what was received after Kafka went down, each at most
# once more (what the rings held at the kill is replayed from the spool).
out=$(ne2e_verify --max-dups $((sent1 - sent0 + 500)) --max-copies 2 \
	--json "$T_DIR/verify.json") || {
	echo "$out"
	t_fail "verify failed"
}
echo "$out"
t_log "ok"

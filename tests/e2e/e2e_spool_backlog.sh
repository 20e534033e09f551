#!/bin/sh
# A spool backlog of small answers is fed while the fetcher long-polls.
# Kafka goes down while the simulator trickles 4,000 events (each poll
# answer carries one or a few): the fetcher feeds the rings answer by answer
# until 64 batches wait for a checkpoint, so the spool holds thousands of
# answers; the stream then has nothing more and the fetcher sits in 2-second
# long polls. Once Kafka is back and has acknowledged the batches fed before
# the outage, the whole backlog must go into the rings within the long poll
# under way: from that moment until nothing is left in the spool, at most
# 2 polls may start (counted in the simulator's request log). Complete
# answers go in batches of many (stages/fetcher/gcb_fetcher_spool.c); one
# batch per answer held the feed to 64 batches per checkpoint round trip.
# Then everything must reach Kafka: nothing lost, every event handed to
# librdkafka exactly once (the producer's counters), and no event fed twice
# (verify.py, kcat: a copy the mock cluster stored twice, as it does with a
# produce request sent again after an outage, must carry its one record's
# batch; docs/kafka-mock.md).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

N=$(e2e_events 4000)
mono_ms() { "$PY" -c 'import time; print(int(time.monotonic() * 1000))'; }

e2e_start_kafka
e2e_start_sim --count "$N" --rate 800 --seed 23 --request-log "$T_DIR/req.tsv"
e2e_write_conf "$T_DIR/gcb.conf"
sed -i 's/^genesys.poll.timeout = .*/genesys.poll.timeout = 2s/' "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
e2e_wait_served 200 60 || t_fail "events do not flow: $(tail -3 "$T_DIR/gcb.err")"

"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "down all" >/dev/null || t_fail "down all refused"
e2e_wait_served "$N" 60 || t_fail "served only $(e2e_served) of $N while Kafka was down"
answers=$(awk -F'\t' '$3 == "GET" && $4 ~ /\/poll/ && $7 > 0' "$T_DIR/req.tsv" | wc -l)
backlog=$(e2e_spooled)
t_log "all $N served while Kafka was down, in $answers answers; $backlog records spooled and not yet in the rings"
[ "${backlog:-0}" -ge 1000 ] || t_fail "the spool holds only ${backlog:-0} unfed events: no backlog to test"

fetched0=$(e2e_peek fetched)
"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "up all" >/dev/null || t_fail "up all refused"
# The producer reconnects to each broker at librdkafka's pace: count from
# the moment every batch fed before the outage is acknowledged.
t_wait_for 60 sh -c "[ \$('$PY' '$E2E/shmpeek.py' '$T_INSTANCE' | sed 's/.*acked=\([0-9]*\).*/\1/') -ge $fetched0 ]" ||
	t_fail "the batches fed before the outage are not acknowledged after it"
t_up=$(mono_ms)
t_wait_for 60 sh -c "[ \"\$('$PY' '$E2E/shmcounters.py' '$T_INSTANCE' spool_unread | sed -n 's/^spool_unread=//p')\" = 0 ]" ||
	t_fail "the spool is not fed: $(e2e_spooled) records left"
t_fed=$(mono_ms)
curl -s --max-time 10 -o /dev/null "$SIM_URL/admin/stats" # flushes the request log
polls=$(awk -F'\t' -v a="$t_up" -v b="$t_fed" '$3 == "GET" && $4 ~ /\/poll/ && $1 >= a && $1 <= b' \
	"$T_DIR/req.tsv" | wc -l)
t_log "backlog of $backlog records fed in $((t_fed - t_up)) ms while $polls poll(s) started"
[ "$polls" -le 2 ] || t_fail "$polls long polls started while the backlog was fed (at most 2)"
e2e_wait_delivered "$N" 90 || t_fail "not delivered: $(e2e_spooled) spooled, $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
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

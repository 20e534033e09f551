#!/bin/sh
# A hostile corpus (tests/e2e/hostile_corpus.py: nesting from 1 to 100,000
# levels, huge strings and numbers, every escape, invalid UTF-8 in strings
# and keys, duplicate keys, events that are not objects or are absurd for
# their schema, events larger than the DLQ takes or than a ring record, and an answer of 10,000
# events) served by an independent implementation of the poll contract
# (tests/e2e/hostile_server.py) that also tears answers in half now and
# then and answers empty with hasMore. Every event must end in its topic or
# in the DLQ with its identity, none missing, the stream never stalls, and
# no stage restarts.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

"$PY" "$E2E/hostile_corpus.py" 7 10000 >"$T_DIR/corpus.jsonl"
N=$(wc -l <"$T_DIR/corpus.jsonl")
BULK=$((N - 10000))
e2e_start_kafka
t_bg "$PY" "$E2E/hostile_server.py" --corpus "$T_DIR/corpus.jsonl" --port-file "$T_DIR/sim.url" \
	--stream-id "$E2E_STREAM" --torn-every 7 --empty-every 5 --bulk-at "$BULK"
t_wait_for 30 test -s "$T_DIR/sim.url" || t_fail "hostile server did not start"
SIM_URL=$(cat "$T_DIR/sim.url")
e2e_write_conf "$T_DIR/gcb.conf" "genesys.poll.stall_after = 3" "producer.dlq_topic = genesys.dlq"
# Answers of 50: the corpus' events land in many different answers.
sed -i 's/^genesys.poll.limit = .*/genesys.poll.limit = 50/' "$T_DIR/gcb.conf"
e2e_start_gcb "$T_DIR/gcb.conf"
t_log "$N events ($BULK hostile and good, then 10,000 in one answer) from $SIM_URL"

served_all() {
	_to=$(curl -s --max-time 5 "$SIM_URL/admin/stats" | "$PY" -c \
		'import json,sys; print(json.load(sys.stdin)["served_to"])')
	[ "$_to" = "$N" ] || return 1
	_f=$(e2e_peek fetched)
	[ -n "$_f" ] && [ "$_f" -gt 0 ] && [ "$_f" = "$(e2e_peek acked)" ]
}
t_wait_for 240 served_all || t_fail "not everything served and acknowledged: $(
	curl -s "$SIM_URL/admin/stats") $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
t_log "served and acknowledged: $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"

for st in fetcher validator-0 validator-1 producer; do
	r=$("$PY" "$E2E/shmcounters.py" --stage "$st" --pid "$T_INSTANCE" | tr ' ' '\n' |
		sed -n 's/^restarts=//p')
	[ "$r" = 0 ] || t_fail "stage $st restarted $r times: $(grep -i 'error' "$T_DIR/gcb.err" | tail -5)"
done
! grep -q "source stalled" "$T_DIR/gcb.err" || t_fail "the source stalled: $(grep 'stalled' "$T_DIR/gcb.err")"
grep -q "poll answer malformed" "$T_DIR/gcb.err" || t_fail "no torn answer was retried"
grep -q "larger than the ring's largest record.*forwarded cut" "$T_DIR/gcb.err" ||
	t_fail "the event larger than a ring record did not travel cut"
grep -q "larger than the dead-letter topic takes.*forwarded cut" "$T_DIR/gcb.err" ||
	t_fail "the event larger than the DLQ takes did not travel cut"

out=$("$PY" "$E2E/hostile_verify.py" -b "$BS" --corpus "$T_DIR/corpus.jsonl" \
	--schemas "$GCB_ROOT/schemas" --topic genesys.interactions --topic genesys.agentstate \
	--dlq-topic genesys.dlq) || {
	echo "$out"
	t_fail "hostile corpus not delivered whole"
}
echo "$out"
case "$out" in *" missing=0 "*" identity_failures=0"*) ;; *) t_fail "events missing" ;; esac
case "$out" in *" dlq_cut=2 "*) ;; *) t_fail "expected two events in the DLQ cut" ;; esac
dlq=$(echo "$out" | sed -n 's/.* dlq=\([0-9]*\) .*/\1/p')
[ "$dlq" -ge 50 ] || t_fail "only $dlq events in the DLQ: the corpus did not bite"
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"
t_log "ok"

#!/bin/sh
# A stalled source is visible everywhere and never loses an event.
#
# 1. Every answer holding event 120 has a broken framing: the fetcher halves
#    its limit until every event before 120 is through, then reports the
#    source stalled at cursor c120 on every surface (/readyz 503 with the
#    reason, gcbridge_source_stalled 1, the gcb-ringstat diagnosis line, the
#    --progress line, one log line). The server heals: the stall ends by
#    itself and everything is delivered.
# 2. Polls from event 150 on answer 503: after genesys.poll.stall_timeout
#    the source is reported stalled ("no progress"); healed, it recovers.
# 3. Event 170 is broken for good: an operator runs --skip-stalled-answer;
#    the broken answer goes to the DLQ whole (bad_answer) and the stream
#    goes on.
# Then every event is in its topic, in the DLQ with its identity, or inside
# the dead-lettered answer.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
command -v curl >/dev/null || t_fail "curl not installed (tools/install-deps installs it)"

"$PY" "$E2E/hostile_corpus.py" 3 >"$T_DIR/corpus.jsonl"
N=$(wc -l <"$T_DIR/corpus.jsonl")
[ "$N" -gt 190 ] || t_fail "corpus of $N events is too small for this test"
e2e_start_kafka
t_bg "$PY" "$E2E/hostile_server.py" --corpus "$T_DIR/corpus.jsonl" --port-file "$T_DIR/sim.url" \
	--stream-id "$E2E_STREAM" --break-at 120 --fail-at 150 --break-at 170 --cursor-first
t_wait_for 30 test -s "$T_DIR/sim.url" || t_fail "hostile server did not start"
SIM_URL=$(cat "$T_DIR/sim.url")
e2e_write_conf "$T_DIR/gcb.conf" "genesys.poll.stall_after = 3" \
	"genesys.poll.stall_timeout = 3s" "producer.dlq_topic = genesys.dlq"
sed -i 's/^genesys.poll.limit = .*/genesys.poll.limit = 40/; s/^metrics.listen =.*/metrics.listen = 127.0.0.1:0/' \
	"$T_DIR/gcb.conf"
t_bg "$GCB_BIN/gcbridge" -c "$T_DIR/gcb.conf" --progress >"$T_DIR/gcb.out" 2>"$T_DIR/gcb.err"
GCB_PID=$T_LAST
t_wait_for 30 grep -q "metrics listening on" "$T_DIR/gcb.err" || t_fail "no metrics endpoint"
PORT=$(sed -n 's/.*metrics listening on [^ ]*:\([0-9][0-9]*\) .*/\1/p' "$T_DIR/gcb.err" | head -n 1)
URL="http://127.0.0.1:$PORT"

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL$1"; }
metric() { curl -s --max-time 5 "$URL/metrics" | sed -n "s/^$1 \([0-9.]*\).*/\1/p"; }
stat() {
	curl -s --max-time 5 "$SIM_URL/admin/stats" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}
stalled() { [ "$(code /readyz)" = 503 ] && curl -s --max-time 5 "$URL/readyz" | grep -q "source stalled"; }
ready() { [ "$(code /readyz)" = 200 ]; }
stalled_at() { stalled && curl -s --max-time 5 "$URL/readyz" | grep -q "cursor \"$1\""; }
stalled_by() { stalled && curl -s --max-time 5 "$URL/readyz" | grep -q "$1"; }
not_at() { ! curl -s --max-time 5 "$URL/readyz" | grep -q "cursor \"$1\""; }
kept_at_limit_1() { grep -q '"limit":1,' "$T_DIR/state/$T_INSTANCE.stalled.json"; }
# on_every_surface CURSOR WORDS: the stall at CURSOR (a regular expression),
# its reason holding WORDS, shows everywhere.
on_every_surface() {
	body=$(curl -s --max-time 5 "$URL/readyz")
	echo "$body" | grep -Eq "cursor \"$1\": .*$2" || t_fail "/readyz: $body"
	[ "$(metric gcbridge_source_stalled)" = 1.000000 ] || t_fail "gcbridge_source_stalled $(metric gcbridge_source_stalled)"
	rc=0
	"$GCB_BIN/gcb-ringstat" "$T_INSTANCE" >"$T_DIR/ringstat" 2>&1 || rc=$?
	[ "$rc" = 1 ] || t_fail "gcb-ringstat exit $rc while stalled (1: degraded)"
	grep -Eq "^segment diagnosis: source stalled at cursor \"$1\": .*$2" "$T_DIR/ringstat" ||
		t_fail "gcb-ringstat: $(cat "$T_DIR/ringstat")"
	t_wait_for 10 grep -Eq "STALLED at cursor \"$1\": .*$2" "$T_DIR/gcb.err" || t_fail "no --progress line"
	# logfmt escapes the quotes around the cursor.
	grep -Eq "source stalled at cursor .\"$1.\": .*$2" "$T_DIR/gcb.err" || t_fail "no log line"
	t_log "stalled at $1 on every surface: $body"
}
delivered_to() {
	[ "$(stat served_to)" -ge "$1" ] || return 1
	_f=$(e2e_peek fetched)
	[ -n "$_f" ] && [ "$_f" = "$(e2e_peek acked)" ]
}

# 1. A broken framing, healed.
t_wait_for 60 stalled || t_fail "not reported stalled: $(curl -s "$URL/readyz")"
on_every_surface c120 "malformed"
[ "$(stat served_to)" = 120 ] || t_fail "events before 120 not all through: served to $(stat served_to)"
t_wait_for 30 delivered_to 120 || t_fail "events before the broken one not delivered"
[ "$(grep -c 'source stalled at cursor' "$T_DIR/gcb.err")" = 1 ] || t_fail "more than one stall log line"
curl -s -X POST --max-time 5 "$SIM_URL/admin/heal?at=120" >/dev/null
t_wait_for 60 not_at c120 || t_fail "did not recover after the server healed: $(curl -s "$URL/readyz")"
grep -q "source recovered" "$T_DIR/gcb.err" || t_fail "no recovery log line"
t_log "recovered by itself"

# 2. No progress (503s from 150 on) for longer than stall_timeout.
t_wait_for 60 stalled_by "no progress" || t_fail "503s for good not reported stalled"
on_every_surface "c1[2-5][0-9]" "no progress for [0-9]+ s.*HTTP 503"
t_wait_for 30 delivered_to 150 || t_fail "events before 150 not delivered"
curl -s -X POST --max-time 5 "$SIM_URL/admin/heal?fail=1" >/dev/null

# 3. Broken for good: the operator dead-letters the answer and goes on.
t_wait_for 60 stalled_at c170 || t_fail "not stalled at 170: $(curl -s "$URL/readyz")"
on_every_surface c170 "malformed"
t_wait_for 60 kept_at_limit_1 || t_fail "the kept answer never narrowed to one event"
ls "$T_DIR/state/$T_INSTANCE.stalled-answer" >/dev/null || t_fail "broken answer not kept"
"$GCB_BIN/gcbridge" -c "$T_DIR/gcb.conf" --skip-stalled-answer >"$T_DIR/skip.out" 2>&1 ||
	t_fail "--skip-stalled-answer failed: $(cat "$T_DIR/skip.out")"
grep -q 'continues at cursor "c171"' "$T_DIR/skip.out" || t_fail "skip: $(cat "$T_DIR/skip.out")"
t_wait_for 60 ready || t_fail "did not recover after the skip: $(curl -s "$URL/readyz")"
t_wait_for 120 delivered_to "$N" || t_fail "not everything delivered after the skip"
[ ! -e "$T_DIR/state/$T_INSTANCE.stalled-answer" ] || t_fail "kept answer not cleaned up"

out=$("$PY" "$E2E/hostile_verify.py" -b "$BS" --corpus "$T_DIR/corpus.jsonl" \
	--schemas "$GCB_ROOT/schemas" --topic genesys.interactions --topic genesys.agentstate \
	--dlq-topic genesys.dlq --allow-bad-answer) || {
	echo "$out"
	t_fail "events missing"
}
echo "$out"
case "$out" in *" bad_answer=1 "*) ;; *) t_fail "the skipped answer is not in the DLQ once" ;; esac
kill -TERM "$GCB_PID"
t_wait_exit "$GCB_PID" 60
[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"
t_log "ok"

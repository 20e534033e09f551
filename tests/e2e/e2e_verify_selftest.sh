#!/bin/sh
# The verifier finds what it claims to find: 300 simulator events (10 % bad)
# produced to the mock by tests/e2e/selftest_produce.py exactly as gcbridge
# would pass (exit 0); the same with one lost, one duplicated, one reordered,
# one wrong DLQ reason, one changed value and one wrong key fails (exit 1)
# with each of them counted; duplicate limits, windows and batches are enforced.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_py confluent_kafka python3-confluent-kafka

e2e_start_kafka
for t in good.interactions good.agentstate good.dlq bad.interactions bad.agentstate bad.dlq \
	refed.interactions refed.agentstate refed.dlq; do
	"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "topic $t 4" >/dev/null || t_fail "topic $t"
done
e2e_start_sim --count 0 --seed 15 --fault-bad-event-rate 0.1 --fault-drift-rate 0.1
curl -s -X POST "$SIM_URL/admin/generate?count=300" >/dev/null
curl -s -X POST "$SIM_URL/admin/flush" >/dev/null
[ "$(wc -l <"$T_DIR/events.jsonl")" = 300 ] || t_fail "events log: $(wc -l <"$T_DIR/events.jsonl") lines"

vfy() {
	_p=$1
	shift
	"$PY" "$E2E/verify.py" -b "$BS" --events-log "$T_DIR/events.jsonl" --stream s1 \
		--rename-topic "genesys.interactions=$_p.interactions" \
		--rename-topic "genesys.agentstate=$_p.agentstate" --rename-topic "genesys.dlq=$_p.dlq" \
		--show 2 "$@"
}

"$PY" "$E2E/selftest_produce.py" "$BS" "$T_DIR/events.jsonl" good || t_fail "produce good"
out=$(vfy good --max-dups 0) || {
	echo "$out"
	t_fail "a faithful copy does not verify"
}
echo "$out"
echo "$out" | grep -q ' lost=0 duplicates=0 .* result=ok' || t_fail "unexpected summary"

"$PY" "$E2E/selftest_produce.py" "$BS" "$T_DIR/events.jsonl" bad lose dup reorder reason value key ||
	t_fail "produce bad"
set +e
out=$(vfy bad)
rc=$?
set -e
echo "$out"
[ $rc = 1 ] || t_fail "verify exit $rc on a faulty copy, want 1"
for want in ' lost=1 ' ' duplicates=1 ' ' order_violations=1 ' 'dlq_wrong_reason=1' \
	'value_mismatch=1' 'key_mismatch=1' 'result=FAIL'; do
	echo "$out" | head -n 1 | grep -q -- "$want" || t_fail "summary lacks '$want'"
done
# --max-dups and --dup-window are enforced.
set +e
vfy good --max-dups 0 --dup-window 0:0 >/dev/null
rc=$?
set -e
[ $rc = 0 ] || t_fail "no duplicates but --dup-window failed"
out=$(vfy bad --max-dups 0) && t_fail "--max-dups 0 accepted a duplicate"
echo "$out" | grep -q 'too_many_duplicates=1' || t_fail "too_many_duplicates not counted"
out=$(vfy bad --dup-window 1000:2000) && t_fail "a duplicate outside the window passed"
echo "$out" | grep -q 'dup_outside_window=1' || t_fail "dup_outside_window not counted"
# --dups-one-record: a copy in its own batch passes, one fed again in another fails.
out=$(vfy bad --dups-one-record) || true
echo "$out" | grep -q 'dup_in_other_batch' && t_fail "a copy of one record counted as fed again"
"$PY" "$E2E/selftest_produce.py" "$BS" "$T_DIR/events.jsonl" refed refeed || t_fail "produce refed"
vfy refed >/dev/null || t_fail "a copy fed again failed without --dups-one-record"
out=$(vfy refed --dups-one-record) && t_fail "--dups-one-record accepted an event fed again"
echo "$out" | grep -q 'dup_in_other_batch=1' || t_fail "dup_in_other_batch not counted"
# Usage errors exit 2.
set +e
"$PY" "$E2E/verify.py" -b "$BS" >/dev/null 2>&1
rc=$?
set -e
[ $rc = 2 ] || t_fail "no log given: exit $rc, want 2"
t_log "ok"

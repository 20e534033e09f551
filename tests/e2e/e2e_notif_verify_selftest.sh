#!/bin/sh
# notif_verify.py finds what it claims to: a synthetic notification run
# (tests/e2e/notif_selftest_produce.py: sent log, conversations, two
# backfilled gaps) produced to gcb-kafka-mock as gcbridge would verifies
# clean; a copy with one message lost, one duplicated, two of one stream
# swapped, one wrong key, one in the DLQ, one misrouted, a backfill message
# without gapId (its gap then misses it too) and a gap's conversation left out
# fails with each counted.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

CTL="$T_DIR/kafka.ctl"
topics=""
for p in good bad bf; do
	for t in conversations users conversation.details backfill.conversations dlq; do
		topics="$topics --topic $p.$t:2"
	done
done
# shellcheck disable=SC2086
t_bg "$GCB_BIN/gcb-kafka-mock" $topics --topic extra.dlq:1 --bootstrap-file "$T_DIR/bootstrap" \
	--control "$CTL" >"$T_DIR/mock.out" 2>"$T_DIR/mock.err"
t_wait_for 30 test -s "$T_DIR/bootstrap" || t_fail "gcb-kafka-mock did not start"
BS=$(head -n 1 "$T_DIR/bootstrap")

v() {
	_p=$1
	_d=$2
	shift 2
	"$PY" "$E2E/notif_verify.py" -b "$BS" --sent "$_d/sent.jsonl" \
		--conversations "$_d/conversations.json" --schemas "$_d/schemas" \
		--rename-topic "genesys.conversations=$_p.conversations" \
		--rename-topic "genesys.users=$_p.users" \
		--rename-topic "genesys.conversation.details=$_p.conversation.details" \
		--rename-topic "genesys.backfill.conversations=$_p.backfill.conversations" \
		--dlq-topic "$_p.dlq" --extra-topic extra.dlq --show 20 "$@"
}

mkdir -p "$T_DIR/good" "$T_DIR/bad"
"$PY" "$E2E/notif_selftest_produce.py" "$BS" "$T_DIR/good" good >/dev/null ||
	t_fail "producing the good copy failed"
"$PY" "$E2E/notif_selftest_produce.py" "$BS" "$T_DIR/bad" bad lose dup reorder key dlq \
	misroute nogap gapmiss >/dev/null || t_fail "producing the faulty copy failed"

out=$(v good "$T_DIR/good" --max-dups 0 --check-conversations --gap-coverage --min-gaps 2 \
	--expect-gap 7) || {
	echo "$out"
	t_fail "the faithful copy does not verify"
}
echo "$out" | head -1
echo "$out" | grep -q ' gaps=2 ' || t_fail "gaps not counted: $out"

set +e
out=$(v bad "$T_DIR/bad" --max-dups 0 --check-conversations --gap-coverage --min-gaps 2)
rc=$?
set -e
echo "$out" | head -1
[ $rc = 1 ] || t_fail "faulty copy: exit $rc, expected 1: $out"
for want in 'missing=2 ' 'duplicates=1 ' 'order_violations=1 ' 'key_mismatch=1 ' \
	'sent_key_mismatch=1 ' 'dlq=1 ' \
	'misrouted=1 ' 'backfill_no_gap_id=1 ' 'gap_conversations_missing=2 ' \
	'too_many_duplicates=1 '; do
	echo "$out" | head -1 | grep -q "$want" || t_fail "faulty copy: no $want in: $(echo "$out" | head -1)"
done

# --lost-backfilled excuses a lost snapshot of a backfilled conversation only.
mkdir -p "$T_DIR/bf"
"$PY" "$E2E/notif_selftest_produce.py" "$BS" "$T_DIR/bf" bf lose losebf >/dev/null ||
	t_fail "producing the lost-backfilled copy failed"
set +e
out=$(v bf "$T_DIR/bf" --lost-backfilled)
rc=$?
set -e
echo "$out" | head -1
[ $rc = 1 ] && echo "$out" | head -1 | grep -q ' missing=1 missing_backfilled=1 ' ||
	t_fail "--lost-backfilled: exit $rc: $(echo "$out" | head -1)"

# Duplicates within the allowance pass; --max-copies holds them.
set +e
v bad "$T_DIR/bad" --max-dups 1 --max-copies 1 >"$T_DIR/out3"
set -e
head -1 "$T_DIR/out3" | grep -q 'too_many_copies=1' || t_fail "--max-copies: $(head -1 "$T_DIR/out3")"
head -1 "$T_DIR/out3" | grep -q 'too_many_duplicates' && t_fail "--max-dups 1 not honoured"

set +e
"$PY" "$E2E/notif_verify.py" -b "$BS" >/dev/null 2>&1
rc=$?
set -e
[ $rc = 2 ] || t_fail "usage error: exit $rc, expected 2"
t_log "ok"

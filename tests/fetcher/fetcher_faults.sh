#!/bin/sh
# Transient faults: 5xx answers, answers slower than the request timeout,
# truncated / non-JSON bodies and 410 cursor.expired, all at once. Nothing
# lost, nothing duplicated in the ring, malformed answers logged with their
# correlation id, expiries logged and counted, no crash.
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"

fh_sim --count=2000 --rate=1500 --stream-id=flt --fault-scope=poll --fault-5xx-rate=0.12 \
	--fault-delay-ms=1500 --fault-delay-rate=0.08 --fault-garbage-rate=0.1 \
	--fault-410-rate=0.1 --seed=7
fh_harness faults --stream-id flt --validators 3 --limit 50 --backoff-base 20 \
	--backoff-cap 200 --request-timeout-ms 700 --until-quiet-ms 3000 --max-seconds 50 ||
	fh_fail "run failed"
fh_check_nothing_lost
fh_check_no_duplicates
for c in http_5xx transport_errors malformed_responses cursor_expiries retries; do
	v=$(fh_counter faults $c)
	[ "$v" -gt 0 ] || fh_fail "counter $c is $v: fault not exercised"
	echo "ok: $c=$v"
done
# The simulator drops exactly one unread event per expiry (a real expiry
# loses events): the fetcher must lose nothing beyond that.
gen=$(fh_admin GET /admin/stats | sed -n 's/.*"eventsGenerated":\([0-9]*\).*/\1/p')
lost=$((gen - $(wc -l <"$FH_TMP/served.ids")))
[ "$lost" -eq "$(fh_counter faults cursor_expiries)" ] ||
	fh_fail "$lost of $gen events never served, but $(fh_counter faults cursor_expiries) expiries"
echo "ok: $gen generated, $lost lost upstream by $lost cursor expiries, nothing else"
grep -q 'poll answer malformed: .*correlation_id=[0-9a-f-]\{8,\}' "$FH_TMP/harness-faults.log" ||
	fh_fail "malformed answers not logged with a correlation id"
grep -q 'status=5[0-9][0-9] .*correlation_id=[0-9a-f-]\{8,\}' "$FH_TMP/harness-faults.log" ||
	fh_fail "5xx answers not logged with a correlation id"
grep -q 'cursor expired (events lost upstream)' "$FH_TMP/harness-faults.log" ||
	fh_fail "cursor expiry not logged"
FH_SEED=7 fh_check_secrets
echo "PASS"

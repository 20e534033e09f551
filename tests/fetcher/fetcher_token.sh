#!/bin/sh
# Tokens: (1) a 2-second token lifetime during a run: the fetcher renews
# ahead of expiry, no failed poll reaches the ring, no event is missed;
# (2) every token revoked mid-run: exactly one 401, one renewal, and the run
# goes on; (3) neither the secret nor any token leaks.
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"

# (1) expiry every 2 s while events trickle in for about 5 s.
fh_sim --expires-in=2 --rate=600 --count=3000 --stream-id=tok
fh_harness expiry --stream-id tok --validators 2 --limit 100 --interval-ms 50 \
	--until-quiet-ms 2500 --max-seconds 45 || fh_fail "expiry run failed"
fh_check_nothing_lost
fh_check_no_duplicates
renewals=$(fh_counter expiry token_renewals)
[ "$renewals" -ge 3 ] || fh_fail "only $renewals token renewals with 2 s tokens"
# Ahead of expiry: not every renewal was forced by a 401 (the first token
# is not a renewal). A 401 needs a poll slower than the 1 s of skew, so a
# loaded machine may see one; a fetcher that waits for the 401 sees one per
# renewal.
n401=$(fh_counter expiry http_401)
[ "$n401" -lt $((renewals - 1)) ] ||
	fh_fail "$n401 401s for $renewals tokens: renewals wait for the token to expire"
echo "ok: $renewals token renewals, $(fh_counter expiry http_401) 401s"
fh_check_secrets

# (2) revoke every token mid-run.
fh_new_round
fh_sim --rate=800 --count=2400 --stream-id=rev
# Revoke once the fetcher is polling (not on a timer: the machine may be slow).
(
	for _ in $(seq 1 400); do
		polls=$(fh_admin GET /admin/stats | sed -n 's/.*"pollsServed":\([0-9]*\).*/\1/p')
		[ "${polls:-0}" -ge 3 ] && break
		sleep 0.05
	done
	fh_admin POST /admin/revoke >/dev/null
) &
revoker=$!
fh_harness revoke --stream-id rev --validators 2 --limit 100 --interval-ms 50 \
	--until-quiet-ms 2500 --max-seconds 45 || fh_fail "revoke run failed"
wait $revoker
fh_check_nothing_lost
fh_check_no_duplicates
n401=$(fh_counter revoke http_401)
renewals=$(fh_counter revoke token_renewals)
[ "$n401" -eq 1 ] || fh_fail "expected one 401 after the revocation, got $n401"
[ "$renewals" -eq 2 ] || fh_fail "expected 2 tokens (initial + renewal), got $renewals"
fh_flush
s401=$(awk -F'\t' '$5 == 401' "$FH_TMP/requests" | wc -l)
[ "$s401" -eq 1 ] || fh_fail "simulator saw $s401 answers 401"
grep -q "answered 401.*renewing the token" "$FH_TMP/harness-revoke.log" || fh_fail "no 401 log line"
fh_check_secrets

# (3) a wrong secret: refused (400/401 invalid_client), logged without the
# secret, counted, retried at the backoff cap, no event, clean stop.
wrong="wrong-$FH_SECRET"
printf '%s' "$wrong" >"$FH_TMP/secret"
fh_harness refused --stream-id rev --validators 1 --backoff-base 20 --backoff-cap 300 \
	--max-seconds 3 || fh_fail "refused run failed"
printf '%s' "$FH_SECRET" >"$FH_TMP/secret"
[ "$(fh_counter refused auth_failures)" -ge 2 ] || fh_fail "refusals not counted or not retried"
[ "$(fh_counter refused events)" -eq 0 ] || fh_fail "events without a token?"
grep -q 'token request refused: status=401 code=invalid_client' "$FH_TMP/harness-refused.log" ||
	fh_fail "refusal not logged"
grep -qF "$wrong" "$FH_TMP/harness-refused.log" && fh_fail "the wrong secret was logged"
echo "ok: wrong secret refused $(fh_counter refused auth_failures) times, never logged"
echo "PASS"

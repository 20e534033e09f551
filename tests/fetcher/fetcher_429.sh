#!/bin/sh
# 429 storms with Retry-After: after every 429 the fetcher's next request
# starts no sooner than Retry-After after the 429 was sent (measured on the
# simulator's request log, its own clock), and no event is lost.
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"

fh_sim --count=1500 --stream-id=rl --fault-429-every=6 --fault-429-storm=2 \
	--fault-retry-after=1 --fault-scope=poll
fh_harness storm --stream-id rl --validators 2 --limit 100 --backoff-base 20 \
	--backoff-cap 200 --until-quiet-ms 2500 --max-seconds 50 || fh_fail "run failed"
fh_check_nothing_lost
fh_check_no_duplicates
fh_flush
n429=$(awk -F'\t' '$5 == 429' "$FH_TMP/requests" | wc -l)
[ "$n429" -ge 2 ] || fh_fail "only $n429 answers 429: the storm did not happen"
[ "$(fh_counter storm http_429)" -eq "$n429" ] || fh_fail "429 counter disagrees with the simulator"
# Columns: startMs endMs method path status retryAfter events.
sort -n -k1,1 "$FH_TMP/requests" | awk -F'\t' '
	prev_ra > 0 {
		gap = $1 - prev_end
		if (gap < prev_ra * 1000) { printf "request %d ms after a 429 with Retry-After %d s\n", gap, prev_ra; bad++ }
		checked++
	}
	{ prev_ra = ($5 == 429) ? $6 : 0; prev_end = $2 }
	END { printf "checked %d requests after a 429\n", checked; exit bad ? 1 : 0 }' ||
	fh_fail "Retry-After not honoured"
echo "ok: $n429 answers 429, every retry waited at least Retry-After"


# Proactive throttling: a budget of 25 requests per 3 s window, enforced.
# The fetcher spreads its last requests over the rest of the window instead
# of running into the limit.
fh_new_round
fh_sim --count=2500 --stream-id=th --ratelimit-allowed=25 --ratelimit-window=3 \
	--ratelimit-enforce
fh_harness throttle --stream-id th --validators 1 --limit 50 --until-quiet-ms 4000 \
	--max-seconds 50 || fh_fail "throttle run failed"
fh_check_nothing_lost
fh_check_no_duplicates
waits=$(fh_counter throttle throttle_waits)
n429=$(fh_counter throttle http_429)
[ "$waits" -gt 0 ] || fh_fail "the fetcher never throttled"
echo "ok: $waits proactive waits ($(fh_counter throttle throttle_ms) ms), $n429 answers 429"
[ "$n429" -le 1 ] || fh_fail "$n429 answers 429 despite throttling"
echo "PASS"

#!/bin/sh
# Restarts: (1) the fetcher SIGKILLed every 0.7 s while events stream in,
# restarted on the live segment: it resumes from the newest cursor in shared
# memory, so every served event reaches the ring and none twice; (2) a whole
# pipeline killed (no final checkpoint), then a cold start on a new segment
# from the checkpoint file: none skipped (duplicates allowed, bounded).
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"

fh_sim --rate=700 --count=3500 --stream-id=rs
fh_harness kills --stream-id rs --validators 2 --limit 100 --interval-ms 20 \
	--kill-every-ms 700 --until-quiet-ms 2500 --max-seconds 45 || fh_fail "kill run failed"
restarts=$(fh_counter kills harness_restarts)
[ "$restarts" -ge 3 ] || fh_fail "only $restarts restarts"
fh_check_nothing_lost
fh_check_no_duplicates
echo "ok: $restarts fetcher SIGKILLs, nothing lost or duplicated"

fh_new_round
fh_sim --rate=1000 --count=3000 --stream-id=cold
fh_harness crash --stream-id cold --validators 2 --limit 100 --ckpt-interval-ms 300 \
	--until-events 1000 --end-with-kill || fh_fail "crash run failed"
fh_harness cold --stream-id cold --validators 2 --limit 100 --until-quiet-ms 2500 \
	--max-seconds 45 || fh_fail "cold restart failed"
grep -q "resuming from checkpoint" "$FH_TMP/harness-cold.log" || fh_fail "cold run did not resume"
fh_check_nothing_lost
dups=$(fh_duplicates)
echo "ok: cold restart after a crash: nothing lost, $dups events fetched twice"
[ "$dups" -le 1000 ] || fh_fail "more duplicates than the events in flight"
fh_check_secrets
echo "PASS"

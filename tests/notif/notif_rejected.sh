#!/bin/sh
# Topics the service will not subscribe (GENESYS.md C) at fetcher level
# against gcb-sim: 5 % of the topics need a permission the client lacks
# (--fault-subscribe-reject-rate: answered Rejected with missingPermissions
# under ignoreErrors=true), and one topic names a user that does not exist
# (the whole PUT answers 400). The fetcher narrows the 400 down to that one
# topic, subscribes everything else, logs every refused topic once with its
# reason and missing permissions, shows them in the topics_rejected gauge,
# asks for them again at every resolution without logging them again, and
# every message sent for the other topics reaches the rings.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

bogus="v2.users.00000000-0000-4000-8000-000000000000.presence"
fh_sim --queues 40 --agents 400 --notify-rate 0 --heartbeat-interval 0.5 --seed 7 \
	--fault-subscribe-reject-rate=0.05
nf_start rej --topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence $bogus" \
	--no-backfill --resolve-interval-ms 1000
nf_wait_log rej "topics: 441 (40 queues, 400 users) over 1 channels"
nf_wait_log rej "connected: 441 topics"

stat() { fh_admin GET /admin/notify/stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# The sim counts the distinct topics it refused for a missing permission; the
# bogus topic is one more.
perm=$(stat topicsRejected)
[ "$perm" -ge 10 ] && [ "$perm" -le 40 ] || fh_fail "expected about 5 % of 440 refused, sim refused $perm"
refused=$((perm + 1))
nf_wait_counter rej topics_rejected "$refused"
[ "$(fh_counter rej topics_rejected)" = "$refused" ] ||
	fh_fail "topics_rejected $(fh_counter rej topics_rejected), the sim refused $refused"
log="$FH_TMP/harness-rej.log"
grep -q "topic $bogus rejected by the service: Invalid topic" "$log" ||
	fh_fail "the 400 was not narrowed down to the bogus topic"
grep -q "rejected by the service: .*missing permissions: routing:queue:view" "$log" ||
	fh_fail "no queue topic reported with its missing permission"
grep -q "rejected by the service: .*missing permissions: presence:userPresence:view" "$log" ||
	fh_fail "no presence topic reported with its missing permission"
logged=$(grep -c "rejected by the service" "$log")
[ "$logged" = "$refused" ] || fh_fail "$logged rejection lines for $refused refused topics"

# Retried at the resolve interval (each retry meets the bogus topic's 400 again), never re-logged.
before=$(stat subscribeRefused)
for _ in $(seq 1 300); do
	[ "$(stat subscribeRefused)" -ge $((before + 3)) ] && break
	sleep 0.1
done
[ "$(stat subscribeRefused)" -ge $((before + 3)) ] || fh_fail "rejected topics not asked for again"
[ "$(grep -c "rejected by the service" "$log")" = "$logged" ] || fh_fail "a rejection was logged twice"

# Everything else flows.
total=$(nf_generate 30)
[ "$total" -gt 0 ] || fh_fail "no traffic"
nf_wait_ids 0 "$total"
nf_stop || fh_fail "harness failed"
[ -z "$(nf_gap_reasons)" ] || fh_fail "gaps: $(nf_gap_reasons)"
echo "ok: $refused of 441 topics refused and reported, $total messages of the others delivered"

#!/bin/sh
# When the resolved topics do not fit the channels, the refusal gives the
# arithmetic: topics per template, channels needed, channels available. The
# former default set (presence, routingStatus and activity per user) on an
# org of 15,000 users and 2,000 queues needs 47 channels of 1,000 topics;
# 19 are available (20, one kept free for rollover): exit 2.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 250 --agents 15000 --notify-rate 0 --heartbeat-interval 0.5 --seed 43
fh_admin POST "/admin/notify/org?queues=1750&users=0" >/dev/null || fh_fail "org change refused"
fh_harness toomany --source notifications --no-backfill --expect-exit 2 --max-seconds 60 \
	--topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence v2.users.{userId}.routingStatus v2.users.{userId}.activity" ||
	fh_fail "47,000 topics not refused with exit 2"
log="$FH_TMP/harness-toomany.log"
grep -q "genesys.notifications.topics: 47000 topics (2000 queues, 15000 users)" "$log" ||
	fh_fail "the refusal does not count the topics"
grep -q "Per template: v2.routing.queues.{queueId}.conversations 2000, v2.users.{userId}.activity 15000, v2.users.{userId}.presence 15000, v2.users.{userId}.routingStatus 15000. 47 channels needed, 19 available" "$log" ||
	fh_fail "the refusal does not give the arithmetic: $(grep topics: "$log")"
echo "ok: refused with the arithmetic"

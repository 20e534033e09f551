#!/bin/sh
# Topic resolution and channel rollover at fetcher level against gcb-sim:
# {queueId} / {userId} over 100 queues and 1000 users are 1100 topics, split
# over 2 channels (at most 1000 each); channels that live 4 s are replaced
# 2 s before they expire, again and again, without a gap and without losing
# a message; an org that grows is picked up by the next resolution (a
# third channel). More resolved topics than the channels can carry stop the
# fetcher at startup with exit 2, naming the keys. Channels of 4 s and a
# resolution every second need far more than Genesys' 300 requests a minute:
# the REST budget is raised accordingly (--rate-limit).
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 100 --agents 1000 --notify-rate 0 --heartbeat-interval 0.5 --channel-ttl 4 \
	--seed 3
fh_harness toomany --source notifications --no-backfill --max-channels 2 \
	--topics-per-channel 500 --expect-exit 2 --max-seconds 30 \
	--topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence" ||
	fh_fail "1100 topics on 1 channel of 500 not refused with exit 2"
grep -q "genesys.notifications.topics: 1100 topics .*genesys.notifications.max_channels 2" \
	"$FH_TMP/harness-toomany.log" || fh_fail "the refusal does not name the keys"

nf_start channels --topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence" \
	--no-backfill --rollover-before-ms 2000 --heartbeat-timeout-ms 20000 \
	--resolve-interval-ms 1000 --rate-limit 6000
nf_wait_log channels "topics: 1100 (100 queues, 1000 users) over 2 channels"
nf_wait_log channels "connected: 1000 topics"
nf_wait_log channels "connected: 100 topics"
total=$(nf_generate 30)
nf_wait_ids 0 "$total"
nf_wait_log channels "replaced by .* (expiry ahead)" 4
fh_admin POST "/admin/notify/org?queues=0&users=950" >/dev/null || fh_fail "org change refused"
nf_wait_log channels "topics: 2050 (100 queues, 1950 users) over 3 channels"
nf_wait_log channels "connected: 50 topics"
nf_stop || fh_fail "harness failed"

reasons=$(nf_gap_reasons)
[ -z "$reasons" ] || fh_fail "rollovers left gaps: $reasons"
[ "$(fh_counter channels rollovers)" -ge 4 ] || fh_fail "rollovers: $(fh_counter channels rollovers)"
echo "ok: 1100 topics on 2 channels, rollovers without gaps"

#!/bin/sh
# Genesys' combined-topic form (GENESYS.md C): v2.users.{userId}?presence&routingStatus
# is one topic per user for the channel budget and delivers under the
# individual names. 40 users are 40 topics; every presence and routingStatus
# message the simulator sends reaches the rings.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 2 --agents 40 --notify-rate 0 --heartbeat-interval 0.5 --seed 47
nf_start comb --topics "v2.users.{userId}?presence&routingStatus" --no-backfill
nf_wait_log comb "topics: 40 (0 queues, 40 users) over 1 channels"
nf_wait_log comb "connected: 40 topics"
total=$(nf_generate 20)
[ "$total" -gt 0 ] || fh_fail "nothing sent"
nf_wait_ids 0 "$total"
fh_admin GET /admin/notify/sent >"$FH_TMP/sent-all"
grep -q '"topic":"v2.users.[^"]*\.presence"' "$FH_TMP/sent-all" || fh_fail "no presence message sent"
grep -q '"topic":"v2.users.[^"]*\.routingStatus"' "$FH_TMP/sent-all" || fh_fail "no routingStatus message sent"
nf_stop || fh_fail "harness failed"
echo "ok: $total messages on 40 combined topics"

#!/bin/sh
# Channel faults at fetcher level against gcb-sim: heartbeat-stop, close,
# socket-closing, expire, revoke and unsubscribe each lead to a reconnect
# (socket-closing: a rollover) and, except the rollover, to a gap with its
# reason in <state_dir>/<instance>.gaps; every message sent after the last
# fault reaches the rings. Channels are retired without DELETE channels/{id}.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

# No background traffic: a channel without heartbeats must fall silent.
fh_sim --queues 2 --agents 3 --notify-rate 0 --heartbeat-interval 0.3 --seed 5
# No backfill: the gaps stay in the log for the checks. Pings only after the
# heartbeat timeout, so a channel without heartbeats really falls silent.
nf_start faults --topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence" \
	--no-backfill --heartbeat-timeout-ms 2000 --ping-interval-ms 60000 --backoff-base 50
nf_wait_log faults "connected: 5 topics" 1

fault() { fh_admin POST "/admin/notify?action=$1&channel=all" >/dev/null || fh_fail "$1 refused"; }

fault heartbeat-stop
nf_wait_log faults "heartbeat timeout"
nf_wait_log faults "connected: 5 topics" 2

fault close
nf_wait_log faults "connection lost" 1
nf_wait_log faults "reconnected" 1

fault socket-closing
nf_wait_log faults "replaced by .* (socket_closing)" 1

fault expire
nf_wait_log faults "connection lost" 2
nf_wait_log faults "connected: 5 topics" 3

fault revoke
nf_wait_log faults "token revoked" 1
nf_wait_log faults "reconnected" 2

fault unsubscribe
nf_wait_log faults "resubscribed" 1

# Traffic flows after all of it.
before=$(nf_sent_count)
total=$(nf_generate 10)
[ "$total" -gt "$before" ] || fh_fail "no traffic after the faults"
nf_wait_counter faults harness_events "$total"
nf_stop || fh_fail "harness failed"

reasons=$(nf_gap_reasons)
echo "$reasons"
for r in heartbeat closed token_revoked unsubscribed; do
	echo "$reasons" | grep -q "^$r closed$" || fh_fail "no closed gap with reason $r"
done
[ "$(echo "$reasons" | grep -c '^closed closed$')" -ge 2 ] || fh_fail "close and expire: 2 gaps"
echo "$reasons" | grep -q socket_closing && fh_fail "a rollover left a gap"
echo "$reasons" | grep -q " open$" && fh_fail "a gap is still open"
[ "$(fh_counter faults ws_reconnects)" -ge 4 ] || fh_fail "reconnects: $(fh_counter faults ws_reconnects)"
[ "$(fh_counter faults rollovers)" -ge 1 ] || fh_fail "no rollover counted"
[ "$(fh_counter faults system_messages)" -ge 3 ] || fh_fail "system messages not counted"
grep -q "gap" "$FH_TMP/harness-faults.log" || fh_fail "gaps not logged"

# Channels are retired the only way the API allows (GENESYS.md C): their
# subscriptions deleted and the socket closed; never DELETE channels/{id}.
stats=$(fh_admin GET /admin/notify/stats)
stat() { printf '%s' "$stats" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
[ "$(stat channelDeleteRequests)" = 0 ] || fh_fail "DELETE channels/{id} was requested"
[ "$(stat subscriptionsDeleted)" -ge 1 ] || fh_fail "the replaced channel's subscriptions were not deleted"

# Nothing sent after the last fault is missing from the rings.
[ "$(nf_missing "$before" "$total")" = 0 ] || fh_fail "messages sent after the faults lost"
echo "ok: every fault reconnected and left its gap"

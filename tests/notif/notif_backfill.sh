#!/bin/sh
# Backfill at fetcher level against gcb-sim: conversations that happen while
# gcbridge is not running are lost by the Notification Service; the next run
# opens a gap "not_running" from the previous run's alive mark, and the
# backfill fetches them from the Analytics API into the spool and the rings
# as gcbridge.backfill.conversation messages; the gap is then done.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 2 --agents 3 --notify-rate 0 --heartbeat-interval 0.3 --seed 31
topics="v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence"

nf_start one --topics "$topics"
nf_wait_log one "connected: 5 topics" 1
nf_wait_counter one ws_heartbeats 5
nf_stop || fh_fail "run one failed"

# While nothing listens: these conversations exist only in analytics.
nf_generate 6 >/dev/null
fh_admin GET /admin/notify/conversations >"$FH_TMP/convs"

nf_start two --topics "$topics" --json-out "$FH_TMP/json"
nf_wait_log two "connected: 5 topics" 1
nf_wait_counter two gaps_backfilled 1
# The backfill writes the spool; the rings are fed from it a moment later
# (what a stop leaves in the spool is replayed by the next run, not lost).
nf_wait_counter two events 6
nf_stop || fh_fail "run two failed"

/usr/bin/python3 "$GCB_ROOT/tests/notif/notif_backfill_verify.py" "$FH_TMP/convs" "$FH_TMP/json" || fh_fail "backfill incomplete"
[ -z "$(nf_gap_reasons)" ] || fh_fail "gaps left: $(nf_gap_reasons)"
echo "ok: the downtime was backfilled"

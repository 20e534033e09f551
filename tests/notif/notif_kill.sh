#!/bin/sh
# The fetcher SIGKILLed every 1.5 s while messages flow (the segment lives
# on, as under the supervisor): each restart resumes after the newest batch
# in shared memory, so the rings get no message twice and none out of the
# send order; every downtime is a "not_running" gap. Then one calm run until
# every gap is backfilled, and a final run, which replays what the calm
# run's stop left in the spool and backfills the stop's own gap. What the
# simulator published and what reached the rings are compared message by
# message:
#   - every message published before the calm run's stop that did not reach
#     the rings was published inside a recorded gap (from its start, less
#     the alive-mark interval the gap start may lag by, to its end);
#   - every such message on a conversation topic (the backfillable kind)
#     came back: its conversation is in a gcbridge.backfill.conversation
#     message. Presence is not in analytics (README), so it is only counted.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

topics="v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence"
fh_sim --queues 3 --agents 10 --notify-rate 400 --heartbeat-interval 0.5 --seed 41
fh_harness kill --source notifications --no-backfill --kill-every-ms 1500 --max-seconds 10 \
	--json-out "$FH_TMP/json" --topics "$topics" || fh_fail "harness failed"
restarts=$(fh_counter kill harness_restarts)
[ "$restarts" -ge 3 ] || fh_fail "only $restarts restarts"

# A calm run until every gap is backfilled (the gap log is then empty). The
# simulator enforces no REST budget, and 400 messages a second make each
# gap's job thousands of conversations (a hundred a page): the default
# budget of 300 requests a minute would take minutes to page through them.
nf_start calm --topics "$topics" --json-out "$FH_TMP/json" --rate-limit 6000
for _ in $(seq 1 600); do
	[ -z "$(nf_gap_reasons)" ] && break
	sleep 0.1
done
[ -z "$(nf_gap_reasons)" ] || fh_fail "gaps never backfilled: $(nf_gap_reasons | tr '\n' ' ')"
stop_ms=$(date +%s%3N)
nf_stop || fh_fail "calm run failed (exit $?)"
# Messages on their way at that stop (in the socket, or spooled and not yet
# in the rings) are not lost: a final run replays the spool and records the
# stop as a gap, which it backfills.
nf_start final --topics "$topics" --json-out "$FH_TMP/json" --rate-limit 6000
nf_wait_log final "gap [0-9]* opened (not_running)" || fh_fail "the final run opened no gap"
for _ in $(seq 1 600); do
	[ -z "$(nf_gap_reasons)" ] && break
	sleep 0.1
done
[ -z "$(nf_gap_reasons)" ] || fh_fail "the final gap never backfilled: $(nf_gap_reasons | tr '\n' ' ')"
nf_stop || fh_fail "final run failed (exit $?)"

fh_admin GET /admin/notify/sent >"$FH_TMP/sent"
cat "$FH_TMP"/harness-kill.log "$FH_TMP"/harness-calm.log "$FH_TMP"/harness-final.log >"$FH_TMP/logs"
verdict=$(/usr/bin/python3 "$GCB_ROOT/tests/notif/notif_kill_verify.py" "$FH_TMP/sent" \
	"$FH_TMP/ids" "$FH_TMP/json" "$FH_TMP/logs" "$restarts" "$stop_ms" 2>&1) ||
	fh_fail "messages wrong after kills: $verdict"
echo "$verdict"
echo "ok: $restarts kills"

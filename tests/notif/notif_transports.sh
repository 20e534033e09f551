#!/bin/sh
# Topic families the WebSocket cannot carry (GENESYS.md C): when GET
# notifications/availabletopics lists the detail-event families for
# EventBridge and ProcessAutomation only, a configuration that subscribes one
# is refused at startup (exit 2) with a message naming the template, the
# family and its transports, before any channel is created. Listed for
# WebSocket (All), the same configuration starts.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

detail="v2.detail.events.conversation.5b1f2c3d-0e4a-4b6c-8d7e-9f0a1b2c3d4e.customer.start"
fh_sim --queues 2 --agents 3 --notify-rate 0 --heartbeat-interval 0.5 --seed 53 \
	--fault-detail-events-eventbridge-only=1
fh_harness refused --source notifications --no-backfill --expect-exit 2 --max-seconds 30 \
	--topics "v2.routing.queues.{queueId}.conversations $detail" ||
	fh_fail "a detail-event topic not refused with exit 2"
grep -q "genesys.notifications.topics: $detail: Genesys Cloud does not deliver the topic family v2.detail.events.conversation.{id}.customer.start over WebSocket (its transports: EventBridge, ProcessAutomation)" \
	"$FH_TMP/harness-refused.log" || fh_fail "the refusal does not say why"
grep -q "connected:" "$FH_TMP/harness-refused.log" && fh_fail "a channel was opened before the refusal"

fh_admin POST "/admin/faults?detail-events-eventbridge-only=0" >/dev/null || fh_fail "fault not lifted"
nf_start ok --topics "v2.routing.queues.{queueId}.conversations $detail" --no-backfill
nf_wait_log ok "connected: 3 topics"
nf_stop || fh_fail "harness failed"
grep -q "does not deliver" "$FH_TMP/harness-ok.log" && fh_fail "refused although listed for WebSocket"
echo "ok: a family the WebSocket cannot carry is refused, with the reason"

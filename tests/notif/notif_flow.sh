#!/bin/sh
# The notification source end to end at fetcher level, against gcb-sim over
# loopback: (1) events from the channel reach the rings in arrival order (the
# simulator's send order); (2) a run that cannot feed the rings (harness not
# consuming) is SIGKILLed while the spool holds what the rings could not
# take; (3) the next run resumes at the checkpoint of run 1 (nothing of run
# 1 again) and replays the spool: every message sent, in order, exactly once.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 3 --agents 5 --notify-rate 0 --heartbeat-interval 0.5 --seed 11
topics="v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence"
common="--no-backfill --ring-bytes 65536"

# (1) Consuming run: traffic, then a graceful stop.
nf_start one --topics "$topics" $common
nf_wait_log one "connected: 8 topics"
sent1=$(nf_generate 40)
[ "$sent1" -gt 50 ] || fh_fail "only $sent1 messages sent"
nf_wait_counter one harness_events "$sent1"
nf_stop || fh_fail "run one failed"
[ "$(wc -l <"$FH_TMP/ids")" -eq "$sent1" ] || fh_fail "run one: $(wc -l <"$FH_TMP/ids") ids for $sent1 sent"

# (2) Not consuming: the 64 KiB ring fills, the spool takes the rest; SIGKILL.
nf_start two --topics "$topics" $common --no-consume --end-with-kill
nf_wait_log two "connected: 8 topics"
grep -q "resuming the spool at .* (checkpoint)" "$FH_TMP/harness-two.log" ||
	fh_fail "run two did not resume at the checkpoint"
sent2=$(nf_generate 60)
nf_wait_counter two ws_messages $((sent2 - sent1))
nf_wait_counter two ring_full_waits 1
nf_stop || fh_fail "run two failed"
[ "$(wc -l <"$FH_TMP/ids")" -eq "$sent1" ] || fh_fail "run two consumed"

# (3) Replay: everything run two received, after run one's, once.
fh_harness three --source notifications --topics "$topics" $common --until-events $((sent2 - sent1)) \
	--max-seconds 50 || fh_fail "run three failed"
grep -q "resuming the spool at .* (checkpoint)" "$FH_TMP/harness-three.log" ||
	fh_fail "run three did not resume at the checkpoint"
sleep 1
fh_admin GET /admin/notify/sent >"$FH_TMP/sent"
/usr/bin/python3 "$GCB_ROOT/tests/notif/notif_flow_verify.py" "$FH_TMP/sent" "$FH_TMP/ids" || fh_fail "rings differ from what was sent"
echo "ok: notification flow, SIGKILL with a full spool, checkpoint replay"

#!/bin/sh
# A full spool at fetcher level against gcb-sim: while the rings are not
# read (the harness consumes only after a while) the spool reaches
# spool.max_size; every channel is then closed and a gap "spool_full"
# recorded; once the rings drain and the checkpoint releases spool
# segments, the channels reconnect, the gap closes, and messages flow again.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 2 --agents 3 --notify-rate 0 --heartbeat-interval 0.5 --seed 21
nf_start full --topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence" \
	--no-backfill --ring-bytes 65536 --spool-max 65536 --spool-segment 8192 \
	--consume-after-ms 8000 --ckpt-interval-ms 100
nf_wait_log full "connected: 5 topics" 1
fh_admin POST "/admin/notify/generate?count=120" >/dev/null || fh_fail "generate failed"
nf_wait_log full "spool full"
nf_wait_log full "gap [0-9]* opened (spool_full)"
nf_wait_log full "spool down to" 1
nf_wait_log full "connected: 5 topics\|reconnected" 2
# Everything sent once reading resumed arrives.
before=$(nf_sent_count)
total=$(nf_generate 10)
[ "$total" -gt "$before" ] || fh_fail "no traffic after the resume"
nf_wait_ids "$before" "$total"
nf_stop || fh_fail "harness failed"

reasons=$(nf_gap_reasons)
echo "$reasons" | grep -q "^spool_full closed$" || fh_fail "no closed spool_full gap: $reasons"
[ "$(fh_counter full spool_full)" -ge 1 ] || fh_fail "spool_full not counted"
echo "ok: spool full closed the channels, recorded the gap, and resumed"

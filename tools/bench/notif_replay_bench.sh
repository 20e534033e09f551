#!/bin/sh
# Benchmark (make bench, table_bench.py): the notification source with a sender that is
# not the limit. Run 1 records what the simulator publishes for CONV conversations
# (gcb-sim --notify-record) while the real fetcher takes it in; run 2, on a fresh state
# directory and new channels, replays that file over the WebSocket at full speed
# (POST /admin/notify/replay: frames built up front, large writes). The fetcher appends
# every message to the spool (io_uring, fdatasync batched every 10 ms) and feeds the
# rings; the harness consumes them. Prints both rates; the replay one is the source's.
#
#   GCB_BIN=bin tools/bench/notif_replay_bench.sh [CONV]     (default 8000)
. "${GCB_ROOT:=.}/tests/notif/notif_lib.sh"

conv=${1:-8000}
rec="$FH_TMP/notify.rec"
fh_sim --queues 50 --agents 500 --notify-rate 0 --heartbeat-interval 5 --seed 5 \
	--notify-record "$rec"
topics="v2.routing.queues.{queueId}.conversations v2.users.{userId}.conversations"
topics="$topics v2.users.{userId}.presence v2.users.{userId}.routingStatus"
nf_start record --topics "$topics" --no-backfill
nf_wait_log record "connected: "
nf_wait_counter record channels 2
t0=$(date +%s%N)
nf_generate "$conv" >/dev/null
fh_admin POST /admin/flush >/dev/null
# Every published message is one line and goes to the one channel holding its topic.
sent=$(wc -l <"$rec")
nf_wait_counter record harness_events "$sent"
t1=$(date +%s%N)
nf_stop || fh_fail "harness failed (record run)"

rm -rf "$FH_TMP/state" "$FH_TMP/ids"
mkdir -p "$FH_TMP/state"
nf_start replay --topics "$topics" --no-backfill --until-events "$sent"
nf_wait_log replay "connected: "
nf_wait_counter replay channels 2
t2=$(date +%s%N)
replayed=$(fh_admin POST "/admin/notify/replay?file=$rec" | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin)["messages"])')
wait "$NF_PID" || fh_fail "harness failed (replay run)"
t3=$(date +%s%N)
NF_PIDS=$(echo "$NF_PIDS" | sed "s/ $NF_PID//")
got=$(fh_counter replay harness_events)
[ "$replayed" = "$sent" ] || fh_fail "replayed $replayed messages, the record run took $sent"
[ "$got" -ge "$sent" ] || fh_fail "replay run took $got of $sent messages"

ms_gen=$(((t1 - t0) / 1000000))
ms_rep=$(((t3 - t2) / 1000000))
[ "$ms_gen" -gt 0 ] || ms_gen=1
[ "$ms_rep" -gt 0 ] || ms_rep=1
echo "notification source: $sent messages ($conv conversations, 2 channels)"
echo "  simulator generating (record run): $ms_gen ms = $((sent * 1000 / ms_gen)) messages/s"
echo "  replayed, all in the rings after:  $ms_rep ms = $((sent * 1000 / ms_rep)) messages/s"
echo "  spool appends $(fh_counter replay spool_appends), fdatasyncs $(fh_counter replay spool_syncs), batches $(fh_counter replay batches)"

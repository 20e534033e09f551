#!/bin/sh
# Benchmark of the notification source at fetcher level: gcb-sim on loopback
# starts CONV conversations at once (each sends its snapshots and agent
# changes over the WebSocket channels), the real fetcher reads the channels,
# appends every message to the spool (io_uring, fdatasync every 10 ms) and
# feeds the rings; the harness consumes the rings. Prints the messages the
# simulator sent, the time until all of them were in the rings, and the
# rate; the simulator's own sending time is printed beside it, since on one
# machine both share the CPU.
#
#   GCB_BIN=bin tests/notif/bench_notif.sh [CONV]     (default 4000)
. "${GCB_ROOT:=.}/tests/notif/notif_lib.sh"

conv=${1:-4000}
fh_sim --queues 50 --agents 500 --notify-rate 0 --heartbeat-interval 5 --seed 5
nf_start bench --topics "$NF_LOAD_TOPICS" --no-backfill
nf_wait_log bench "connected: "
nf_wait_counter bench channels 2

t0=$(date +%s%N)
sent=$(nf_generate "$conv")
t1=$(date +%s%N)
nf_wait_counter bench harness_events "$sent"
t2=$(date +%s%N)
nf_stop || fh_fail "harness failed"

ms_sim=$(((t1 - t0) / 1000000))
ms_all=$(((t2 - t0) / 1000000))
[ "$ms_all" -gt 0 ] || ms_all=1
echo "notification source: $sent messages ($conv conversations, 2 channels, 2050 topics)"
echo "  simulator sending:            $ms_sim ms"
echo "  all in the rings after:       $ms_all ms = $((sent * 1000 / ms_all)) messages/s"
dropped=$(fh_admin GET /admin/notify/stats | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin).get("messagesDropped", 0))')
echo "  dropped by the simulator for a slow reader: $dropped (a burst too large for its queues)"
echo "  spool appends $(fh_counter bench spool_appends), fdatasyncs $(fh_counter bench spool_syncs), batches $(fh_counter bench batches)"

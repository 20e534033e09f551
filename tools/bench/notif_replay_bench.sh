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
nf_record_replay "$conv" 5
echo "notification source: $NF_SENT messages ($conv conversations, 2 channels)"
echo "  simulator generating (record run): $NF_MS_GEN ms = $((NF_SENT * 1000 / NF_MS_GEN)) messages/s"
echo "  replayed, all in the rings after:  $NF_MS_REP ms = $((NF_SENT * 1000 / NF_MS_REP)) messages/s"
echo "  spool appends $(fh_counter replay spool_appends), fdatasyncs $(fh_counter replay spool_syncs), batches $(fh_counter replay batches)"

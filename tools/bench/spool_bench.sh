#!/bin/sh
# Benchmark (make bench): spool appends (512 B and 4 KiB records, fdatasync
# every 10 ms) against the disk's sequential write bandwidth, in a temporary
# directory beside the default state dir (./state). See docs/spool.md.
#   GCB_BIN=bin tools/bench/spool_bench.sh [gcb-spool-bench options]
set -eu
: "${GCB_BIN:=bin}"
root=${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
exec "$GCB_BIN/gcb-spool-bench" "$@"

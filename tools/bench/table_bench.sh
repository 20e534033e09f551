#!/bin/sh
# Benchmark (make bench): the performance table of docs/performance.md, every figure in
# one run beside its target. --update-readme also replaces README.md's table.
# GCB_BENCH_IDLE_SECONDS (default 60), GCB_BENCH_EVENTS (300000), GCB_BENCH_SKIP.
root=${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export GCB_ROOT="$root" GCB_BIN="${GCB_BIN:-bin}"
exec /usr/bin/python3 "$root/tools/bench/table_bench.py" "$@"

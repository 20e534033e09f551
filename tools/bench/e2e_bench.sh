#!/bin/sh
# Benchmark (make bench): simulator -> gcbridge -> gcb-kafka-mock, and the kcat -P
# raw-produce ceiling on the same cluster. GCB_BENCH_EVENTS (default 300000) events.
# See docs/bench.md.
root=${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export GCB_ROOT="$root" GCB_BIN="${GCB_BIN:-bin}"
exec /usr/bin/python3 "$root/tools/bench/e2e_bench.py" "$@"

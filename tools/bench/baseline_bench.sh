#!/bin/sh
# Benchmark (make bench): gcbridge against the reference Python pipeline (reference_pipeline.py)
# on the same events and cluster. GCB_BASELINE_EVENTS (default 100000) events each.
# See docs/bench.md.
root=${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export GCB_ROOT="$root" GCB_BIN="${GCB_BIN:-bin}"
exec /usr/bin/python3 "$root/tools/bench/baseline_bench.py" "$@"

#!/bin/sh
# perf profiles of every stage at saturation and paced (docs/performance.md); not a bench.
root=${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
export GCB_ROOT="$root" GCB_BIN="${GCB_BIN:-bin}"
exec /usr/bin/python3 "$root/tools/bench/profile_stages.py" "$@"

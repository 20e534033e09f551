#!/bin/sh
# Benchmark: events/s gcb-sim serves to one keep-alive client (limit=1000).
#   GCB_BIN=bin tools/bench/sim_bench.sh [EVENTS]
set -eu
: "${GCB_BIN:=bin}"
n=${1:-2000000}
dir=$(mktemp -d "${TMPDIR:-/tmp}/gcb-sim-bench-$$.XXXXXX")
"$GCB_BIN/gcb-sim" --stream-id bench --count "$n" --retention 200000 \
	--port-file "$dir/url" --log-level warn >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
i=0
while [ ! -s "$dir/url" ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && { echo "sim_bench: gcb-sim did not start" >&2; exit 1; }
	sleep 0.1
done
"$GCB_BIN/gcb-sim-bench" "$(cat "$dir/url")" bench "$n"

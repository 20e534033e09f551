#!/bin/sh
# Fetcher throughput against the simulator on loopback: N events (default
# 200000), poll limit 1000, 2 validator rings drained by the harness without
# parsing. Prints events/s and MB/s of event JSON as seen by the fetcher.
# The simulator generates events on demand, so this is a lower bound.
set -eu
: "${GCB_BIN:=bin}"
N=${1:-200000}
T=$(mktemp -d "${TMPDIR:-/tmp}/gcb-fetcher-bench.$$.XXXXXX")
SIM=""
trap '[ -n "$SIM" ] && kill $SIM 2>/dev/null; rm -rf "$T"; rm -f /dev/shm/gcbridge-fetcher-bench-$$' EXIT
printf 'bench-secret' >"$T/secret"
"$GCB_BIN/gcb-sim" --client-id=bench --client-secret=bench-secret --stream-id=bench \
	--count="$N" --port-file="$T/url" >/dev/null 2>"$T/sim.log" &
SIM=$!
for _ in $(seq 1 100); do [ -s "$T/url" ] && break; sleep 0.05; done
URL=$(head -n 1 "$T/url")
start=$(date +%s%N)
"$GCB_BIN/fetcher-harness" --api "$URL" --login "$URL" --client-id bench \
	--secret-file "$T/secret" --stream-id bench --state-dir "$T/state" \
	--instance "fetcher-bench-$$" --validators 2 --limit 1000 --max-event-bytes 65536 \
	--until-events "$N" --fast --max-seconds 120 --counters-out "$T/counters" 2>"$T/harness.log"
end=$(date +%s%N)
bytes=$(sed -n 's/^bytes=//p' "$T/counters")
polls=$(sed -n 's/^polls=//p' "$T/counters")
awk -v n="$N" -v b="$bytes" -v p="$polls" -v ns=$((end - start)) 'BEGIN {
	s = ns / 1e9
	printf "fetcher: %d events (%d polls, %.1f MB JSON) in %.2f s: %.0f events/s, %.1f MB/s\n",
		n, p, b / 1e6, s, n / s, b / 1e6 / s }'

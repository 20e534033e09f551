#!/bin/sh
# The end-to-end and baseline benchmarks on a few events: the harness works (every
# process starts, is measured and stopped), gcbridge delivers everything, the producer's
# latency histogram is consistent (checked inside the harness), the kcat ceiling run
# delivers the same records, and the reference pipeline delivers everything too.
# Nothing about speed is asserted.
set -u
. "$GCB_ROOT/tests/need.sh"
need_cmd kcat kcat
need_py avro python3-avro
need_py confluent_kafka python3-confluent-kafka
need_py requests python3-requests
out=$(mktemp /tmp/bench-smoke-$$.XXXXXX)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

"$GCB_ROOT/tools/bench/e2e_bench.sh" --events 3000 --paced-rate 0 >"$out" 2>&1 ||
	fail "e2e_bench.sh exited $?"
grep -q '^| gcbridge | 3000 |' "$out" || fail "no gcbridge row for 3000 events"
grep -q '^| kcat -P (raw produce) | 3000 |' "$out" || fail "no kcat row for 3000 records"

"$GCB_ROOT/tools/bench/baseline_bench.sh" --events 2000 --timeout 50 >"$out" 2>&1 ||
	fail "baseline_bench.sh exited $?"
grep -q '^| gcbridge | 2000 |' "$out" || fail "no gcbridge row for 2000 events"
grep -q '^| reference (Python) | 2000 |' "$out" || fail "no reference row for 2000 events"
grep -q 'DLQ: gcbridge 0, reference 0' "$out" || fail "events went to a DLQ"
echo "bench smoke: ok"

#!/bin/sh
# Benchmark (make bench): the producer stage against gcb-kafka-mock over TCP,
# 4 rings, 6 partitions, GCB_BENCH_BATCHES x 100 records (default 2000 x 100;
# 80% produced, 20% filtered). Prints records/s and the average
# produce-to-acknowledgement latency. The mock cluster runs on the same cores.
. "$GCB_ROOT/tests/producer/kafka_lib.sh"
batches=${GCB_BENCH_BATCHES:-2000}
kafka_start bench:6 bench.dlq:2

start=$(date +%s%N)
"$DRIVE" --bootstrap "$BS" --topic bench --expect "$TMP/expect" --mode basic \
	--rings 4 --batches "$batches" --per-batch 100 2>/dev/null >"$TMP/out" &
DRIVE_PID=$!
wait $DRIVE_PID
DRIVE_PID=""
end=$(date +%s%N)
/usr/bin/python3 "$GCB_ROOT/tests/producer/producer_bench_report.py" "$TMP/out" "$start" "$end"

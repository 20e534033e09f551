#!/bin/sh
# SIGKILL of the producer with records in flight: the restarted producer
# re-sends what was not released; nothing is missing, and what Kafka holds
# twice (read back with kcat) lies in the kill windows: records the driver
# had written after the acknowledged batch at a kill, no more than their sum.
. "$GCB_ROOT/tests/producer/kafka_lib.sh"
kafka_start gcb.test:3 gcb.test.dlq:2

"$DRIVE" --bootstrap "$BS" --topic gcb.test --expect "$TMP/expect" --mode kill \
	--ctl "$CTL" --mock "$MOCK" --rings 3 --batches 60 --per-batch 30 >"$TMP/drive.out" &
DRIVE_PID=$!
wait $DRIVE_PID
DRIVE_PID=""
cat "$TMP/drive.out"
bound=$(sed -n 's/^dup_bound=//p' "$TMP/drive.out")
sed -n 's/^dup_window=//p' "$TMP/drive.out" >"$TMP/windows"
[ -n "$bound" ] && [ -s "$TMP/windows" ] || { echo "FAIL: the driver reported no kill window"; exit 1; }
kafka_read gcb.test gcb.test.dlq >"$TMP/got"
kafka_verify "$TMP/expect" "$TMP/got" "$bound" "$TMP/windows"

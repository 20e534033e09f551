#!/bin/sh
# SIGKILL of the producer with records in flight: the restarted producer
# re-sends what was not released; nothing is missing, and duplicates are at
# most the records that were read but not released at the kill.
. "$GCB_ROOT/tests/integration/kafka_lib.sh"
kafka_start gcb.test:3 gcb.test.dlq:2

"$DRIVE" --bootstrap "$BS" --topic gcb.test --expect "$TMP/expect" --mode kill \
	--ctl "$CTL" --mock "$MOCK" --rings 3 --batches 60 --per-batch 30 >"$TMP/drive.out" &
DRIVE_PID=$!
wait $DRIVE_PID
DRIVE_PID=""
cat "$TMP/drive.out"
bound=$(sed -n 's/^dup_bound=//p' "$TMP/drive.out")
kafka_read gcb.test gcb.test.dlq >"$TMP/got"
kafka_verify "$TMP/expect" "$TMP/got" "$bound"

#!/bin/sh
# Every broker down for 10 s in the middle of a run: nothing is acked or
# released while they are down, everything lands after they come back, with
# no duplicates beyond what the idempotent producer prevents.
. "$GCB_ROOT/tests/producer/kafka_lib.sh"
kafka_start gcb.test:3 gcb.test.dlq:2

"$DRIVE" --bootstrap "$BS" --topic gcb.test --expect "$TMP/expect" --mode outage \
	--ctl "$CTL" --mock "$MOCK" --rings 2 --batches 40 --per-batch 40 --outage-s 10 &
DRIVE_PID=$!
wait $DRIVE_PID
DRIVE_PID=""
kafka_read gcb.test gcb.test.dlq >"$TMP/got"
# Records in flight when the brokers went down may have landed before their
# answer was lost: a failed delivery is produced again.
kafka_verify "$TMP/expect" "$TMP/got" 1000

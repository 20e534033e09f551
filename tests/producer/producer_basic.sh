#!/bin/sh
# Producer stage over TCP to gcb-kafka-mock: 3 rings, 60 batches of 50 records
# (AVRO, DLQ, FILTERED); every record lands once with key, value, timestamp
# and headers; rings fully released; acked_batch_seq = 60; clean drain.
# Also: kafka.acks=1 is refused.
. "$GCB_ROOT/tests/producer/kafka_lib.sh"
kafka_start gcb.test:3 gcb.test.dlq:2 gcb.resume:2 gcb.resume.dlq:1

"$DRIVE" --bootstrap "$BS" --mode refuse
"$DRIVE" --bootstrap "$BS" --topic gcb.test --expect "$TMP/expect" --mode basic \
	--rings 3 --batches 60 --per-batch 50 &
DRIVE_PID=$!
wait $DRIVE_PID
DRIVE_PID=""
kafka_read gcb.test gcb.test.dlq >"$TMP/got"
kafka_verify "$TMP/expect" "$TMP/got" 0

# Restart after acked_batch_seq was published but before the ring space was
# released: the already acknowledged batches are passed over, not re-sent.
"$DRIVE" --bootstrap "$BS" --topic gcb.resume --expect "$TMP/expect2" --mode resume \
	--rings 3 --batches 12 --per-batch 20 &
DRIVE_PID=$!
wait $DRIVE_PID
DRIVE_PID=""
kafka_read gcb.resume gcb.resume.dlq >"$TMP/got2"
kafka_verify "$TMP/expect2" "$TMP/got2" 0

#!/bin/sh
# Injected produce errors on gcb-kafka-mock:
#  - INVALID_PRODUCER_EPOCH: librdkafka reports the delivery as failed; the
#    stage produces the record again after a backoff (retries > 0), nothing
#    is lost and, since the broker rejected the request, nothing duplicated;
#  - OUT_OF_ORDER_SEQUENCE_NUMBER: a fatal idempotence error; the stage exits
#    GCB_EXIT_RESTART, the driver restarts it like the supervisor would, the
#    successor re-sends every unreleased record: nothing is lost.
. "$GCB_ROOT/tests/producer/kafka_lib.sh"

run() {
	kafka_start "$1:3" "$1.dlq:2"
	"$DRIVE" --bootstrap "$BS" --topic "$1" --expect "$TMP/expect" --mode inject \
		--ctl "$CTL" --mock "$MOCK" --rings 2 --batches 20 --per-batch 20 \
		--inject "$2" >"$TMP/drive.out" &
	DRIVE_PID=$!
	wait $DRIVE_PID
	DRIVE_PID=""
	cat "$TMP/drive.out"
	kafka_read "$1" "$1.dlq" >"$TMP/got"
	kafka_verify "$TMP/expect" "$TMP/got" "$3"
	kill -TERM "$MOCK_PID"; wait "$MOCK_PID"; MOCK_PID=""
	rm -f "$TMP/bootstrap"
}

run perm "error produce INVALID_PRODUCER_EPOCH,INVALID_PRODUCER_EPOCH" 0
grep -Eq '^inject: restarts=0 delivery_errors=[1-9][0-9]* retries=[1-9]' "$TMP/drive.out"

# Duplicates: whatever the broker stored before the fatal error and the stage
# could not confirm, at most the 400 records of the run.
run fatal "error produce OUT_OF_ORDER_SEQUENCE_NUMBER" 400
grep -Eq '^inject: restarts=[1-9].* fatal_errors=[1-9]' "$TMP/drive.out"

#!/bin/sh
# gcb-kafka-mock: kcat lists metadata, produces (idempotent, acks=all) and
# consumes over TCP; the control socket takes brokers down and up.
. "$GCB_ROOT/tests/producer/kafka_lib.sh"
kafka_start t1:3 t2:1:1

kcat -b "$BS" -L -m 20 >"$TMP/meta"
grep -q 'topic "t1" with 3 partitions' "$TMP/meta"
grep -q 'topic "t2" with 1 partitions' "$TMP/meta"
[ "$(grep -c '^  broker ' "$TMP/meta")" -eq 3 ]
case "$BS" in 127.0.0.1:*) ;; *) echo "not on 127.0.0.1: $BS"; exit 1 ;; esac

seq 1 200 | sed 's/.*/k&\tv&/' | timeout 30 kcat -b "$BS" -P -t t1 -K '\t' -H src=test \
	-X enable.idempotence=true -X acks=all
n=$(kafka_read t1 | grep -c 'src=test')
[ "$n" -eq 200 ] || { echo "read $n of 200"; exit 1; }

"$MOCK" --ctl "$CTL" ping "down all" >"$TMP/ctl.out"
grep -q '^ok pong' "$TMP/ctl.out"
if timeout 20 kcat -b "$BS" -L -m 3 >/dev/null 2>&1; then
	echo "metadata answered with every broker down"; exit 1
fi
"$MOCK" --ctl "$CTL" "up all" "rtt 1 20" "error produce NOT_ENOUGH_REPLICAS" "clear produce" \
	"topic t3 2" >>"$TMP/ctl.out"
if "$MOCK" --ctl "$CTL" "nonsense" >>"$TMP/ctl.out"; then
	echo "bad control line accepted"; exit 1
fi
timeout 20 kcat -b "$BS" -L -t t3 | grep -q 'topic "t3" with 2 partitions'

# Error injection: the idempotent producer retries NOT_ENOUGH_REPLICAS itself.
"$MOCK" --ctl "$CTL" "error produce NOT_ENOUGH_REPLICAS,NOT_ENOUGH_REPLICAS" >/dev/null
echo "k\tafter-errors" | timeout 30 kcat -b "$BS" -P -t t2 -K '\t' -X enable.idempotence=true
kafka_read t2 | grep -q 'after-errors'
cat "$TMP/ctl.out"

kill -TERM "$MOCK_PID"
wait "$MOCK_PID" && MOCK_PID="" || { echo "mock did not exit 0"; exit 1; }
echo "kafka mock ok"

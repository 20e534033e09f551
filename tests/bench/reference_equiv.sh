#!/bin/sh
# reference_pipeline.py and gcbridge's validator produce byte-identical records.
. "$GCB_ROOT/tests/need.sh"
need_py avro python3-avro
need_py confluent_kafka python3-confluent-kafka
need_py requests python3-requests
exec /usr/bin/python3 "$GCB_ROOT/tests/bench/reference_equiv.py"

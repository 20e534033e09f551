#!/bin/sh
# reference_pipeline.py and gcbridge's validator produce byte-identical records.
[ -x /usr/bin/python3 ] || exit 77
/usr/bin/python3 -c 'import avro, confluent_kafka, requests' 2>/dev/null || exit 77
exec /usr/bin/python3 "$GCB_ROOT/tests/bench/reference_equiv.py"

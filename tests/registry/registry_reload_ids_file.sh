#!/bin/sh
# Hot reload while events flow, without a Schema Registry (ids from
# schema-ids.json): a compatible edit takes effect (new fingerprint), an
# incompatible one is refused, every event comes out once, in order.
exec "$GCB_BIN/test-registry-reload" --no-registry

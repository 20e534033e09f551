#!/bin/sh
# Every routed schema covers its Genesys model (tests/schema/model_coverage.py):
# every model field mapped or excluded with a reason, every mapped field nullable
# with default null. The model table is the copy in tests/fixtures/genesys.
set -eu
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
exec /usr/bin/python3 "$GCB_ROOT/tests/schema/model_coverage.py" \
	"$GCB_ROOT/tests/fixtures/genesys/models.json" "$GCB_ROOT/schemas" \
	"$GCB_ROOT/tests/schema/model_exclusions.txt"

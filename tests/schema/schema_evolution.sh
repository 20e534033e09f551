#!/bin/sh
# Every notification schema evolved compatibly: data written with the previous
# version (tests/schema/previous/, the schemas before they were matched to the
# Genesys model table) can be read with the current one, as gcb-schema check
# decides (the Avro specification's resolution rules).
set -u
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GCB_BIN:=$GCB_ROOT/bin}"
[ -x "$GCB_BIN/gcb-schema" ] || { echo "skip: gcb-schema not built"; exit 77; }
rc=0
n=0
for old in "$GCB_ROOT"/tests/schema/previous/*.avsc; do
	new="$GCB_ROOT/schemas/$(basename "$old")"
	n=$((n + 1))
	if ! out=$("$GCB_BIN/gcb-schema" check "$old" "$new" 2>&1); then
		echo "FAIL: $(basename "$old"): $out"
		rc=1
	fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no previous schema"; exit 1; }
[ "$rc" = 0 ] && echo "ok: $n schemas read their previous versions' data"
exit $rc

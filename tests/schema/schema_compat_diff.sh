#!/bin/sh
# gcb-schema check agrees with python3-avro's compatibility checker on
# randomly evolved schemas (fixed seeds, so a failure reproduces).
set -u
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
PY=/usr/bin/python3
. "$GCB_ROOT/tests/need.sh"
need_py avro.compatibility python3-avro
rc=0
for seed in 11 12; do
	"$PY" "$GCB_ROOT/tests/schema/compat_diff.py" "$GCB_BIN/gcb-schema" "$seed" 60 || rc=1
done
exit $rc

#!/bin/sh
# Every valid simulator-like event, encoded by gcb-validate, decodes with
# Apache Avro's Python implementation to the same values.
set -eu
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
py=/usr/bin/python3
if ! $py -c 'import avro.io' 2>/dev/null; then
	echo "skip: python3-avro is not installed"
	exit 77
fi
exec $py "$GCB_ROOT/tests/validator/roundtrip.py" "$GCB_ROOT" "$GCB_BIN/gcb-validate"

#!/bin/sh
# Every valid simulator-like event, encoded by gcb-validate, decodes with
# Apache Avro's Python implementation to the same values.
set -eu
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
py=/usr/bin/python3
. "$GCB_ROOT/tests/need.sh"
need_py avro.io python3-avro
exec $py "$GCB_ROOT/tests/validator/roundtrip.py" "$GCB_ROOT" "$GCB_BIN/gcb-validate"

#!/bin/sh
# The consumer is SIGKILLed 20 times while the producer keeps writing;
# each restart must resume exactly after the last released record, nothing may be
# lost or corrupt, and only unreleased records may be read twice.
# Details: docs/ring-tests.md. Counts scale down under ASan (see gcb-ring-stress).
set -eu
: "${GCB_BIN:=bin}"
inst="ringtest-$$-crash-consumer"
trap 'rm -f "/dev/shm/gcbridge-$inst"' EXIT
trap 'exit 1' INT TERM
"$GCB_BIN/gcb-ring-stress" crash-consumer -i "$inst"

#!/bin/sh
# A slow consumer, then a slow producer: each side must sleep on the futex
# and be woken by the other process (a wait that lasts its whole 10 s timeout is
# a lost wake-up).
# Details: docs/ring-tests.md. Counts scale down under ASan (see gcb-ring-stress).
set -eu
: "${GCB_BIN:=bin}"
inst="ringtest-$$-wait"
trap 'rm -f "/dev/shm/gcbridge-$inst"' EXIT
trap 'exit 1' INT TERM
"$GCB_BIN/gcb-ring-stress" wait -i "$inst"

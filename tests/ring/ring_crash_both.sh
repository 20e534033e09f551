#!/bin/sh
# Producer and consumer are SIGKILLed 40 times in all, at random, in random order;
# every restart of either side is checked as in the two single-side crash tests;
# nothing may be lost, repeated beyond the unreleased records, or corrupt.
# Details: docs/ring-tests.md. Counts scale down under ASan (see gcb-ring-stress).
set -eu
: "${GCB_BIN:=bin}"
inst="ringtest-$$-crash-both"
trap 'rm -f "/dev/shm/gcbridge-$inst"' EXIT
trap 'exit 1' INT TERM
"$GCB_BIN/gcb-ring-stress" crash-both -i "$inst"

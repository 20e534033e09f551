#!/bin/sh
# The producer is SIGKILLed 20 times with a batch reserved but not
# committed; each restart resumes at gcb_ring_resume_seq() + 1 and the consumer
# must see a gapless sequence with no torn record.
# Details: docs/ring-tests.md. Counts scale down under ASan (see gcb-ring-stress).
set -eu
: "${GCB_BIN:=bin}"
inst="ringtest-$$-crash-producer"
trap 'rm -f "/dev/shm/gcbridge-$inst"' EXIT
trap 'exit 1' INT TERM
"$GCB_BIN/gcb-ring-stress" crash-producer -i "$inst"

#!/bin/sh
# Two processes move 10 M records of random size 1..4096 through a real
# segment; the consumer checks every sequence number and checksum.
# Details: docs/ring-tests.md. Counts scale down under ASan (see gcb-ring-stress).
set -eu
: "${GCB_BIN:=bin}"
inst="ringtest-$$-stream"
trap 'rm -f "/dev/shm/gcbridge-$inst"' EXIT
trap 'exit 1' INT TERM
"$GCB_BIN/gcb-ring-stress" stream -i "$inst"

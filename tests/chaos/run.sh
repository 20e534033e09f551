#!/bin/sh
# Chaos run (see docs/chaos.md). Arguments go to tests/chaos/chaos.py:
#   tests/chaos/run.sh --events 1000000 --stage-kills 60 ... [--seed N]
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GCB_BIN:=$GCB_ROOT/bin}"
export GCB_ROOT GCB_BIN
. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd kcat kcat
need_cmd /usr/bin/python3 python3
exec /usr/bin/python3 "$GCB_ROOT/tests/chaos/chaos.py" "$@"

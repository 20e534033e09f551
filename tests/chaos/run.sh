#!/bin/sh
# Chaos run (see docs/chaos.md). Arguments go to tests/chaos/chaos.py:
#   tests/chaos/run.sh --events 1000000 --stage-kills 60 ... [--seed N]
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GCB_BIN:=$GCB_ROOT/bin}"
export GCB_ROOT GCB_BIN
command -v kcat >/dev/null 2>&1 || { echo "chaos: kcat not installed" >&2; exit 77; }
[ -x /usr/bin/python3 ] || { echo "chaos: /usr/bin/python3 missing" >&2; exit 77; }
exec /usr/bin/python3 "$GCB_ROOT/tests/chaos/chaos.py" "$@"

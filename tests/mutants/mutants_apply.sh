#!/bin/sh
# Every mutant of tests/mutants/mutants.txt still applies: its file exists
# and its 'from' line is where the list says (a moved file or an edited line
# would otherwise surface only in the 20-minute `make mutants`).
set -e
cd "${GCB_ROOT:-$(dirname "$0")/../..}"
exec python3 tests/mutants/run.py --check

#!/bin/sh
# A socket test script (ws_plain.sh by default, or the one named by
# WS_SCRIPT) again with the driver under valgrind: memory errors or
# definite/indirect leaks make the driver exit 99, which no case expects.
# Skipped (with that reason) for a sanitizer build, which valgrind cannot run.
set -u
: "${GCB_BIN:=bin}"
. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd valgrind valgrind
if nm "$GCB_BIN/test-ws-client" 2>/dev/null | grep -q __asan_init; then
	echo "skip: valgrind does not run sanitizer builds"
	exit 77
fi
WS_VALGRIND=1 exec "$(dirname "$0")/${WS_SCRIPT:-ws_plain.sh}"

#!/bin/sh
# A socket test script (ws_plain.sh by default, or the one named by
# WS_SCRIPT) again with the driver under valgrind: memory errors or
# definite/indirect leaks make the driver exit 99, which no case expects.
# Skipped without valgrind or for a sanitizer build.
set -u
: "${GCB_BIN:=bin}"
command -v valgrind >/dev/null || { echo "skip: no valgrind"; exit 77; }
if nm "$GCB_BIN/test-ws-client" 2>/dev/null | grep -q __asan_init; then
	echo "skip: valgrind does not run sanitizer builds"
	exit 77
fi
WS_VALGRIND=1 exec "$(dirname "$0")/${WS_SCRIPT:-ws_plain.sh}"

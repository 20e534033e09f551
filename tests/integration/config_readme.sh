#!/bin/sh
# Fails when README.md's configuration reference differs from the one
# generated from the property table (tools/gen-config-reference --check).
set -eu
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GCB_BIN:=$GCB_ROOT/bin}"
export GCB_BIN
exec "$GCB_ROOT/tools/gen-config-reference" --check

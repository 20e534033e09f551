#!/bin/sh
# Short chaos run (100 000 events, every fault kind, a fresh seed each time;
# the seed is printed for --seed replay). The long one is `make chaos`.
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
exec "$GCB_ROOT/tests/chaos/run.sh" --events 100000 --rate 4000 --stage-kills 10 \
	--supervisor-kills 2 --broker-outages 1 --cluster-outages 1 --storms 3 --revokes 2 \
	--expiries 1 --catchup-timeout 90 --e2e-verify ${GCB_CHAOS_SEED:+--seed "$GCB_CHAOS_SEED"} "$@"

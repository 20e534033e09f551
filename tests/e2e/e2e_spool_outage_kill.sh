#!/bin/sh
# The same outage with the fetcher SIGKILLed twice while it lasts: each new
# fetcher replays the spool from the last batch in the rings and polls on
# after the last spooled answer; nothing is lost (tests/e2e/spool_outage.sh).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/spool_outage.sh"

spool_outage 2
t_log "ok"

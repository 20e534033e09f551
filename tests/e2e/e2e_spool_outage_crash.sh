#!/bin/sh
# The same outage with gcbridge SIGKILLed and its segment removed halfway (a
# host crash): the new gcbridge starts cold, replays the spool from the
# answer that begins at the checkpoint and polls on after the last spooled
# answer; nothing is lost (tests/e2e/spool_outage.sh).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/spool_outage.sh"

spool_outage 0 1
t_log "ok"

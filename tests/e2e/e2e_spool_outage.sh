#!/bin/sh
# A Kafka outage longer than the stream's retention loses nothing: the poll
# source keeps polling into the spool (tests/e2e/spool_outage.sh).
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/spool_outage.sh"

spool_outage 0
t_log "ok"

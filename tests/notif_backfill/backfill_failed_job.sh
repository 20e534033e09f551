#!/bin/sh
# A job that ends FAILED is submitted again (after a backoff): every job fails
# until the fault is lifted, then the gap is backfilled completely. The spool
# also refuses every fifth message (-ENOSPC): those pages are held and emitted
# once there is room.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 30
bf_admin POST "/admin/faults?analytics-fail-every=1"
bf_driver run --gap "$BF_START,$BF_END" --pad-ms 1000 --enospc-every 5 &
driver=$!
bf_wait_log run "ended FAILED" 30
bf_admin POST "/admin/faults?analytics-fail-every=0"
wait $driver
BF_RC=$?
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
bf_verify 1000
bf_check_done
jobs=$(bf_counter run backfill_jobs)
[ "$jobs" -ge 2 ] || bf_fail "expected the failed job and a resubmission, saw $jobs job(s)"
submits=$($PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" jobs "$BF_TMP/requests" | head -n 1)
[ "$submits" = "$jobs" ] || bf_fail "$submits job submissions in the request log, $jobs counted"
echo "ok: $jobs jobs"

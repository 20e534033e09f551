#!/bin/sh
# A job that ends FAILED is submitted again (after a backoff) and the gap is
# still backfilled completely. The spool also refuses every fifth message
# (-ENOSPC): those pages are held and emitted once there is room.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 30
bf_admin POST "/admin/faults?analytics-fail-every=2"
bf_driver run --gap "$BF_START,$BF_END" --pad-ms 1000 --enospc-every 5
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
bf_admin POST "/admin/faults?analytics-fail-every=0"
bf_verify 1000
bf_check_done
[ "$(bf_counter run backfill_jobs)" = 2 ] ||
	bf_fail "expected the failed job and its resubmission, saw $(bf_counter run backfill_jobs) jobs"
grep -q "ended FAILED" "$BF_TMP/driver-run.log" || bf_fail "the FAILED job was not logged"
submits=$($PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" jobs "$BF_TMP/requests" | head -n 1)
[ "$submits" = 2 ] || bf_fail "expected 2 job submissions in the request log, saw $submits"
echo "ok"

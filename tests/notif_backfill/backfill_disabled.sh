#!/bin/sh
# backfill.enabled = false: the gap stays recorded (logged once), nothing is
# requested from the Analytics API, nothing is emitted.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 5
bf_driver run --gap "$BF_START,$BF_END" --disabled
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
bf_driver again --disabled
[ "$BF_RC" = 0 ] || bf_fail "second driver run exited $BF_RC"
bf_admin POST /admin/flush
! grep -q analytics "$BF_TMP/requests" || bf_fail "analytics requested while disabled"
[ ! -s "$BF_TMP/out" ] || bf_fail "something was emitted while disabled"
grep -q '"id":1,' "$BF_TMP/state/$BF_INSTANCE.gaps" || bf_fail "gap not kept in the log"
[ "$(grep -c "backfill disabled" "$BF_TMP/driver-run.log")" = 1 ] ||
	bf_fail "'backfill disabled' should be logged once per run"
[ "$(bf_counter again gaps_pending)" = 1 ] || bf_fail "gaps_pending gauge should be 1"
# Enabled again, the recorded gap is backfilled.
bf_driver enabled
[ "$BF_RC" = 0 ] || bf_fail "enabled driver exited $BF_RC"
bf_verify 0
bf_check_done
echo "ok"

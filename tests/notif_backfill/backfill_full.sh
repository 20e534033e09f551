#!/bin/sh
# A gap backfilled completely: every conversation stored in the padded gap is
# emitted exactly as stored, once, with the backfill wrapping; state files
# mode 0600; the gap leaves the log and the job state is removed.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 60
bf_driver run --gap "$BF_START,$BF_END" --pad-ms 2000
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
bf_verify 2000
bf_check_done
[ "$(stat -c %a "$BF_TMP/state/$BF_INSTANCE.gaps")" = 600 ] || bf_fail "gap log not mode 0600"
[ "$(bf_counter run backfill_jobs)" = 1 ] || bf_fail "expected one job"
[ "$(bf_counter run gaps_backfilled)" = 1 ] || bf_fail "gap not counted as backfilled"
[ "$(bf_counter run backfill_events)" = "$(wc -l <"$BF_TMP/out")" ] ||
	bf_fail "backfill_events differs from the lines emitted"
# A second run has nothing to do and requests nothing.
bf_admin POST /admin/flush
before=$(grep -c analytics "$BF_TMP/requests")
bf_driver again
[ "$BF_RC" = 0 ] || bf_fail "second run exited $BF_RC"
bf_admin POST /admin/flush
after=$(grep -c analytics "$BF_TMP/requests")
[ "$after" = "$before" ] || bf_fail "the second run made $((after - before)) analytics requests"
echo "ok"

#!/bin/sh
# A recent gap while the analytics data lake lags (gcb-sim analytics-lag-ms):
# the backfill must not submit a job over data the lake does not hold yet (the
# job would end FULFILLED with conversations missing). It waits for the
# data-availability watermark with the gap still pending in the log, then
# every conversation of the gap is emitted and only then is the gap done.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_admin POST "/admin/faults?analytics-lag-ms=6000"
bf_generate 30
bf_driver run --gap "$BF_START,$BF_END" --pad-ms 1000 &
driver=$!
bf_wait_log run "waits: analytics data is complete up to" 20
# Waiting: the gap is still recorded and no job state exists yet.
grep -q '"id":1,' "$BF_TMP/state/$BF_INSTANCE.gaps" || bf_fail "gap left the log while waiting"
[ -e "$BF_TMP/state/$BF_INSTANCE.backfill" ] && bf_fail "a job was submitted before the watermark"
wait $driver
BF_RC=$?
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
bf_verify 1000
bf_check_done
stats=$(curl -sf "$BF_URL/admin/notify/stats") || bf_fail "no stats"
early=$(printf '%s' "$stats" | $PY -c 'import json,sys; print(json.load(sys.stdin)["jobsPastWatermark"])')
[ "$early" = 0 ] || bf_fail "$early job(s) submitted over an interval past the watermark"
waits=$(bf_counter run backfill_watermark_waits)
[ "${waits:-0}" -ge 1 ] || bf_fail "backfill_watermark_waits not counted"
[ "$(bf_counter run backfill_jobs)" = 1 ] || bf_fail "expected exactly one job"
echo "ok: waited $waits time(s) for the watermark"

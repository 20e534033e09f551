#!/bin/sh
# A 429 storm: every second analytics request answers 429 with Retry-After;
# the backfill waits at least that long each time and still emits every
# conversation exactly once.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 40
bf_admin POST "/admin/faults?analytics-429-every=2"
bf_driver run --gap "$BF_START,$BF_END" --pad-ms 1000 --backoff-base-ms 50
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
bf_admin POST "/admin/faults?analytics-429-every=0"
bf_verify 1000
bf_check_done
$PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" retry-after "$BF_TMP/requests" ||
	bf_fail "Retry-After not honoured"
[ "$(bf_counter run http_429)" -ge 2 ] || bf_fail "expected several 429s, saw $(bf_counter run http_429)"
# The client's own decision, exactly: every retry after a 429 waits at least
# its Retry-After.
grep -o 'retrying in [0-9]* ms (Retry-After [0-9]* ms)' "$BF_TMP/driver-run.log" >"$BF_TMP/waits"
[ -s "$BF_TMP/waits" ] || bf_fail "no Retry-After wait logged"
awk '{ if ($3 < $6) bad++ } END { exit bad > 0 }' "$BF_TMP/waits" ||
	bf_fail "a retry waited less than its Retry-After: $(cat "$BF_TMP/waits")"
echo "ok"

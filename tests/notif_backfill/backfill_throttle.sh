#!/bin/sh
# Proactive throttling: the server allows 6 requests per 3 s window and says
# so in inin-ratelimit-* headers (enforced with 429 beyond it). The backfill
# spreads its requests over the reset time instead of running into 429s.
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server 6
bf_generate 60
bf_driver run --gap "$BF_START,$BF_END" --pad-ms 1000 --poll-ms 100
[ "$BF_RC" = 0 ] || bf_fail "driver exited $BF_RC"
[ "$(bf_counter run throttle_waits)" -ge 1 ] || bf_fail "no proactive wait"
[ "$(bf_counter run http_429)" = 0 ] || bf_fail "ran into $(bf_counter run http_429) 429s"
bf_verify 1000
bf_check_done
echo "ok: $(bf_counter run throttle_waits) waits, $(bf_counter run throttle_ms) ms"

#!/bin/sh
# Channels that die with the token that created them (GENESYS.md C, the
# conservative reading; gcb-sim closes a channel when its creating token
# expires) at fetcher level: tokens live 8 s. The fetcher renews the token
# and rolls every channel over to one created with the new token before the
# old token expires, new channel first: no socket is ever closed by a token
# expiry, no gap is recorded, and every message sent reaches the rings.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 3 --agents 6 --notify-rate 0 --heartbeat-interval 0.3 --seed 41 --expires-in 8
nf_start tok --topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence" \
	--rollover-before-ms 2000 --heartbeat-timeout-ms 20000
nf_wait_log tok "connected: 9 topics"
stat() { fh_admin GET /admin/notify/stats | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
before=$(nf_sent_count)
# Traffic across three token lifetimes.
for _ in 1 2 3 4 5 6; do
	fh_admin POST "/admin/notify/generate?count=5" >/dev/null || fh_fail "generate failed"
	sleep 4
done
nf_wait_log tok "replaced by .* (token expiry ahead)" 2
total=$(nf_generate 5)
nf_wait_ids "$before" "$total"
nf_stop || fh_fail "harness failed"

closed=$(stat socketsClosedWithToken)
[ "$closed" = 0 ] || fh_fail "$closed connected channel(s) closed by their token's expiry"
[ "$(stat channelsClosedWithToken)" -ge 1 ] || fh_fail "the simulator closed no channel with its token"
reasons=$(nf_gap_reasons)
[ -z "$reasons" ] || fh_fail "gaps: $reasons"
[ "$(fh_counter tok token_renewals)" -ge 3 ] || fh_fail "token renewals: $(fh_counter tok token_renewals)"
echo "ok: $(grep -c 'token expiry ahead' "$FH_TMP/harness-tok.log") rollovers ahead of token expiry, no gap"

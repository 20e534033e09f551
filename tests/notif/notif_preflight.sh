#!/bin/sh
# gcbridge --preflight against gcb-sim: with the real config, the report
# checks the token, the transports, the org against the channel budget, the
# permissions of one sample topic per template and the analytics watermark.
# A client whose role lacks presence:userPresence:view and
# analytics:conversationDetail:view: the report names both, exit 1. A clean
# client: exit 0. The former default topic set on 15,000 users: exit 2 with
# the arithmetic. Nothing is left subscribed (the scratch channel is retired).
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 3 --agents 20 --notify-rate 0 --seed 59
conf() { # conf FILE TOPICS
	cat >"$1" <<EOC
embedded = false
instance.name = pf-$$
instance.state_dir = $FH_TMP/state
genesys.source = notifications
genesys.api_url = $FH_URL
genesys.login_url = $FH_URL
genesys.client_id = $FH_CLIENT
genesys.client_secret = file:$FH_TMP/secret
genesys.notifications.topics = $2
kafka.bootstrap.servers = 127.0.0.1:9
EOC
}
mkdir -p "$FH_TMP/state"
conf "$FH_TMP/ok.conf" "v2.routing.queues.{queueId}.conversations v2.users.{userId}.activity v2.users.{userId}.presence"
"$GCB_BIN/gcbridge" -c "$FH_TMP/ok.conf" --preflight >"$FH_TMP/pf-ok.out" 2>&1
rc=$?
cat "$FH_TMP/pf-ok.out"
[ "$rc" = 0 ] || fh_fail "clean preflight exited $rc"
grep -q "3 queues, 20 users" "$FH_TMP/pf-ok.out" || fh_fail "org not counted"
grep -q "43 topics on 1 of 19 channels" "$FH_TMP/pf-ok.out" || fh_fail "channel budget not reported"
grep -q "analytics .*data complete up to" "$FH_TMP/pf-ok.out" || fh_fail "watermark not reported"
grep -q "requires presence:userPresence:view" "$FH_TMP/pf-ok.out" || fh_fail "required permissions not listed"

fh_admin POST "/admin/faults?missing-permissions=presence:userPresence:view,analytics:conversationDetail:view" >/dev/null ||
	fh_fail "fault refused"
"$GCB_BIN/gcbridge" -c "$FH_TMP/ok.conf" --preflight >"$FH_TMP/pf-miss.out" 2>&1
rc=$?
cat "$FH_TMP/pf-miss.out"
[ "$rc" = 1 ] || fh_fail "preflight with missing permissions exited $rc, expected 1"
grep -q "PROBLEM: v2.users.[0-9a-f-]*.presence rejected: missing permissions: presence:userPresence:view" \
	"$FH_TMP/pf-miss.out" || fh_fail "the missing presence permission is not named"
grep -q "missing permission analytics:conversationDetail:view" "$FH_TMP/pf-miss.out" ||
	fh_fail "the missing analytics permission is not named"
grep -q "activity rejected" "$FH_TMP/pf-miss.out" && fh_fail "a permitted family reported"

fh_admin POST "/admin/faults?missing-permissions=" >/dev/null || fh_fail "fault not lifted"
fh_admin POST "/admin/notify/org?queues=0&users=14980" >/dev/null || fh_fail "org change refused"
conf "$FH_TMP/big.conf" "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence v2.users.{userId}.routingStatus v2.users.{userId}.activity"
"$GCB_BIN/gcbridge" -c "$FH_TMP/big.conf" --preflight >"$FH_TMP/pf-big.out" 2>&1
rc=$?
cat "$FH_TMP/pf-big.out"
[ "$rc" = 2 ] || fh_fail "preflight of 45,003 topics exited $rc, expected 2"
grep -q "PROBLEM: 45003 topics need 46 channels of 1000, 19 available" "$FH_TMP/pf-big.out" ||
	fh_fail "the arithmetic is missing"

stats=$(fh_admin GET /admin/notify/stats)
subs=$(printf '%s' "$stats" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["subscriptions"])')
[ "$subs" = 0 ] || fh_fail "preflight left $subs subscriptions behind"
echo "ok: preflight reports and exit codes"

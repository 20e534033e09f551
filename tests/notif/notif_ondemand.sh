#!/bin/sh
# On-demand historical backfill: while the notification source runs,
# `gcbridge --backfill-from ISO --backfill-to ISO` (same config, same
# instance) leaves a request; the fetcher turns it into a "requested" gap and
# backfills it like any other (watermark, spool, rings): every conversation
# of the interval arrives as a gcbridge.backfill.conversation message with
# reason "requested", and the request file is gone. An interval in the future
# is refused at the command line (exit 2), and a file that is not a request
# is set aside as .bad with a log line.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 2 --agents 3 --notify-rate 0 --heartbeat-interval 0.3 --seed 71
iso() { /usr/bin/python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1])/1000, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]+'Z')" "$1"; }
from_ms=$(($(date +%s%3N) - 1000))
nf_generate 8 >/dev/null
fh_admin GET /admin/notify/conversations >"$FH_TMP/convs"
to_ms=$(($(date +%s%3N) + 500))
sleep 1

nf_start od --topics "v2.routing.queues.{queueId}.conversations" --json-out "$FH_TMP/json"
nf_wait_log od "connected: 2 topics"
cat >"$FH_TMP/gcb.conf" <<EOC
embedded = false
instance.name = $FH_INSTANCE
instance.state_dir = $FH_TMP/state
genesys.source = notifications
genesys.api_url = $FH_URL
genesys.login_url = $FH_URL
genesys.client_id = $FH_CLIENT
genesys.client_secret = file:$FH_TMP/secret
kafka.bootstrap.servers = 127.0.0.1:9
EOC
"$GCB_BIN/gcbridge" -c "$FH_TMP/gcb.conf" --backfill-from "$(iso "$from_ms")" \
	--backfill-to "$(iso $(($(date +%s%3N) + 3600000)))" >"$FH_TMP/future.out" 2>&1
[ $? = 2 ] || fh_fail "a backfill into the future was not refused: $(cat "$FH_TMP/future.out")"
grep -q "ends in the future" "$FH_TMP/future.out" || fh_fail "the refusal does not say why"
"$GCB_BIN/gcbridge" -c "$FH_TMP/gcb.conf" --backfill-from "$(iso "$from_ms")" \
	--backfill-to "$(iso "$to_ms")" >"$FH_TMP/req.out" 2>&1 || fh_fail "request refused: $(cat "$FH_TMP/req.out")"
grep -q "requested: .*$FH_INSTANCE.requests/req-" "$FH_TMP/req.out" || fh_fail "no request path printed"
echo "not json" >"$FH_TMP/state/$FH_INSTANCE.requests/junk.json"
nf_wait_counter od gaps_backfilled 1
nf_wait_counter od events 8 # fed from the spool a moment after the backfill
nf_wait_log od "backfill request .*junk.json refused"
[ -e "$FH_TMP/state/$FH_INSTANCE.requests/junk.json.bad" ] || fh_fail "the bad request was not set aside"
ls "$FH_TMP/state/$FH_INSTANCE.requests/" | grep -q '^req-' && fh_fail "the request file is still there"
nf_stop || fh_fail "harness failed"

/usr/bin/python3 "$GCB_ROOT/tests/notif/notif_ondemand_verify.py" "$FH_TMP/convs" "$FH_TMP/json" || fh_fail "on-demand backfill incomplete"
echo "ok: on-demand backfill"

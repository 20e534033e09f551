#!/bin/sh
# A sender that never pauses: gcb-sim records what it publishes for 3,000
# conversations while a first fetcher takes it in, then replays that file to
# a second fetcher over the WebSocket at full speed (frames built up front,
# large writes). Every recorded message must reach the rings exactly once,
# each checked by the harness (batch and event sequences, an id in every
# record); and the fetcher must break its reads off to feed the rings in
# between (ws_read_breaks > 0) instead of reading a socket until it is
# empty, which kept the rings and the heartbeat waiting while the sender
# went on (docs/notif-source.md, "Reading a channel").
. "${GCB_ROOT:=.}/tests/notif/notif_lib.sh"

rec="$FH_TMP/notify.rec"
fh_sim --queues 50 --agents 500 --notify-rate 0 --heartbeat-interval 5 --seed 7 \
	--notify-record "$rec"
topics="v2.routing.queues.{queueId}.conversations v2.users.{userId}.conversations"
topics="$topics v2.users.{userId}.presence v2.users.{userId}.routingStatus"
nf_start record --topics "$topics" --no-backfill
nf_wait_log record "connected: "
nf_wait_counter record channels 2
nf_generate 3000 >/dev/null
fh_admin POST /admin/flush >/dev/null
sent=$(wc -l <"$rec")
nf_wait_counter record harness_events "$sent"
nf_stop || fh_fail "harness failed (record run)"

rm -rf "$FH_TMP/state" "$FH_TMP/ids"
mkdir -p "$FH_TMP/state"
nf_start replay --topics "$topics" --no-backfill --until-events "$sent"
nf_wait_log replay "connected: "
nf_wait_counter replay channels 2
replayed=$(fh_admin POST "/admin/notify/replay?file=$rec" | /usr/bin/python3 -c \
	'import json,sys; print(json.load(sys.stdin)["messages"])')
wait "$NF_PID" || fh_fail "harness failed (replay run)"
NF_PIDS=$(echo "$NF_PIDS" | sed "s/ $NF_PID//")
[ "$replayed" = "$sent" ] || fh_fail "replayed $replayed messages, the record run took $sent"

/usr/bin/python3 - "$rec" "$FH_TMP/ids" <<'PY' || fh_fail "the rings do not hold every replayed message once"
import collections, json, sys
want = collections.Counter(json.loads(l)["metadata"]["CorrelationId"] for l in open(sys.argv[1]))
got = collections.Counter(l.split()[0] for l in open(sys.argv[2]))
missing = want - got
extra = got - want
print(f"recorded {sum(want.values())}, in the rings {sum(got.values())}, "
      f"missing {sum(missing.values())}, extra {sum(extra.values())}")
sys.exit(1 if missing or extra else 0)
PY
breaks=$(fh_counter replay ws_read_breaks)
[ "${breaks:-0}" -gt 0 ] ||
	fh_fail "ws_read_breaks is ${breaks:-unset}: the channels were read until empty"
echo "ok: $sent messages replayed back to back, all in the rings once, $breaks read breaks"

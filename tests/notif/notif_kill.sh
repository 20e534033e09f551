#!/bin/sh
# The fetcher SIGKILLed every 1.5 s while messages flow (the segment lives
# on, as under the supervisor): each restart resumes after the newest batch
# in shared memory, so the rings get no message twice and none out of the
# send order; every downtime is a "not_running" gap for the backfill.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

fh_sim --queues 3 --agents 10 --notify-rate 30 --heartbeat-interval 0.5 --seed 41
fh_harness kill --source notifications --no-backfill --kill-every-ms 1500 --max-seconds 10 \
	--topics "v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence" ||
	fh_fail "harness failed"
restarts=$(fh_counter kill harness_restarts)
[ "$restarts" -ge 3 ] || fh_fail "only $restarts restarts"
fh_admin GET /admin/notify/sent >"$FH_TMP/sent"
/usr/bin/python3 - "$FH_TMP/sent" "$FH_TMP/ids" <<'PY' || fh_fail "rings wrong after kills"
import json, sys
sent = [json.loads(l)["correlationId"] for l in open(sys.argv[1]) if l.strip()]
pos = {c: i for i, c in enumerate(sent)}
got = [l.split()[0] for l in open(sys.argv[2]) if l.strip()]
if len(set(got)) != len(got):
    sys.exit("%d duplicates" % (len(got) - len(set(got))))
idx = [pos.get(c, -1) for c in got]
if min(idx) < 0:
    sys.exit("a message the simulator never sent")
if any(b < a for a, b in zip(idx, idx[1:])):
    sys.exit("out of send order")
if len(got) < len(sent) // 2:
    sys.exit("only %d of %d messages" % (len(got), len(sent)))
print("ok: %d of %d messages, none twice, in send order" % (len(got), len(sent)))
PY
gaps=$(nf_gap_reasons | grep -c "^not_running closed$")
[ "$gaps" -ge "$restarts" ] || fh_fail "$gaps not_running gaps for $restarts restarts"
echo "ok: $restarts kills, no duplicate, send order kept, $gaps gaps"

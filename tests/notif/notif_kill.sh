#!/bin/sh
# The fetcher SIGKILLed every 1.5 s while messages flow (the segment lives
# on, as under the supervisor): each restart resumes after the newest batch
# in shared memory, so the rings get no message twice and none out of the
# send order; every downtime is a "not_running" gap. Then one calm run until
# every gap is backfilled. What the simulator published and what reached the
# rings are compared message by message:
#   - every message published before the calm run's stop that did not reach
#     the rings was published inside a recorded gap (from its start, less
#     the alive-mark interval the gap start may lag by, to its end);
#   - every such message on a conversation topic (the backfillable kind)
#     came back: its conversation is in a gcbridge.backfill.conversation
#     message. Presence is not in analytics (README), so it is only counted.
. "$GCB_ROOT/tests/notif/notif_lib.sh"

topics="v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence"
fh_sim --queues 3 --agents 10 --notify-rate 400 --heartbeat-interval 0.5 --seed 41
fh_harness kill --source notifications --no-backfill --kill-every-ms 1500 --max-seconds 10 \
	--json-out "$FH_TMP/json" --topics "$topics" || fh_fail "harness failed"
restarts=$(fh_counter kill harness_restarts)
[ "$restarts" -ge 3 ] || fh_fail "only $restarts restarts"

# A calm run until every gap is backfilled (the gap log is then empty). The
# simulator enforces no REST budget, and 400 messages a second make each
# gap's job thousands of conversations (a hundred a page): the default
# budget of 300 requests a minute would take minutes to page through them.
nf_start calm --topics "$topics" --json-out "$FH_TMP/json" --rate-limit 6000
for _ in $(seq 1 600); do
	[ -z "$(nf_gap_reasons)" ] && break
	sleep 0.1
done
[ -z "$(nf_gap_reasons)" ] || fh_fail "gaps never backfilled: $(nf_gap_reasons | tr '\n' ' ')"
stop_ms=$(date +%s%3N)
nf_stop || fh_fail "calm run failed"

fh_admin GET /admin/notify/sent >"$FH_TMP/sent"
cat "$FH_TMP"/harness-kill.log "$FH_TMP"/harness-calm.log >"$FH_TMP/logs"
/usr/bin/python3 - "$FH_TMP/sent" "$FH_TMP/ids" "$FH_TMP/json" "$FH_TMP/logs" "$restarts" "$stop_ms" <<'PY' ||
import json, re, sys
ALIVE_MS = 1000  # the alive mark is written every second: a gap starts at most this early
sent = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pos = {m["correlationId"]: i for i, m in enumerate(sent)}
ids = [l.split()[0] for l in open(sys.argv[2]) if l.strip()]
backfill_ids, backfilled = set(), set()
for l in open(sys.argv[3]):
    m = json.loads(l)
    if m.get("topicName") == "gcbridge.backfill.conversation":
        backfill_ids.add(m.get("metadata", {}).get("CorrelationId"))
        backfilled.add(m["eventBody"]["conversationId"])
got = [c for c in ids if c in pos]
if len(got) + len([c for c in ids if c in backfill_ids]) != len(ids):
    sys.exit("a message in the rings that was neither sent nor a backfill")
if len(set(got)) != len(got):
    sys.exit("%d duplicates" % (len(got) - len(set(got))))
idx = [pos[c] for c in got]
if any(b < a for a, b in zip(idx, idx[1:])):
    sys.exit("out of send order")
# The gaps the runs recorded, from their logs (opened ... from START, closed: D ms).
text = open(sys.argv[4], errors="replace").read()
start = {int(i): (r, int(t)) for i, r, t in re.findall(r"gap (\d+) opened \((\w+)\) from (\d+)", text)}
dur = {int(i): int(d) for i, d in re.findall(r"gap (\d+) closed: (\d+) ms", text)}
gaps = [(t - ALIVE_MS, t + dur[i]) for i, (r, t) in start.items() if r == "not_running" and i in dur]
if len(gaps) < int(sys.argv[5]):
    sys.exit("%d closed not_running gaps for %s restarts" % (len(gaps), sys.argv[5]))
have = set(got)
# After the calm run's stop nothing runs to record a gap (the next start
# would): messages published from then on are not judged.
stop_ms = int(sys.argv[6])
missing = [m for m in sent if m["correlationId"] not in have and m["publishedMs"] < stop_ms]
outside = [m for m in missing if not any(a <= m["publishedMs"] <= b for a, b in gaps)]
if outside:
    sys.exit("%d missing messages published outside every recorded gap, e.g. %s; "
             "published %d..%d; gaps %s; stop %s; last received published at %d" %
             (len(outside), outside[0], outside[0]["publishedMs"], outside[-1]["publishedMs"],
              gaps, sys.argv[6], max(m["publishedMs"] for m in sent if m["correlationId"] in have)))
conv = [m for m in missing if m["topic"].endswith(".conversations")]
lost = [m for m in conv if m["key"] not in backfilled]
if lost:
    sys.exit("%d missing conversation messages whose conversation was not backfilled, e.g. %s"
             % (len(lost), lost[0]))
print("ok: %d of %d messages in the rings, none twice, in send order; %d missing, all inside "
      "the %d gaps; %d conversation messages among them, every conversation backfilled (%d); "
      "%d presence messages not backfillable" %
      (len(got), len(sent), len(missing), len(gaps), len(conv), len(backfilled),
       len(missing) - len(conv)))
PY
	fh_fail "messages wrong after kills"
echo "ok: $restarts kills"

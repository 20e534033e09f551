#!/usr/bin/python3
# Run by tests/notif/notif_kill.sh (its check).
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
# Every message published before the calm run's stop is judged: what was
# still in the socket then is in the final run's not_running gap, and what
# was spooled but not yet fed to the rings was replayed by the final run.
stop_ms = int(sys.argv[6])
last_ms = max(m["publishedMs"] for m in sent if m["correlationId"] in have)
missing = [m for m in sent if m["correlationId"] not in have and m["publishedMs"] < stop_ms]
outside = [m for m in missing if not any(a <= m["publishedMs"] <= b for a, b in gaps)]
if outside:
    sys.exit("%d missing messages published outside every recorded gap, e.g. %s; "
             "published %d..%d; gaps %s; stop %s; last received published at %d" %
             (len(outside), outside[0], outside[0]["publishedMs"], outside[-1]["publishedMs"],
              gaps, sys.argv[6], last_ms))
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

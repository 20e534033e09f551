#!/usr/bin/python3
# gcb-sim: poll paging, cursor continuity, limit, hasMore, re-poll, long poll,
# event shape, served-log and events-log completeness, clean shutdown.
import json, os, re, sys, threading, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from sim_lib import Sim, check, served_log

import sim_lib
tmp = sim_lib.tmpdir()
sim = Sim("--stream-id", "s1", "--count", "1050", "--seed", "3",
          "--served-log", os.path.join(tmp, "served.log"),
          "--events-log", os.path.join(tmp, "events.log"),
          "--request-log", os.path.join(tmp, "req.log"))

# Default limit 100; limit bounds.
r = sim.poll("s1")
check(r.status == 200, "first poll %d" % r.status)
j = r.json()
check(len(j["events"]) == 100 and j["hasMore"] is True, "default limit: %d" % len(j["events"]))
for bad in (0, 1001, "x"):
    r = sim.poll("s1", limit=bad)
    check(r.status == 400 and r.json()["code"] == "bad.request", "limit %r -> %d" % (bad, r.status))
for bad in (-1, 30001):
    check(sim.poll("s1", timeout_ms=bad).status == 400, "timeoutMs %r" % bad)
check(sim.poll("s1", cursor="garbage").status == 400, "bad cursor")

# Re-polling from the start (no cursor) returns the same events.
first = j
r2 = sim.poll("s1").json()
check(r2 == first, "no-cursor poll not repeatable")

# Page through with varied limits.
events, cursor, pages = list(first["events"]), first["cursor"], 1
limits = [1, 7, 100, 333, 1000]
history = []
while True:
    lim = limits[pages % len(limits)]
    r = sim.poll("s1", cursor, lim)
    check(r.status == 200, "poll %d" % r.status)
    j = r.json()
    history.append((cursor, lim, j))
    check(len(j["events"]) <= lim, "more than limit")
    if not j["events"]:
        check(j["cursor"] == cursor, "empty poll moved the cursor")
        check(j["hasMore"] is False, "empty poll with hasMore")
        break
    events += j["events"]
    cursor = j["cursor"]
    pages += 1
check(len(events) == 1050, "got %d events" % len(events))
ids = [e["id"] for e in events]
check(len(set(ids)) == len(ids), "duplicate ids")

# Same events again from an older cursor.
for c, lim, j in history[:5]:
    again = sim.poll("s1", c, lim).json()
    check(again == j, "re-poll differs")

# Event shape and per-entity sequences.
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
seqs = {}
kinds = set()
for e in events:
    check(uuid.match(e["id"]) and iso.match(e["eventTimestamp"]), "shape %r" % e)
    check(e["entityType"] in ("interaction", "agentstate"), "entityType")
    check(e["eventType"] in ("created", "updated"), "eventType")
    d = e["data"]
    if e["entityType"] == "interaction":
        check(d["conversationId"] == e["entityId"] and uuid.match(d["conversationId"]), "convId")
        check(d["direction"] in ("inbound", "outbound"), "direction")
        check(d["mediaType"] in ("voice", "chat", "email", "message", "callback"), "media")
        check(d["status"] in ("alerting", "connected", "held", "completed", "disconnected"), "status")
        check((e["eventType"] == "created") == (d["status"] == "alerting"), "created<->alerting")
        if d["status"] in ("completed", "disconnected"):
            check(isinstance(d["durationMs"], int) and d["durationMs"] >= 0, "durationMs")
            check(d["disposition"]["code"] and d["disposition"]["name"], "disposition")
        kinds.add(d["status"])
        if "campaignId" in d:
            kinds.add("campaign")
    else:
        check(d["userId"] == e["entityId"], "userId")
        check(d["routingStatus"] in ("OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING",
                                     "COMMUNICATING"), "routingStatus")
        check(iso.match(d["startTime"]) and d["presence"], "agent fields")
        kinds.add("agent")
    last = seqs.get(e["entityId"], 0)
    check(e["sequence"] > last, "sequence not increasing for %s" % e["entityId"])
    seqs[e["entityId"]] = e["sequence"]
for k in ("alerting", "connected", "held", "completed", "disconnected", "agent", "campaign"):
    check(k in kinds, "traffic never produced %s" % k)
ts = [e["eventTimestamp"] for e in events]
check(ts == sorted(ts), "timestamps not monotonic")

# Long poll: empty after the timeout, early when events appear.
t0 = time.monotonic()
r = sim.poll("s1", cursor, 10, timeout_ms=300).json()
check(r["events"] == [] and r["cursor"] == cursor, "long poll timeout %r" % r)
check(time.monotonic() - t0 >= 0.25, "long poll returned before its timeout")
res = {}
def waiter():
    res["r"] = sim.poll("s1", cursor, 10, timeout_ms=25000)
    res["t"] = time.monotonic()
th = threading.Thread(target=waiter)
th.start()
time.sleep(0.5)
# Another connection is not blocked by the long poll.
check(sim.req("GET", "/admin/stats").status == 200, "stats during long poll")
t1 = time.monotonic()
sim.admin("POST", "generate?count=5")
th.join(30)
check("r" in res and res["r"].status == 200, "long poll result")
lp = res["r"].json()
check(len(lp["events"]) == 5, "long poll got %d" % len(lp["events"]))
check(res["t"] - t1 < 20, "long poll did not return early")
events += lp["events"]

# Served log == events polled (with repeats); events log == generated.
st = sim.stats()
check(st["eventsGenerated"] == 1055 and st["eventsServed"] >= 1055, "stats %r" % st)
served = served_log(os.path.join(tmp, "served.log"))
served_ids = set(s[0] for s in served)
check(served_ids == set(e["id"] for e in events), "served log != polled ids")
for s in served[:50]:
    check(s[1] in ("interaction", "agentstate") and s[3] >= 1, "served row %r" % (s,))
gen = [json.loads(l) for l in open(os.path.join(tmp, "events.log"))]
check([g["id"] for g in gen] == [e["id"] for e in events], "events log != polled sequence")
check([g["id"] for g in sim.all_events()] == [e["id"] for e in events], "/admin/events")
rl = [l.split("\t") for l in open(os.path.join(tmp, "req.log"))]
check(len(rl) == st["requests"] and all(len(x) == 7 for x in rl), "request log")
check(sum(int(x[6]) for x in rl) == st["eventsServed"], "request log events")

# SIGTERM while a long poll waits: clean exit.
th = threading.Thread(target=lambda: sim.poll("s1", lp["cursor"], 10, timeout_ms=25000))
th.start()
time.sleep(0.3)
sim.stop()
th.join(30)

# On demand with a window smaller than the limit: never expires the reader.
sim = Sim("--stream-id", "s1", "--retention", "50", "--count", "3000")
ev, _ = sim.drain("s1", limit=1000)
check(len(ev) == 3000 and len(set(e["id"] for e in ev)) == 3000, "small window: %d" % len(ev))
sim.stop()
print("ok")

#!/usr/bin/python3
# gcb-sim: fault injection (429 with Retry-After and storms, 5xx, slow answers,
# garbage bodies, malformed and drifted events), retention/410, rate-limit
# enforcement, and the request log used to check Retry-After compliance.
import json, os, sys, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
import sim_lib
from sim_lib import Sim, check, served_log

tmp = sim_lib.tmpdir()
sim = Sim("--stream-id", "s1", "--seed", "11", "--retention", "500", "--count", "0",
          "--fault-429-every", "3", "--fault-retry-after", "2", "--fault-scope", "poll",
          "--served-log", os.path.join(tmp, "served.log"),
          "--request-log", os.path.join(tmp, "req.log"))
sim.admin("POST", "generate?count=200")

# Every 3rd poll is a 429 with Retry-After and rate-limit headers.
statuses = []
for i in range(6):
    r = sim.poll("s1", limit=10)
    statuses.append(r.status)
    if r.status == 429:
        check(r.headers["Retry-After"] == "2", "Retry-After %r" % r.headers.get("Retry-After"))
        e = r.json()
        check(e["code"] == "too.many.requests.retry.after" and e["status"] == 429, "429 body")
        for h in ("inin-ratelimit-allowed", "inin-ratelimit-count", "inin-ratelimit-reset",
                  "inin-correlation-id"):
            check(h in r.headers, "429 without %s" % h)
check(statuses == [200, 200, 429, 200, 200, 429], "429 every 3rd: %r" % statuses)
# Token and stream endpoints are outside the poll scope.
check(sim.token_req().status == 200, "token hit by poll-scoped fault")

# A storm of 3 consecutive 429s, Retry-After omitted.
sim.admin("POST", "faults?reset=1&429-every=2&429-storm=3&retry-after=-1")
statuses = []
for i in range(6):
    r = sim.poll("s1", limit=10)
    statuses.append(r.status)
    if r.status == 429:
        check("Retry-After" not in r.headers, "Retry-After not omitted")
        check(r.json()["code"] == "too.many.requests", "code without retry-after")
check(statuses == [200, 429, 429, 429, 200, 429], "storm: %r" % statuses)

# 5xx at rate 1 with a chosen code, then off again.
sim.admin("POST", "faults?reset=1&5xx-rate=1&5xx-codes=503,504")
for i in range(4):
    r = sim.poll("s1", limit=10)
    check(r.status in (503, 504) and "code" in r.json(), "5xx %d" % r.status)
sim.admin("POST", "faults?reset=1")
check(sim.poll("s1", limit=10).status == 200, "faults not reset")

# 401 although the token is valid; the token endpoint is not affected.
sim.admin("POST", "faults?reset=1&401-rate=1")
r = sim.poll("s1", limit=1)
check(r.status == 401 and r.json()["code"] == "bad.credentials", "401 fault %d" % r.status)
check(sim.token_req().status == 200, "401 fault hit the token endpoint")
sim.admin("POST", "faults?reset=1")
check(sim.poll("s1", limit=1).status == 200, "401 fault not reset")
check(sim.stats()["faults"]["401"] == 1, "401 fault count")

# Slow answers.
sim.admin("POST", "faults?delay-ms=300")
t0 = time.monotonic()
check(sim.poll("s1", limit=1).status == 200, "delayed poll")
check(time.monotonic() - t0 >= 0.25, "delay not applied")
sim.admin("POST", "faults?reset=1")

# Garbage bodies: 200 but not JSON; their events are not in the served log.
sim.admin("POST", "admin-check" if False else "flush")
before = len(served_log(os.path.join(tmp, "served.log")))
sim.admin("POST", "faults?garbage-rate=1")
for i in range(4):
    r = sim.poll("s1", limit=50)
    check(r.status == 200, "garbage status %d" % r.status)
    try:
        json.loads(r.body)
        check(False, "garbage body parsed: %r" % r.body[:80])
    except ValueError:
        pass
sim.admin("POST", "faults?reset=1")
sim.admin("POST", "flush")
check(len(served_log(os.path.join(tmp, "served.log"))) == before, "garbage events logged")

# Malformed and drifted events keep the body valid JSON.
sim.admin("POST", "faults?bad-event-rate=0.5&drift-rate=1")
sim.admin("POST", "generate?count=200")
sim.admin("POST", "faults?reset=1")
evs = sim.all_events()[200:]
st = sim.stats()
check(st["generatedBad"] > 50 and st["generatedDrift"] > 50, "bad/drift counts %r" % st)
def is_bad(e):
    d = e.get("data")
    if not isinstance(d, dict) or not isinstance(e.get("sequence"), int):
        return True
    if not e["eventTimestamp"].endswith("Z") or "/" in e["eventTimestamp"]:
        return True
    if e["entityType"] == "interaction":
        return "conversationId" not in d or d.get("status") not in (
            "alerting", "connected", "held", "completed", "disconnected")
    return "userId" not in d or d.get("routingStatus") not in (
        "OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING", "COMMUNICATING")
nbad = sum(1 for e in evs if is_bad(e))
check(abs(nbad - st["generatedBad"]) == 0, "bad events %d vs %d" % (nbad, st["generatedBad"]))
drifted = [e for e in evs if not is_bad(e)]
def drift(e):
    d = e["data"]
    return ("campaign_id" in d or "media_type" in d or "presenceDefinition" in d or
            "schemaVersion" in d or "activity" in d or
            (e["entityType"] == "interaction" and "queueId" not in d) or
            (e["entityType"] == "agentstate" and "presence" not in d))
check(all(drift(e) for e in drifted), "drift missing")
# Polling them works (the body is JSON).
r = sim.poll("s1", limit=1000)
check(r.status == 200 and len(r.json()["events"]) > 0, "poll with bad events")

# Retention: 500 events kept; cursor 0 falls out after more are generated.
first = sim.poll("s1", limit=1).json()
sim.admin("POST", "generate?count=600")
r = sim.poll("s1", first["cursor"], 10)
check(r.status == 410 and r.json()["code"] == "cursor.expired", "410: %d %r" % (r.status, r.body))
r = sim.poll("s1", limit=10)
check(r.status == 200, "poll without cursor after 410")
st = sim.stats()
check(st["eventsRetained"] == 500 and st["head"] == 1000, "retention %r" % st)
# Forced expiry: evict everything.
c = r.json()["cursor"]
sim.admin("POST", "evict?all=1")
check(sim.poll("s1", c, 10).status == 410, "evict all")
sim.admin("POST", "generate?count=20")
# 410 fault: the window jumps to the request cursor; polling with no cursor
# continues right after what the client had.
ok = sim.poll("s1", limit=5).json()
sim.admin("POST", "faults?410-rate=1")
r = sim.poll("s1", ok["cursor"], 5)
check(r.status == 410 and r.json()["code"] == "cursor.expired", "410 fault %d" % r.status)
sim.admin("POST", "faults?reset=1")
nxt = sim.poll("s1", limit=100).json()
check(len(nxt["events"]) == 14, "after 410 fault %d" % len(nxt["events"]))

# Rate limit: enforcement and Retry-After compliance check via the request log.
sim.stop()
sim = Sim("--stream-id", "s1", "--count", "100", "--ratelimit-allowed", "3",
          "--ratelimit-window", "6", "--ratelimit-enforce",
          "--request-log", os.path.join(tmp, "req2.log"))
tok = sim.token()
seen = []
for i in range(4):
    r = sim.poll("s1", limit=1, token=tok)
    seen.append(r.status)
    check(int(r.headers["inin-ratelimit-allowed"]) == 3, "allowed header")
check(seen == [200, 200, 429, 429], "enforced %r" % seen)
ra = int(r.headers["Retry-After"])
check(1 <= ra <= 6, "Retry-After %d" % ra)
time.sleep(ra + 0.2)
check(sim.poll("s1", limit=1, token=tok).status == 200, "after window")
sim.admin("POST", "flush")
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(tmp, "req2.log"))]
rows.sort(key=lambda x: int(x[0]))
check([int(x[4]) for x in rows] == [200, 200, 200, 429, 429, 200], "req log %r" % rows)
last429 = rows[4]
check(int(last429[5]) == ra, "retryAfter column")
check(int(rows[5][0]) - int(last429[1]) >= ra * 1000 - 10,
      "client waited %d ms" % (int(rows[5][0]) - int(last429[1])))
sim.stop()
print("ok")

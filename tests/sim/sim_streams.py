#!/usr/bin/python3
# gcb-sim: stream definitions (create, get, 404, bad definitions) and filters.
import json, os, sys
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from sim_lib import Sim, check

sim = Sim("--count", "3000", "--seed", "7")

# A stream definition as docs/genesys-api.md describes it.
spec = {"name": "Production-Interaction-Stream",
        "eventTypes": [
            {"entityType": "interaction", "eventType": "created",
             "filter": "{\"direction\": \"inbound\"}"},
            {"entityType": "interaction", "eventType": "updated",
             "filter": "{\"status\": [\"completed\", \"disconnected\"]}"},
            {"entityType": "agentstate", "eventType": "updated"}],
        "description": "Real-time stream for production analytics and logging"}
r = sim.create_stream(spec)
check(r.status == 201, "create: %d %r" % (r.status, r.body))
d = r.json()
sid = d["id"]
check(d["name"] == spec["name"] and d["eventTypes"] == spec["eventTypes"] and
      d["description"] == spec["description"] and
      d["selfUri"] == "/api/v2/eventstreams/" + sid, "definition %r" % d)
r = sim.req("GET", "/api/v2/eventstreams/" + sid, headers=sim.auth())
check(r.status == 200 and r.json() == d, "get: %d %r" % (r.status, r.body))
r = sim.req("GET", "/api/v2/eventstreams/nope", headers=sim.auth())
check(r.status == 404 and r.json()["code"] == "not.found", "get unknown %d" % r.status)
r = sim.poll("nope")
check(r.status == 404, "poll unknown %d" % r.status)
r = sim.req("GET", "/api/v2/eventstreams/" + sid)
check(r.status == 401, "get without token %d" % r.status)

for bad in ({"name": "x"}, {"eventTypes": []},
            {"eventTypes": [{"entityType": "call", "eventType": "created"}]},
            {"eventTypes": [{"entityType": "interaction", "eventType": "created",
                             "filter": "{not json"}]},
            {"eventTypes": [{"entityType": "interaction", "eventType": "created",
                             "filter": {"direction": "inbound"}}]}):
    r = sim.create_stream(bad)
    check(r.status == 400 and r.json()["code"] == "bad.request", "bad def %r -> %d" % (bad, r.status))
r = sim.req("POST", "/api/v2/eventstreams", "[1,2", dict(sim.auth()))
check(r.status == 400, "non-json body %d" % r.status)

# Filters, applied locally to every generated event, must give exactly the served set.
f2 = {"name": "outbound-voice", "eventTypes": [
    {"entityType": "interaction", "eventType": "updated",
     "filter": json.dumps({"mediaType": ["voice", "callback"], "direction": "outbound",
                           "status": "completed"})},
    {"entityType": "interaction", "eventType": "created", "filter": None},
    {"entityType": "agentstate", "eventType": "updated",
     "filter": "{\"routingStatus\": \"OFF_QUEUE\", \"presence\": [\"Away\", \"Meal\"]}"}]}
sid2 = sim.create_stream(f2).json()["id"]
f3 = {"eventTypes": [{"entityType": "interaction", "eventType": "updated",
                      "filter": "{\"disposition.code\": \"SALE\"}"}]}
sid3 = sim.create_stream(f3).json()["id"]

got1, _ = sim.drain(sid)
got2, _ = sim.drain(sid2)
got3, _ = sim.drain(sid3)
allev = sim.all_events()
check(len(allev) == 3000, "generated %d" % len(allev))

def want(defn, ev):
    for et in defn["eventTypes"]:
        if et["entityType"] != ev["entityType"] or et["eventType"] != ev["eventType"]:
            continue
        flt = json.loads(et["filter"]) if et.get("filter") else {}
        ok = True
        for k, allowed in flt.items():
            v = ev["data"]
            for part in k.split("."):
                v = v.get(part) if isinstance(v, dict) else None
            allowed = allowed if isinstance(allowed, list) else [allowed]
            if v not in allowed:
                ok = False
        if ok:
            return True
    return False

for name, defn, got in (("spec", spec, got1), ("f2", f2, got2), ("f3", f3, got3)):
    exp = [e["id"] for e in allev if want(defn, e)]
    ids = [e["id"] for e in got]
    check(ids == exp, "%s: served %d events, expected %d" % (name, len(ids), len(exp)))
    check(len(exp) > 0, "%s matched nothing" % name)
check(len(got1) < len(allev), "filter removed nothing")
print("spec %d f2 %d f3 %d of %d" % (len(got1), len(got2), len(got3), len(allev)))
sim.stop()
print("ok")

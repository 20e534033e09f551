#!/usr/bin/python3
# gcb-sim: the same seed gives the same events and the same faults; another
# seed gives others. Also the timed generator (--rate) feeding a long poll.
import os, sys, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from sim_lib import Sim, check

def run(seed, extra=()):
    sim = Sim("--stream-id", "s1", "--seed", str(seed), "--count", "3000",
              "--start-time", "2026-11-27T10:00:00.000Z", "--fault-bad-event-rate", "0.01",
              "--fault-drift-rate", "0.02", "--fault-5xx-rate", "0.2", "--fault-scope", "poll",
              *extra)
    bodies, statuses, cursor = [], [], None
    while True:
        r = sim.poll("s1", cursor, 250)
        statuses.append(r.status)
        if r.status != 200:
            continue
        j = r.json()
        bodies.append(r.body)
        cursor = j["cursor"]
        if not j["hasMore"]:
            break
    sim.stop()
    return bodies, statuses

a, sa = run(42)
b, sb = run(42)
c, sc = run(43)
check(a == b, "same seed, different bodies")
check(sa == sb, "same seed, different fault sequence")
check(500 in sa or 502 in sa or 503 in sa or 504 in sa, "no 5xx injected")
check(a != c, "different seed, same bodies")
check(a[0].find(b'"eventTimestamp":"2026-11-27T10:00:00.') > 0, "start time not applied")

# Restart: a cursor from an earlier run (same options, on demand) resumes it.
opts = ("--stream-id", "s1", "--seed", "5", "--count", "5000",
        "--start-time", "2026-11-27T10:00:00Z")
sim = Sim(*opts)
p1 = sim.poll("s1", None, 700).json()
p2 = sim.poll("s1", p1["cursor"], 700).json()
p3 = sim.poll("s1", p2["cursor"], 700).json()
sim.stop()
sim = Sim(*opts)
check(sim.poll("s1", p2["cursor"], 700).json() == p3, "restart did not resume the stream")
check(sim.poll("s1", p1["cursor"], 700).json() == p2, "older cursor after restart")
sim.stop()
sim = Sim("--stream-id", "s1", "--seed", "5", "--count", "1000")
r = sim.poll("s1", p2["cursor"], 10)
check(r.status == 400 and r.json()["code"] == "bad.request", "cursor beyond --count: %d" % r.status)
sim.stop()

# Timed generation: ~200 events/s; a long poll is answered by the ticker.
sim = Sim("--stream-id", "s1", "--rate", "200", "--count", "400")
got, cursor = 0, None
t0 = time.monotonic()
while got < 400 and time.monotonic() - t0 < 40:
    r = sim.poll("s1", cursor, 1000, timeout_ms=5000)
    check(r.status == 200, "rate poll %d" % r.status)
    j = r.json()
    got += len(j["events"])
    cursor = j["cursor"]
check(got == 400, "timed generation gave %d" % got)
r = sim.poll("s1", cursor, 10, timeout_ms=200).json()
check(r["events"] == [] and not r["hasMore"], "count not respected")
r = sim.poll("s1", p2["cursor"], 10)
check(r.status == 400, "cursor beyond the head with --rate: %d" % r.status)
sim.stop()
print("ok")

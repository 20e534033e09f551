#!/usr/bin/python3
# gcb-sim analytics (docs/genesys-api.md, analytics): job lifecycle QUEUED -> PENDING ->
# FULFILLED, cursor paging, every generated conversation found by a job over
# its own interval, running conversations without conversationEnd, 429 with
# Retry-After, FAILED jobs, job expiry, the sync query with paging. No check
# depends on how fast this machine is: a job's state is checked only where the
# client's own clock brackets the server's age of the job on one side of a
# transition, expiry runs on a simulator of its own, and running conversations
# are given a fixed life far beyond the test.
import os, sys, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from notif_lib import jreq, stats, wait_until
from sim_lib import Sim, check

J = "/api/v2/analytics/conversations/details/jobs"
Q = "/api/v2/analytics/conversations/details/query"


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03dZ" % (ms % 1000)


def job(sim, a, b):
    r = jreq(sim, "POST", J, {"interval": "%s/%s" % (iso(a), iso(b))})
    check(r.status in (200, 202), "job: %d %r" % (r.status, r.body))
    return r.json()["jobId"]


def timed_job(sim, a, b):
    """A job and the monotonic times (ms) its POST was sent and answered:
    the server created it somewhere in between."""
    sent = time.monotonic() * 1000
    jid = job(sim, a, b)
    return jid, sent, time.monotonic() * 1000


def state(sim, jid):
    r = jreq(sim, "GET", J + "/" + jid)
    return r.json()["state"] if r.status == 200 else r.status


def results(sim, jid):
    out, cursor, pages = [], None, 0
    while True:
        r = jreq(sim, "GET", J + "/%s/results" % jid + ("?cursor=" + cursor if cursor else ""))
        check(r.status == 200, "results: %d %r" % (r.status, r.body))
        j = r.json()
        out += j["conversations"]
        pages += 1
        cursor = j.get("cursor")
        if not cursor:
            return out, pages


DELAY = 1500  # ms from submission to FULFILLED; QUEUED for the first half
sim = Sim("--queues", "3", "--agents", "5", "--analytics-page", "7",
          "--fault-analytics-job-delay-ms", str(DELAY))
sim.admin("POST", "notify/generate?count=60")
wait_until(lambda: stats(sim)["conversationsFinished"] >= 60, 60, "60 conversations")
convs = sim.admin("GET", "notify/conversations")
check(len(convs) == 60 and all(c["end"] for c in convs), "conversations %d" % len(convs))
lo = min(c["startMs"] for c in convs)
hi = max(c["endMs"] for c in convs)

# Lifecycle: QUEUED, then PENDING, then FULFILLED. Each poll is bracketed:
# the job's age when the server answered lies in [lo_age, hi_age] (client
# clock), and the state must be the one of every age in that bracket when the
# bracket falls on one side of a transition (0..DELAY/2 QUEUED, ..DELAY
# PENDING, then FULFILLED). A slow machine decides fewer polls, never a
# wrong one; the sequence must also move forward only and end FULFILLED.
STATES = ["QUEUED", "PENDING", "FULFILLED"]
jid, post_sent, post_done = timed_job(sim, lo - 1000, hi + 1000)
seen, decided = [], 0
while (not seen or seen[-1] not in ("FULFILLED", "FAILED")) and len(seen) < 2000:
    t0 = time.monotonic() * 1000
    st = state(sim, jid)
    t1 = time.monotonic() * 1000
    lo_age, hi_age = t0 - post_done, t1 - post_sent
    for want, a, b in (("QUEUED", 0, DELAY / 2), ("PENDING", DELAY / 2, DELAY),
                       ("FULFILLED", DELAY, 1e12)):
        if a <= lo_age and hi_age < b:
            check(st == want, "job aged %.0f..%.0f ms is %s, want %s" % (lo_age, hi_age, st, want))
            decided += 1
    seen.append(st)
    time.sleep(0.05)
order = [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s]
check(order[-1] == "FULFILLED", "states %r" % order)
check(set(order) <= set(STATES) and order == sorted(order, key=STATES.index), "order %r" % order)
check(decided >= 1, "no poll decided")
got, pages = results(sim, jid)
check(pages == (60 + 6) // 7, "pages %d" % pages)
check(sorted(c["conversationId"] for c in got) == sorted(c["id"] for c in convs), "all 60")
check(jreq(sim, "GET", J + "/%s/results?cursor=bogus" % jid).status == 400, "bad cursor")

# Shape of an analytics conversation (lower-case enums, ISO times).
for c in got:
    check(c["conversationStart"].endswith("Z") and c["conversationEnd"].endswith("Z") and
          c["originatingDirection"] in ("inbound", "outbound"), "conv %r" % c)
    purposes = [p["purpose"] for p in c["participants"]]
    check(purposes[:2] == ["customer", "acd"], "purposes %r" % purposes)
    for p in c["participants"]:
        check(p["participantId"] and p["sessions"], "participant %r" % p)
        for s in p["sessions"]:
            check(s["sessionId"] and s["mediaType"] in ("voice", "chat", "email", "message",
                                                         "callback") and
                  s["direction"] in ("inbound", "outbound") and s["segments"], "session %r" % s)
            for g in s["segments"]:
                check(g["segmentType"] in ("interact", "wrapup") and g["segmentStart"],
                      "segment %r" % g)
        if p["purpose"] == "acd":
            check(p["sessions"][0]["segments"][0]["queueId"], "acd queueId")
        if p["purpose"] == "agent":
            check(p["userId"] and p["sessions"][0]["segments"][-1].get("wrapUpCode"),
                  "agent %r" % p)

# Every conversation is found by a job over its own interval (a few at once).
jobs = {}
for c in convs[::6]:
    jobs[job(sim, c["startMs"], c["endMs"] + 1)] = c["id"]
wait_until(lambda: all(state(sim, j) == "FULFILLED" for j in jobs), 30, "jobs fulfilled")
for j, cid in jobs.items():
    ids = {c["conversationId"] for c in results(sim, j)[0]}
    check(cid in ids, "conversation %s not in its own interval" % cid)
# An interval before everything finds nothing.
j0 = job(sim, lo - 100000, lo - 50000)
wait_until(lambda: state(sim, j0) == "FULFILLED", 30, "empty job")
check(results(sim, j0) == ([], 1), "empty interval")

# Job expiry, on a simulator of its own (--analytics-job-ttl 1, so the jobs
# above never expire while they are read): EXPIRED, results 404.
short = Sim("--queues", "1", "--agents", "1", "--analytics-job-ttl", "1")
short.admin("POST", "notify/generate?count=1")
wait_until(lambda: stats(short)["conversationsFinished"] >= 1, 60, "1 conversation")
xj = job(short, lo - 1000, int(time.time() * 1000) + 1000)
wait_until(lambda: state(short, xj) == "EXPIRED", 30, "expired")
check(jreq(short, "GET", J + "/%s/results" % xj).status == 404, "results of an expired job")
short.stop()
check(jreq(sim, "GET", J + "/" + "3" * 8 + "-3333-4333-8333-" + "3" * 12).status == 404,
      "unknown job")

# Sync query with paging; running conversations have no conversationEnd.
sim.admin("POST", "faults?analytics-job-delay-ms=0")
q = {"interval": "%s/%s" % (iso(lo - 1000), iso(hi + 1000)),
     "paging": {"pageSize": 25, "pageNumber": 1}, "order": "asc"}
allq = []
for page in (1, 2, 3, 4):
    q["paging"]["pageNumber"] = page
    r = jreq(sim, "POST", Q, q)
    check(r.status == 200 and r.json()["totalHits"] == 60, "query %d %r" % (r.status, r.body[:200]))
    allq += r.json()["conversations"]
check(len(allq) == 60 and [c["conversationStart"] for c in allq] ==
      sorted(c["conversationStart"] for c in allq), "query pages")
for bad in ({"interval": "x"}, {"interval": "2026-01-02T00:00:00Z/2026-01-01T00:00:00Z"},
            {"interval": q["interval"], "paging": {"pageSize": 0}}):
    check(jreq(sim, "POST", Q, bad).status == 400, "bad query %r" % bad)
    check(jreq(sim, "POST", J, bad).status in (400, 202), "bad job")
# Five conversations with a life of an hour: still running when queried.
sim.admin("POST", "notify/generate?count=5&life-ms=3600000")
wait_until(lambda: len(sim.admin("GET", "notify/conversations")) >= 65, 60, "5 more conversations")
live = [c for c in sim.admin("GET", "notify/conversations") if not c["end"]]
check(len(live) == 5, "running conversations %d" % len(live))
a = min(c["startMs"] for c in live)
r = jreq(sim, "POST", Q, {"interval": "%s/%s" % (iso(a - 1000), iso(a + 60000)),
                          "paging": {"pageSize": 100, "pageNumber": 1}})
running = {c["conversationId"] for c in r.json()["conversations"] if "conversationEnd" not in c}
check(running == {c["id"] for c in live}, "running without conversationEnd: %r" % running)

# 429 every 3rd analytics request, with Retry-After.
sim.admin("POST", "faults?analytics-429-every=3&retry-after=2")
rs = [jreq(sim, "POST", Q, q) for _ in range(6)]
codes = [r.status for r in rs]
check(codes.count(429) == 2, "analytics 429: %r" % codes)
check(all(r.headers["Retry-After"] == "2" and r.json()["code"] == "too.many.requests.retry.after"
          for r in rs if r.status == 429), "Retry-After")
check(jreq(sim, "GET", "/api/v2/routing/queues").status == 200, "only analytics throttled")
sim.admin("POST", "faults?analytics-429-every=0")

# Every 2nd job FAILED.
sim.admin("POST", "faults?analytics-fail-every=2")
js = [job(sim, lo, hi) for _ in range(4)]
wait_until(lambda: all(state(sim, j) in ("FULFILLED", "FAILED") for j in js), 30, "jobs done")
st = [state(sim, j) for j in js]
check(st.count("FAILED") == 2, "failed %r" % st)
failed = js[st.index("FAILED")]
check(jreq(sim, "GET", J + "/" + failed).json().get("errorMessage"), "errorMessage")
check(jreq(sim, "GET", J + "/%s/results" % failed).status == 400, "results of a failed job")
s = stats(sim)
check(s["jobsFailed"] == 2 and s["analyticsThrottled"] == 2, "stats %r" % s)
sim.stop()
print("ok")

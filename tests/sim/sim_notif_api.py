#!/usr/bin/python3
# gcb-sim notifications, REST side: paged queues and users (and org growth),
# channels, subscriptions and their limits and errors, auth and faults on the
# notification API, DELETE on a channel answered not found (no such route),
# and a 21st channel evicting unconnected channels first, then the oldest
# (its socket closed).
import os as _os
import sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), ".."))
from need import need_py  # noqa: E402

need_py("websockets", "python3-websockets")
import os, sys
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from notif_lib import *

sim = Sim("--queues", "7", "--agents", "1203", "--seed", "5")

# Org: paging, totals, stable ids, bounds.
qs = entities(sim, "routing/queues", 3)
check(len(qs) == 7 and len({q["id"] for q in qs}) == 7, "queues %r" % qs)
check(all(q["name"] for q in qs), "queue names")
us = entities(sim, "users", 500)
check(len(us) == 1203 and len({u["id"] for u in us}) == 1203, "users %d" % len(us))
check(all(u["state"] == "active" and u["name"] for u in us), "user fields")
r = jreq(sim, "GET", "/api/v2/users?pageSize=500&pageNumber=3").json()
check(r["pageSize"] == 500 and r["pageNumber"] == 3 and r["total"] == 1203 and
      r["pageCount"] == 3 and len(r["entities"]) == 203, "page 3 %r" % {k: r[k] for k in r if k != "entities"})
r = jreq(sim, "GET", "/api/v2/users?pageSize=500&pageNumber=4").json()
check(r["entities"] == [], "beyond the last page")
for bad in ("pageSize=501", "pageSize=0", "pageNumber=0", "pageSize=x"):
    r = jreq(sim, "GET", "/api/v2/routing/queues?" + bad)
    check(r.status == 400 and r.json()["code"] == "bad.request", "%s -> %d" % (bad, r.status))
check(sim.req("GET", "/api/v2/users").status == 401, "users without token")
sim2 = Sim("--queues", "7", "--agents", "1203", "--seed", "5")
check([q["id"] for q in entities(sim2, "routing/queues")] == [q["id"] for q in qs], "stable ids")
sim2.stop()
j = sim.admin("POST", "notify/org?queues=2&users=5")
check(j == {"queues": 9, "users": 1208}, "org growth %r" % j)
qs2 = entities(sim, "routing/queues")
check([q["id"] for q in qs2[:7]] == [q["id"] for q in qs] and len(qs2) == 9, "grown queues")
us = entities(sim, "users")
check(len(us) == 1208, "grown users")

# Channels.
ch = channel(sim)
check(set(ch) >= {"id", "connectUri", "expires"}, "channel %r" % ch)
check(ch["connectUri"] == sim.url.replace("http://", "ws://") + "/channels/" + ch["id"],
      "connectUri %r" % ch["connectUri"])
check(ch["expires"].endswith("Z") and "T" in ch["expires"], "expires %r" % ch["expires"])
r = jreq(sim, "GET", "/api/v2/notifications/channels")
check(r.status == 200 and [c["id"] for c in r.json()["entities"]] == [ch["id"]], "list")
sub = "/api/v2/notifications/channels/%s/subscriptions" % ch["id"]

topics = ["v2.routing.queues.%s.conversations" % qs2[8]["id"],
          "v2.users.%s.presence" % us[1207]["id"],
          "v2.users.%s.routingStatus" % us[0]["id"],
          "v2.users.%s.activity" % us[0]["id"],
          "v2.users.%s.conversations" % us[0]["id"],
          "v2.detail.events.conversation.0d2cf8f4-0343-4899-9191-9996318f744f.acd.end"]
r = subscribe(sim, ch["id"], topics)
check(r.status == 200, "PUT %d %r" % (r.status, r.body))
check(sorted(e["id"] for e in r.json()["entities"]) == sorted(topics), "PUT answer")
r = jreq(sim, "GET", sub)
check(sorted(e["id"] for e in r.json()["entities"]) == sorted(topics), "GET")
extra = "v2.routing.queues.%s.conversations" % qs2[0]["id"]
r = subscribe(sim, ch["id"], [extra, topics[0]], "POST")
check(r.status == 200 and len(r.json()["entities"]) == len(topics) + 1, "POST adds")
r = subscribe(sim, ch["id"], [extra])
check(r.status == 200 and [e["id"] for e in r.json()["entities"]] == [extra], "PUT replaces")

# Errors name the topic and change nothing.
for bad in ("v2.routing.queues.%s.conversations" % ("0" * 8 + "-0000-4000-8000-" + "0" * 12),
            "v2.users.%s.presence" % qs2[0]["id"],            # a queue id as a user
            "v2.users.%s.bogus" % us[0]["id"],
            "v2.detail.events.conversation.not-a-uuid.acd.end",
            "v2.detail.events.conversation.0d2cf8f4-0343-4899-9191-9996318f744f.bogus",
            "v2.routing.queues.*.conversations", "channel.metadata", ""):
    r = subscribe(sim, ch["id"], [extra, bad], "POST")
    check(r.status == 400 and r.json()["code"] == "bad.request" and bad in r.json()["message"],
          "bad topic %r: %d %r" % (bad, r.status, r.body))
r = jreq(sim, "GET", sub)
check([e["id"] for e in r.json()["entities"]] == [extra], "unchanged after errors")
for body in ("not json", '{"id":"x"}', '[{"name":"x"}]', '[1]'):
    r = sim.req("PUT", sub, body, dict(sim.auth(), **{"Content-Type": "application/json"}))
    check(r.status == 400, "body %r -> %d" % (body, r.status))

# 1000 topics per channel: exactly 1000 is fine, 1001 is refused.
many = ["v2.users.%s.%s" % (u["id"], k) for u in us[:250]
        for k in ("presence", "routingStatus", "activity", "conversations")]
check(len(many) == 1000, "1000 topics")
r = subscribe(sim, ch["id"], many)
check(r.status == 200 and len(r.json()["entities"]) == 1000, "1000: %d" % r.status)
r = subscribe(sim, ch["id"], [extra], "POST")
check(r.status == 400 and "1000" in r.json()["message"], "1001 by POST: %d %r" % (r.status, r.body))
r = subscribe(sim, ch["id"], many + [extra])
check(r.status == 400, "1001 by PUT: %d" % r.status)
check(len(jreq(sim, "GET", sub).json()["entities"]) == 1000, "still 1000")
check(stats(sim)["subscriptions"] == 1000, "stats subscriptions")
r = jreq(sim, "DELETE", sub)
check(r.status == 200 and jreq(sim, "GET", sub).json()["entities"] == [], "DELETE subscriptions")

# Unknown channel, missing token, bad token, wrong method.
nochan = "/api/v2/notifications/channels/%s/subscriptions" % ("1" * 8 + "-1111-4111-8111-" + "1" * 12)
check(jreq(sim, "GET", nochan).status == 404, "unknown channel")
check(sim.req("POST", "/api/v2/notifications/channels").status == 401, "no token")
check(jreq(sim, "GET", sub, token="x" * 48).status == 401, "junk token")
check(jreq(sim, "PATCH", sub).status == 405, "PATCH")

# Request faults reach the notification API like any other.
sim.admin("POST", "faults?429-every=2&retry-after=3")
codes = [jreq(sim, "GET", sub) for _ in range(4)]
check([c.status for c in codes].count(429) == 2, "429-every=2: %r" % [c.status for c in codes])
check(all(c.headers["Retry-After"] == "3" for c in codes if c.status == 429), "Retry-After")
sim.admin("POST", "faults?reset=1&5xx-rate=1&5xx-codes=503")
check(jreq(sim, "GET", sub).status == 503, "5xx")
sim.admin("POST", "faults?reset=1&401-rate=1")
check(jreq(sim, "GET", sub).status == 401, "401 fault")
sim.admin("POST", "faults?reset=1")

# DELETE on a channel is no route of the real API (GENESYS.md C): not found,
# and the channel stays (a client retires one by deleting its subscriptions).
check(jreq(sim, "DELETE", "/api/v2/notifications/channels/" + ch["id"]).status == 404,
      "DELETE channel answered not found")
check(jreq(sim, "GET", sub).status == 200, "the channel is still there")
check(stats(sim)["channelDeleteRequests"] == 1, "DELETE channel counted")

# 20 channels per client; a 21st evicts the oldest channel without a
# connection first, and only when every channel is connected the oldest
# one (its socket closed).
chans = [ch] + [channel(sim) for _ in range(19)]
ws0 = WS(chans[0]["connectUri"])
check(ws0.err is None, "connect: %r" % ws0.err)
wait_until(lambda: stats(sim)["sockets"] >= 1, what="socket attached")
ws1 = WS(chans[1]["connectUri"])
check(ws1.err is None, "connect: %r" % ws1.err)
wait_until(lambda: stats(sim)["sockets"] >= 2, what="second socket attached")
c21 = channel(sim)
ids = [c["id"] for c in jreq(sim, "GET", "/api/v2/notifications/channels").json()["entities"]]
check(len(ids) == 20 and chans[2]["id"] not in ids and chans[0]["id"] in ids and
      c21["id"] in ids, "unconnected channel evicted first %r" % ids)
check(jreq(sim, "GET", "/api/v2/notifications/channels/%s/subscriptions" % chans[2]["id"]).status
      == 404, "evicted channel gone")
check(not ws0.closed and not ws1.closed, "connected channels kept")
st = stats(sim)
check(st["channels"] == 20 and st["channelsEvicted"] == 1, "stats %r" % st)
# The 17 other unconnected channels, then c21..: every new one evicts one of
# them; then only connected channels and new ones are left.
extra = [channel(sim) for _ in range(17)]
unconnected_left = [c["id"] for c in chans[3:]]
ids = [c["id"] for c in jreq(sim, "GET", "/api/v2/notifications/channels").json()["entities"]]
check(not any(i in ids for i in unconnected_left), "every older unconnected channel evicted")
ws_new = [WS(c["connectUri"]) for c in [c21] + extra]
wait_until(lambda: stats(sim)["sockets"] >= 20, what="all 20 connected")
c_last = channel(sim)
ws0.wait_closed(30)
ids = [c["id"] for c in jreq(sim, "GET", "/api/v2/notifications/channels").json()["entities"]]
check(chans[0]["id"] not in ids and c_last["id"] in ids, "oldest connected channel evicted %r" % ids)
check(not ws1.closed, "second-oldest still open")
for w in ws_new:
    w.close()
ws1.close()
ws0.close()
sim.stop()
print("ok")

#!/usr/bin/python3
# gcb-sim notifications, WebSocket side: the upgrade, data messages of every
# topic family for subscribed topics only (payload fields and enum casing of
# docs/notifications.md), heartbeats, ping/pong, subscribe over the socket, a
# second connection dropping the first, and the sent log matching what the
# client received.
import os as _os
import sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), ".."))
from need import need_py  # noqa: E402

need_py("websockets", "python3-websockets")
import os, re, socket, sys, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from notif_lib import *

sim = Sim("--queues", "2", "--agents", "3", "--heartbeat-interval", "0.5", "--seed", "9")
qs = entities(sim, "routing/queues")
us = entities(sim, "users")

# Handshake errors: unknown channel, not an upgrade.
port = int(sim.url.rsplit(":", 1)[1])
bad = WS("ws://127.0.0.1:%d/channels/%s" % (port, "2" * 8 + "-2222-4222-8222-" + "2" * 12))
check(bad.err is not None, "unknown channel accepted")
r = sim.req("GET", "/channels/x")
check(r.status in (400, 404), "plain GET /channels: %d" % r.status)

ch = channel(sim)
topics = ["v2.routing.queues.%s.conversations" % q["id"] for q in qs]
for u in us:
    topics += ["v2.users.%s.%s" % (u["id"], k)
               for k in ("conversations", "presence", "routingStatus", "activity")]
check(subscribe(sim, ch["id"], topics).status == 200, "subscribe")
ws = WS(ch["connectUri"])
check(ws.err is None, "connect %r" % ws.err)

# Heartbeats at the interval, ping -> pong.
ws.wait(heartbeat, 30, "heartbeat")
ws.send({"message": "ping"})
ws.wait(lambda m: m.get("topicName") == "channel.metadata" and
        m["eventBody"].get("message") == "pong", 30, "pong")

# Traffic: every subscribed family arrives.
sim.admin("POST", "notify/generate?count=30")
wait_until(lambda: stats(sim)["conversationsFinished"] >= 30, 60, "30 conversations")
convs = sim.admin("GET", "notify/conversations")
check(len(convs) == 30, "conversations %d" % len(convs))
time.sleep(0.5)
for fam in ("v2.routing.queues.", "v2.users."):
    ws.wait(topic_is(fam), 30, fam)
for kind in ("conversations", "presence", "routingStatus", "activity"):
    ws.wait(lambda m: m.get("topicName", "").startswith("v2.users.") and
            m["topicName"].endswith("." + kind), 30, "users " + kind)
check(ws.count(topic_is("v2.detail.")) == 0, "detail events without subscription")

# Envelope and payloads.
uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
msgs = [m for m in ws.msgs if data(m)]
for m in msgs:
    check(set(m) == {"topicName", "version", "eventBody", "metadata"} and m["version"] == "2" and
          uuid.match(m["metadata"]["CorrelationId"]), "envelope %r" % m)
    check(m["topicName"] in topics, "unsubscribed topic %s" % m["topicName"])
    b, t = m["eventBody"], m["topicName"]
    if t.endswith(".conversations"):
        check(uuid.match(b["id"]) and b["participants"], "snapshot %r" % b)
        for p in b["participants"]:
            check(p["purpose"] in ("customer", "acd", "agent") and uuid.match(p["id"]), "p %r" % p)
            media = [k for k in ("calls", "chats", "emails", "messages", "callbacks") if k in p]
            check(len(media) == 1, "media list %r" % p)
            for s in p[media[0]]:
                check(s["state"] in ("connected", "disconnected") and
                      s["direction"] in ("inbound", "outbound") and iso.match(s["connectedTime"]),
                      "session %r" % s)
            if p["purpose"] == "agent":
                check(p["userId"] in t or t.startswith("v2.routing."), "agent userId")
                if "wrapup" in p:
                    check(set(p["wrapup"]) == {"code", "notes", "durationSeconds"}, "wrapup")
        if t.startswith("v2.routing.queues."):
            check(any(p.get("queueId") == t.split(".")[3] for p in b["participants"]), "queueId")
    elif t.endswith(".presence"):
        check(uuid.match(b["presenceDefinition"]["id"]) and b["presenceDefinition"]["systemPresence"]
              and iso.match(b["modifiedDate"]), "presence %r" % b)
    elif t.endswith(".routingStatus"):
        check(b["routingStatus"]["status"] in ("IDLE", "INTERACTING", "OFF_QUEUE") and
              iso.match(b["routingStatus"]["startTime"]), "routingStatus %r" % b)
    elif t.endswith(".activity"):
        check(b["id"] == t.split(".")[2] and b["routingStatus"]["status"] and
              b["presence"]["presenceDefinition"]["systemPresence"] and
              isinstance(b["activeQueueIds"], list), "activity %r" % b)

# Detail events: subscribe over the socket to one finished and one future
# conversation's kinds (ids are known only once a conversation exists).
kinds = ["customer.start", "customer.end", "user.start", "user.end", "acd.start", "acd.end",
         "acw", "wrapup"]
ws.send({"message": "subscribe", "correlationId": "c-1",
         "topics": ["v2.users.%s.presence" % us[0]["id"]]})
wait_until(lambda: stats(sim)["clientSubscribes"] == 1, 30, "socket subscribe")
check(stats(sim)["subscriptions"] == len(topics), "socket subscribe of a known topic adds none")

# Topics over the socket for a conversation the next generate creates: find its
# id from the queue snapshot, then subscribe to its detail events (they span its
# life, so at least the later kinds arrive), and also subscribe by PUT.
before = {c["id"] for c in sim.admin("GET", "notify/conversations")}
sim.admin("POST", "notify/generate?count=1&life-ms=8000")
cid = wait_until(lambda: [c["id"] for c in sim.admin("GET", "notify/conversations")
                          if c["id"] not in before], 30, "new conversation")[0]
ws.send({"message": "subscribe", "correlationId": "c-2",
         "topics": ["v2.detail.events.conversation.%s.%s" % (cid, k) for k in kinds]})
wait_until(lambda: stats(sim)["clientSubscribes"] == 2, 30, "socket subscribe 2")
wait_until(lambda: stats(sim)["conversationsFinished"] >= 31, 60, "conversation done")
conv = [c for c in sim.admin("GET", "notify/conversations") if c["id"] == cid][0]
# The conversation lives 8 s: the subscription is in place long before its
# last events (wrap-up, or the abandon at 2 s when it is abandoned and the
# machine is fast).
if conv["userId"]:
    ws.wait(lambda m: m.get("topicName", "").endswith(cid + ".wrapup"), 30, "wrapup event")
    ws.wait(lambda m: m.get("topicName", "").endswith(cid + ".acw"), 30, "acw event")
details = [m for m in ws.msgs if m.get("topicName", "").startswith("v2.detail.")]
check(details or not conv["userId"], "no detail events for %s" % cid)
for m in details:
    b = m["eventBody"]
    check(b["conversationId"] == cid and uuid.match(b["participantId"]) and
          uuid.match(b["sessionId"]) and isinstance(b["eventTime"], int) and
          b["eventTime"] > 1.7e12, "detail %r" % b)
    check(b["mediaType"] in ("VOICE", "CHAT", "EMAIL", "MESSAGE", "CALLBACK") and
          b["direction"] in ("INBOUND", "OUTBOUND"), "detail enums %r" % b)
    k = m["topicName"].split(cid + ".")[1]
    if k in ("user.end", "customer.end", "acd.end"):
        check(b["disconnectType"].isupper() and b["interactingDurationMs"] >= 0, "end %r" % b)
    if k == "acd.end":
        check(b["acdOutcome"] in ("ANSWERED", "ABANDON"), "acdOutcome")
    if k in ("acw", "wrapup"):
        check(b["wrapupCode"] and "wrapupNotes" in b and b["wrapupDurationMs"] >= 0, "wrapup %r" % b)

# Sent log = what this client received, in order (the socket is still open:
# wait until the log has caught up with the client).
def received():
    return [(m["topicName"], m["metadata"]["CorrelationId"]) for m in ws.msgs if data(m)]
def logged():
    return [(e["topic"], e["correlationId"]) for e in sent_log(sim) if e["channel"] == ch["id"]]
end = time.monotonic() + 30
while logged() != received() and time.monotonic() < end:
    time.sleep(0.2)
log = logged()
check(log == received(), "sent log %d vs received %d" % (len(log), len(received())))
check(all(e["key"] for e in sent_log(sim)), "keys")
st = stats(sim)
check(st["messagesSent"] == len(log) and st["heartbeats"] >= 1 and st["pongs"] == 1,
      "stats %r" % st)

# A second connection drops the first; the new one gets the traffic.
ws2 = WS(ch["connectUri"])
ws.wait_closed(30)
n = len(ws2.msgs)
sim.admin("POST", "notify/generate?count=10")
ws2.wait(data, 30, "data on the second socket")
ws2.wait(heartbeat, 30, "heartbeat on the second socket")
check(stats(sim)["socketsReplaced"] == 1, "replaced")
ws2.close()
ws.close()
wait_until(lambda: stats(sim)["sockets"] == 0, 30, "socket gone after client close")
sim.stop()
print("ok")

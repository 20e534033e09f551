#!/usr/bin/python3
# gcb-sim notifications: every /admin/notify action observed on a real socket
# (heartbeat-stop/resume, close, socket-closing with its grace, revoke,
# expire, unsubscribe), channel expiry by --channel-ttl and channel-ttl at run
# time, and the slow-consumer close.
import os as _os
import sys as _sys
_sys.path.insert(0, _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), ".."))
from need import need_py  # noqa: E402

need_py("websockets", "python3-websockets")
import os, sys, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from notif_lib import *

sim = Sim("--queues", "2", "--agents", "3", "--heartbeat-interval", "0.3",
          "--socket-closing-grace", "1.5", "--notify-rate", "20")
qs = entities(sim, "routing/queues")
topics = ["v2.routing.queues.%s.conversations" % q["id"] for q in qs]


def open_channel():
    ch = channel(sim)
    check(subscribe(sim, ch["id"], topics).status == 200, "subscribe")
    ws = WS(ch["connectUri"])
    check(ws.err is None, "connect %r" % ws.err)
    return ch, ws


def sub_status(ch):
    return jreq(sim, "GET", "/api/v2/notifications/channels/%s/subscriptions" % ch["id"]).status


# Unknown action / channel.
ch, ws = open_channel()
check(sim.req("POST", "/admin/notify?action=bogus&channel=" + ch["id"]).status == 400, "bad action")
check(sim.req("POST", "/admin/notify?action=close&channel=nope").status == 404, "bad channel")
check(sim.req("POST", "/admin/notify?action=close").status == 400, "no channel")

# heartbeat-stop / heartbeat-resume: data keeps flowing without heartbeats,
# and a stopped channel answers no ping (a dead channel's silence must be
# visible to a client that pings).
pong = lambda m: m.get("eventBody", {}).get("message") == "pong"
ws.wait(heartbeat, 30, "first heartbeat")
admin_notify(sim, "heartbeat-stop", ch["id"])
time.sleep(1)  # a heartbeat queued before the stop may still arrive
n = ws.count(heartbeat)
d = ws.count(data)
ws.send({"message": "ping"})
time.sleep(2)
check(ws.count(heartbeat) == n, "heartbeats while stopped: %d -> %d" % (n, ws.count(heartbeat)))
check(ws.count(pong) == 0, "a stopped channel answered a ping")
check(ws.count(data) > d, "data stopped with the heartbeats")
check(stats(sim)["pingsUnanswered"] >= 1, "unanswered ping not counted")
admin_notify(sim, "heartbeat-resume", ch["id"])
wait_until(lambda: ws.count(heartbeat) > n, 30, "heartbeat after resume")
ws.send({"message": "ping"})
ws.wait(pong, 30, "pong after resume")

# close: the socket closes, the channel stays (reconnect works).
admin_notify(sim, "close", ch["id"])
ws.wait_closed(30)
check(sub_status(ch) == 200, "channel kept after close")
ws = WS(ch["connectUri"])
check(ws.err is None, "reconnect after close")
ws.wait(data, 30, "data after reconnect")

# socket-closing: the notice first, the close about the grace later, data meanwhile.
admin_notify(sim, "socket-closing", ch["id"])
t0 = time.monotonic()
ws.wait(lambda m: m.get("topicName") == "v2.system.socket_closing", 30, "socket_closing")
k = len(ws.msgs)
ws.wait_closed(30)
took = time.monotonic() - t0
check(took >= 1.0, "closed %.2fs after socket-closing (grace 1.5 s)" % took)
check(any(data(m) for m in ws.msgs[k:]), "no data during the grace")
check(sub_status(ch) == 200, "channel kept after socket-closing")

# revoke: token_revoked.<channel>, every token revoked, socket closed.
ws = WS(ch["connectUri"])
tok = sim.token()
admin_notify(sim, "revoke", ch["id"])
ws.wait(lambda m: m.get("topicName") == "v2.system.token_revoked." + ch["id"], 30, "token_revoked")
ws.wait_closed(30)
r = jreq(sim, "GET", "/api/v2/routing/queues", token=tok)
check(r.status == 401, "revoked token still works: %d" % r.status)
sim.token(fresh=True)
check(sub_status(ch) == 200, "new token works")

# unsubscribe: no_longer_subscribed.<channel>, topics dropped, no more data.
ws = WS(ch["connectUri"])
ws.wait(data, 30, "data before unsubscribe")
admin_notify(sim, "unsubscribe", ch["id"])
ws.wait(lambda m: m.get("topicName") == "v2.system.no_longer_subscribed." + ch["id"], 30,
        "no_longer_subscribed")
check(jreq(sim, "GET", "/api/v2/notifications/channels/%s/subscriptions" % ch["id"]).json()
      ["entities"] == [], "topics dropped")
time.sleep(0.5)
d = ws.count(data)
time.sleep(1.5)
check(ws.count(data) == d, "data after unsubscribe")
check(not ws.closed, "unsubscribe closed the socket")
ws.wait(lambda m: heartbeat(m) and ws.msgs.index(m) > d, 30, "heartbeats go on")

# expire: channel gone, socket closed, reconnect refused.
admin_notify(sim, "expire", ch["id"])
ws.wait_closed(30)
check(sub_status(ch) == 404, "expired channel still answers")
check(WS(ch["connectUri"]).err is not None, "connect to an expired channel")

# channel=all.
a1, w1 = open_channel()
a2, w2 = open_channel()
j = admin_notify(sim, "close", "all")
check(j["channels"] >= 2, "all: %r" % j)
w1.wait_closed(30)
w2.wait_closed(30)

# Channel lifetime: channel-ttl at run time, then expiry closes the socket.
sim.admin("POST", "faults?channel-ttl=2")
c3, w3 = open_channel()
left = time.mktime(time.strptime(c3["expires"][:19], "%Y-%m-%dT%H:%M:%S")) - \
    time.mktime(time.gmtime())
check(-1 <= left <= 3, "expires %s (%.1f s from now)" % (c3["expires"], left))
w3.wait_closed(30)
check(sub_status(c3) == 404, "channel not expired")
st = stats(sim)
check(st["channelsExpired"] >= 2, "stats %r" % st)
sim.stop()

# --channel-ttl on the command line.
sim = Sim("--channel-ttl", "1", "--heartbeat-interval", "0.2")
ch = channel(sim)
ws = WS(ch["connectUri"])
ws.wait_closed(30)
check(jreq(sim, "GET", "/api/v2/notifications/channels/%s" % ch["id"]).status == 404, "ttl 1")
sim.stop()

# A client that never reads is closed (small queue, short stall timeout); the
# server stays responsive meanwhile.
import socket, base64
sim = Sim("--queues", "1", "--agents", "2", "--ws-queue", "16", "--ws-stall-timeout", "1",
          "--heartbeat-interval", "0.05")
q = entities(sim, "routing/queues")[0]
ch = channel(sim)
subscribe(sim, ch["id"], ["v2.routing.queues.%s.conversations" % q["id"]])
port = int(sim.url.rsplit(":", 1)[1])
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /channels/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
           % (ch["id"], key)).encode())
check(b"101" in s.recv(12), "upgrade")
sim.admin("POST", "notify/generate?count=3000")
wait_until(lambda: stats(sim)["socketsStalled"] == 1, 50, "slow client closed")
check(stats(sim)["messagesDropped"] > 0, "drops counted")
check(jreq(sim, "GET", "/api/v2/routing/queues").status == 200, "server responsive")
s.close()
sim.stop()
print("ok")

"""Helpers for the gcb-sim notification tests: channels and subscriptions over
real HTTP (sim_lib), and a WebSocket client (Debian's websockets, asyncio) that
runs in a background thread and collects every message it receives."""
import asyncio
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
import sim_lib  # noqa: E402
from sim_lib import Sim, check  # noqa: E402,F401

import websockets  # noqa: E402


def jreq(sim, method, path, body=None, token=None):
    h = {"Authorization": "Bearer " + (token or sim.token()),
         "Content-Type": "application/json"}
    return sim.req(method, path, json.dumps(body) if body is not None else None, h)


def entities(sim, what, page_size=500):
    """Every entity of /api/v2/routing/queues or /api/v2/users, page by page."""
    out, page = [], 1
    while True:
        r = jreq(sim, "GET", "/api/v2/%s?pageSize=%d&pageNumber=%d" % (what, page_size, page))
        check(r.status == 200, "%s page %d: %d %r" % (what, page, r.status, r.body))
        j = r.json()
        out += j["entities"]
        if page >= j["pageCount"]:
            return out
        page += 1


def channel(sim):
    r = jreq(sim, "POST", "/api/v2/notifications/channels")
    check(r.status == 200, "create channel: %d %r" % (r.status, r.body))
    return r.json()


def subscribe(sim, chan_id, topics, method="PUT"):
    return jreq(sim, method, "/api/v2/notifications/channels/%s/subscriptions" % chan_id,
                [{"id": t} for t in topics])


def admin_notify(sim, action, chan):
    return sim.admin("POST", "notify?action=%s&channel=%s" % (action, chan))


def stats(sim):
    return sim.admin("GET", "notify/stats")


def sent_log(sim):
    r = sim.req("GET", "/admin/notify/sent")
    check(r.status == 200, "sent log %d" % r.status)
    return [json.loads(line) for line in r.body.decode().splitlines() if line]


def wait_until(pred, timeout=30, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    check(False, "timed out waiting for " + what)


class WS:
    """A WebSocket client on its own thread; messages are decoded JSON."""

    def __init__(self, uri, timeout=30):
        self.uri = uri
        self.msgs = []
        self.cv = threading.Condition()
        self.ready = threading.Event()
        self.closed = False
        self.close_code = None
        self.err = None
        self.ws = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        self.ready.wait(timeout)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._main())

    async def _main(self):
        try:
            self.ws = await websockets.connect(self.uri, ping_interval=None, max_size=None,
                                               open_timeout=30, close_timeout=5)
        except Exception as e:  # handshake refused, connection failed
            self.err = e
            with self.cv:
                self.closed = True
                self.cv.notify_all()
            self.ready.set()
            return
        self.ready.set()
        try:
            async for m in self.ws:
                with self.cv:
                    self.msgs.append(json.loads(m))
                    self.cv.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            with self.cv:
                self.closed = True
                self.close_code = self.ws.close_code
                self.cv.notify_all()
        # Let a close() in flight finish before this loop stops.
        try:
            await asyncio.wait_for(self.ws.wait_closed(), 10)
        except Exception:
            pass
        await asyncio.sleep(0.05)

    def send(self, obj):
        fut = asyncio.run_coroutine_threadsafe(self.ws.send(json.dumps(obj)), self.loop)
        fut.result(10)

    def wait(self, pred, timeout=30, what="message"):
        """Waits for a message matching pred (from the start); returns it."""
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                for m in self.msgs:
                    if pred(m):
                        return m
                left = end - time.monotonic()
                if left <= 0 or self.closed:
                    check(False, "no %s (closed=%s, %d messages)" %
                          (what, self.closed, len(self.msgs)))
                self.cv.wait(min(left, 0.5))

    def count(self, pred):
        with self.cv:
            return sum(1 for m in self.msgs if pred(m))

    def wait_closed(self, timeout=30):
        end = time.monotonic() + timeout
        with self.cv:
            while not self.closed:
                left = end - time.monotonic()
                check(left > 0, "socket not closed in %ds" % timeout)
                self.cv.wait(min(left, 0.5))

    def close(self):
        if self.ws and self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(self.ws.close(), self.loop)
        self.thread.join(15)


def topic_is(prefix):
    return lambda m: m.get("topicName", "").startswith(prefix)


def heartbeat(m):
    return m.get("topicName") == "channel.metadata" and \
        m.get("eventBody", {}).get("message") == "WebSocket Heartbeat"


def data(m):
    t = m.get("topicName", "")
    return t != "channel.metadata" and not t.startswith("v2.system.")

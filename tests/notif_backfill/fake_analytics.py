#!/usr/bin/python3
"""A small stand-in for gcb-sim's analytics jobs API (docs/notifications.md,
"Simulator"), used only when the simulator in bin/ does not serve it.

    fake_analytics.py PORT_FILE REQUEST_LOG

Serves on 127.0.0.1:0, writes its base URL to PORT_FILE, logs
"startMs\tendMs\tmethod\tpath\tstatus\tretryAfter" per request to REQUEST_LOG
(CLOCK_MONOTONIC ms, like gcb-sim). Endpoints: POST /oauth/token,
POST|GET /api/v2/analytics/conversations/details/jobs[/{id}[/results?cursor=]],
POST /api/v2/analytics/conversations/details/query, POST /admin/faults?…,
POST /admin/notify/generate?count=N, GET /admin/notify/conversations.
"""
import json
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

JOBS = "/api/v2/analytics/conversations/details/jobs"
QUERY = "/api/v2/analytics/conversations/details/query"
PAGE = 7

lock = threading.Lock()
convs = []  # (start_ms, end_ms, body)
jobs = {}  # id -> {"created": t, "interval": (a, b), "fail": bool}
faults = {"analytics-429-every": 0, "analytics-fail-every": 0, "analytics-job-delay-ms": 0,
          "ratelimit-allowed": 0}
WINDOW_S = 3
window = {"start": 0.0, "count": 0}
counters = {"analytics": 0, "jobs": 0}


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (ms % 1000)


def parse_iso(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=timezone.utc).timestamp() * 1000 + 0.5)


def in_interval(iv):
    a, b = (parse_iso(x) for x in iv.split("/"))
    return [c for (s, e, c) in sorted(convs, key=lambda x: (x[0], x[2]["conversationId"]))
            if s <= b and e >= a]


def make_conv(i, now):
    start = now - 3000 + (i * 37) % 2500
    end = start + 200 + i % 300
    cid = str(uuid.uuid4())
    body = {"conversationId": cid, "conversationStart": iso(start), "conversationEnd": iso(end),
            "originatingDirection": "inbound" if i % 2 else "outbound",
            "participants": [{"participantId": str(uuid.uuid4()), "purpose": "customer",
                              "sessions": [{"sessionId": str(uuid.uuid4()), "mediaType": "voice",
                                            "direction": "inbound",
                                            "segments": [{"segmentStart": iso(start),
                                                          "segmentEnd": iso(end),
                                                          "segmentType": "interact",
                                                          "disconnectType": "peer"}]}]},
                             {"participantId": str(uuid.uuid4()), "purpose": "agent",
                              "userId": str(uuid.uuid4()),
                              "sessions": [{"sessionId": str(uuid.uuid4()), "mediaType": "voice",
                                            "direction": "inbound",
                                            "segments": [{"segmentStart": iso(start),
                                                          "segmentEnd": iso(end),
                                                          "segmentType": "wrapup",
                                                          "queueId": str(uuid.uuid4()),
                                                          "wrapUpCode": "ok \"quoted\" é"}]}]}]}
    return (start, end, body)


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, obj=None, headers=None):
        end = int(time.monotonic() * 1000)
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("inin-correlation-id", str(uuid.uuid4()))
        for k, v in dict(getattr(self, "rl", {}), **(headers or {})).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        with open(sys.argv[2], "a") as f:
            f.write("%d\t%d\t%s\t%s\t%d\t%s\n" % (
                self.t0, end, self.command, self.path, status,
                (headers or {}).get("Retry-After", "-")))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def rate_headers(self):
        """inin-ratelimit-* over fixed windows when ratelimit-allowed is set: the
        budget is enforced (429, Retry-After = seconds to the reset)."""
        allowed = faults["ratelimit-allowed"]
        if not allowed:
            return {}, False
        now = time.monotonic()
        if now - window["start"] >= WINDOW_S:
            window["start"], window["count"] = now, 0
        window["count"] += 1
        reset = max(1, int(window["start"] + WINDOW_S - now + 0.999))
        h = {"inin-ratelimit-allowed": str(allowed), "inin-ratelimit-count": str(window["count"]),
             "inin-ratelimit-reset": str(reset)}
        if window["count"] > allowed:
            h["Retry-After"] = str(reset)
            return h, True
        return h, False

    def analytics_limited(self):
        with lock:
            self.rl, over = self.rate_headers()
            if over:
                self.reply(429, {"message": "Rate limit exceeded", "code": "too.many.requests",
                                 "status": 429}, self.rl)
                return True
            counters["analytics"] += 1
            n = faults["analytics-429-every"]
            if n and counters["analytics"] % n == 0:
                self.reply(429, {"message": "Rate limit exceeded", "code": "too.many.requests",
                                 "status": 429}, {"Retry-After": "1"})
                return True
        return False

    def do_POST(self):
        self.rl = {}
        self.t0 = int(time.monotonic() * 1000)
        u = urlparse(self.path)
        q = parse_qs(u.query)
        data = self.body()
        if u.path == "/oauth/token":
            return self.reply(200, {"access_token": "fake-" + uuid.uuid4().hex,
                                    "token_type": "bearer", "expires_in": 86400})
        if u.path == "/admin/flush":
            return self.reply(200, {})
        if u.path == "/admin/faults":
            for k in faults:
                if k in q:
                    faults[k] = int(q[k][0])
            return self.reply(200, faults)
        if u.path == "/admin/notify/generate":
            now = int(time.time() * 1000)
            with lock:
                for i in range(int(q.get("count", ["1"])[0])):
                    convs.append(make_conv(len(convs) + i, now))
            return self.reply(200, {"conversations": len(convs)})
        if not self.headers.get("Authorization", "").startswith("Bearer fake-"):
            return self.reply(401, {"message": "no token", "code": "authentication.required"})
        if self.analytics_limited():
            return
        req = json.loads(data or b"{}")
        if u.path == QUERY:
            return self.reply(200, {"conversations": in_interval(req["interval"])})
        if u.path == JOBS:
            with lock:
                counters["jobs"] += 1
                n = faults["analytics-fail-every"]
                jid = str(uuid.uuid4())
                jobs[jid] = {"created": time.time(), "interval": req["interval"],
                             "fail": bool(n and counters["jobs"] % n == 0)}
            return self.reply(202, {"jobId": jid})
        return self.reply(404, {"message": "not found", "code": "not.found"})

    def do_GET(self):
        self.rl = {}
        self.t0 = int(time.monotonic() * 1000)
        u = urlparse(self.path)
        q = parse_qs(u.query)
        if u.path == "/admin/notify/conversations":
            with lock:
                return self.reply(200, [{"id": c["conversationId"], "start": c["conversationStart"],
                                         "end": c["conversationEnd"]} for (_, _, c) in convs])
        if not self.headers.get("Authorization", "").startswith("Bearer fake-"):
            return self.reply(401, {"message": "no token", "code": "authentication.required"})
        if not u.path.startswith(JOBS + "/"):
            return self.reply(404, {"message": "not found", "code": "not.found"})
        if self.analytics_limited():
            return
        parts = u.path[len(JOBS) + 1:].split("/")
        job = jobs.get(parts[0])
        if job is None:
            return self.reply(404, {"message": "no such job", "code": "not.found"})
        ready = time.time() - job["created"] >= faults["analytics-job-delay-ms"] / 1000
        state = "FULFILLED" if ready else "PENDING"
        if job["fail"] and ready:
            state = "FAILED"
        if len(parts) == 1:
            return self.reply(200, {"state": state})
        if state != "FULFILLED":
            return self.reply(400, {"message": "job not fulfilled", "code": "bad.request"})
        at = int(q.get("cursor", ["0"])[0])
        allc = in_interval(job["interval"])
        out = {"conversations": allc[at:at + PAGE]}
        if at + PAGE < len(allc):
            out["cursor"] = str(at + PAGE)
        return self.reply(200, out)


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("http://127.0.0.1:%d\n" % srv.server_address[1])
import os  # noqa: E402
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()

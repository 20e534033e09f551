"""Helpers for the gcb-sim integration tests: start the simulator on an
ephemeral loopback port, talk to it over real HTTP (urllib), stop it."""
import atexit
import base64
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"
_procs = []


def _cleanup():
    for p in _procs:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_cleanup)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))


def tmpdir():
    d = tempfile.mkdtemp(prefix="gcb-sim-test-%d-" % os.getpid())
    atexit.register(lambda: subprocess.call(["rm", "-rf", d]))
    return d


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


class Sim:
    def __init__(self, *args, client=True):
        bindir = os.environ.get("GCB_BIN", "bin")
        exe = os.path.join(bindir, "gcb-sim")
        self.dir = tmpdir()
        self.err = open(os.path.join(self.dir, "sim.err"), "w")
        cmd = [exe, "--listen", "127.0.0.1:0"]
        if client:
            cmd += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
        self.proc = subprocess.Popen(cmd + list(args), stdout=subprocess.PIPE,
                                     stderr=self.err)
        _procs.append(self.proc)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        self.url = self.proc.stdout.readline().decode().strip() if ready else ""
        if not self.url.startswith("http://127.0.0.1:"):
            self.proc.kill()
            self.proc.wait(30)
            sys.stdout.write(open(os.path.join(self.dir, "sim.err")).read())
            check(False, "simulator did not start: %r" % self.url)
        self._token = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def req(self, method, path, body=None, headers=None, timeout=60):
        h = dict(headers or {})
        data = body.encode() if isinstance(body, str) else body
        r = urllib.request.Request(self.url + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(r, timeout=timeout) as resp:
                return Response(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def token_req(self, cid=CLIENT_ID, secret=CLIENT_SECRET, body="grant_type=client_credentials"):
        basic = base64.b64encode(("%s:%s" % (cid, secret)).encode()).decode()
        return self.req("POST", "/oauth/token", body,
                        {"Authorization": "Basic " + basic,
                         "Content-Type": "application/x-www-form-urlencoded"})

    def token(self, fresh=False):
        if fresh or not self._token:
            r = self.token_req()
            check(r.status == 200, "token: %d %r" % (r.status, r.body))
            self._token = r.json()["access_token"]
        return self._token

    def auth(self):
        return {"Authorization": "Bearer " + self.token()}

    def create_stream(self, definition):
        return self.req("POST", "/api/v2/eventstreams", json.dumps(definition),
                        dict(self.auth(), **{"Content-Type": "application/json"}))

    def poll(self, stream, cursor=None, limit=None, timeout_ms=None, token=None):
        q = {}
        if cursor is not None:
            q["cursor"] = cursor
        if limit is not None:
            q["limit"] = str(limit)
        if timeout_ms is not None:
            q["timeoutMs"] = str(timeout_ms)
        path = "/api/v2/eventstreams/%s/poll" % stream
        if q:
            path += "?" + urllib.parse.urlencode(q)
        hdr = {"Authorization": "Bearer " + (token or self.token())}
        return self.req("GET", path, None, hdr)

    def drain(self, stream, cursor=None, limit=1000):
        """Polls until hasMore is false; returns (events, last cursor)."""
        events = []
        while True:
            r = self.poll(stream, cursor, limit)
            check(r.status == 200, "poll: %d %r" % (r.status, r.body[:300]))
            j = r.json()
            events += j["events"]
            cursor = j["cursor"]
            if not j["hasMore"]:
                return events, cursor

    def admin(self, method, what):
        r = self.req(method, "/admin/" + what)
        check(r.status == 200, "admin %s: %d %r" % (what, r.status, r.body))
        return r.json()

    def stats(self):
        return self.admin("GET", "stats")

    def all_events(self):
        out, pos = [], 0
        while True:
            j = self.admin("GET", "events?from=%d&limit=10000" % pos)
            out += j["events"]
            if j["next"] >= j["head"]:
                return out
            pos = j["next"]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(30)
        self.err.close()
        check(rc == 0, "simulator exit status %d" % rc)


def served_log(path):
    rows = []
    with open(path) as f:
        for line in f:
            i, et, eid, seq = line.rstrip("\n").split("\t")
            rows.append((i, et, eid, int(seq)))
    return rows

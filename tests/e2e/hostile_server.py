#!/usr/bin/python3
"""An independent implementation of the event-stream poll contract
(docs/poll-contract.md) that serves a hostile corpus (hostile_corpus.py).

Written apart from gcb-sim, in another language, with its own framing: the
answer is assembled from the corpus' raw bytes, members in varying order and
with varying whitespace. What it does on purpose:

  --torn-every N      the first request at every Nth cursor gets a body cut
                      in half (a transient truncation; the retry gets it whole)
  --empty-every N     every Nth poll answers no events, hasMore true, the
                      same cursor
  --bulk-at N         at cursor N, answer every remaining event at once,
                      whatever the limit (an answer of 10,000 events)
  --break-at N        (repeatable) every answer whose window holds event N has
                      its framing broken (cut short), until POST
                      /admin/heal?at=N; with
                      --cursor-first its cursor comes before the events, so
                      the broken answer still names the next position
  --fail-at N         polls at or after event N answer 503, until POST
                      /admin/heal?fail=1

Endpoints: POST /oauth/token, GET /api/v2/eventstreams/ID,
GET /api/v2/eventstreams/ID/poll, GET /admin/stats, POST /admin/heal,
POST /admin/heal. Listens on 127.0.0.1, an ephemeral port written to
--port-file as http://127.0.0.1:PORT.
"""
import argparse
import base64
import json
import os
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, events, args):
        self.events = events
        self.args = args
        self.lock = threading.Lock()
        self.polls = 0
        self.torn = set()
        self.break_at = set(args.break_at)
        self.fail_at = args.fail_at
        self.served_to = 0  # highest cursor position handed out
        self.broken_answers = 0


def answer(st, start, limit):
    a = st.args
    with st.lock:
        st.polls += 1
        polls = st.polls
        brk = set(st.break_at)
    n = len(st.events)
    if a.empty_every and polls % a.empty_every == 0 and start < n:
        end = start
    elif a.bulk_at is not None and start == a.bulk_at:
        end = n
    else:
        end = min(n, start + limit)
    evs = st.events[start:end]
    more = b"true" if end < n else b"false"
    cursor = b'"c%d"' % end
    sep = b", " if polls % 2 else b","
    events = b"[" + sep.join(evs) + b"]"
    if a.cursor_first or polls % 3 == 0:
        body = b'{"cursor":' + cursor + b',"hasMore":' + more + b',\n"events":' + events + b"}"
    else:
        body = b'{ "events" : ' + events + b' , "cursor":' + cursor + b',"hasMore":' + more + b"}"
    broken = any(start <= b < max(end, start + 1) for b in brk)
    with st.lock:
        if broken:
            st.broken_answers += 1
            return body[: max(1, len(body) - 7 - len(body) // 4)]
        if a.torn_every and start % a.torn_every == 0 and start not in st.torn and end > start:
            st.torn.add(start)
            return body[: len(body) // 2]
        st.served_to = max(st.served_to, end)
    return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, body, ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        st = self.server.state
        u = urllib.parse.urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if u.path == "/oauth/token":
            self.send(200, b'{"access_token":"hostile-token","token_type":"bearer",'
                           b'"expires_in":86400}')
        elif u.path == "/admin/heal":
            q = urllib.parse.parse_qs(u.query)
            with st.lock:
                for at in q.get("at", []):
                    st.break_at.discard(int(at))
                if q.get("fail"):
                    st.fail_at = None
            self.send(200, b"{}")
        else:
            self.send(404, b'{"code":"not.found","status":404}')

    def do_GET(self):
        st = self.server.state
        u = urllib.parse.urlparse(self.path)
        parts = u.path.strip("/").split("/")
        if u.path == "/admin/stats":
            with st.lock:
                body = json.dumps({"events": len(st.events), "served_to": st.served_to,
                                   "polls": st.polls, "broken_answers": st.broken_answers,
                                   "break_at": sorted(st.break_at)}).encode()
            self.send(200, body)
            return
        if self.headers.get("Authorization") != "Bearer hostile-token":
            self.send(401, b'{"code":"authentication.required","status":401}')
            return
        if parts[:3] == ["api", "v2", "eventstreams"] and len(parts) == 4:
            if parts[3] != st.args.stream_id:
                self.send(404, b'{"code":"not.found","status":404}')
            else:
                self.send(200, json.dumps({"id": parts[3], "name": "hostile"}).encode())
            return
        if parts[:3] == ["api", "v2", "eventstreams"] and len(parts) == 5 and parts[4] == "poll":
            q = urllib.parse.parse_qs(u.query)
            cur = q.get("cursor", ["c0"])[0]
            try:
                start = int(cur[1:]) if cur.startswith("c") else -1
            except ValueError:
                start = -1
            if start < 0 or start > len(st.events):
                self.send(400, b'{"code":"bad.request","status":400}')
                return
            limit = max(1, min(1000, int(q.get("limit", ["100"])[0])))
            with st.lock:
                failing = st.fail_at is not None and start >= st.fail_at
            if failing:
                self.send(503, b'{"code":"service.unavailable","status":503}')
                return
            self.send(200, answer(st, start, limit))
            return
        self.send(404, b'{"code":"not.found","status":404}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--stream-id", default="s1")
    ap.add_argument("--torn-every", type=int, default=0)
    ap.add_argument("--empty-every", type=int, default=0)
    ap.add_argument("--bulk-at", type=int, default=None)
    ap.add_argument("--break-at", type=int, action="append", default=[])
    ap.add_argument("--fail-at", type=int, default=None)
    ap.add_argument("--cursor-first", action="store_true")
    args = ap.parse_args()
    with open(args.corpus) as f:
        events = [base64.b64decode(json.loads(line)["raw"]) for line in f]
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.state = State(events, args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("http://127.0.0.1:%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()

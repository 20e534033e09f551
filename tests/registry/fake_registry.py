#!/usr/bin/python3
"""A small, faithful Confluent Schema Registry for tests (REST API v1, Avro only).

Endpoints (under an optional path prefix, e.g. /apis/ccompat/v7 like Apicurio):
  POST /subjects/{s}/versions            register -> {"id": N} (409 when incompatible)
  POST /subjects/{s}                     lookup -> {"subject","version","id","schema"}
  GET  /subjects                         ["s", ...]
  GET  /subjects/{s}/versions            [1, 2, ...]
  GET  /subjects/{s}/versions/{v|latest} {"subject","version","id","schema"}
  GET  /schemas/ids/{id}                 {"schema": "..."}
  POST /compatibility/subjects/{s}/versions/{v|latest}[?verbose=true]
                                         {"is_compatible": bool[, "messages": [...]]}
  GET/PUT /config, GET/PUT /config/{s}   compatibility levels (default BACKWARD)
Errors: {"error_code": N, "message": "..."} with Confluent's codes (40401
subject not found, 40402 version not found, 40403 schema not found, 40408 no
subject-level config, 409 incompatible, 42201 invalid schema, 42203 invalid
level, 401 unauthorized, 50001 store error).

Schema ids are global and stable: the same Parsing Canonical Form always gets
the same id, under any subject. Canonical form and compatibility come from
bin/gcb-schema (canonical, check) so the fake and gcbridge agree on Avro.

Test controls (outside the API, never under the prefix):
  POST /__fake/fail?count=N&status=S     the next N API requests answer S
  GET  /__fake/stats                     {"requests": N}
Binds 127.0.0.1:0 (or --port) and writes its base URL (with the prefix) to --url-file.
Logs one line per request to stderr: method, path, status (never headers).
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CT = "application/vnd.schemaregistry.v1+json"
LEVELS = ("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE",
          "FULL", "FULL_TRANSITIVE")


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Store:
    def __init__(self, tool, workdir):
        self.tool = tool
        self.lock = threading.Lock()
        self.by_canon = {}   # canonical form -> id
        self.by_id = {}      # id -> raw schema text (first registered)
        self.subjects = {}   # subject -> [(version, id, raw)]
        self.config = {}     # subject -> level
        self.global_level = "BACKWARD"
        self.fail_count = 0
        self.fail_status = 500
        self.requests = 0
        # beside the URL file: the test's own directory, removed by the test even
        # when this process is killed
        self.tmp = tempfile.mkdtemp(prefix="fake-registry-", dir=workdir)

    def _file(self, name, text):
        p = os.path.join(self.tmp, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def canonical(self, raw):
        if not isinstance(raw, str):
            raise ApiError(422, 42201, "Invalid schema: schema must be a string")
        p = self._file("c.avsc", raw)
        r = subprocess.run([self.tool, "canonical", p], capture_output=True, text=True)
        if r.returncode != 0:
            first = (r.stdout + r.stderr).strip().splitlines()
            raise ApiError(422, 42201, "Invalid schema: " + (first[0] if first else "lint"))
        return r.stdout.strip()

    def can_read(self, reader, writer):
        """Can data written with writer be read with reader? (ok, messages)"""
        w = self._file("w.avsc", writer)
        rd = self._file("r.avsc", reader)
        r = subprocess.run([self.tool, "check", w, rd], capture_output=True, text=True)
        # "FILE: PATH: REASON" lines; the temporary file names mean nothing to a client
        msgs = [l.split(": ", 1)[1] if l.startswith(self.tmp) else l
                for l in (r.stdout + r.stderr).splitlines()
                if l.strip() and not l.startswith("incompatible:")]
        return r.returncode == 0, msgs

    def compatible(self, subject, raw, against):
        level = self.config.get(subject, self.global_level)
        if level == "NONE" or not against:
            return True, []
        olds = against if level.endswith("_TRANSITIVE") else against[-1:]
        msgs = []
        for (_, _, old) in olds:
            if level.startswith(("BACKWARD", "FULL")):
                ok, m = self.can_read(raw, old)
                if not ok:
                    msgs += m
            if level.startswith(("FORWARD", "FULL")):
                ok, m = self.can_read(old, raw)
                if not ok:
                    msgs += m
        return not msgs, msgs

    def versions(self, subject):
        if subject not in self.subjects:
            raise ApiError(404, 40401, "Subject '%s' not found." % subject)
        return self.subjects[subject]

    def version(self, subject, v):
        vs = self.versions(subject)
        if v == "latest":
            return vs[-1]
        try:
            n = int(v)
        except ValueError:
            raise ApiError(422, 42202, "The specified version '%s' is not a valid version "
                           "id. Allowed values are between [1, 2^31-1] and the string "
                           "\"latest\"" % v)
        for e in vs:
            if e[0] == n:
                return e
        raise ApiError(404, 40402, "Version %d not found." % n)

    def register(self, subject, raw):
        canon = self.canonical(raw)
        vs = self.subjects.get(subject, [])
        for (v, i, r) in vs:
            if self.by_id[i] is not None and self.by_canon.get(canon) == i:
                return i
        ok, msgs = self.compatible(subject, raw, vs)
        if not ok:
            raise ApiError(409, 409, "Schema being registered is incompatible with an "
                           "earlier schema for subject \"%s\", details: %s" %
                           (subject, "; ".join(msgs)))
        i = self.by_canon.get(canon)
        if i is None:
            i = len(self.by_canon) + 1
            self.by_canon[canon] = i
            self.by_id[i] = raw
        vs.append(((vs[-1][0] + 1) if vs else 1, i, raw))
        self.subjects[subject] = vs
        return i

    def lookup(self, subject, raw):
        vs = self.versions(subject)
        canon = self.canonical(raw)
        i = self.by_canon.get(canon)
        for (v, vi, r) in vs:
            if vi == i:
                return {"subject": subject, "version": v, "id": vi, "schema": r}
        raise ApiError(404, 40403, "Schema not found")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-registry/1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", CT)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        sys.stderr.write("fake-registry: %s %s -> %d\n" % (self.command, self.path, status))
        sys.stderr.flush()

    def error(self, status, code, message, extra=None):
        self.reply(status, {"error_code": code, "message": message}, extra)

    def body_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        try:
            return json.loads(data.decode("utf-8")) if data else {}
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, 400, "Unrecognized request body: not JSON")

    def authorized(self):
        opts = self.server.opts
        if opts.user is None:
            return True
        h = self.headers.get("Authorization") or ""
        if not h.startswith("Basic "):
            return False
        try:
            got = base64.b64decode(h[6:], validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return False
        return got == "%s:%s" % (opts.user, opts.password)

    def handle_any(self, method):
        store = self.server.store
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path
        try:
            if path.startswith("/__fake/"):
                return self.control(method, path, query)
            prefix = self.server.opts.prefix
            if prefix:
                if not path.startswith(prefix + "/"):
                    raise ApiError(404, 404, "HTTP 404 Not Found")
                path = path[len(prefix):]
            with store.lock:
                store.requests += 1
                if store.fail_count > 0:
                    store.fail_count -= 1
                    self.body_json()
                    raise ApiError(store.fail_status, 50001,
                                   "Error in the backend data store")
            if not self.authorized():
                self.body_json()
                raise ApiError(401, 401, "Unauthorized",)
            parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
            body = self.body_json() if method in ("POST", "PUT") else None
            with store.lock:
                status, obj = self.route(method, parts, body, query)
            self.reply(status, obj)
        except ApiError as e:
            extra = {"WWW-Authenticate": 'Basic realm="fake"'} if e.status == 401 else None
            self.error(e.status, e.code, e.message, extra)

    def control(self, method, path, query):
        store = self.server.store
        if method == "POST" and path == "/__fake/fail":
            self.body_json()
            with store.lock:
                store.fail_count = int(query.get("count", ["1"])[0])
                store.fail_status = int(query.get("status", ["500"])[0])
            return self.reply(200, {})
        if method == "GET" and path == "/__fake/stats":
            with store.lock:
                return self.reply(200, {"requests": store.requests})
        raise ApiError(404, 404, "HTTP 404 Not Found")

    def schema_of(self, body):
        if not isinstance(body, dict) or "schema" not in body:
            raise ApiError(422, 42201, "Invalid schema: missing \"schema\"")
        st = body.get("schemaType", "AVRO")
        if st != "AVRO":
            raise ApiError(422, 42201, "Invalid schema type %s: only AVRO here" % st)
        return body["schema"]

    def route(self, method, p, body, query):
        store = self.server.store
        n = len(p)
        if p == ["subjects"] and method == "GET":
            return 200, sorted(store.subjects)
        if n == 3 and p[0] == "subjects" and p[2] == "versions":
            if method == "POST":
                return 200, {"id": store.register(p[1], self.schema_of(body))}
            if method == "GET":
                return 200, [v for (v, _, _) in store.versions(p[1])]
        if n == 2 and p[0] == "subjects" and method == "POST":
            return 200, store.lookup(p[1], self.schema_of(body))
        if n == 4 and p[0] == "subjects" and p[2] == "versions" and method == "GET":
            v, i, raw = store.version(p[1], p[3])
            return 200, {"subject": p[1], "version": v, "id": i, "schema": raw}
        if n == 3 and p[:2] == ["schemas", "ids"] and method == "GET":
            try:
                i = int(p[2])
            except ValueError:
                i = -1
            if i not in store.by_id:
                raise ApiError(404, 40403, "Schema %s not found" % p[2])
            return 200, {"schema": store.by_id[i]}
        if n == 5 and p[:2] == ["compatibility", "subjects"] and p[3] == "versions" \
                and method == "POST":
            raw = self.schema_of(body)
            store.canonical(raw)
            entry = store.version(p[2], p[4])
            level = store.config.get(p[2], store.global_level)
            # against one version (the one named), with the subject's level
            ok, msgs = store.compatible(p[2], raw, [entry]) if level != "NONE" else (True, [])
            out = {"is_compatible": ok}
            if query.get("verbose", ["false"])[0] == "true":
                out["messages"] = msgs
            return 200, out
        if p[0] == "config" and n in (1, 2):
            if method == "GET":
                if n == 1:
                    return 200, {"compatibilityLevel": store.global_level}
                if p[1] in store.config:
                    return 200, {"compatibilityLevel": store.config[p[1]]}
                if query.get("defaultToGlobal", ["false"])[0] == "true":
                    return 200, {"compatibilityLevel": store.global_level}
                raise ApiError(404, 40408, "Subject '%s' does not have subject-level "
                               "compatibility configured" % p[1])
            if method == "PUT":
                level = body.get("compatibility") if isinstance(body, dict) else None
                if level not in LEVELS:
                    raise ApiError(422, 42203, "Invalid compatibility level. Valid values "
                                   "are none, backward, forward, full, backward_transitive, "
                                   "forward_transitive, and full_transitive")
                if n == 1:
                    store.global_level = level
                else:
                    store.config[p[1]] = level
                return 200, {"compatibility": level}
        raise ApiError(404, 404, "HTTP 404 Not Found")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url-file", required=True)
    ap.add_argument("--tool", required=True, help="path of bin/gcb-schema")
    ap.add_argument("--prefix", default="", help="path prefix, e.g. /apis/ccompat/v7")
    ap.add_argument("--user")
    ap.add_argument("--password-file", help="file holding the basic-auth password")
    ap.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    opts = ap.parse_args()
    opts.prefix = opts.prefix.rstrip("/")
    opts.password = None
    if opts.password_file:
        with open(opts.password_file) as f:
            opts.password = f.read().strip()
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    srv.daemon_threads = True
    srv.opts = opts
    srv.store = Store(opts.tool, os.path.dirname(os.path.abspath(opts.url_file)))
    url = "http://127.0.0.1:%d%s" % (srv.server_address[1], opts.prefix)
    tmp = opts.url_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(url + "\n")
    os.rename(tmp, opts.url_file)
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(srv.store.tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

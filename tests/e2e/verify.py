#!/usr/bin/python3
"""End-to-end verifier: what the simulator served against what reached Kafka.

Reads every message of the main topics and of the DLQ topic with kcat (two
passes per topic: -J for partition, offset, timestamp, key and headers; a
length-prefixed -f pass for the exact value bytes), decodes the Avro values
with python3-avro (Confluent frame: 0x00 + 4-byte big-endian schema id, id ->
schema through schemas/schema-ids.json and schemas/routes.json), and compares
them with the simulator's logs:

  --served-log  id<TAB>entityType<TAB>entityId<TAB>sequence per served event
                (the set of ids a client received)
  --events-log  every generated event as JSON, one per line (values, DLQ
                reasons and raw DLQ payloads are checked against it)

The expected outcome of each event is computed independently from the JSON
and the .avsc files (the mapping rules of docs/validator.md): either an Avro
record on its route's topic, keyed by the route's key path, or a DLQ record
with a given error.reason / error.field and the raw event as value.

Prints one summary line ("verify: served=... lost=... ...") and up to
--show lines "FAIL: ..." / "NOTE: ...". Exit status: 0 all checks passed,
1 a check failed (lost > 0, order violations, wrong values, wrong reasons,
misrouted events, ...), 2 usage or I/O error (kcat failed, bad file).

Run with /usr/bin/python3 (Debian's python3-avro).
"""
import argparse
import collections
import datetime
import io
import json
import os
import re
import subprocess
import sys

try:
    import avro.io
    import avro.schema
except ImportError:  # pragma: no cover
    sys.stderr.write("verify.py: python3-avro missing (run with /usr/bin/python3)\n")
    sys.exit(2)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMAS = os.path.normpath(os.path.join(HERE, "..", "..", "schemas"))
DEFAULT_DLQ_TOPIC = "genesys.dlq"  # the default of gcbridge's producer.dlq_topic
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
MAX_SAFE = (1 << 53) - 1
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)$")
PRIMS = {"null", "boolean", "int", "long", "float", "double", "string", "bytes"}


class Usage(Exception):
    pass


class Reject(Exception):
    def __init__(self, reason, path, detail=""):
        Exception.__init__(self, reason)
        self.reason, self.path, self.detail = reason, path, detail


# ---------------------------------------------------------------- schemas
class Schemas:
    """routes.json + schema-ids.json + the .avsc files (raw JSON kept)."""

    def __init__(self, sdir, routes_path=None, ids_path=None):
        routes_path = routes_path or os.path.join(sdir, "routes.json")
        ids_path = ids_path or os.path.join(os.path.dirname(routes_path), "schema-ids.json")
        with open(routes_path) as f:
            rf = json.load(f)
        with open(ids_path) as f:
            ids = json.load(f)
        self.dlq_topic = DEFAULT_DLQ_TOPIC  # --dlq-topic: gcbridge's producer.dlq_topic
        self.strict = False  # --strict: gcbridge's schemas.strict
        self.routes = []
        self.by_id = {}  # schema id -> (fullname, reader, raw, names)
        for r in rf["routes"]:
            path = os.path.join(os.path.dirname(routes_path), r["schema"])
            with open(path) as f:
                text = f.read()
            raw = json.loads(text)
            names = {}
            fullname = collect_names(raw, "", names)
            parsed = avro.schema.parse(text)
            entry = ids.get(fullname)
            if entry is None:
                raise Usage("%s: no id for %s in %s" % (path, fullname, ids_path))
            sid = entry["id"] if isinstance(entry, dict) else int(entry)
            ver = entry.get("version", 1) if isinstance(entry, dict) else 1
            self.by_id[sid] = (fullname, avro.io.DatumReader(parsed), raw, names)
            self.routes.append({
                "name": r.get("name", ""), "match": r.get("match", {}),
                "topic": r["topic"], "key": r["key"], "filter": r.get("filter"),
                "raw": raw, "names": names, "fullname": fullname, "id": sid, "version": ver})
        self.topics = sorted({r["topic"] for r in self.routes})

    def route(self, ev):
        for r in self.routes:
            ok = True
            for k, v in r["match"].items():
                got = jpath(ev, k)
                if isinstance(v, dict) and "glob" in v:
                    import fnmatch
                    ok = isinstance(got, str) and fnmatch.fnmatchcase(got, v["glob"])
                else:
                    ok = isinstance(got, str) and got == v
                if not ok:
                    break
            if ok:
                return r
        return None


def collect_names(s, ns, names):
    """Registers every named type of schema s; returns the full name of s."""
    if isinstance(s, list):
        for b in s:
            collect_names(b, ns, names)
        return None
    if not isinstance(s, dict):
        return None
    t = s.get("type")
    if t in ("record", "error", "enum", "fixed"):
        name = s["name"]
        nns = s.get("namespace", ns)
        full = name if "." in name else ("%s.%s" % (nns, name) if nns else name)
        names[full] = s
        names.setdefault(full.rsplit(".", 1)[-1], s)
        inner_ns = full.rsplit(".", 1)[0] if "." in full else ""
        if t in ("record", "error"):
            for fld in s["fields"]:
                collect_names(fld["type"], inner_ns, names)
        return full
    if t == "array":
        collect_names(s["items"], ns, names)
    elif t == "map":
        collect_names(s["values"], ns, names)
    elif isinstance(t, (dict, list)):
        collect_names(t, ns, names)
    return None


def jpath(doc, path):
    cur = doc
    for seg in path.split("."):
        if not isinstance(cur, dict) or seg not in cur:
            return None
        cur = cur[seg]
    return cur


# ---------------------------------------------------------------- the mapping rules
def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def integral(v, path):
    if not is_num(v):
        raise Reject("wrong_type", path, "not a number")
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            raise Reject("out_of_range", path)
        if v != int(v):
            raise Reject("wrong_type", path, "not integral")
        v = int(v)
    return v


def iso_ms(s, path):
    m = ISO_RE.match(s) if isinstance(s, str) else None
    if not m:
        raise Reject("bad_timestamp", path)
    y, mo, d, h, mi, sec = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    frac = (m.group(7) or "")[:6].ljust(6, "0")
    try:
        dt = datetime.datetime(y, mo, d, h, mi, sec, int(frac), tzinfo=datetime.timezone.utc)
    except ValueError:
        raise Reject("bad_timestamp", path)
    z = m.group(8)
    if z not in ("Z", "z"):
        sign = -1 if z[0] == "-" else 1
        digits = z[1:].replace(":", "")
        off = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
        dt -= sign * datetime.timedelta(minutes=off)
    us = (dt - EPOCH) // datetime.timedelta(microseconds=1)
    return us // 1000


def json_kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if is_num(v):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def base_type(s, names):
    """(type name, schema dict or None) with named references resolved."""
    if isinstance(s, list):
        return "union", s
    if isinstance(s, str):
        if s in PRIMS:
            return s, None
        if s in names:
            return base_type(names[s], names)
        raise Reject("encode_failed", "", "unknown type %s" % s)
    t = s["type"]
    if isinstance(t, (dict, list)) or (isinstance(t, str) and t not in PRIMS and t not in (
            "record", "error", "enum", "fixed", "array", "map")):
        return base_type(t, names)
    return t, s


def type_name(s, names):
    t, d = base_type(s, names)
    if t in ("record", "error", "enum", "fixed"):
        return d["name"]
    return t


def fits_kind(s, kind, names):
    t, d = base_type(s, names)
    lt = d.get("logicalType") if isinstance(d, dict) else None
    if t in ("int", "long") and lt in ("timestamp-millis", "timestamp-micros") and kind == "string":
        return True
    return {"null": kind == "null", "boolean": kind == "boolean",
            "int": kind == "number", "long": kind == "number", "float": kind == "number",
            "double": kind == "number", "string": kind == "string",
            "bytes": kind == "string", "fixed": kind == "string", "enum": kind == "string",
            "array": kind == "array", "map": kind == "object", "record": kind == "object",
            "error": kind == "object", "union": False}.get(t, False)


def expect(s, v, path, names, strict=False, root=True, received_at=None):
    """The value python-avro must decode for JSON v under schema s, or Reject."""
    t, d = base_type(s, names)
    logical = d.get("logicalType") if isinstance(d, dict) else None
    if isinstance(s, dict) and logical is None:
        logical = s.get("logicalType")
    if t == "union":
        if v is None:
            if any(base_type(b, names)[0] == "null" for b in d):
                return None
            raise Reject("wrong_type", path, "null")
        if isinstance(v, dict) and len(v) == 1:
            (k, inner), = v.items()
            for b in d:
                bt, bd = base_type(b, names)
                full = None
                if bt in ("record", "error", "enum", "fixed"):
                    full = bd["name"]
                if k == bt or k == full or (full and k == full.rsplit(".", 1)[-1]) or (
                        full and "." in k and k.rsplit(".", 1)[-1] == full.rsplit(".", 1)[-1]):
                    return expect(b, inner, path, names, strict, False)
        kind = json_kind(v)
        cands = [b for b in d if fits_kind(b, kind, names)]
        if len(cands) == 1:
            return expect(cands[0], v, path, names, strict, False)
        if not cands:
            raise Reject("wrong_type", path, "no union branch")
        ok = []
        for b in cands:
            try:
                ok.append(expect(b, v, path, names, strict, False))
            except Reject:
                pass
        if len(ok) == 1:
            return ok[0]
        raise Reject("ambiguous_union" if ok else "wrong_type", path)
    if t == "null":
        if v is not None:
            raise Reject("wrong_type", path)
        return None
    if t == "boolean":
        if not isinstance(v, bool):
            raise Reject("wrong_type", path)
        return v
    if t in ("int", "long"):
        if logical in ("timestamp-millis", "timestamp-micros") and isinstance(v, str):
            ms = iso_ms(v, path)
            return ms if logical == "timestamp-millis" else None
        if logical in ("timestamp-millis", "timestamp-micros") and not is_num(v):
            raise Reject("bad_timestamp", path)
        n = integral(v, path)
        if t == "int" and not (-(1 << 31) <= n < (1 << 31)):
            raise Reject("out_of_range", path)
        if t == "long" and abs(n) > MAX_SAFE:
            raise Reject("out_of_range", path)
        return n
    if t in ("float", "double"):
        if not is_num(v):
            raise Reject("wrong_type", path)
        return float(v)
    if t == "string":
        if not isinstance(v, str):
            raise Reject("wrong_type", path)
        if logical == "uuid" and not UUID_RE.match(v):
            raise Reject("bad_uuid", path)
        return v
    if t in ("bytes", "fixed"):
        if not isinstance(v, str):
            raise Reject("wrong_type", path)
        if any(ord(c) > 255 for c in v):
            raise Reject("bad_bytes", path)
        b = v.encode("latin-1")
        if t == "fixed" and len(b) != d["size"]:
            raise Reject("bad_bytes", path)
        return b
    if t == "enum":
        if not isinstance(v, str):
            raise Reject("wrong_type", path)
        if v not in d["symbols"]:
            raise Reject("bad_enum", path)
        return v
    if t == "array":
        if not isinstance(v, list):
            raise Reject("wrong_type", path)
        return [expect(d["items"], x, "%s[%d]" % (path, i), names, strict, False)
                for i, x in enumerate(v)]
    if t == "map":
        if not isinstance(v, dict):
            raise Reject("wrong_type", path)
        return {k: expect(d["values"], x, "%s.%s" % (path, k) if path else k, names, strict,
                          False) for k, x in v.items()}
    if t in ("record", "error"):
        if not isinstance(v, dict):
            raise Reject("wrong_type", path)
        out = {}
        known = set()
        for fld in d["fields"]:
            name = fld["name"]
            known.add(name)
            fp = "%s.%s" % (path, name) if path else name
            if root and name == "received_at":
                out[name] = received_at
                continue
            if name in v:
                out[name] = expect(fld["type"], v[name], fp, names, strict, False)
            elif "default" in fld:
                out[name] = default_value(fld["type"], fld["default"], names)
            else:
                raise Reject("missing_field", fp)
        if strict:
            for k in v:
                if k not in known:
                    raise Reject("unknown_field", "%s.%s" % (path, k) if path else k)
        return out
    raise Reject("encode_failed", path, "type %s" % t)


def default_value(s, dv, names):
    t, d = base_type(s, names)
    if t == "union":
        return default_value(d[0], dv, names)
    return expect(s, dv, "", names, False, False)


def normalise(v):
    """python-avro's decoded value with logical types turned back into plain values."""
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return (v - EPOCH) // datetime.timedelta(milliseconds=1)
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if type(v).__name__ == "UUID":
        return str(v)
    return v


def diff(exp, got, path, out):
    if isinstance(exp, dict) and isinstance(got, dict):
        for k in sorted(set(exp) | set(got)):
            diff(exp.get(k, "<absent>"), got.get(k, "<absent>"), "%s.%s" % (path, k) if path
                 else k, out)
    elif isinstance(exp, list) and isinstance(got, list) and len(exp) == len(got):
        for i, (a, b) in enumerate(zip(exp, got)):
            diff(a, b, "%s[%d]" % (path, i), out)
    elif exp != got or type(exp) is not type(got) and not (is_num(exp) and is_num(got)):
        out.append("%s: expected %r, got %r" % (path, exp, got))


# ---------------------------------------------------------------- Kafka
def kcat_all(jobs, timeout):
    """Runs every kcat command of jobs at once (output to temp files, so they
    overlap with each other and never block on a pipe); returns their stdouts."""
    import tempfile
    procs = []
    with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
        try:
            for i, args in enumerate(jobs):
                out = open(os.path.join(tmp, "%d.out" % i), "wb")
                err = open(os.path.join(tmp, "%d.err" % i), "wb")
                procs.append((["kcat"] + args, subprocess.Popen(["kcat"] + args, stdout=out,
                                                                  stderr=err), out, err))
        except FileNotFoundError:
            raise Usage("kcat not installed")
        results = []
        try:
            for i, (cmd, p, out, err) in enumerate(procs):
                try:
                    rc = p.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    raise Usage("kcat timed out after %d s: %s" % (timeout, " ".join(cmd)))
                out.close()
                err.close()
                if rc != 0:
                    with open(err.name, "rb") as f:
                        msg = f.read().decode(errors="replace")[-500:]
                    raise Usage("kcat failed (%d): %s: %s" % (rc, " ".join(cmd), msg))
                with open(out.name, "rb") as f:
                    results.append(f.read())
        finally:
            for _, p, out, err in procs:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                out.close()
                err.close()
    return results


def read_topics(bs, topics, timeout):
    """Every message of every topic (see parse_topic), read concurrently."""
    jobs = []
    for t in topics:
        base = ["-C", "-b", bs, "-t", t, "-o", "beginning", "-e", "-q"]
        jobs += [base + ["-J"], base + ["-f", "%p %o %S\n%s\n"]]
    outs = kcat_all(jobs, timeout)
    return {t: parse_topic(t, outs[2 * i], outs[2 * i + 1]) for i, t in enumerate(topics)}


def parse_topic(topic, js, raw):
    """Joins kcat's -J pass (metadata, headers) and its length-prefixed raw
    pass (value bytes) into dicts with partition, offset, ts, key, headers,
    value."""
    meta = {}
    first = {}
    for line in js.splitlines():
        if not line.strip():
            continue
        # The -J payload of an Avro value is not valid UTF-8 (and unused).
        m = json.loads(line.decode("utf-8", "surrogateescape"))
        h = m.get("headers") or []
        hd = {}
        for i in range(0, len(h) - 1, 2):
            hd[h[i]] = h[i + 1]
        first.setdefault(m["partition"], m["offset"])
        meta[(m["partition"], m["offset"])] = {
            "topic": topic, "partition": m["partition"], "offset": m["offset"],
            "ts": m.get("ts"), "key": m.get("key"), "headers": hd, "value": None}
    pos = 0
    n = 0
    while pos < len(raw):
        nl = raw.index(b"\n", pos)
        p, o, size = (int(x) for x in raw[pos:nl].split())
        pos = nl + 1
        val = None
        if size >= 0:
            val = raw[pos:pos + size]
            pos += size
        if raw[pos:pos + 1] != b"\n":
            raise Usage("kcat output of %s not framed as expected at byte %d" % (topic, pos))
        pos += 1
        n += 1
        if (p, o) not in meta:
            raise Usage("%s: message %d/%d missing from the -J pass" % (topic, p, o))
        meta[(p, o)]["value"] = val
    if n != len(meta):
        raise Usage("%s: %d messages in the -J pass, %d in the raw pass (still producing?)"
                    % (topic, len(meta), n))
    # librdkafka's mock cluster keeps at most 5 MiB (100000 message sets)
    # per partition and drops the oldest beyond that: a partition that no
    # longer starts at offset 0 cannot be verified.
    cut = sorted((p, o) for p, o in first.items() if o != 0)
    if cut:
        raise Usage("%s: partitions %s no longer start at offset 0 (first offsets %s): the "
                    "broker dropped old messages; use more partitions or fewer events"
                    % (topic, [p for p, _ in cut], [o for _, o in cut]))
    return sorted(meta.values(), key=lambda m: (m["partition"], m["offset"]))


# ---------------------------------------------------------------- the report
class Report:
    def __init__(self, show):
        self.c = collections.OrderedDict()
        self.fails = []
        self.notes = []
        self.show = show
        self.examples = collections.Counter()

    def inc(self, name, n=1):
        self.c[name] = self.c.get(name, 0) + n

    def fail(self, kind, msg):
        self.inc(kind)
        self.examples[kind] += 1
        if self.examples[kind] <= self.show:
            self.fails.append("%s: %s" % (kind, msg))

    def note(self, msg):
        self.notes.append(msg)


def parse_windows(specs):
    out = []
    for s in specs or []:
        for part in s.split(","):
            if not part:
                continue
            lo, hi = part.split(":")
            out.append((int(lo), int(hi)))
    return out


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Exit: 0 ok, 1 a check failed (lost, order, values, reasons, ...), 2 usage/I-O "
               "error. Output: one line 'verify: k=v ...', then FAIL:/NOTE: lines.")
    ap.add_argument("-b", "--bootstrap", required=True, help="Kafka bootstrap servers")
    ap.add_argument("--events-log", help="gcb-sim --events-log file (JSON per line)")
    ap.add_argument("--served-log", help="gcb-sim --served-log file (id TAB type TAB entity TAB seq)")
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS,
                    help="schema directory with routes.json and schema-ids.json (default: %(default)s)")
    ap.add_argument("--routes", help="routing file (default: SCHEMAS/routes.json)")
    ap.add_argument("--topic", action="append",
                    help="main topic to read (repeatable; default: every route's topic)")
    ap.add_argument("--rename-topic", action="append", default=[], metavar="ROUTE_TOPIC=TOPIC",
                    help="a route's topic is called TOPIC in this cluster (repeatable)")
    ap.add_argument("--dlq-topic", help="DLQ topic, gcbridge's producer.dlq_topic (default: %s)"
                    % DEFAULT_DLQ_TOPIC)
    ap.add_argument("--extra-topic", action="append", default=[],
                    help="another topic that must stay empty, e.g. the producer's own "
                         "dlq topic for malformed ring records (repeatable)")
    ap.add_argument("--stream", help="expected source.stream header")
    ap.add_argument("--strict", action="store_true", help="the validators run in strict mode")
    ap.add_argument("--max-dups", type=int, default=-1,
                    help="fail when more duplicate copies than this (default: no limit)")
    ap.add_argument("--dup-window", action="append", metavar="LO:HI[,LO:HI]",
                    help="every duplicated event's batch.seq header must lie in one window "
                         "LO < batch.seq <= HI (the batches in flight at a kill)")
    ap.add_argument("--dup-pos-window", action="append", metavar="LO:HI[,LO:HI]",
                    help="every duplicated event's position in the events log (from 0) "
                         "must lie in one window LO <= position < HI, and the duplicate "
                         "copies must not outnumber the windows' positions: windows from "
                         "evidence outside gcbridge (the checkpoint file's cursor and what "
                         "the simulator had served at a kill)")
    ap.add_argument("--dups-one-record", action="store_true",
                    help="every duplicated event's copies must carry one and the same "
                         "batch.seq header: a ring record produced once and stored twice by "
                         "the cluster (a produce request retried by librdkafka), never the "
                         "event fed again in another batch")
    ap.add_argument("--no-values", action="store_true", help="skip decoding and value checks")
    ap.add_argument("--decode-every", type=int, default=1,
                    help="decode and compare every Nth main-topic message (default 1 = all)")
    ap.add_argument("--kcat-timeout", type=int, default=120, help="seconds per kcat run")
    ap.add_argument("--show", type=int, default=5, help="examples printed per failure kind")
    ap.add_argument("--json", dest="json_out", help="write the full report as JSON here")
    ap.add_argument("--dup-ids", help="write the duplicated event ids here, one per line")
    a = ap.parse_args()

    try:
        return run(a)
    except Usage as e:
        print("verify: error: %s" % e, file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:
        print("verify: error: %s" % e, file=sys.stderr)
        return 2


def run(a):
    if not a.events_log and not a.served_log:
        raise Usage("give --events-log and/or --served-log")
    sch = Schemas(a.schemas, a.routes)
    for spec in a.rename_topic:
        old, _, new = spec.partition("=")
        if not new:
            raise Usage("--rename-topic wants ROUTE_TOPIC=TOPIC, not %r" % spec)
        for r in sch.routes:
            if r["topic"] == old:
                r["topic"] = new
        if sch.dlq_topic == old:
            sch.dlq_topic = new
    sch.topics = sorted({r["topic"] for r in sch.routes})
    topics = a.topic or sch.topics
    dlq_topic = a.dlq_topic or sch.dlq_topic
    rep = Report(a.show)
    strict = a.strict or sch.strict

    # What was served.
    events = {}  # id -> (raw line bytes, parsed json or None)
    order = []
    if a.events_log:
        with open(a.events_log, "rb") as f:
            for line in f:
                line = line.rstrip(b"\n")
                if not line:
                    continue
                try:
                    ev = json.loads(line)
                except ValueError:
                    ev = None
                eid = ev.get("id") if isinstance(ev, dict) else None
                if not isinstance(eid, str):
                    rep.fail("bad_events_log", "line without an id: %r" % line[:80])
                    continue
                if eid not in events:
                    order.append(eid)
                events[eid] = (line, ev)
    served_seq = {}
    if a.served_log:
        served = set()
        with open(a.served_log) as f:
            for line in f:
                if not line.endswith("\n"):
                    # The simulator flushes its buffer as it fills: a last
                    # line without its newline is still being written.
                    rep.note("served log: incomplete last line ignored (flush the "
                             "simulator's logs first: GET /admin/stats)")
                    break
                parts = line.rstrip("\n").split("\t")
                if not parts[0]:
                    continue
                served.add(parts[0])
                if len(parts) >= 4:
                    try:
                        served_seq[parts[0]] = int(parts[3])
                    except ValueError:
                        pass
        if events:
            for eid in served:
                if eid not in events:
                    rep.fail("served_not_generated", eid)
    else:
        served = set(events)
    rep.inc("served", len(served))

    # Expected outcome of each served event with JSON.
    expected = {}  # id -> ("main", route, value-without-received_at) | ("dlq", reason, field)
    for eid in served:
        if eid not in events:
            continue
        raw, ev = events[eid]
        if not isinstance(ev, dict):
            expected[eid] = ("dlq", "bad_json", "")
            continue
        r = sch.route(ev)
        if r is None:
            expected[eid] = ("dlq", "unrouted", "")
            continue
        try:
            val = expect(r["raw"], ev, "", r["names"], strict, True, received_at=None)
        except Reject as e:
            expected[eid] = ("dlq", e.reason, e.path)
            continue
        k = jpath(ev, r["key"])
        if isinstance(k, bool) or not (isinstance(k, str) or (is_num(k) and k == int(k))):
            expected[eid] = ("dlq", "missing_key", r["key"])
            continue
        expected[eid] = ("main", r, val, k if isinstance(k, str) else str(int(k)))
    rep.inc("expected_main", sum(1 for x in expected.values() if x[0] == "main"))
    rep.inc("expected_dlq", sum(1 for x in expected.values() if x[0] == "dlq"))

    # What reached Kafka.
    msgs = []
    got = read_topics(a.bootstrap, list(topics) + [dlq_topic] + a.extra_topic, a.kcat_timeout)
    for t in list(topics) + [dlq_topic]:
        msgs.extend(got[t])
    for t in a.extra_topic:
        for m in got[t]:
            rep.fail("extra_topic_message", "%s/%d/%d reason=%s" % (
                t, m["partition"], m["offset"], m["headers"].get("error.reason")))
    copies = collections.Counter()
    where = collections.defaultdict(set)
    dup_batches = collections.defaultdict(list)
    main_ids, dlq_ids = set(), set()
    decoded_n = 0
    main_n = 0
    per_key = collections.defaultdict(list)  # (topic, key) -> [(partition, offset, seq, id)]
    for m in msgs:
        h = m["headers"]
        is_dlq = m["topic"] == dlq_topic
        eid = h.get("event.id")
        val = m["value"] or b""
        dec = None
        sid = None
        if not is_dlq:
            main_n += 1
            if len(val) < 5 or val[0] != 0:
                rep.fail("bad_frame", "%s/%d/%d" % (m["topic"], m["partition"], m["offset"]))
                continue
            sid = int.from_bytes(val[1:5], "big")
            if sid not in sch.by_id:
                rep.fail("unknown_schema_id", "%d at %s/%d/%d" % (sid, m["topic"],
                                                                   m["partition"], m["offset"]))
                continue
            want_decode = not a.no_values and (main_n % max(1, a.decode_every) == 0 or not eid)
            if want_decode:
                try:
                    dec = normalise(sch.by_id[sid][1].read(
                        avro.io.BinaryDecoder(io.BytesIO(val[5:]))))
                    decoded_n += 1
                except Exception as e:  # noqa: BLE001 - any decode failure is a finding
                    rep.fail("undecodable", "%s/%d/%d: %s" % (m["topic"], m["partition"],
                                                                m["offset"], e))
                    continue
                if eid is None:
                    eid = dec.get("id")
                elif dec.get("id") != eid:
                    rep.fail("header_mismatch", "event.id header %s, value id %s" %
                             (eid, dec.get("id")))
        elif eid is None:
            try:
                eid = json.loads(val).get("id")
            except Exception:  # noqa: BLE001
                eid = None
        if not isinstance(eid, str):
            rep.fail("no_event_id", "%s/%d/%d" % (m["topic"], m["partition"], m["offset"]))
            continue
        copies[eid] += 1
        where[eid].add(m["topic"])
        try:
            dup_batches[eid].append(int(h.get("batch.seq", "0")))
        except ValueError:
            dup_batches[eid].append(0)
        (dlq_ids if is_dlq else main_ids).add(eid)
        if eid not in served:
            rep.fail("unexpected", "%s on %s (never served)" % (eid, m["topic"]))
            continue
        first = copies[eid] == 1
        exp = expected.get(eid)
        # Headers every record carries.
        if m["ts"] is not None and h.get("received.at") is not None and \
                str(m["ts"]) != h.get("received.at"):
            rep.fail("header_mismatch", "%s: timestamp %s, received.at %s" %
                     (eid, m["ts"], h.get("received.at")))
        if a.stream and h.get("source.stream") != a.stream:
            rep.fail("header_mismatch", "%s: source.stream %r" % (eid, h.get("source.stream")))
        if is_dlq:
            if exp is None:
                continue
            raw, ev = events[eid]
            if exp[0] != "dlq":
                if first:
                    rep.fail("misrouted", "%s in the DLQ (reason %s, field %s, detail %s), "
                             "expected on %s" % (eid, h.get("error.reason"), h.get("error.field"),
                                                 h.get("error.detail"), exp[1]["topic"]))
                continue
            if h.get("error.reason") != exp[1]:
                rep.fail("dlq_wrong_reason", "%s: error.reason %r, expected %r (field %r)" %
                         (eid, h.get("error.reason"), exp[1], exp[2]))
            elif exp[2] and h.get("error.field") != exp[2]:
                rep.fail("dlq_wrong_field", "%s: error.field %r, expected %r" %
                         (eid, h.get("error.field"), exp[2]))
            if val != raw:
                rep.fail("dlq_value_mismatch", "%s: DLQ value is not the raw event" % eid)
            if h.get("error.stage") != "validator":
                rep.fail("header_mismatch", "%s: error.stage %r" % (eid, h.get("error.stage")))
            if isinstance(ev, dict) and isinstance(ev.get("entityId"), str) and \
                    m["key"] != ev["entityId"]:
                rep.fail("key_mismatch", "%s: DLQ key %r, entityId %r" % (eid, m["key"],
                                                                        ev["entityId"]))
            continue
        # Main topic.
        seq = None
        if exp is not None and exp[0] == "main":
            r, want, k = exp[1], exp[2], exp[3]
            seq = want.get("sequence")
            if m["topic"] != r["topic"]:
                rep.fail("misrouted", "%s on %s, expected %s" % (eid, m["topic"], r["topic"]))
            if m["key"] != k:
                rep.fail("key_mismatch", "%s: key %r, expected %r (%s)" % (eid, m["key"], k,
                                                                          r["key"]))
            if sid != r["id"]:
                rep.fail("header_mismatch", "%s: schema id %d, expected %d" % (eid, sid, r["id"]))
            for hk, hv in (("schema.id", str(r["id"])), ("schema.name", r["fullname"]),
                           ("entity.type", events[eid][1].get("entityType")),
                           ("event.type", events[eid][1].get("eventType"))):
                if h.get(hk) != hv:
                    rep.fail("header_mismatch", "%s: %s %r, expected %r" % (eid, hk, h.get(hk), hv))
            if dec is not None:
                want = dict(want)
                try:
                    want["received_at"] = int(h.get("received.at"))
                except (TypeError, ValueError):
                    want["received_at"] = m["ts"]
                d = []
                if want != dec:
                    diff(want, dec, "", d)
                if d:
                    rep.fail("value_mismatch", "%s: %s" % (eid, "; ".join(d[:4])))
        elif exp is not None and first:
            rep.fail("misrouted", "%s on %s, expected in the DLQ with %s at %r" %
                     (eid, m["topic"], exp[1], exp[2]))
        if seq is None and dec is not None:
            seq = dec.get("sequence")
        if seq is None:
            seq = served_seq.get(eid)
        if first and seq is not None:
            per_key[(m["topic"], m["key"])].append((m["partition"], m["offset"], seq, eid))

    # Order per key (first copies; a key must also stay on one partition).
    order_bad = 0
    split_keys = 0
    for (t, k), lst in per_key.items():
        parts = {p for p, _, _, _ in lst}
        if len(parts) > 1:
            split_keys += 1
            rep.fail("key_on_several_partitions", "%s key %s on partitions %s" % (t, k, sorted(parts)))
        last = None
        for p, o, s, eid in sorted(lst):
            if last is not None and s <= last[0]:
                order_bad += 1
                rep.fail("order_violations", "%s key %s: sequence %s (%s at %d/%d) after %s (%s)" %
                         (t, k, s, eid, p, o, last[0], last[1]))
            last = (s, eid)
    rep.inc("keys", len(per_key))
    rep.inc("order_violations", 0)

    delivered = main_ids & served
    dlqd = dlq_ids & served
    pos = {e: i for i, e in enumerate(order)}
    lost = sorted((e for e in served if copies[e] == 0), key=lambda e: (pos.get(e, len(pos)), e))
    dups = {e: c - 1 for e, c in copies.items() if c > 1}
    rep.inc("delivered", len(delivered))
    rep.inc("dlq", len(dlqd))
    rep.inc("lost", len(lost))
    rep.inc("duplicates", sum(dups.values()))
    rep.inc("duplicated_ids", len(dups))
    rep.inc("messages", len(msgs))
    rep.inc("decoded", decoded_n)
    for e in lost[:a.show]:
        rep.fails.append("lost: %s (%s)" % (e, expected.get(e, ("?",))[0]))
    missing_dlq = sum(1 for e, x in expected.items() if x[0] == "dlq" and e not in dlq_ids)
    missing_main = sum(1 for e, x in expected.items() if x[0] == "main" and e not in main_ids)
    rep.inc("expected_dlq_missing", missing_dlq)
    rep.inc("expected_main_missing", missing_main)
    if a.max_dups >= 0 and sum(dups.values()) > a.max_dups:
        rep.fail("too_many_duplicates", "%d duplicate copies, at most %d allowed" %
                 (sum(dups.values()), a.max_dups))
    refed = sorted(e for e in dups if len(set(dup_batches[e])) > 1)
    rep.inc("duplicated_ids_in_other_batches", len(refed))
    if a.dups_one_record:
        for e in refed[:a.show]:
            rep.fail("dup_in_other_batch", "%s in batches %s" %
                     (e, sorted(set(dup_batches[e]))))
        if len(refed) > a.show:
            rep.fail("dup_in_other_batch", "%d more" % (len(refed) - a.show))
    wins = parse_windows(a.dup_window)
    if a.dup_window is not None:
        inwin = sum(1 for e, bs in dup_batches.items()
                    if any(lo < b <= hi for b in bs for lo, hi in wins))
        rep.inc("window_records", inwin)
        for e in sorted(dups):
            for b in set(dup_batches[e]):
                if not any(lo < b <= hi for lo, hi in wins):
                    rep.fail("dup_outside_window", "%s batch.seq %d not in %s" % (e, b, wins))
    if a.dup_pos_window is not None:
        pwins = parse_windows(a.dup_pos_window)
        pos = {e: i for i, e in enumerate(order)}
        room = sum(max(0, hi - lo) for lo, hi in pwins)
        rep.inc("window_positions", room)
        if not order:
            rep.fail("dup_outside_window", "--dup-pos-window needs --events-log")
        if sum(dups.values()) > room:
            rep.fail("too_many_duplicates", "%d duplicate copies, the kill windows hold %d "
                     "positions" % (sum(dups.values()), room))
        for e in sorted(dups):
            p = pos.get(e, -1)
            if not any(lo <= p < hi for lo, hi in pwins):
                rep.fail("dup_outside_window", "%s at position %d not in %s" % (e, p, pwins))
    reasons = collections.Counter(x[1] for x in expected.values() if x[0] == "dlq")
    if reasons:
        rep.note("expected DLQ reasons: " + ", ".join("%s=%d" % kv for kv in sorted(reasons.items())))

    hard = ("lost", "order_violations", "unexpected", "misrouted", "dlq_wrong_reason",
            "dlq_wrong_field", "dlq_value_mismatch", "key_mismatch", "value_mismatch",
            "header_mismatch", "bad_frame", "unknown_schema_id", "undecodable", "no_event_id",
            "too_many_duplicates", "dup_outside_window", "dup_in_other_batch",
            "served_not_generated",
            "key_on_several_partitions", "extra_topic_message", "bad_events_log")
    assert rep.c.get("order_violations", 0) == order_bad
    failed = [k for k in hard if rep.c.get(k, 0) > 0]
    order_keys = ["served", "delivered", "dlq", "lost", "duplicates", "duplicated_ids",
                  "order_violations", "messages", "decoded", "keys", "expected_main",
                  "expected_dlq"]
    line = " ".join("%s=%d" % (k, rep.c.get(k, 0)) for k in order_keys)
    extra = " ".join("%s=%d" % (k, v) for k, v in rep.c.items() if k not in order_keys and v)
    print("verify: %s%s%s" % (line, " " + extra if extra else "",
                              " result=%s" % ("FAIL" if failed else "ok")))
    for f in rep.fails:
        print("FAIL: " + f)
    for n in rep.notes:
        print("NOTE: " + n)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"counts": rep.c, "failed": failed, "fails": rep.fails, "notes": rep.notes,
                       "lost": lost, "duplicates": {e: {"extra_copies": c,
                                                        "batch_seq": dup_batches[e]}
                                                    for e, c in dups.items()}}, f, indent=1)
    if a.dup_ids:
        with open(a.dup_ids, "w") as f:
            for e in sorted(dups):
                f.write(e + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

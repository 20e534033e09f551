#!/usr/bin/python3
"""Notification messages (tests/fixtures/notifications) through gcb-validate,
checked with Apache Avro's Python implementation (Debian python3-avro).

valid/: every message is encoded for the topic, key and schema that
valid/expect.json names, with the right header metadata (event id from
metadata.CorrelationId, entity and event type from the topicName); the Avro
body decodes to exactly the values of the message (ISO-8601 and epoch
milliseconds both as epoch milliseconds, absent optional fields as null,
received_at as the fetch time). Two variants of each message must also pass:
with every optional field removed but the Kafka key the route reads (the
required fields and the key alone suffice; the API makes every body field
optional, so do the schemas) and
with unknown fields added at every level (ignored: the encoding is
byte-identical).
invalid/: every message is dead-lettered with the reason, field path and
detail that invalid/expect.json names.
"""
import copy
import datetime
import io
import json
import os
import subprocess
import sys

import avro.io
import avro.schema

root, binary = sys.argv[1], sys.argv[2]
fixtures = os.path.join(root, "tests/fixtures/notifications")
RECEIVED = 1764238530000
routes = os.path.join(root, "schemas/routes.json")

ids = json.load(open(os.path.join(root, "schemas/schema-ids.json")))
schemas = {}  # id -> parsed schema
by_name = {}
for fn in sorted(os.listdir(os.path.join(root, "schemas"))):
    if fn.startswith("notif_") and fn.endswith(".avsc"):
        s = avro.schema.parse(open(os.path.join(root, "schemas", fn)).read())
        schemas[ids[s.fullname]["id"]] = s
        by_name[s.fullname] = s
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, file=sys.stderr)


def run(lines):
    res = subprocess.run([binary, "--routes", routes, "--meta", "--received-at", str(RECEIVED)],
                         input="".join(line + "\n" for line in lines), capture_output=True,
                         text=True, check=True)
    out = res.stdout.splitlines()
    assert len(out) == 2 * len(lines), (len(out), len(lines), res.stderr)
    return [(out[2 * i], out[2 * i + 1]) for i in range(len(lines))]


def millis(v):
    if isinstance(v, int):
        return v
    return int(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000)


def expected(schema, value, top=False):
    """What the decoder must return for JSON value under schema."""
    t = schema.type
    if t == "union":
        if value is None:
            return None
        for b in schema.schemas:
            if b.type != "null":
                return expected(b, value)
    if t == "record":
        out = {}
        for f in schema.fields:
            if top and f.name == "received_at":
                out[f.name] = RECEIVED
            elif f.name in value:
                out[f.name] = expected(f.type, value[f.name])
            else:
                out[f.name] = f.default
        return out
    if t == "array":
        return [expected(schema.items, x) for x in value]
    if t == "map":
        return {k: expected(schema.values, x) for k, x in value.items()}
    if schema.props.get("logicalType") == "timestamp-millis":
        return millis(value)
    return value


def normalise(v):
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, datetime.datetime):
        return int(round(v.timestamp() * 1000))
    return v


# The body fields a route reads the Kafka key from: optional in the schema
# (the API makes every field optional), needed by the route all the same.
KEY_PATHS = {("eventBody", "conversationId"), ("eventBody", "id")}


def strip_optional(schema, value, path=()):
    """value with every field the schema marks optional (has a default) removed,
    but for the route's key."""
    t = schema.type
    if t == "union":
        if value is None:
            return None
        return strip_optional([b for b in schema.schemas if b.type != "null"][0], value, path)
    if t == "record" and isinstance(value, dict):
        return {f.name: strip_optional(f.type, value[f.name], path + (f.name,))
                for f in schema.fields
                if f.name in value and (not f.has_default or path + (f.name,) in KEY_PATHS)}
    if t == "array" and isinstance(value, list):
        return [strip_optional(schema.items, x, path) for x in value]
    return value


def drift(schema, value, depth=0):
    """value with an unknown member added to every object the schema reads as a record."""
    t = schema.type
    if t == "union":
        if value is None:
            return None
        return drift([b for b in schema.schemas if b.type != "null"][0], value, depth)
    if t == "record" and isinstance(value, dict):
        fields = {f.name: f for f in schema.fields}
        out = {k: drift(fields[k].type, x, depth + 1) if k in fields else x
               for k, x in value.items()}
        out["zzFutureField%d" % depth] = {"added": ["by", "Genesys"], "n": 1.5}
        return out
    if t == "array" and isinstance(value, list):
        return [drift(schema.items, x, depth + 1) for x in value]
    return value


def check_avro(name, msg, verdict, meta, want):
    parts = verdict.split(" ", 4)
    if parts[0] != "avro":
        fail("%s: not encoded: %s" % (name, verdict))
        return None
    topic, key, sid, hexval = parts[1], parts[2], int(parts[3]), parts[4]
    if topic != want["topic"] or key != want["key"]:
        fail("%s: topic/key %s %s, want %s %s" % (name, topic, key, want["topic"], want["key"]))
    schema = schemas.get(sid)
    if schema is None or schema.fullname != want["schema"]:
        fail("%s: schema id %d is not %s" % (name, sid, want["schema"]))
        return None
    m = meta.split(" ")
    corr = msg.get("metadata", {}).get("CorrelationId", "-")
    if m != ["meta", corr, want["entity"], want["event"], want["key"], want["schema"]]:
        fail("%s: headers %s" % (name, meta))
    body = bytes.fromhex(hexval)
    if body[0] != 0 or int.from_bytes(body[1:5], "big") != sid:
        fail("%s: bad Confluent header" % name)
    dec = io.BytesIO(body[5:])
    got = normalise(avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(dec)))
    if dec.read() != b"":
        fail("%s: trailing bytes" % name)
    exp = expected(schema, msg, top=True)
    if got != exp:
        fail("%s: decoded value differs\n got  %s\n want %s" % (name, got, exp))
    return hexval


# ---- valid messages, their required-only and drifted variants
want_valid = json.load(open(os.path.join(fixtures, "valid/expect.json")))
names = sorted(n for n in os.listdir(os.path.join(fixtures, "valid")) if n != "expect.json")
if sorted(want_valid) != names:
    fail("valid/expect.json and valid/ disagree: %s" % sorted(set(names) ^ set(want_valid)))
msgs = [json.load(open(os.path.join(fixtures, "valid", n))) for n in names]
minimal = [strip_optional(by_name[want_valid[n]["schema"]], m) for n, m in zip(names, msgs)]
drifted = [drift(by_name[want_valid[n]['schema']], m) for n, m in zip(names, msgs)]
lines = [json.dumps(m, ensure_ascii=False) for m in msgs + minimal + drifted]
res = run(lines)
k = len(names)
for i, n in enumerate(names):
    full = check_avro(n, msgs[i], *res[i], want_valid[n])
    check_avro(n + " (required fields only)", minimal[i], *res[k + i], want_valid[n])
    if full is not None and res[2 * k + i][0].split(" ", 4)[-1] != full:
        fail("%s: unknown fields changed the encoding: %s" % (n, res[2 * k + i][0][:120]))
if min(len(json.dumps(a)) - len(json.dumps(b)) for a, b in zip(msgs, minimal)) <= 0:
    fail("a required-only variant removed nothing")

# ---- invalid messages
want_bad = json.load(open(os.path.join(fixtures, "invalid/expect.json")))
bad_names = sorted(n for n in os.listdir(os.path.join(fixtures, "invalid")) if n != "expect.json")
if sorted(want_bad) != bad_names:
    fail("invalid/expect.json and invalid/ disagree: %s" % sorted(set(bad_names) ^ set(want_bad)))
raw = [open(os.path.join(fixtures, "invalid", n), encoding="utf-8").read().rstrip("\n")
       for n in bad_names]
for n, text, (verdict, meta) in zip(bad_names, raw, run(raw)):
    w = want_bad[n]
    parts = verdict.split(" ", 3)
    field = "" if parts[2] == "-" else parts[2]
    if parts[0] != "dlq" or parts[1] != w["reason"] or field != w["field"] or \
            w.get("detail", "") not in parts[3]:
        fail("%s: %s, want %s" % (n, verdict, w))
    try:
        doc = json.loads(text)
    except ValueError:
        continue
    # the DLQ record still names the message and its entity
    if isinstance(doc, dict) and isinstance(doc.get("metadata"), dict):
        m = meta.split(" ")
        if m[1] != doc["metadata"]["CorrelationId"]:
            fail("%s: DLQ event id %s" % (n, m[1]))
        if isinstance(doc.get("topicName"), str) and doc["topicName"].startswith("v2.users.e5f6"):
            if m[4] != "e5f6a7b8-9c0d-4e1f-8a2b-3c4d5e6f7a8b":
                fail("%s: DLQ key %s is not the user id" % (n, m[4]))

if failures:
    print("%d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("%d valid notification messages (x3 variants) encoded and decoded, %d invalid dead-lettered "
      "as expected" % (len(names), len(bad_names)))

#!/usr/bin/python3
"""Independent check of the validator's encoding with Apache Avro's Python
implementation (Debian python3-avro): generates simulator-like events, runs
them through gcb-validate, strips the 5-byte Confluent header, decodes the
Avro body with avro.io.DatumReader and compares every value with what the
input event says (timestamps converted to epoch milliseconds, absent
optional fields as null, received_at as the fetch time)."""
import datetime
import io
import json
import random
import subprocess
import sys
import uuid

import avro.io
import avro.schema

root, binary = sys.argv[1], sys.argv[2]
# Optional third argument: a file of events (one JSON object per line, e.g.
# gcb-sim's --events-log) to check instead of generated ones.
events_file = sys.argv[3] if len(sys.argv) > 3 else None
RECEIVED = 1764238530000
rnd = random.Random(20261127)

schemas = {}
ids = json.load(open(f"{root}/schemas/schema-ids.json"))
for name in ("interaction_created", "interaction_updated", "agentstate_updated"):
    text = open(f"{root}/schemas/{name}.avsc").read()
    s = avro.schema.parse(text)
    schemas[ids[s.fullname]["id"]] = s


def u():
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def ts():
    base = datetime.datetime(2026, 11, 27, tzinfo=datetime.timezone.utc)
    t = base + datetime.timedelta(milliseconds=rnd.randrange(0, 86400000))
    style = rnd.randrange(4)
    if style == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    if style == 1:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ").replace("Z", "") + ".5Z"
    if style == 2:
        off = datetime.timezone(datetime.timedelta(hours=rnd.choice([-5, 2, 9])))
        return t.astimezone(off).isoformat(timespec="milliseconds")
    return int(t.timestamp() * 1000)


def interaction(event_type):
    cid = u()
    data = {
        "conversationId": cid,
        "direction": rnd.choice(["inbound", "outbound"]),
        "mediaType": rnd.choice(["voice", "chat", "email", "message", "callback"]),
        "status": rnd.choice(["alerting", "connected", "held", "completed", "disconnected"]),
    }
    for k, gen in (("queueId", u), ("userId", u), ("ani", lambda: "+1555" + str(rnd.randrange(10**7))),
                   ("dnis", lambda: "+1800" + str(rnd.randrange(10**7))),
                   ("durationMs", lambda: rnd.randrange(0, 10**9)),
                   ("campaignId", u)):
        if rnd.random() < 0.5:
            data[k] = gen()
    if rnd.random() < 0.5:
        d = {"code": rnd.choice(["SALE", "NO_SALE", "CALLBACK"]), "name": "Wrap-up é ✓"}
        if rnd.random() < 0.5:
            d["notes"] = "customer said \"hi\"\n"
        data["disposition"] = d
    if rnd.random() < 0.2:
        data["someNewField"] = {"drift": True}  # unknown fields are ignored
    return {"id": u(), "entityType": "interaction", "eventType": event_type,
            "eventTimestamp": ts(), "entityId": cid, "sequence": rnd.randrange(1, 10**6),
            "data": data}


def agent():
    uid = u()
    data = {"userId": uid,
            "routingStatus": rnd.choice(["OFF_QUEUE", "IDLE", "INTERACTING", "NOT_RESPONDING",
                                         "COMMUNICATING"])}
    if rnd.random() < 0.7:
        data["presence"] = rnd.choice(["Available", "Away", "On Queue", "Meal"])
    if rnd.random() < 0.7:
        data["startTime"] = ts()
    return {"id": u(), "entityType": "agentstate", "eventType": "updated", "eventTimestamp": ts(),
            "entityId": uid, "sequence": rnd.randrange(1, 10**6), "data": data}


def millis(v):
    if isinstance(v, int):
        return v
    return int(round(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000))


def expected(schema, value, top=False):
    """What the decoder must return for input value under schema."""
    t = schema.type
    if t == "union":
        if value is None:
            return None
        branch = [b for b in schema.schemas if b.type != "null"][0]
        return expected(branch, value)
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
    if schema.props.get("logicalType") == "timestamp-millis":
        return millis(value)
    return value


def normalise(v):
    if isinstance(v, dict):
        return {k: normalise(x) for k, x in v.items()}
    if isinstance(v, datetime.datetime):
        return int(round(v.timestamp() * 1000))
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


events = []
if events_file:
    with open(events_file) as f:
        events = [json.loads(line) for line in f if line.strip()]
else:
    for i in range(600):
        r = rnd.random()
        events.append(interaction("created") if r < 0.4 else interaction("updated") if r < 0.8
                      else agent())
bad = [
    ('{"id":"x"', "bad_json", "-"),
    ('{"entityType":"interaction","eventType":"deleted"}', "unrouted", "-"),
]
e = interaction("created"); e["data"]["direction"] = "up"
bad.append((json.dumps(e), "bad_enum", "data.direction"))
e = interaction("created"); del e["data"]["conversationId"]
bad.append((json.dumps(e), "missing_field", "data.conversationId"))
e = agent(); e["data"]["startTime"] = "yesterday"
bad.append((json.dumps(e), "bad_timestamp", "data.startTime"))
e = interaction("updated"); e["data"]["disposition"] = {"code": 5, "name": "x"}
bad.append((json.dumps(e), "wrong_type", "data.disposition.code"))
e = interaction("updated"); e["sequence"] = 2**60
bad.append((json.dumps(e), "out_of_range", "sequence"))

lines = [json.dumps(ev, ensure_ascii=rnd.random() < 0.5) for ev in events] + [b[0] for b in bad]
res = subprocess.run([binary, "--routes", f"{root}/schemas/routes.json",
                      "--received-at", str(RECEIVED)],
                     input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
out = res.stdout.splitlines()
assert len(out) == len(lines), (len(out), len(lines))

for ev, line in zip(events, out):
    parts = line.split(" ", 4)
    assert parts[0] == "avro", (line, ev)
    topic, key, sid, hexval = parts[1], parts[2], int(parts[3]), parts[4]
    body = bytes.fromhex(hexval)
    assert body[0] == 0 and int.from_bytes(body[1:5], "big") == sid, line
    schema = schemas[sid]
    want_key = ev["data"]["conversationId"] if ev["entityType"] == "interaction" else ev["data"]["userId"]
    assert key == want_key, (key, want_key)
    assert topic == ("genesys.interactions" if ev["entityType"] == "interaction" else "genesys.agentstate")
    dec = io.BytesIO(body[5:])
    got = normalise(avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(dec)))
    assert dec.read() == b"", "trailing bytes"
    want = expected(schema, ev, top=True)
    if got != want:
        print("MISMATCH\n got ", got, "\n want", want, file=sys.stderr)
        sys.exit(1)

for (text, reason, path), line in zip(bad, out[len(events):]):
    parts = line.split(" ", 3)
    assert parts[0] == "dlq" and parts[1] == reason and parts[2] == path, (line, reason, path)

print(f"{len(events)} events round-tripped, {len(bad)} rejected as expected")

#!/usr/bin/python3
"""A corpus of hostile poll-contract events, and what must become of each.

Every event is raw bytes, exactly as a server would put them between the
commas of an "events" array. The kinds cover the ways one event can be
wrong: nesting from 1 to 100,000 levels, huge strings and numbers, every
JSON escape, invalid UTF-8 in strings and keys, duplicate keys, events that
are not objects, valid JSON absurd for the schema, events larger than the
dead-letter topic takes or than a ring record, and plain good events between
them. No shape is special: each kind
appears several times with different ids at different places.

The contract gcbridge must keep for each one: it reaches its topic (valid)
or the dead-letter topic with its identity (event.id header = its "id"
where it has one readable in its first bytes, key = its entityId), and
none is missing. The verifier (hostile_verify.py) checks exactly that.

Written as JSON lines: {"n": index, "raw": base64, "id": id or null,
"entity": entityId or null, "kind": name}.
"""
import base64
import json
import random
import sys
import uuid

NESTING = [1, 2, 10, 63, 64, 65, 127, 128, 129, 1000, 4095, 4097, 10000, 100000]


def uid(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def head(rng, kind="interaction", etype="created"):
    """Identity fields of an event: (id, entityId, JSON text of the head)."""
    eid, ent = uid(rng), uid(rng)
    text = ('"id":"%s","entityType":"%s","eventType":"%s",'
            '"eventTimestamp":"2026-11-27T10:15:30.123Z","entityId":"%s","sequence":%d'
            % (eid, kind, etype, ent, rng.randint(1, 1 << 40)))
    return eid, ent, text


def good(rng):
    if rng.random() < 0.5:
        eid, ent, h = head(rng)
        data = ('{"conversationId":"%s","direction":"inbound","mediaType":"voice",'
                '"status":"alerting","ani":"tel:+15551234"}' % ent)
    else:
        eid, ent, h = head(rng, "agentstate", "updated")
        data = '{"userId":"%s","routingStatus":"IDLE","presence":"On Queue"}' % ent
    return eid, ent, ("{%s,\"data\":%s}" % (h, data)).encode()


def nested(rng, depth, obj):
    eid, ent, h = head(rng)
    if obj:
        inner = '{"a":' * depth + "1" + "}" * depth
    else:
        inner = "[" * depth + "]" * depth
    return eid, ent, ('{%s,"data":{"conversationId":"%s","x":%s}}' % (h, ent, inner)).encode()


def escapes(rng):
    eid, ent, h = head(rng)
    s = ('"q\\"b\\\\s\\/b\\bf\\fn\\nr\\rt\\tu\\u00e9z\\u0000e\\ud83d\\ude00lone\\ud800x'
         '\\uDFFF\\u001f"')
    return eid, ent, ('{%s,"data":{"conversationId":"%s","ani":%s,"k\\u00e9\\"y":%s}}'
                      % (h, ent, s, s)).encode()


def bad_utf8(rng, where):
    eid, ent, h = head(rng)
    junk = rng.choice([b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80",
                       b"\xe2\x82", b"\x80"])
    if where == "value":
        tail = b'"ani":"x' + junk + b'y"'
    else:
        tail = b'"k' + junk + b'":1'
    return eid, ent, ("{%s,\"data\":{\"conversationId\":\"%s\"," % (h, ent)).encode() + tail + b"}}"


def dup_keys(rng):
    eid, ent, h = head(rng)
    data = ('{"conversationId":"%s","direction":"inbound","mediaType":"voice","status":"alerting",'
            '"status":"held"}' % ent)
    return eid, ent, ('{%s,"data":%s,"data":%s}' % (h, data, data)).encode()


def huge_string(rng, size):
    eid, ent, h = head(rng)
    body = "".join(rng.choice("abcdefghij\u00e9\u4e2d") for _ in range(64)) * (size // 64 + 1)
    body = body[:size]
    return eid, ent, ('{%s,"data":{"conversationId":"%s","direction":"inbound",'
                      '"mediaType":"chat","status":"connected","ani":%s}}'
                      % (h, ent, json.dumps(body, ensure_ascii=False))).encode()


def sized(rng, total):
    """An event of exactly total bytes (ASCII), to sit between two limits."""
    eid, ent, h = head(rng)
    pre = ('{%s,"data":{"conversationId":"%s","direction":"inbound","mediaType":"chat",'
           '"status":"connected","ani":"' % (h, ent))
    post = '"}}'
    return eid, ent, (pre + "x" * (total - len(pre) - len(post)) + post).encode()


def huge_number(rng):
    eid, ent, h = head(rng)
    num = rng.choice(["1e400", "-1e400", "123456789012345678901234567890123456789", "1e-400",
                      "-0", "0.000000000000000000000000001", "9" * 5000, "1" + "0" * 400 + ".5e-3"])
    return eid, ent, ('{%s,"data":{"conversationId":"%s","direction":"inbound",'
                      '"mediaType":"voice","status":"alerting","durationMs":%s}}'
                      % (h, ent, num)).encode()


def not_object(rng):
    return None, None, rng.choice([b"[]", b"[1,2,3]", b'"a string"', b"123", b"-0.5e7",
                                   b"true", b"false", b"null", b'[{"id":"x"}]', b"{}"])


def absurd(rng):
    eid, ent, h = head(rng)
    variants = [
        '{%s,"data":[1,2,3]}' % h,
        '{%s,"data":{"conversationId":"not-a-uuid","direction":"sideways","mediaType":"voice",'
        '"status":"alerting"}}' % h,
        '{"id":"%s","entityType":"interaction","eventType":"created","entityId":"%s",'
        '"sequence":"seven","eventTimestamp":"yesterday","data":{}}' % (eid, ent),
        '{"id":"%s","entityType":"spaceship","eventType":"launched","entityId":"%s"}' % (eid, ent),
        '{"id":"%s","entityId":"%s","entityType":null,"eventType":{"a":1}}' % (eid, ent),
        '{"id":"%s","entityId":"%s","entityType":"interaction","eventType":"created",'
        '"sequence":-1,"data":{"conversationId":"%s","direction":"inbound","mediaType":"voice",'
        '"status":"alerting","durationMs":true}}' % (eid, ent, ent),
    ]
    return eid, ent, rng.choice(variants).encode()


def build(seed, with_giant=True, bulk=0):
    """The corpus; bulk good events at the end (served as one answer of that many)."""
    rng = random.Random(seed)
    out = []

    def add(kind, made):
        eid, ent, raw = made
        out.append({"kind": kind, "raw": raw, "id": eid, "entity": ent})

    makers = []
    for d in NESTING:
        makers.append(("nest_array_%d" % d, lambda d=d: nested(rng, d, False)))
        makers.append(("nest_object_%d" % d, lambda d=d: nested(rng, d, True)))
    for _ in range(4):
        makers.append(("escapes", lambda: escapes(rng)))
        makers.append(("bad_utf8_value", lambda: bad_utf8(rng, "value")))
        makers.append(("bad_utf8_key", lambda: bad_utf8(rng, "key")))
        makers.append(("duplicate_keys", lambda: dup_keys(rng)))
        makers.append(("huge_number", lambda: huge_number(rng)))
        makers.append(("not_object", lambda: not_object(rng)))
        makers.append(("absurd", lambda: absurd(rng)))
    for size in (1000, 100000, 400000, 600000):  # below and above event.max_bytes
        makers.append(("huge_string_%d" % size, lambda size=size: huge_string(rng, size)))
    # Above the DLQ's largest value (kafka message.max.bytes 1,000,000 less
    # 16 KiB) yet inside a ring record: also travels cut.
    makers.append(("dlq_limit", lambda: sized(rng, 1010000)))
    if with_giant:
        # Above ring.max_record (1 MiB): travels cut, kept whole on disk.
        makers.append(("giant_string", lambda: huge_string(rng, 1500000)))
    rng.shuffle(makers)
    for kind, make in makers:
        for _ in range(rng.randint(1, 3)):
            add("good", good(rng))
        add(kind, make())
    for _ in range(20):
        add("good", good(rng))
    for _ in range(bulk):
        add("bulk", good(rng))
    return out


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    bulk = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    for n, ev in enumerate(build(seed, bulk=bulk)):
        sys.stdout.write(json.dumps({"n": n, "kind": ev["kind"], "id": ev["id"],
                                     "entity": ev["entity"],
                                     "raw": base64.b64encode(ev["raw"]).decode()}) + "\n")


if __name__ == "__main__":
    main()

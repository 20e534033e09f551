#!/usr/bin/python3
"""Produces simulator events to Kafka the way gcbridge would, optionally with
faults, so that tests/e2e/e2e_verify_selftest.sh can check that
verify.py finds each fault. Not a test by itself.

    selftest_produce.py BOOTSTRAP EVENTS-LOG PREFIX [FAULT...]

Topics: PREFIX.interactions, PREFIX.agentstate, PREFIX.dlq. Faults (each hits
one event): lose, dup, reorder (two events of one key swapped), reason
(wrong DLQ reason), value (one field changed), key (wrong key), refeed (a second
copy in another batch: another batch.seq header). Every message carries a
batch.seq header, ten events to a batch, as gcbridge's do.
"""
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import avro.io  # noqa: E402
import avro.schema  # noqa: E402
from confluent_kafka import Producer  # noqa: E402

import verify  # noqa: E402


def plain(s):
    """The schema without logical types: same encoding, plain values."""
    if isinstance(s, dict):
        return {k: plain(v) for k, v in s.items() if k != "logicalType"}
    if isinstance(s, list):
        return [plain(v) for v in s]
    return s


def main():
    bs, log, prefix = sys.argv[1:4]
    faults = set(sys.argv[4:])
    sch = verify.Schemas(verify.DEFAULT_SCHEMAS)
    writers = {r["id"]: avro.io.DatumWriter(avro.schema.parse(json.dumps(plain(r["raw"]))))
               for r in sch.routes}
    out = []  # (topic, key, value, headers, ts, id, first-key-of-its-kind)
    ts = 1795000000000
    for line in open(log, "rb"):
        raw = line.rstrip(b"\n")
        ev = json.loads(raw)
        ts += 1
        r = sch.route(ev)
        hdr = [("event.id", ev["id"]), ("received.at", str(ts)), ("source.stream", "s1"),
               ("entity.type", ev.get("entityType", "")), ("event.type", ev.get("eventType", "")),
               ("batch.seq", str(len(out) // 10 + 1))]
        try:
            val = verify.expect(r["raw"], ev, "", r["names"], False, True, received_at=ts)
            key = verify.jpath(ev, r["key"])
        except verify.Reject as e:
            reason, field = e.reason, e.path
            if "reason" in faults:
                faults.discard("reason")
                reason = "bad_json"
            hdr += [("error.reason", reason), ("error.field", field),
                    ("error.stage", "validator")]
            out.append([prefix + ".dlq", ev.get("entityId"), raw, hdr, ts, ev["id"]])
            continue
        if "value" in faults and val["data"].get("status") == "connected":
            faults.discard("value")
            val["data"]["status"] = "held"
        buf = io.BytesIO()
        writers[r["id"]].write(val, avro.io.BinaryEncoder(buf))
        value = b"\0" + r["id"].to_bytes(4, "big") + buf.getvalue()
        hdr += [("schema.id", str(r["id"])), ("schema.name", r["fullname"])]
        if "key" in faults:
            faults.discard("key")
            key = "not-the-key"
        topic = prefix + "." + r["topic"].split(".", 1)[1]
        out.append([topic, key, value, hdr, ts, ev["id"]])
    if "lose" in faults:
        del out[2]
    if "dup" in faults:
        out.append(list(out[3]))
    if "refeed" in faults:
        again = list(out[4])
        again[3] = [(k, v) if k != "batch.seq" else (k, "1000") for k, v in again[3]]
        out.append(again)
    if "reorder" in faults:
        seen = {}
        for i, m in enumerate(out):
            if m[0].endswith(".dlq"):
                continue
            if m[1] in seen:
                j = seen[m[1]]
                out[i], out[j] = out[j], out[i]
                break
            seen[m[1]] = i
    p = Producer({"bootstrap.servers": bs, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 5})
    for topic, key, value, hdr, ts, _ in out:
        p.produce(topic, value=value, key=key, headers=hdr, timestamp=ts)
        p.poll(0)
    left = p.flush(30)
    if left:
        print("selftest_produce: %d messages not delivered" % left, file=sys.stderr)
        return 1
    print("produced %d messages to %s.*" % (len(out), prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Writes a synthetic notification run (the simulator's /admin/notify/sent
and /admin/notify/conversations, a schema directory) and produces to Kafka
what gcbridge would, optionally with faults, so that
tests/e2e/e2e_notif_verify_selftest.sh can check that
notif_verify.py finds each fault. Not a test by itself.

    notif_selftest_produce.py BOOTSTRAP DIR PREFIX [FAULT...]

Writes DIR/sent.jsonl, DIR/conversations.json, DIR/schemas/ (one generic
schema, id 1). Topics: PREFIX.conversations, PREFIX.users,
PREFIX.conversation.details, PREFIX.backfill.conversations, PREFIX.dlq.
Faults (each hits one message): lose, dup, reorder (two messages of one
stream swapped), key (wrong key), dlq (one message in the DLQ instead),
misroute (a user message on the conversations topic), losebf (a snapshot of
a backfilled conversation lost), nogap (a backfill
message without gapId), gapmiss (a gap's conversation left out).
"""
import io
import json
import os
import sys

import avro.io
import avro.schema
from confluent_kafka import Producer

T0 = 1795000000000
SCHEMA = {
    "type": "record", "name": "Notification", "namespace": "selftest",
    "fields": [
        {"name": "topicName", "type": "string"},
        {"name": "eventBody", "type": {"type": "record", "name": "Body", "fields": [
            {"name": "id", "type": ["null", "string"], "default": None},
            {"name": "conversationId", "type": ["null", "string"], "default": None}]}},
        {"name": "metadata", "type": {"type": "record", "name": "Metadata", "fields": [
            {"name": "CorrelationId", "type": "string"}]}},
        {"name": "backfill", "type": ["null", {"type": "record", "name": "Backfill", "fields": [
            {"name": "gapId", "type": "string"},
            {"name": "gapStart", "type": "string"},
            {"name": "gapEnd", "type": "string"}]}], "default": None}]}


def iso(ms):
    import datetime
    d = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def uid(kind, n):
    return "%08x-0000-4000-8000-%012x" % (kind, n)


def main():
    bs, d, prefix = sys.argv[1:4]
    faults = set(sys.argv[4:])
    os.makedirs(os.path.join(d, "schemas"), exist_ok=True)
    with open(os.path.join(d, "schemas", "notification.avsc"), "w") as f:
        json.dump(SCHEMA, f)
    with open(os.path.join(d, "schemas", "schema-ids.json"), "w") as f:
        json.dump({"selftest.Notification": {"id": 1, "version": 1}}, f)
    writer = avro.io.DatumWriter(avro.schema.parse(json.dumps(SCHEMA)))

    queues = [uid(1, i) for i in range(5)]
    users = [uid(2, i) for i in range(10)]
    convs = []
    sent = []  # (topicName, correlationId, channel, key, kafka topic, body)
    n = 0
    for i in range(40):
        c = uid(3, i)
        start = T0 + i * 1000
        convs.append({"id": c, "start": iso(start), "end": iso(start + 4000)})
        q = queues[i % len(queues)]
        for _ in range(3):
            n += 1
            sent.append(("v2.routing.queues.%s.conversations" % q, "cid-%d" % n, "ch1", c,
                         "conversations", {"id": c}))
        u = users[i % len(users)]
        n += 1
        sent.append(("v2.users.%s.presence" % u, "cid-%d" % n, "ch2", u, "users", {}))
    with open(os.path.join(d, "sent.jsonl"), "w") as f:
        for tn, cid, ch, key, _, _ in sent:
            f.write(json.dumps({"channel": ch, "topic": tn, "correlationId": cid, "key": key}) + "\n")
    with open(os.path.join(d, "conversations.json"), "w") as f:
        json.dump(convs, f)

    out = []  # [topic, key, value-dict]
    for tn, cid, ch, key, kt, b in sent:
        out.append([prefix + "." + kt, key, {"topicName": tn, "eventBody": dict(
            {"id": None, "conversationId": None}, **b), "metadata": {"CorrelationId": cid},
            "backfill": None}])
    # Two gaps: conversations 10..12 and 30..31 overlap them.
    gaps = [("7", T0 + 11000, T0 + 12500), ("8", T0 + 31500, T0 + 32000)]
    for gid, gs, ge in gaps:
        k = 0
        for c in convs:
            cs = T0 + int(c["id"][-12:], 16) * 1000
            if cs <= ge and cs + 4000 >= gs:
                k += 1
                if "gapmiss" in faults and gid == "8":
                    faults.discard("gapmiss")
                    continue
                mark = {"gapId": gid, "gapStart": iso(gs), "gapEnd": iso(ge)}
                if "nogap" in faults:
                    faults.discard("nogap")
                    mark["gapId"] = ""
                out.append([prefix + ".backfill.conversations", c["id"], {
                    "topicName": "gcbridge.backfill.conversation",
                    "eventBody": {"id": None, "conversationId": c["id"]},
                    "metadata": {"CorrelationId": "backfill-%s-%d" % (gid, k)},
                    "backfill": mark}])
    dlq = []
    if "losebf" in faults:  # a snapshot of conversation 8, which gap 7 backfills
        del out[33]
    if "lose" in faults:
        del out[5]
    if "dup" in faults:
        out.append(list(out[7]))
    if "reorder" in faults:
        out[0], out[1] = out[1], out[0]
    if "key" in faults:
        out[9][1] = "not-the-key"
    if "dlq" in faults:
        dlq.append(out.pop(10))
    if "misroute" in faults:
        for m in out:
            if m[0].endswith(".users"):
                m[0] = prefix + ".conversations"
                break
    p = Producer({"bootstrap.servers": bs, "enable.idempotence": True, "acks": "all",
                  "linger.ms": 5})
    for topic, key, val in out:
        buf = io.BytesIO()
        writer.write(val, avro.io.BinaryEncoder(buf))
        p.produce(topic, value=b"\0" + (1).to_bytes(4, "big") + buf.getvalue(), key=key,
                  headers=[("event.id", val["metadata"]["CorrelationId"])])
        p.poll(0)
    for _, key, val in dlq:
        p.produce(prefix + ".dlq", value=json.dumps(val).encode(), key=key,
                  headers=[("error.reason", "missing_field"), ("error.field", "eventBody")])
    left = p.flush(30)
    if left:
        print("notif_selftest_produce: %d messages not delivered" % left, file=sys.stderr)
        return 1
    print("produced %d messages to %s.*" % (len(out) + len(dlq), prefix))
    return 0


if __name__ == "__main__":
    sys.exit(main())

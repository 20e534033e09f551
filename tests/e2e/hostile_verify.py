#!/usr/bin/python3
"""Checks what a hostile corpus (hostile_corpus.py) became in Kafka.

For every event of the corpus, exactly one of:
  - it is on a route's topic: the Avro value (decoded with python3-avro,
    an implementation independent of gcbridge's libavro-c) has its id;
  - it is on a dead-letter topic with its identity: the value is its raw
    bytes (or, marked event.truncated, their first part, with event.sha256
    the SHA-256 of the whole and event.quarantine a file holding it whole),
    the event.id header is its id and the key its entityId wherever the
    event has them;
  - it lies inside a whole poll answer dead-lettered on an operator's request
    (error.reason bad_answer), when --allow-bad-answer is given.
Anything else is missing. Prints one summary line and the failures; exit 0
when nothing is missing and every identity is right, 1 otherwise, 2 on
usage or I/O errors.
"""
import argparse
import base64
import collections
import hashlib
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import verify  # noqa: E402  (read_topics, Schemas: shared Kafka reading)
import avro.io  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-b", "--bootstrap", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--schemas", required=True)
    ap.add_argument("--topic", action="append", default=[], help="route topics")
    ap.add_argument("--dlq-topic", action="append", default=[])
    ap.add_argument("--allow-bad-answer", action="store_true")
    ap.add_argument("--show", type=int, default=20)
    a = ap.parse_args()
    try:
        return run(a)
    except verify.Usage as e:
        print("hostile_verify: %s" % e, file=sys.stderr)
        return 2


def run(a):
    corpus = []
    with open(a.corpus) as f:
        for line in f:
            ev = json.loads(line)
            ev["raw"] = base64.b64decode(ev["raw"])
            corpus.append(ev)
    sch = verify.Schemas(a.schemas)
    msgs = verify.read_topics(a.bootstrap, a.topic + a.dlq_topic, 120)

    delivered = collections.Counter()
    for t in a.topic:
        for m in msgs[t]:
            val = m["value"] or b""
            if len(val) < 5 or val[0] != 0:
                raise verify.Usage("%s: a value that is not Confluent-framed" % t)
            sid = int.from_bytes(val[1:5], "big")
            rec = sch.by_id[sid][1].read(avro.io.BinaryDecoder(io.BytesIO(val[5:])))
            delivered[rec["id"]] += 1

    by_raw = collections.defaultdict(list)
    by_sha = collections.defaultdict(list)
    answers = []
    for t in a.dlq_topic:
        for m in msgs[t]:
            h = m["headers"]
            val = m["value"] or b""
            if h.get("error.reason") == "bad_answer":
                answers.append(val)
            elif h.get("event.truncated") == "true":
                by_sha[h.get("event.sha256")].append(m)
            else:
                by_raw[val].append(m)

    fails = []
    counts = collections.Counter()

    def identity(ev, m, how):
        h = m["headers"]
        if ev["id"] is not None and h.get("event.id") != ev["id"]:
            fails.append("%s event %d (%s): event.id %r, expected %r"
                         % (how, ev["n"], ev["kind"], h.get("event.id"), ev["id"]))
        if ev["entity"] is not None and m["key"] != ev["entity"]:
            fails.append("%s event %d (%s): key %r, expected %r"
                         % (how, ev["n"], ev["kind"], m["key"], ev["entity"]))
        if h.get("event.size") != str(len(ev["raw"])):
            fails.append("%s event %d (%s): event.size %r, expected %d"
                         % (how, ev["n"], ev["kind"], h.get("event.size"), len(ev["raw"])))

    for ev in corpus:
        raw = ev["raw"]
        if ev["id"] is not None and delivered[ev["id"]] > 0:
            counts["topic"] += 1
            continue
        if by_raw.get(raw):
            identity(ev, by_raw[raw].pop(0), "dlq")  # one record per event
            counts["dlq"] += 1
            continue
        sha = hashlib.sha256(raw).hexdigest()
        if by_sha.get(sha):
            m = by_sha[sha].pop(0)
            identity(ev, m, "dlq (cut)")
            path = m["headers"].get("event.quarantine")
            if not (m["value"] and raw.startswith(m["value"])):
                fails.append("cut event %d: value is not its first part" % ev["n"])
            try:
                with open(path, "rb") as f:
                    if f.read() != raw:
                        fails.append("cut event %d: %s differs from the event" % (ev["n"], path))
            except (OSError, TypeError) as e:
                fails.append("cut event %d: kept copy %r unreadable: %s" % (ev["n"], path, e))
            counts["dlq_cut"] += 1
            continue
        if a.allow_bad_answer and ev["id"] is not None and any(
                ev["id"].encode() in ans for ans in answers):
            counts["bad_answer"] += 1
            continue
        counts["missing"] += 1
        fails.append("missing: event %d (%s, id %s, %d bytes)"
                     % (ev["n"], ev["kind"], ev["id"], len(raw)))

    dups = sum(c - 1 for c in delivered.values() if c > 1)
    print("hostile_verify: corpus=%d topic=%d dlq=%d dlq_cut=%d bad_answer=%d missing=%d "
          "duplicates=%d identity_failures=%d"
          % (len(corpus), counts["topic"], counts["dlq"], counts["dlq_cut"],
             counts["bad_answer"], counts["missing"], dups,
             len([f for f in fails if not f.startswith("missing")])))
    for f in fails[:a.show]:
        print("FAIL: " + f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

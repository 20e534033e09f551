#!/usr/bin/python3
# Run by tests/producer/kafka_lib.sh (its check).
import collections, re, sys
exp_file, got_file, max_dups = sys.argv[1], sys.argv[2], int(sys.argv[3])
windows = [tuple(map(int, l.split())) for l in open(sys.argv[4]) if l.strip()] \
    if len(sys.argv) > 4 else None
expect = {}
for line in open(exp_file):
    seq, kind, topic, key, value, ts = line.rstrip("\n").split("\t")
    expect[int(seq)] = (kind, topic, key, value, ts)
seen = collections.Counter()
bad = []
for line in open(got_file):
    topic, key, value, hdrs, ts = line.rstrip("\n").split("\t")
    h = dict(kv.split("=", 1) for kv in hdrs.split(",")) if hdrs else {}
    seq = int(h.get("event.seq", "0"))
    if seq not in expect:
        bad.append("unexpected record seq %d on %s" % (seq, topic)); continue
    kind, etopic, ekey, evalue, ets = expect[seq]
    seen[seq] += 1
    if kind == "bad":
        want = {"topic": etopic, "key": "", "value": evalue, "error.reason": "bad_record",
                "error.stage": "producer"}
        got = dict(h, topic=topic, key=key, value=value)
        bad += ["seq %d: %s is %r, want %r" % (seq, k, got.get(k), v)
                for k, v in want.items() if got.get(k) != v]
        continue
    want = {"topic": etopic, "key": ekey, "value": evalue, "ts": ets,
            "event.id": "evt-%d" % seq, "received.at": ets, "entity.type": "conversation",
            "event.type": "v2.detail.events.conversation", "source.stream": "stream-a",
            "schema.id": "42", "schema.version": "3", "schema.name": "com.gcb.Test"}
    got = dict(h, topic=topic, key=key, value=value, ts=ts)
    if kind == "dlq":
        want.update({"error.reason": "missing_field", "error.field": "data.x",
                     "error.detail": "no-x", "error.stage": "validator"})
        # The cursor of the record's batch, which the driver put in its slot.
        if got.get("source.cursor") != "cursor-%s" % got.get("batch.seq"):
            bad.append("seq %d: source.cursor %r in batch %s" %
                       (seq, got.get("source.cursor"), got.get("batch.seq")))
    for k, v in want.items():
        if got.get(k) != v:
            bad.append("seq %d: %s is %r, want %r" % (seq, k, got.get(k), v))
    if not re.fullmatch(r"[0-9a-f]{16}", got.get("schema.fingerprint", "")):
        bad.append("seq %d: bad schema.fingerprint" % seq)
missing = sorted(set(expect) - set(seen))
dups = sum(c - 1 for c in seen.values())
print("expected=%d received=%d missing=%d duplicates=%d" %
      (len(expect), sum(seen.values()), len(missing), dups))
if missing:
    bad.append("missing seqs (first 20): %s" % missing[:20])
if dups > max_dups:
    bad.append("%d duplicates, at most %d allowed" % (dups, max_dups))
if windows is not None:
    outside = sorted(s for s, c in seen.items()
                     if c > 1 and not any(a <= s <= b for a, b in windows))
    if outside:
        bad.append("%d duplicated seqs outside every kill window (first 20): %s" %
                   (len(outside), outside[:20]))
for b in bad[:30]:
    print("FAIL:", b)
sys.exit(1 if bad else 0)

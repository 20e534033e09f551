#!/usr/bin/python3
"""End-to-end verifier of the notification source: what gcb-sim sent over its
WebSocket channels against what reached Kafka (docs/notifications.md).

Inputs, all from the simulator (fetch them with --sim-url, or save them and
pass the files):

  --sent FILE           GET /admin/notify/sent: every data message sent, one
                        {"channel","topic","correlationId","key"} per line,
                        in the order the sockets wrote them
  --conversations FILE  GET /admin/notify/conversations: every generated
                        conversation, [{"id","start","end"}]

Kafka is read with kcat (the two-pass reader of verify.py: metadata and
headers, then the exact value bytes); every value is decoded with
python3-avro (Confluent frame: 0x00, 4-byte big-endian schema id, mapped to
an .avsc through schemas/schema-ids.json).

Checks (each non-zero count fails the run):
  missing            a sent message (by metadata.CorrelationId) on no topic
  missing_published  (--published FILE) a message the simulator queued for a
                     socket (written or not) on no topic
  misrouted          on another Kafka topic than its topicName's family
  key_mismatch       the key is not the conversation id / user id the
                     contract names (topic segment, or eventBody.id /
                     eventBody.conversationId); sent_key_mismatch: not the
                     key the simulator logged
  order_violations   per (topicName, key), the first copies in Kafka
                     (partition, offset) order are not in send order
  dlq                records on the DLQ topic other than the messages the
                     simulator spoiled (sent log "fault": bad JSON or a
                     drifted field: expected there, raw, and counted as
                     dlq_spoiled); malformed_encoded: a spoiled-JSON message
                     on a live topic; extra_topic_message: records on
                     --extra-topic (gcbridge.dlq)
  undecodable, bad_frame, unknown_schema_id, no_correlation_id
  unexpected         a live message whose CorrelationId was never sent
  too_many_duplicates / too_many_copies   over --max-dups / --max-copies
  backfill_*         backfill messages without backfill.gapId, with a key
                     other than eventBody.conversationId, or for a
                     conversation the simulator never generated
  conversations_missing   (--check-conversations) a generated conversation that is
                     a key on none of the conversation topics, backfill
                     included
  gap_conversations_missing  (--gap-coverage) a generated conversation
                     overlapping a backfilled gap [gapStart, gapEnd] that is
                     not in the backfill topic with that gapId
  gaps_missing       (--expect-gap ID) no backfill message with that gapId;
                     (--min-gaps N) fewer distinct gapIds

--lost-backfilled: a missing conversation message (queue/user conversation
snapshot, detail event) whose conversation is in the backfill topic is
counted as missing_backfilled, not missing (Genesys loses what it pushed
into a dying socket; backfill is what recovers it).

Prints one summary line ("notif-verify: sent=... result=ok|FAIL") and up to
--show examples per failure kind. Exit 0 all checks passed, 1 a check
failed, 2 usage or I/O error. Run with /usr/bin/python3 (python3-avro).
"""
import argparse
import collections
import datetime
import io
import json
import os
import re
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import avro.io
    import avro.schema
    import verify as v1  # the two-pass kcat reader
except ImportError as e:  # pragma: no cover
    sys.stderr.write("notif_verify.py: %s (run with /usr/bin/python3)\n" % e)
    sys.exit(2)

DEFAULT_SCHEMAS = os.path.normpath(os.path.join(HERE, "..", "..", "schemas"))
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

T_DETAILS = "genesys.conversation.details"
T_CONVS = "genesys.conversations"
T_USERS = "genesys.users"
T_BACKFILL = "genesys.backfill.conversations"
BACKFILL_TOPIC_NAME = "gcbridge.backfill.conversation"

# The contract's table (docs/notifications.md, "Topic families"): topicName
# pattern -> (Kafka topic, where the key comes from).
FAMILIES = [
    (re.compile(r"^v2\.detail\.events\.conversation\.([^.]+)\..+$"), T_DETAILS, "body:conversationId"),
    (re.compile(r"^v2\.routing\.queues\.([^.]+)\.conversations$"), T_CONVS, "body:id"),
    (re.compile(r"^v2\.users\.([^.]+)\.conversations$"), T_CONVS, "body:id"),
    (re.compile(r"^v2\.users\.([^.]+)\.(presence|routingStatus|activity)$"), T_USERS, "topic"),
    (re.compile(r"^gcbridge\.backfill\.conversation$"), T_BACKFILL, "body:conversationId"),
]
CONV_TOPICS = (T_DETAILS, T_CONVS, T_BACKFILL)


class Usage(Exception):
    pass


def family(topic_name):
    for rx, ktopic, keyspec in FAMILIES:
        m = rx.match(topic_name or "")
        if m:
            return ktopic, keyspec, m.group(1)
    return None, None, None


def to_ms(v):
    """ISO-8601 string or epoch milliseconds -> epoch ms; None when absent."""
    if v is None or v == "":
        return None
    if isinstance(v, datetime.datetime):  # python3-avro's timestamp-millis
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        return int(round((v - EPOCH).total_seconds() * 1000))
    if isinstance(v, (int, float)):
        return int(v)
    s = str(v).strip()
    if re.match(r"^-?\d+$", s):
        return int(s)
    s = s.replace("Z", "+00:00").replace("z", "+00:00")
    try:
        d = datetime.datetime.fromisoformat(s)
    except ValueError:
        # fromisoformat (3.11) wants exactly 3 or 6 fraction digits.
        m = re.match(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$", s)
        if not m:
            raise Usage("not a time: %r" % v)
        frac = (m.group(2) or "0")[:6].ljust(6, "0")
        d = datetime.datetime.fromisoformat(m.group(1) + "." + frac + m.group(3))
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return int((d - EPOCH).total_seconds() * 1000)


def load_records(text, what):
    """A JSON array, or JSON documents one per line."""
    text = text.strip()
    if not text:
        return []
    if text[0] == "[":
        try:
            return json.loads(text)
        except ValueError as e:
            raise Usage("%s: not JSON: %s" % (what, e))
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise Usage("%s:%d: not JSON: %s" % (what, n, e))
    return out


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.read().decode()
    except OSError as e:
        raise Usage("GET %s: %s" % (url, e))


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        raise Usage(str(e))


# ---------------------------------------------------------------- schemas
def fullname_of(raw):
    name = raw.get("name", "")
    if "." in name:
        return name
    ns = raw.get("namespace")
    return ns + "." + name if ns else name


def load_readers(sdir):
    """schema id -> (fullname, DatumReader), from schema-ids.json and every
    .avsc in sdir (independent of routes.json)."""
    try:
        with open(os.path.join(sdir, "schema-ids.json")) as f:
            ids = json.load(f)
    except (OSError, ValueError) as e:
        raise Usage("schema-ids.json: %s" % e)
    by_name = {}
    for fn in sorted(os.listdir(sdir)):
        if not fn.endswith(".avsc"):
            continue
        path = os.path.join(sdir, fn)
        with open(path) as f:
            text = f.read()
        try:
            raw = json.loads(text)
            parsed = avro.schema.parse(text)
        except Exception as e:  # a broken schema file is a finding, not a crash
            raise Usage("%s: %s" % (path, e))
        by_name[fullname_of(raw)] = avro.io.DatumReader(parsed)
    out = {}
    for name, entry in ids.items():
        sid = entry["id"] if isinstance(entry, dict) else int(entry)
        if name in by_name:
            out[sid] = (name, by_name[name])
    return out


# ---------------------------------------------------------------- values
def ci_get(d, *names):
    """d[name] for the first of names present, case-insensitively."""
    if not isinstance(d, dict):
        return None
    low = {k.lower(): k for k in d}
    for n in names:
        k = low.get(n.lower())
        if k is not None:
            return d[k]
    return None




def correlation_id(value, headers):
    md = ci_get(value, "metadata")
    cid = ci_get(md, "CorrelationId", "correlation_id") if isinstance(md, dict) else None
    if not cid:
        cid = ci_get(value, "CorrelationId", "correlation_id")
    if not cid:
        for h in ("correlation.id", "event.id"):
            if headers.get(h):
                cid = headers[h]
                break
    return cid or None


def topic_name(value, headers):
    tn = ci_get(value, "topicName", "topic_name")
    if not tn:
        for h in ("topic.name", "notification.topic", "event.type"):
            if headers.get(h) and "." in headers[h]:
                tn = headers[h]
                break
    return tn or None


def body(value):
    b = ci_get(value, "eventBody", "event_body", "body")
    return b if isinstance(b, dict) else value


# ---------------------------------------------------------------- the report
class Report(v1.Report):
    pass


def decode(m, readers, rep):
    val = m["value"]
    if val is None or len(val) < 5 or val[0] != 0:
        rep.fail("bad_frame", "%s/%d/%d: not a Confluent frame" % (m["topic"], m["partition"],
                                                                      m["offset"]))
        return None
    sid = int.from_bytes(val[1:5], "big")
    ent = readers.get(sid)
    if ent is None:
        rep.fail("unknown_schema_id", "%s/%d/%d: schema id %d" % (m["topic"], m["partition"],
                                                                   m["offset"], sid))
        return None
    try:
        dec = avro.io.BinaryDecoder(io.BytesIO(val[5:]))
        return ent[1].read(dec)
    except Exception as e:
        rep.fail("undecodable", "%s/%d/%d: %s: %s" % (m["topic"], m["partition"], m["offset"],
                                                       ent[0], e))
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-b", "--bootstrap", required=True)
    ap.add_argument("--sim-url", help="fetch --sent and --conversations from the simulator")
    ap.add_argument("--sent", help="GET /admin/notify/sent output")
    ap.add_argument("--conversations", help="GET /admin/notify/conversations output")
    ap.add_argument("--published", metavar="FILE",
                    help="gcb-sim --notify-record output: every message it queued for a "
                         "socket, written or not, must be in Kafka (missing_published)")
    ap.add_argument("--save-dir", help="with --sim-url: keep sent.jsonl, conversations.json here")
    ap.add_argument("--schemas", default=DEFAULT_SCHEMAS)
    ap.add_argument("--rename-topic", action="append", default=[], metavar="R=T")
    ap.add_argument("--dlq-topic", default="genesys.dlq")
    ap.add_argument("--oversized", type=int, default=0, metavar="BYTES",
                    help="gcbridge's event.max_bytes: a sent message longer than this is "
                         "expected in the DLQ (reason oversized), raw")
    ap.add_argument("--extra-topic", action="append", default=[])
    ap.add_argument("--no-backfill-topic", action="store_true",
                    help="do not read %s (no backfill expected, topic absent)" % T_BACKFILL)
    ap.add_argument("--max-dups", type=int, default=-1, help="extra copies allowed (-1: any)")
    ap.add_argument("--max-copies", type=int, default=0,
                    help="copies of one message allowed (0: any)")
    ap.add_argument("--check-conversations", action="store_true",
                    help="every generated conversation must be a key on a conversation topic")
    ap.add_argument("--since", type=int, default=0, metavar="UNIX_MS",
                    help="--check-conversations: skip conversations that ended before this "
                    "(gcbridge was not subscribed yet)")
    ap.add_argument("--lost-backfilled", action="store_true")
    ap.add_argument("--gap-coverage", action="store_true")
    ap.add_argument("--expect-gap", action="append", default=[], metavar="ID")
    ap.add_argument("--min-gaps", type=int, default=0)
    ap.add_argument("--max-missing", type=int, default=0,
                    help="missing messages tolerated (reported either way)")
    ap.add_argument("--kcat-timeout", type=int, default=120)
    ap.add_argument("--show", type=int, default=5)
    ap.add_argument("--json", help="full report as JSON")
    a = ap.parse_args()
    try:
        return run(a)
    except (Usage, v1.Usage) as e:
        print("notif-verify: error: %s" % e, file=sys.stderr)
        return 2


def run(a):
    rename = {}
    for r in a.rename_topic:
        if "=" not in r:
            raise Usage("--rename-topic wants R=T")
        k, v = r.split("=", 1)
        rename[k] = v
    T = lambda t: rename.get(t, t)  # noqa: E731

    if a.sim_url:
        base = a.sim_url.rstrip("/")
        sent_text = fetch(base + "/admin/notify/sent")
        conv_text = fetch(base + "/admin/notify/conversations")
        if a.save_dir:
            with open(os.path.join(a.save_dir, "sent.jsonl"), "w") as f:
                f.write(sent_text)
            with open(os.path.join(a.save_dir, "conversations.json"), "w") as f:
                f.write(conv_text)
    else:
        if not a.sent:
            raise Usage("--sent or --sim-url required")
        sent_text = read_text(a.sent)
        conv_text = read_text(a.conversations) if a.conversations else None
    sent = load_records(sent_text, "sent")
    convs = load_records(conv_text, "conversations") if conv_text is not None else None

    rep = Report(a.show)
    # Sent: first line index per CorrelationId (a topic moved to a new
    # channel at a rollover can be sent on both; one message either way).
    sent_idx = {}
    sent_topic = {}
    sent_key = {}
    sent_fault = {}  # cid -> "bad" | "drift": spoiled by the simulator's faults
    sockets = set()
    for i, s in enumerate(sent):
        cid = s.get("correlationId")
        tn = s.get("topic")
        if not cid or not tn:
            raise Usage("sent line %d lacks topic or correlationId: %r" % (i + 1, s))
        sockets.add(s.get("channel"))
        if cid in sent_idx:
            if sent_topic[cid] != tn:
                rep.fail("sent_id_reused", "%s sent on %s and %s" % (cid, sent_topic[cid], tn))
            rep.inc("sent_twice")
            continue
        sent_idx[cid] = i
        sent_topic[cid] = tn
        if s.get("key"):
            sent_key[cid] = s["key"]
        if s.get("fault"):
            sent_fault[cid] = s["fault"]
    conv_ids = None
    conv_span = {}
    if convs is not None:
        conv_ids = set()
        for c in convs:
            conv_ids.add(c["id"])
            conv_span[c["id"]] = (to_ms(c.get("start")), to_ms(c.get("end")))

    readers = load_readers(a.schemas)
    live = [T(t) for t in (T_DETAILS, T_CONVS, T_USERS)]
    topics = live + ([] if a.no_backfill_topic else [T(T_BACKFILL)])
    dlq_topic = T(a.dlq_topic)
    extra = [T(t) for t in a.extra_topic]
    data = v1.read_topics(a.bootstrap, topics + [dlq_topic] + extra, a.kcat_timeout)

    # ---- live topics
    copies = collections.Counter()
    first = {}  # cid -> (topic, key, partition, offset)
    by_stream = collections.defaultdict(list)  # (topicName, key) -> [sent index]
    key_parts = collections.defaultdict(set)  # (kafka topic, key) -> partitions
    keys_seen = collections.defaultdict(set)  # kafka topic -> keys
    received = 0
    for kt in live:
        for m in data[kt]:
            received += 1
            key = m["key"]
            key_parts[(kt, key)].add(m["partition"])
            keys_seen[kt].add(key)
            value = decode(m, readers, rep)
            if value is None:
                continue
            where = "%s/%d/%d" % (kt, m["partition"], m["offset"])
            cid = correlation_id(value, m["headers"])
            if not cid:
                rep.fail("no_correlation_id", where)
                continue
            copies[cid] += 1
            if copies[cid] > 1:
                continue
            tn = topic_name(value, m["headers"]) or sent_topic.get(cid)
            if cid not in sent_idx:
                rep.fail("unexpected", "%s: CorrelationId %s (%s) was never sent" % (where, cid, tn))
                continue
            if tn != sent_topic[cid]:
                rep.fail("topic_name_mismatch", "%s: %s carries topicName %s, sent on %s"
                         % (where, cid, tn, sent_topic[cid]))
                tn = sent_topic[cid]
            fam_topic, keyspec, seg = family(tn)
            if fam_topic is None:
                rep.fail("unknown_family", "%s: topicName %s" % (where, tn))
                continue
            if T(fam_topic) != kt:
                rep.fail("misrouted", "%s: %s (%s) expected on %s" % (where, cid, tn, T(fam_topic)))
            b = body(value)
            if keyspec == "topic":
                want = seg
            else:
                want = ci_get(b, keyspec.split(":", 1)[1])
                if keyspec == "body:conversationId" and want is None:
                    want = seg
            if want is None:
                rep.fail("key_unknown", "%s: %s: no %s in the value" % (where, cid, keyspec))
            elif key != want:
                rep.fail("key_mismatch", "%s: %s key %r, expected %r" % (where, cid, key, want))
            if cid in sent_key and key != sent_key[cid]:
                rep.fail("sent_key_mismatch", "%s: %s key %r, the simulator's key %r"
                         % (where, cid, key, sent_key[cid]))
            if (conv_ids is not None and kt in (T(T_DETAILS), T(T_CONVS)) and key not in conv_ids):
                rep.fail("unknown_conversation", "%s: key %s is no generated conversation"
                         % (where, key))
            if sent_fault.get(cid) == "bad":
                rep.fail("malformed_encoded", "%s: %s was sent malformed" % (where, cid))
            first[cid] = (kt, key, m["partition"], m["offset"])
            by_stream[(tn, key)].append(sent_idx[cid])
    for (kt, key), parts in key_parts.items():
        if len(parts) > 1:
            rep.fail("key_on_several_partitions", "%s key %s on partitions %s"
                     % (kt, key, sorted(parts)))

    # Order: data[kt] is in (partition, offset) order and one key lives on
    # one partition, so by_stream lists are in Kafka order.
    for (tn, key), idx in by_stream.items():
        for prev, cur in zip(idx, idx[1:]):
            if cur < prev:
                rep.fail("order_violations", "%s key %s: sent #%d after sent #%d in Kafka"
                         % (tn, key, cur, prev))

    # ---- backfill topic
    bf_gaps = collections.defaultdict(set)  # gapId -> conversation ids
    gap_span = {}
    bf_keys = set()
    backfill = 0
    if not a.no_backfill_topic:
        bt = T(T_BACKFILL)
        for m in data[bt]:
            backfill += 1
            where = "%s/%d/%d" % (bt, m["partition"], m["offset"])
            value = decode(m, readers, rep)
            if value is None:
                continue
            b = body(value)
            cid = ci_get(b, "conversationId")
            if m["key"] != cid:
                rep.fail("backfill_key_mismatch", "%s: key %r, conversationId %r"
                         % (where, m["key"], cid))
            bf_keys.add(m["key"])
            if conv_ids is not None and cid not in conv_ids:
                rep.fail("backfill_unknown_conversation", "%s: %s" % (where, cid))
            mark = ci_get(value, "backfill")
            gid = ci_get(mark, "gapId", "gap_id") if isinstance(mark, dict) else None
            if gid is None:
                gid = m["headers"].get("backfill.gap_id") or m["headers"].get("backfill.gapId")
            if gid is None or gid == "":
                rep.fail("backfill_no_gap_id", where)
                continue
            gid = str(gid)
            bf_gaps[gid].add(cid)
            if isinstance(mark, dict) and gid not in gap_span:
                try:
                    gap_span[gid] = (to_ms(ci_get(mark, "gapStart", "gap_start")),
                                     to_ms(ci_get(mark, "gapEnd", "gap_end")))
                except Usage as e:
                    rep.fail("backfill_bad_gap_time", "%s: %s" % (where, e))

    # ---- DLQ: a message the simulator spoiled (bad JSON, drifted field) is
    # expected there with its raw bytes; anything else there is a failure.
    in_dlq = set()
    unexpected_dlq = []
    for m in data[dlq_topic]:
        raw = (m["value"] or b"").decode("utf-8", "replace")
        hit = re.search(r'"CorrelationId":"([0-9a-fA-F-]{36})"', raw)
        cid = hit.group(1) if hit else None
        if cid in sent_fault:
            in_dlq.add(cid)
            rep.inc("dlq_spoiled")
        elif (a.oversized and cid in sent_idx and len(m["value"] or b"") > a.oversized and
              m["headers"].get("error.reason") == "oversized"):
            in_dlq.add(cid)
            rep.inc("dlq_oversized")
        else:
            unexpected_dlq.append(m)

    # ---- losses
    missing = []
    missing_bf = 0
    for cid, i in sent_idx.items():
        if cid in first or cid in in_dlq:
            continue
        tn = sent_topic[cid]
        fam_topic, keyspec, seg = family(tn)
        if a.lost_backfilled and fam_topic in (T_DETAILS, T_CONVS):
            # The conversation: the simulator's key, else (detail events)
            # the topic name's segment. Without either (an old sent log),
            # any backfill excuses a snapshot; the conversation coverage
            # check is the real guarantee then.
            conv = sent_key.get(cid) or (seg if fam_topic == T_DETAILS else None)
            if conv in bf_keys or conv is None and bf_keys:
                missing_bf += 1
                continue
        missing.append((i, cid, tn))
    for i, cid, tn in sorted(missing)[:a.show]:
        rep.fails.append("missing: sent #%d %s on %s (channel %s)"
                         % (i, cid, tn, sent[i].get("channel")))
    if len(missing) > a.max_missing:
        rep.inc("missing", len(missing))
    elif missing:
        rep.note("%d missing messages tolerated (--max-missing %d)" % (len(missing), a.max_missing))

    # ---- published: what the simulator queued for a socket, even if a
    # socket closed before writing it (a client that left too early).
    missing_pub = []
    if a.published:
        with open(a.published, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                cid = json.loads(line).get("metadata", {}).get("CorrelationId")
                if cid and cid not in first and cid not in in_dlq:
                    missing_pub.append(cid)
        for cid in missing_pub[:a.show]:
            rep.fails.append("missing_published: %s (queued, never in Kafka; %s)"
                             % (cid, "sent" if cid in sent_idx else "never written"))
        if missing_pub:
            rep.inc("missing_published", len(missing_pub))

    dups = sum(c - 1 for c in copies.values() if c > 1)
    dup_ids = sum(1 for c in copies.values() if c > 1)
    if a.max_dups >= 0 and dups > a.max_dups:
        rep.fail("too_many_duplicates", "%d duplicate copies > %d" % (dups, a.max_dups))
    worst = max(copies.values()) if copies else 0
    if a.max_copies > 0 and worst > a.max_copies:
        rep.fail("too_many_copies", "a message has %d copies > %d" % (worst, a.max_copies))

    # ---- DLQ and extra topics
    dlq = len(unexpected_dlq)
    for m in unexpected_dlq[:a.show]:
        rep.fails.append("dlq: %s/%d/%d key %r reason %s field %s: %s" % (
            dlq_topic, m["partition"], m["offset"], m["key"], m["headers"].get("error.reason"),
            m["headers"].get("error.field"),
            (m["value"] or b"")[:160].decode("utf-8", "replace")))
    if dlq:
        rep.inc("dlq", dlq)
    for t in extra:
        if data[t]:
            rep.fail("extra_topic_message", "%s holds %d messages" % (t, len(data[t])))

    # ---- conversations and gaps
    conv_missing = 0
    if a.check_conversations and conv_ids is None:
        raise Usage("--check-conversations needs --conversations or --sim-url")
    if a.check_conversations:
        have = set()
        for t in CONV_TOPICS:
            have |= keys_seen.get(T(t), set()) if t != T_BACKFILL else bf_keys
        for c in sorted(conv_ids):
            end = conv_span[c][1]
            if a.since and end is not None and end < a.since:
                rep.inc("conversations_before_since")
                continue
            if c not in have:
                conv_missing += 1
                rep.fail("conversations_missing", "conversation %s (%s .. %s) in no topic"
                         % (c, conv_span[c][0], conv_span[c][1]))
    gap_conv_missing = 0
    if a.gap_coverage and conv_ids is not None:
        for gid, (gs, ge) in sorted(gap_span.items()):
            if gs is None or ge is None:
                rep.fail("backfill_bad_gap_time", "gap %s: start %r end %r" % (gid, gs, ge))
                continue
            for c, (cs, ce) in conv_span.items():
                if cs is None:
                    continue
                if cs <= ge and (ce is None or ce >= gs) and c not in bf_gaps[gid]:
                    gap_conv_missing += 1
                    rep.fail("gap_conversations_missing", "gap %s [%d, %d]: conversation %s "
                             "[%s, %s] not backfilled" % (gid, gs, ge, c, cs, ce))
    for gid in a.expect_gap:
        if gid not in bf_gaps:
            rep.fail("gaps_missing", "no backfill message with gapId %s" % gid)
    if len(bf_gaps) < a.min_gaps:
        rep.fail("gaps_missing", "%d distinct gapIds in the backfill topic < %d"
                 % (len(bf_gaps), a.min_gaps))

    c = rep.c
    summary = collections.OrderedDict([
        ("sent", len(sent_idx)), ("sent_lines", len(sent)), ("sockets", len(sockets)),
        ("received", received), ("delivered", len(first)), ("missing", len(missing)),
        ("missing_backfilled", missing_bf), ("duplicates", dups), ("duplicated_ids", dup_ids),
        ("max_copies", worst), ("order_violations", c.get("order_violations", 0)),
        ("streams", len(by_stream)), ("dlq", dlq), ("backfill", backfill),
        ("gaps", len(bf_gaps)),
    ])
    if conv_ids is not None:
        summary["conversations"] = len(conv_ids)
    if a.check_conversations:
        summary["conversations_missing"] = conv_missing
    if a.published:
        summary["missing_published"] = len(missing_pub)
    if a.gap_coverage:
        summary["gap_conversations_missing"] = gap_conv_missing
    if c.get("conversations_before_since"):
        summary["conversations_before_since"] = c["conversations_before_since"]
    for k in ("dlq_spoiled", "dlq_oversized"):
        if c.get(k):
            summary[k] = c[k]
    failed = {k: n for k, n in c.items()
              if k not in ("sent_twice", "conversations_before_since", "dlq_spoiled",
                           "dlq_oversized") and n}
    for k, n in failed.items():
        if k not in summary:
            summary[k] = n
    summary["result"] = "FAIL" if failed else "ok"
    print("notif-verify: " + " ".join("%s=%s" % kv for kv in summary.items()))
    for f in rep.fails:
        print("FAIL: " + f)
    if c.get("sent_twice"):
        rep.note("%d sent lines repeat a CorrelationId (rollover overlap)" % c["sent_twice"])
    for gid in sorted(bf_gaps, key=lambda g: (len(g), g)):
        span = gap_span.get(gid, (None, None))
        rep.note("gap %s: %d conversations backfilled, gap %s .. %s"
                 % (gid, len(bf_gaps[gid]), span[0], span[1]))
    for n in rep.notes:
        print("NOTE: " + n)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": summary, "failures": rep.fails, "notes": rep.notes,
                       "missing": [cid for _, cid, _ in sorted(missing)],
                       "duplicated": sorted(k for k, n in copies.items() if n > 1),
                       "gaps": {g: sorted(x for x in v if x) for g, v in bf_gaps.items()}},
                      f, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

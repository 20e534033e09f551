#!/usr/bin/python3
"""Reference pipeline: the straightforward design a user would write instead of gcbridge.

One Python process: `requests` polls a Genesys event stream (OAuth client credentials,
cursor polling, limit up to 1000), the Apache Avro library validates and encodes each
event against schemas/*.avsc (routed by entityType + eventType per routes.json, Confluent
framing with the ids of schema-ids.json), `confluent_kafka` produces with acks=all and
enable.idempotence=true. At-least-once: the cursor of a batch is stored only after
producer.flush() has every message of the batch acknowledged. Events that do not validate go
to the DLQ topic (the event as JSON, with an error header).

Run with Debian's interpreter (python3-requests, python3-avro, python3-confluent-kafka):

    /usr/bin/python3 tools/bench/reference_pipeline.py --url http://127.0.0.1:PORT \
        --stream s1 --bootstrap HOST:PORT --schemas schemas --state /tmp/ref-state \
        --max-events 50000 --stats-out stats.json

It stops after --max-events events (or when the stream has no more events and --until-empty
is given) and writes a JSON summary: events, per-event fetch-to-delivery latencies (p50,
p99, from the time the poll answer arrived to the delivery report), wall time from the
first poll to the last delivery.
"""
import argparse
import datetime
import io
import json
import os
import struct
import sys
import time

import avro.errors
import avro.io
import avro.schema
import confluent_kafka
import requests

UTC = datetime.timezone.utc


def _uuid_validate(self, datum, _orig=avro.schema.UUIDSchema.validate):
    # avro 1.11.1 raises TypeError (uuid.UUID(None)) when it tries the uuid branch of
    # ["null", uuid] for a null; a user of the library needs this workaround.
    return _orig(self, datum) if isinstance(datum, str) else None


avro.schema.UUIDSchema.validate = _uuid_validate


def parse_ts(v):
    """ISO-8601 with a zone (or epoch ms) -> aware datetime, as timestamp-millis wants."""
    if isinstance(v, datetime.datetime):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return datetime.datetime.fromtimestamp(v / 1000.0, UTC)
    if isinstance(v, str):
        d = datetime.datetime.fromisoformat(v)
        if d.tzinfo is None:
            raise ValueError("timestamp without zone: %r" % v)
        return d
    raise ValueError("not a timestamp: %r" % (v,))


def to_datum(schema, v):
    """JSON value -> the Python datum avro.io.DatumWriter validates and writes."""
    t = schema.type
    if t == "record":
        if not isinstance(v, dict):
            raise ValueError("record expected")
        out = {}
        for f in schema.fields:
            if f.name in v:
                out[f.name] = to_datum(f.type, v[f.name])
            elif f.has_default:
                out[f.name] = f.default
            else:
                raise ValueError("missing field " + f.name)
        return out
    if t == "union":
        if v is None:
            return None
        for branch in schema.schemas:
            if branch.type == "null":
                continue
            try:
                d = to_datum(branch, v)
            except (ValueError, TypeError):
                continue
            if avro.io.validate(branch, d):
                return d
        raise ValueError("no union branch fits")
    if t == "long" and schema.get_prop("logicalType") == "timestamp-millis":
        return parse_ts(v)
    if t == "array":
        return [to_datum(schema.items, x) for x in v]
    if t == "map":
        return {k: to_datum(schema.values, x) for k, x in v.items()}
    return v


class Router:
    def __init__(self, schemas_dir):
        routes = json.load(open(os.path.join(schemas_dir, "routes.json")))
        ids = json.load(open(os.path.join(schemas_dir, "schema-ids.json")))
        self.dlq_topic = "genesys.dlq"  # gcbridge's producer.dlq_topic default
        self.routes = {}
        for r in routes["routes"]:
            if "entityType" not in r["match"]:
                continue  # notification routes (by topicName): not part of this reference
            schema = avro.schema.parse(open(os.path.join(schemas_dir, r["schema"])).read())
            header = struct.pack(">bI", 0, ids[schema.fullname]["id"])
            self.routes[(r["match"]["entityType"], r["match"]["eventType"])] = (
                schema, avro.io.DatumWriter(schema), header, r["topic"], r["key"].split("."))

    def encode(self, ev, received_at):
        """-> (topic, key, framed value); raises ValueError/AvroTypeException on bad events."""
        route = self.routes.get((ev.get("entityType"), ev.get("eventType")))
        if route is None:
            raise ValueError("unrouted")
        schema, writer, header, topic, key_path = route
        ev = dict(ev)
        ev["received_at"] = received_at
        datum = to_datum(schema, ev)
        buf = io.BytesIO()
        buf.write(header)
        writer.write(datum, avro.io.BinaryEncoder(buf))  # validates (raise_on_error)
        key = ev
        for part in key_path:
            key = key[part]
        return topic, str(key).encode(), buf.getvalue()


class Source:
    """Genesys event-stream polling with OAuth client credentials (docs/genesys-api.md)."""

    def __init__(self, url, login_url, stream, client_id, secret, limit):
        self.url, self.login_url, self.stream = url, login_url, stream
        self.auth = (client_id, secret)
        self.limit = limit
        self.http = requests.Session()
        self.token = None

    def login(self):
        r = self.http.post(self.login_url + "/oauth/token", auth=self.auth,
                           data={"grant_type": "client_credentials"}, timeout=30)
        r.raise_for_status()
        self.token = r.json()["access_token"]

    def poll(self, cursor):
        """-> (raw events as parsed JSON, raw bytes per event unavailable, next cursor, hasMore)."""
        params = {"limit": self.limit}
        if cursor:
            params["cursor"] = cursor
        backoff = 0.5
        while True:
            if self.token is None:
                self.login()
            r = self.http.get("%s/api/v2/eventstreams/%s/poll" % (self.url, self.stream),
                              params=params, timeout=60,
                              headers={"Authorization": "Bearer " + self.token})
            if r.status_code == 200:
                body = r.json()
                return body["events"], body["cursor"], body["hasMore"]
            if r.status_code == 401:
                self.token = None
                continue
            if r.status_code == 429 or r.status_code >= 500:
                time.sleep(float(r.headers.get("Retry-After", backoff)))
                backoff = min(backoff * 2, 60)
                continue
            r.raise_for_status()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--login-url")
    ap.add_argument("--stream", required=True)
    ap.add_argument("--client-id", default="gcb-sim-client")
    ap.add_argument("--client-secret", default=os.environ.get("REF_CLIENT_SECRET",
                                                              "gcb-sim-secret"))
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--schemas", default="schemas")
    ap.add_argument("--state", required=True, help="directory of the stored cursor")
    ap.add_argument("--limit", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=1.0,
                    help="pause after hasMore=false (seconds)")
    ap.add_argument("--max-events", type=int, default=0, help="stop after this many (0 = never)")
    ap.add_argument("--until-empty", action="store_true", help="stop at hasMore=false")
    ap.add_argument("--stats-out", help="write the JSON summary here (else stdout)")
    a = ap.parse_args()

    router = Router(a.schemas)
    src = Source(a.url, a.login_url or a.url, a.stream, a.client_id, a.client_secret, a.limit)
    os.makedirs(a.state, exist_ok=True)
    cursor_file = os.path.join(a.state, "cursor")
    cursor = open(cursor_file).read().strip() if os.path.exists(cursor_file) else None

    latencies = []  # seconds, fetch -> delivery report, per delivered message
    errors = []

    def on_delivery(err, msg, fetched_at=None):
        if err is not None:
            errors.append(str(err))
            return
        latencies.append(time.monotonic() - fetched_at)

    producer = confluent_kafka.Producer({
        "bootstrap.servers": a.bootstrap, "acks": "all", "enable.idempotence": True,
        "linger.ms": 5, "queue.buffering.max.messages": 1000000})
    events = dlq = 0
    first_batch = 0  # messages of the first non-empty batch (it also waits for the connection)
    first_poll = None
    last_delivery = None
    while a.max_events <= 0 or events < a.max_events:
        t_poll = time.monotonic()
        if first_poll is None:
            first_poll = t_poll
        batch, next_cursor, has_more = src.poll(cursor)
        fetched_at = time.monotonic()
        received_at = datetime.datetime.now(UTC)
        cb = (lambda f: (lambda err, msg: on_delivery(err, msg, f)))(fetched_at)
        for ev in batch:
            try:
                topic, key, value = router.encode(ev, received_at)
                producer.produce(topic, value, key, on_delivery=cb)
            except (ValueError, TypeError, KeyError, avro.errors.AvroException) as e:
                producer.produce(router.dlq_topic, json.dumps(ev).encode(), None,
                                 headers={"error": str(e)[:300]}, on_delivery=cb)
                dlq += 1
            while True:
                try:
                    producer.poll(0)
                    break
                except BufferError:
                    producer.poll(0.01)
        # At-least-once: the cursor moves only once the whole batch is acknowledged.
        if producer.flush(120) != 0 or errors:
            print("reference: delivery failed: %s" % (errors[:3],), file=sys.stderr)
            return 1
        if batch:
            last_delivery = time.monotonic()
            if not first_batch:
                first_batch = len(latencies)
        events += len(batch)
        cursor = next_cursor
        tmp = cursor_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(cursor)
        os.replace(tmp, cursor_file)
        if not has_more:
            if a.until_empty:
                break
            time.sleep(a.interval)

    later = sorted(latencies[first_batch:])
    latencies.sort()

    def pct(p, lat=latencies):
        return lat[min(len(lat) - 1, int(p * len(lat)))] if lat else 0

    stats = {"events": events, "dlq": dlq, "delivered": len(latencies),
             "first_poll_mono": first_poll, "last_delivery_mono": last_delivery,
             "wall_s": (last_delivery - first_poll) if last_delivery else 0,
             "p50_ms": pct(0.50) * 1000, "p99_ms": pct(0.99) * 1000,
             "p99_ms_after_first_batch": pct(0.99, later) * 1000}
    out = json.dumps(stats)
    if a.stats_out:
        with open(a.stats_out, "w") as f:
            f.write(out + "\n")
    else:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

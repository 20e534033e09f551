#!/usr/bin/python3
"""The reference pipeline encodes exactly what gcbridge's validator encodes: 3000 simulator
events, polled with the reference's own client, are encoded by reference_pipeline.Router and
by gcb-validate with the same received_at; every framed value and key must be byte-equal.
So the baseline benchmark compares two pipelines doing the same work."""
import datetime
import os
import subprocess
import sys

ROOT = os.environ["GCB_ROOT"]
sys.path.insert(0, os.path.join(ROOT, "tools/bench"))
import benchlib as bl  # noqa: E402
import reference_pipeline as rp  # noqa: E402

MS = 1795750576558


def main():
    pr = bl.Procs("gcb-ref-equiv")
    try:
        sim, url = bl.start_sim(pr, "sim", 3000, 11)
        src = rp.Source(url, url, "s1", "gcb-sim-client", "gcb-sim-secret", 1000)
        events, cursor = [], None
        while True:
            batch, cursor, more = src.poll(cursor)
            events += batch
            if not more:
                break
        if len(events) != 3000:
            print("FAIL: polled %d events, expected 3000" % len(events))
            return 1
        router = rp.Router(os.path.join(ROOT, "schemas"))
        at = datetime.datetime(1970, 1, 1, tzinfo=rp.UTC) + datetime.timedelta(milliseconds=MS)
        lines = "".join(rp.json.dumps(e) + "\n" for e in events)
        r = subprocess.run([os.path.join(bl.BIN, "gcb-validate"), "--routes",
                            os.path.join(ROOT, "schemas/routes.json"), "--received-at",
                            str(MS)], input=lines.encode(), stdout=subprocess.PIPE, timeout=60)
        verdicts = r.stdout.decode().splitlines()
        if len(verdicts) != len(events):
            print("FAIL: gcb-validate printed %d lines for %d events" %
                  (len(verdicts), len(events)))
            return 1
        for i, (ev, v) in enumerate(zip(events, verdicts)):
            topic, key, value = router.encode(ev, at)
            f = v.split(" ")
            want = ["avro", topic, key.decode(), f[3], value[5:].hex()]
            got = f[:4] + [f[4][10:]]
            if f[0] != "avro" or got != want or f[4][:10] != value[:5].hex():
                print("FAIL: event %d differs:\n  gcb-validate %s\n  reference    %s %s %s %s"
                      % (i, v, topic, key.decode(), value.hex(), ev))
                return 1
        print("reference_equiv: %d events, identical keys, topics and framed values" %
              len(events))
        return 0
    finally:
        pr.stop_all()


if __name__ == "__main__":
    sys.exit(main())

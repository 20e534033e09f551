#!/usr/bin/python3
"""End-to-end benchmark: simulator -> gcbridge -> gcb-kafka-mock, then the raw-produce
ceiling (kcat -P of the same records, acks=all + idempotence) on the same cluster.

    GCB_BENCH_EVENTS=300000 tools/bench/e2e_bench.sh      (docs/bench.md)
"""
import argparse
import os
import resource
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

# Key / message delimiters for the kcat export and re-produce: byte strings no key (a uuid)
# or Avro value of these schemas contains (checked by counting the records back).
KEY_DELIM = "\\x1f\\x1eK\\x1e\\x1f"
MSG_DELIM = "\\x1d\\x1c\\x1bMSG\\x1b\\x1c\\x1d"


def encode_records(pr, events_log, path):
    """The events the simulator served, encoded by gcb-validate (the validator's own code:
    same routing, Avro encoding and Confluent framing) into one delimited file of
    key + framed value per record, as kcat -P reads it. Returns the record count."""
    r = subprocess.run([os.path.join(bl.BIN, "gcb-validate"), "--routes",
                        os.path.join(bl.ROOT, "schemas/routes.json"),
                        "--received-at", str(int(time.time() * 1000))],
                       stdin=open(events_log, "rb"), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("gcb-validate failed: %s" % r.stderr.decode()[:300])
    kd = KEY_DELIM.encode().decode("unicode_escape").encode("latin-1")
    md = MSG_DELIM.encode().decode("unicode_escape").encode("latin-1")
    n = 0
    with open(path, "wb") as out:
        for line in r.stdout.splitlines():
            f = line.split(b" ")
            if f[0] != b"avro":
                continue
            value = bytes.fromhex(f[4].decode())
            if kd in value or md in value:
                raise RuntimeError("a record contains the kcat delimiter")
            out.write(f[2] + kd + value + md)
            n += 1
    return n


def count_topic(bootstrap, topic, partitions):
    """Sum of the partitions' end offsets (kcat -Q; the mock trims old segments, so
    consuming from the beginning would not see every record)."""
    argv = ["kcat", "-b", bootstrap, "-Q"]
    for p in range(partitions):
        argv += ["-t", "%s:%d:-1" % (topic, p)]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    total = 0
    for line in r.stdout.splitlines():
        # "raw.ceiling [0] offset 49912"
        if " offset " in line:
            total += int(line.rsplit(" ", 1)[1])
    return total


def raw_produce(bootstrap, topic, path):
    """kcat -P of the exported records; returns wall seconds and CPU seconds of kcat."""
    argv = ["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", KEY_DELIM, "-D", MSG_DELIM,
            "-l", path, "-X", "acks=all", "-X", "enable.idempotence=true"]
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise RuntimeError("kcat -P failed: %s" % p.stderr.read().decode()[:300])
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def raw_produce_paced(bootstrap, topic, path, rate, tick_s, seconds, linger_ms=2):
    """kcat -P fed the exported records at `rate` records/s, one write to its stdin every
    tick_s (the records of one tick at once, as a paced source answers a poll), for
    `seconds`; librdkafka settings as gcbridge's producer (acks=all, idempotence,
    linger.ms 2). Returns (records after the first second, kcat's CPU seconds over them):
    the cost of producing alone at that pace on this machine, the floor under gcbridge's
    paced CPU per event. The first second also pays for the connections and the producer
    id, as in gcbridge's paced runs."""
    md = MSG_DELIM.encode().decode("unicode_escape").encode("latin-1")
    with open(path, "rb") as f:
        recs = [r + md for r in f.read().split(md) if r]
    if not recs:
        raise RuntimeError("no records in %s" % path)
    per_tick = max(1, int(round(rate * tick_s)))
    argv = ["kcat", "-b", bootstrap, "-P", "-t", topic, "-K", KEY_DELIM, "-D", MSG_DELIM,
            "-X", "acks=all", "-X", "enable.idempotence=true", "-X",
            "linger.ms=%d" % linger_ms]
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    sent, tick, mark = 0, 0, None
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < seconds:
            chunk = b"".join(recs[(sent + i) % len(recs)] for i in range(per_tick))
            os.write(p.stdin.fileno(), chunk)
            sent += per_tick
            tick += 1
            if mark is None and time.monotonic() - t0 >= 1.0:
                mark = (bl.cpu_s(p.pid), sent)
            delay = t0 + tick * tick_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        cpu = bl.cpu_s(p.pid)
    finally:
        p.stdin.close()
        _, status, _ = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("kcat -P failed: %s" % p.stderr.read().decode()[:300])
    if mark is None or sent == mark[1]:
        raise RuntimeError("paced kcat run shorter than its first second")
    return sent - mark[1], cpu - mark[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=int(os.environ.get("GCB_BENCH_EVENTS",
                                                                     300000)))
    ap.add_argument("--validators", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--paced-rate", type=int, default=5000,
                    help="events/s of the paced latency run (0 = skip it)")
    ap.add_argument("--paced-seconds", type=int, default=6)
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()

    pr = bl.Procs("gcb-e2e")
    try:
        kafka, bootstrap = bl.start_kafka(pr)
        bl.log("e2e_bench: %d events, %d validators, simulator seed %d, mock cluster %s" %
               (a.events, a.validators, a.seed, bootstrap))
        g = bl.run_gcbridge(pr, bootstrap, a.events, a.seed, a.validators, "e2e",
                            events_log=True)
        kafka_cpu_gcb = bl.cpu_s(kafka.pid)

        export = os.path.join(pr.dir, "records.bin")
        n = encode_records(pr, os.path.join(pr.dir, "sim-e2e.events"), export)
        if n != g["events"] - g["dlq"]:
            raise RuntimeError("exported %d records, gcbridge delivered %d" %
                               (n, g["events"] - g["dlq"]))
        size = os.path.getsize(export)
        k0 = bl.cpu_s(kafka.pid)
        kwall, kcpu, krss = raw_produce(bootstrap, "raw.ceiling", export)
        kafka_cpu_kcat = bl.cpu_s(kafka.pid) - k0
        got = count_topic(bootstrap, "raw.ceiling", 6)
        if got != n:
            raise RuntimeError("raw.ceiling holds %d records, expected %d" % (got, n))
        k = {"name": "kcat -P (raw produce)", "events": n, "wall_s": kwall, "p50_ms": 0,
             "p99_ms": 0, "cpu_s": kcpu, "rss_sum_kb": krss}

        paced = None
        if a.paced_rate > 0:
            paced = bl.run_gcbridge(pr, bootstrap, a.paced_rate * a.paced_seconds, a.seed + 1,
                                    a.validators, "paced", rate=a.paced_rate)
            paced["name"] = "gcbridge, source paced at %d ev/s" % a.paced_rate

        print("\n### End-to-end: %d events, simulator -> gcbridge -> gcb-kafka-mock\n" %
              g["events"])
        print(bl.TABLE_HEAD)
        print(bl.fmt_row(g))
        print(bl.fmt_row(k).replace("| 0.0 | 0.0 |", "| - | - |"))
        if paced:
            print(bl.fmt_row(paced))
        gr, kr = g["events"] / g["wall_s"], n / kwall
        print("\n- gcbridge / kcat throughput ratio: **%.2f** (%.0f vs %.0f events/s)" %
              (gr / kr, gr, kr))
        print("- gcbridge: %d processes (supervisor, fetcher, %d validators, producer); peak "
              "RSS is the sum of their VmHWM (the shared rings count in each), largest "
              "process %.1f MiB; DLQ %d; exit status %d after SIGTERM" %
              (g["procs"], a.validators, g["rss_kb"] / 1024, g["dlq"], g["exit"]))
        print("- latency: fetch (received_at) to delivery report, from the producer's "
              "fetch_latency_le_* histogram (1-2-5 buckets, linear inside a bucket). The "
              "on-demand source never makes gcbridge wait, so the fetcher runs ahead and "
              "latency there is mostly time queued in the rings; the paced run (long poll "
              "1 s, fresh simulator, %d events) shows the latency below saturation" %
              (a.paced_rate * a.paced_seconds))
        print("- outside gcbridge: simulator %.2f CPU s, gcb-kafka-mock %.2f CPU s (during the "
              "gcbridge run, incl. startup), %.2f CPU s (during kcat -P)" %
              (g["sim_cpu_s"], kafka_cpu_gcb, kafka_cpu_kcat))
        print("- kcat -P: %d records, %.1f MB of keys + framed Avro values (no headers; "
              "gcbridge also sends 10-11 provenance headers per message), encoded "
              "beforehand by gcb-validate from the events the simulator served, one process "
              "reading a file" % (n, size / 1e6))
        print("- gcbridge CPU s per process at the last delivery: %s" % g["breakdown"])
        print("- machine: %s" % bl.machine_note())
        return 0
    finally:
        pr.stop_all(keep=a.keep)


if __name__ == "__main__":
    sys.exit(main())

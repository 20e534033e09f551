#!/usr/bin/python3
"""The performance table: every figure of docs/performance.md measured in one run, each
beside its target, as a ratio within this run where a peer or a limit is involved, with
MISSED where a target is missed.

    tools/bench/table_bench.sh                   print the table (part of make bench)
    tools/bench/table_bench.sh --update-readme   also replace README.md's table with it

Every process talks to 127.0.0.1 only: gcb-sim, gcb-kafka-mock (one cluster for every
run), gcbridge, kcat, rsyslogd and the Python reference. The table is also written to
build/bench/table.md.
"""
import argparse
import contextlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
import baseline_bench  # noqa: E402
import e2e_bench  # noqa: E402
import rsyslog_peer  # noqa: E402

README_BEGIN = "<!-- bench-table:begin -->"
README_END = "<!-- bench-table:end -->"
# The second paced series: a pause after an answer that was not full, so that a paced
# stream comes in fewer, larger batches (docs/performance.md#batches-per-second).
PACED_GATHER = "5ms"
PACED_INTERVALS = ("0", PACED_GATHER)


def env_int(name, default):
    return int(os.environ.get(name, default))


def verdict(ok):
    return "met" if ok else "**MISSED**"


def notif_rate(conv):
    """Messages/s of the notification source into the rings, the spool's batched fdatasync
    on, fed by a replay of recorded messages (tools/bench/notif_replay_bench.sh), and what
    the generating simulator managed in the same run; (replay rate, generated rate, the
    script's output)."""
    r = subprocess.run([os.path.join(bl.ROOT, "tools/bench/notif_replay_bench.sh"), str(conv)],
                       env=dict(os.environ, GCB_ROOT=bl.ROOT, GCB_BIN=bl.BIN),
                       capture_output=True, text=True, timeout=300)
    rep = re.search(r"replayed, all in the rings after: +\d+ ms = (\d+) messages/s", r.stdout)
    gen = re.search(r"record run\): \d+ ms = (\d+) messages/s", r.stdout)
    if r.returncode != 0 or rep is None or gen is None:
        raise RuntimeError("notif_replay_bench.sh failed: %s %s" %
                           (r.stdout[-800:], r.stderr[-500:]))
    return int(rep.group(1)), int(gen.group(1)), r.stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=env_int("GCB_BENCH_EVENTS", 300000),
                    help="events of the saturation run (and of the kcat and rsyslog runs)")
    ap.add_argument("--ref-events", type=int, default=env_int("GCB_BASELINE_EVENTS", 50000))
    ap.add_argument("--paced-seconds", type=int, default=env_int("GCB_BENCH_PACED_SECONDS", 8))
    ap.add_argument("--idle-seconds", type=int, default=env_int("GCB_BENCH_IDLE_SECONDS", 60))
    ap.add_argument("--notif-conversations", type=int,
                    default=env_int("GCB_BENCH_NOTIF_CONV", 8000))
    ap.add_argument("--validators", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--skip", default=os.environ.get("GCB_BENCH_SKIP", ""),
                    help="comma list of parts to leave out: kcat,headers,rsyslog,paced,idle,"
                         "reference,notif")
    ap.add_argument("--update-readme", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()
    skip = set(x for x in a.skip.split(",") if x)
    t_start = time.monotonic()
    load0 = open("/proc/loadavg").read().split()[:3]

    pr = bl.Procs("gcb-table")
    rows, notes, failed = [], [], []

    @contextlib.contextmanager
    def part(name, row):
        """A part that fails leaves a row saying so; the others still run."""
        try:
            yield
        except Exception as e:  # noqa: BLE001 - any failure, reported below
            bl.log("table_bench: %s failed: %s" % (name, e))
            failed.append(name)
            rows.append((row, "not measured: %s" % str(e).replace("|", "/")[:160], "",
                         "**MISSED**"))
    try:
        kafka, bootstrap = bl.start_kafka(pr)
        bl.log("table_bench: saturation run, %d events" % a.events)
        mock0 = bl.cpu_s(kafka.pid)
        g = bl.run_gcbridge(pr, bootstrap, a.events, a.seed, a.validators, "sat",
                            events_log=True)
        mock_us = 1e6 * (bl.cpu_s(kafka.pid) - mock0) / g["events"]
        g_rate = g["events"] / g["wall_s"]
        g_us = 1e6 * g["cpu_s"] / g["events"]
        prod_us = 1e6 * g["cpu_by_name"].get("producer", 0.0) / g["events"]
        events_log = os.path.join(pr.dir, "sim-sat.events")

        k_us, export = None, None
        if "kcat" not in skip:
            with part('kcat', 'end to end / raw `kcat -P` on the same records, same run'):
                bl.log("table_bench: kcat -P on the same records")
                export = os.path.join(pr.dir, "records.bin")
                n = e2e_bench.encode_records(pr, events_log, export)
                kwall, kcpu, _ = e2e_bench.raw_produce(bootstrap, "raw.ceiling", export)
                got = e2e_bench.count_topic(bootstrap, "raw.ceiling", 6)
                if got != n:
                    raise RuntimeError("raw.ceiling holds %d records, expected %d" % (got, n))
                k_rate, k_us = n / kwall, 1e6 * kcpu / n
                ratio = g_rate / k_rate
                rows.append(("end to end / raw `kcat -P` on the same records, same run",
                             "%.2f (%.0f vs %.0f events/s)" % (ratio, g_rate, k_rate), "≥ 0.5",
                             verdict(ratio >= 0.5)))
                # What the machine allows: its cores divided by the CPU one event
                # cost gcbridge, the simulator serving it and the cluster taking it,
                # even if every stage ran in parallel with nothing waiting.
                sim_us = 1e6 * g["sim_cpu_s"] / g["events"]
                bound = os.cpu_count() * 1e6 / (g_us + sim_us + mock_us) / k_rate
                rows.append(("… the most this machine allows at that CPU per event, if every "
                             "process ran in parallel (cores ÷ CPU per event of gcbridge + "
                             "simulator + cluster), as a ratio to kcat",
                             "%.2f (%d cores ÷ (%.1f + %.1f + %.1f µs))" %
                             (bound, os.cpu_count(), g_us, sim_us, mock_us),
                             "context, no target", "—"))
        rows.append(("producer stage CPU per event at saturation",
                     "%.1f µs%s" % (prod_us, " (kcat all-in: %.1f µs)" % k_us if k_us else ""),
                     "≤ 3 µs", verdict(prod_us <= 3)))
        rows.append(("whole gcbridge CPU per event at saturation",
                     "%.1f µs (%d events, %.0f events/s)" % (g_us, g["events"], g_rate),
                     "≤ 8 µs", verdict(g_us <= 8)))
        if "headers" not in skip:
            with part('headers', '… the same with a smaller `producer.headers`'):
                # The same saturation run with fewer provenance headers: what the
                # producer.headers setting buys (docs/producer.md).
                for hs in ("lean", "minimal"):
                    bl.log("table_bench: saturation run, producer.headers = %s" % hs)
                    m = bl.run_gcbridge(pr, bootstrap, a.events, a.seed, a.validators,
                                        "sat-" + hs, extra="producer.headers = %s\n" % hs)
                    m_prod = 1e6 * m["cpu_by_name"].get("producer", 0.0) / m["events"]
                    m_us = 1e6 * m["cpu_s"] / m["events"]
                    rows.append(("… the same with `producer.headers = %s` (default `all`)" % hs,
                                 "producer %.1f µs, whole %.1f µs per event, %.0f events/s" %
                                 (m_prod, m_us, m["events"] / m["wall_s"]),
                                 "≤ 3 µs / ≤ 8 µs", verdict(m_prod <= 3 and m_us <= 8)))

        paced = {}
        if "paced" not in skip:
            with part('paced', 'paced at 1,000 to 20,000 events/s'):
                # Long poll, polled again at once (interval 0), then with a pause of
                # PACED_GATHER after an answer that was not full: fewer, larger batches
                # for up to that much more wait at the source (not in fetch → ack).
                for interval in PACED_INTERVALS:
                    for rate in (1000, 2000, 5000, 20000):
                        bl.log("table_bench: paced at %d events/s for %d s, poll interval %s" %
                               (rate, a.paced_seconds, interval))
                        r = bl.run_gcbridge(pr, bootstrap, rate * a.paced_seconds,
                                            a.seed + rate, a.validators,
                                            "p%d-%s" % (rate, interval), rate=rate, warmup=rate,
                                            poll_interval=interval)
                        paced[(interval, rate)] = r
                for interval in PACED_INTERVALS:
                    p5 = paced[(interval, 5000)]
                    st = p5["steady"]
                    us5 = 1e6 * st["cpu_s"] / st["events"]
                    what = ("" if interval == "0" else
                            " (`genesys.poll.interval = %s`: events wait up to %s more at the "
                            "source)" % (interval, interval))
                    rows.append(("paced at 5,000 events/s: p99 fetch → Kafka ack" + what,
                                 "%.1f ms (p50 %.1f ms)" % (p5["p99_ms"], p5["p50_ms"]),
                                 "≤ 10 ms", verdict(p5["p99_ms"] <= 10)))
                    rows.append(("paced at 5,000 events/s: CPU per event" + what,
                                 "%.1f µs" % us5, "≤ 15 µs", verdict(us5 <= 15)))
                if export is not None:
                    # The floor under those rows: librdkafka producing alone at the
                    # same pace, on the same cluster (no fetch, validation or headers).
                    floor = []
                    for tick in (0.005, 0.001):
                        bl.log("table_bench: kcat -P paced at 5000 records/s, a write "
                               "every %g ms" % (tick * 1000))
                        n_k, cpu_k = e2e_bench.raw_produce_paced(
                            bootstrap, "raw.paced", export, 5000, tick, a.paced_seconds)
                        floor.append("%.1f µs per record with a write every %g ms" %
                                     (1e6 * cpu_k / n_k, tick * 1000))
                    rows.append(("… floor: `kcat -P` alone, fed the same records at 5,000/s "
                                 "(acks=all, idempotent, linger.ms 2; after its first second)",
                                 ", ".join(floor), "context, no target", "—"))

        if "idle" not in skip:
            with part('idle', 'idle (no events, long poll), whole gcbridge'):
                bl.log("table_bench: idle for %d s" % a.idle_seconds)
                idle = bl.run_idle(pr, bootstrap, a.validators, a.idle_seconds)
                pct = 100 * idle["cpu_s"] / idle["seconds"]
                rows.append(("idle (no events, long poll), whole gcbridge",
                             "%.2f %% of one core over %.0f s (%.0f context switches/s)" %
                             (pct, idle["seconds"], idle["wakeups_per_s"]),
                             "≤ 1 % of one core over 60 s",
                             verdict(pct <= 1) + ("" if a.idle_seconds >= 60 else
                                                  " (shorter window)")))

        if ("0", 2000) in paced:
            st = paced[("0", 2000)]["steady"]
            sim_pct = 100 * st["sim_cpu_s"] / st["wall_s"]
            rows.append(("`gcb-sim` serving 2,000 events/s", "%.1f %% of a core" % sim_pct,
                         "≤ 10 %", verdict(sim_pct <= 10)))

        if "reference" not in skip:
            with part('reference', 'vs the Python reference'):
                bl.log("table_bench: the Python reference, %d events" % a.ref_events)
                ref = baseline_bench.run_reference(pr, bootstrap, a.ref_events, a.seed,
                                                   timeout=600)
                ratio = (g["events"] / g["cpu_s"]) / (ref["events"] / ref["cpu_s"])
                rows.append(("vs the Python reference (python3-avro's pure-Python encoder), "
                             "events per CPU second", "%.1f× (%.0f vs %.0f events/CPU s)" %
                             (ratio, g["events"] / g["cpu_s"], ref["events"] / ref["cpu_s"]),
                             "≥ 30×", verdict(ratio >= 30)))

        if "notif" not in skip:
            with part('notif', 'notification source into the rings'):
                bl.log("table_bench: notification source")
                rate, gen, out = notif_rate(a.notif_conversations)
                notes.append("notification source (tools/bench/notif_replay_bench.sh):\n\n```\n%s"
                             "\n```" % out)
                rows.append(("notification source into the rings (spool fdatasync batched), "
                             "recorded messages replayed over the WebSocket",
                             "%d msg/s (the generating simulator: %d msg/s)" % (rate, gen),
                             "≥ 100 k msg/s, source not the limit", verdict(rate >= 100000)))

        if "rsyslog" not in skip and rsyslog_peer.available():
            with part('rsyslog', 'vs rsyslog + omkafka'):
                bl.log("table_bench: rsyslog + omkafka on the same %d events" % g["events"])
                rs = rsyslog_peer.run(pr, bootstrap, events_log, g["events"])
                rs_rate, rs_us = rs["events"] / rs["wall_s"], 1e6 * rs["cpu_s"] / rs["events"]
                tput, cpu = g_rate / rs_rate, rs_us / g_us
                rows.append(("vs rsyslog + omkafka relaying the same JSON events, same cluster, "
                             "acks=all, keyed (no validation)",
                             "%.1f× its events/s, %.1f× less CPU per event (rsyslog: %.0f "
                             "events/s, %.1f µs/event)" % (tput, cpu, rs_rate, rs_us),
                             "≥ 3× and ≤ ⅓ its CPU per event, while validating and encoding",
                             verdict(tput >= 3 and cpu >= 3)))
        elif "rsyslog" not in skip:
            rows.append(("vs rsyslog + omkafka", "not measured: rsyslog-kafka missing "
                         "(tools/install-deps)", "≥ 3×", "**MISSED**"))
    finally:
        pr.stop_all(keep=a.keep)

    load1 = open("/proc/loadavg").read().split()[:3]
    out = ["| figure | measured | target | |", "|---|---|---|---|"]
    out += ["| %s | %s | %s | %s |" % r for r in rows]
    if paced:
        out += ["", "Latency from fetch to Kafka acknowledgement (acks=all), source paced, "
                "after the first second, with librdkafka's own produce-to-acknowledgement "
                "average beside it (the part spent in librdkafka and the cluster); CPU of the "
                "whole gcbridge per event. Long poll; `genesys.poll.interval` 0 polls again "
                "at once, %s pauses that long after an answer that was not full, so events "
                "wait up to %s more at the source, which fetch → ack does not count:"
                % (PACED_GATHER, PACED_GATHER), "",
                "| poll interval | events/s | p50 ms | p90 ms | p99 ms | p99.9 ms | "
                "produce → ack avg ms | CPU µs/event | events |",
                "|---|---|---|---|---|---|---|---|---|"]
        for (interval, rate), r in sorted(paced.items(), key=lambda kv: (kv[0][0] != "0",
                                                                         kv[0][1])):
            st = r["steady"]
            out.append("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %d |" % (
                interval, rate, r["p50_ms"], r["p90_ms"], r["p99_ms"], r["p999_ms"],
                r["ack_avg_ms"], 1e6 * st["cpu_s"] / st["events"], st["events"]))
        for interval in PACED_INTERVALS:
            if (interval, 5000) in paced:
                st = paced[(interval, 5000)]["steady"]
                out += ["", "Paced at 5,000 events/s, poll interval %s, CPU µs per event by "
                        "process (the producer's includes librdkafka's threads): %s." %
                        (interval, ", ".join("%s %.1f" % (k, 1e6 * v / st["events"])
                                             for k, v in st["cpu_by_name"].items()))]
    out += ["", "Saturation run, CPU s per process: %s." % g["breakdown"]]
    out += ["", "Machine: %d cores (%s); load average %s before, %s after; %.0f s in all. "
            "Reproduce: `make bench` (this table is its last part), or "
            "`tools/bench/table_bench.sh --update-readme` for this table alone." %
            (os.cpu_count(), bl.machine_note().split("(")[1].split(")")[0],
             " ".join(load0), " ".join(load1), time.monotonic() - t_start)]
    table = "\n".join(out)
    print("\n### Performance table (docs/performance.md)\n")
    print(table)
    for n in notes:
        print("\n" + n)
    os.makedirs(os.path.join(bl.ROOT, "build/bench"), exist_ok=True)
    with open(os.path.join(bl.ROOT, "build/bench/table.md"), "w") as f:
        f.write(table + "\n")
    if a.update_readme:
        path = os.path.join(bl.ROOT, "README.md")
        text = open(path).read()
        i, j = text.index(README_BEGIN), text.index(README_END)
        with open(path, "w") as f:
            f.write(text[:i + len(README_BEGIN)] + "\n\n" + table + "\n\n" + text[j:])
        bl.log("table_bench: README.md updated")
    if failed:
        bl.log("table_bench: parts that failed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

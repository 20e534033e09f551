#!/usr/bin/python3
"""Baseline comparison: gcbridge against tools/bench/reference_pipeline.py (requests +
Apache Avro + confluent_kafka in one Python process) on the same events: each gets a fresh
simulator with the same options, seed and count, and both produce to the same
gcb-kafka-mock cluster with acks=all and idempotence.

    GCB_BASELINE_EVENTS=100000 tools/bench/baseline_bench.sh      (docs/bench.md)
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402


def run_reference(pr, bootstrap, events, seed, timeout):
    sim, url = bl.start_sim(pr, "sim-ref", events, seed)
    stats = os.path.join(pr.dir, "ref-stats.json")
    argv = ["/usr/bin/python3", os.path.join(bl.ROOT, "tools/bench/reference_pipeline.py"),
            "--url", url, "--stream", "s1", "--bootstrap", bootstrap,
            "--schemas", os.path.join(bl.ROOT, "schemas"), "--state", pr.dir + "/ref-state",
            "--limit", "1000", "--max-events", str(events), "--stats-out", stats]
    p = pr.start("reference", argv)
    deadline_hit = False
    end = time.monotonic() + timeout
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > end:
            deadline_hit = True
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            break
        time.sleep(0.05)
    p.returncode = os.waitstatus_to_exitcode(status)
    sim_cpu = bl.cpu_s(sim.pid)
    pr.stop(sim)
    if deadline_hit or p.returncode != 0:
        raise RuntimeError("reference pipeline %s (see %s/reference.err)" %
                           ("timed out" if deadline_hit else "failed", pr.dir))
    s = json.load(open(stats))
    return {"name": "reference (Python)", "events": s["delivered"], "dlq": s["dlq"],
            "wall_s": s["wall_s"], "p50_ms": s["p50_ms"], "p99_ms": s["p99_ms"],
            "cpu_s": ru.ru_utime + ru.ru_stime, "rss_sum_kb": ru.ru_maxrss,
            "rss_kb": ru.ru_maxrss, "sim_cpu_s": sim_cpu,
            "p99_later_ms": s["p99_ms_after_first_batch"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=int(os.environ.get("GCB_BASELINE_EVENTS",
                                                                     100000)))
    ap.add_argument("--validators", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--timeout", type=float, default=300, help="limit for the reference (s)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    a = ap.parse_args()

    pr = bl.Procs("gcb-baseline")
    try:
        kafka, bootstrap = bl.start_kafka(pr)
        bl.log("baseline_bench: %d events each, simulator seed %d, mock cluster %s" %
               (a.events, a.seed, bootstrap))
        g = bl.run_gcbridge(pr, bootstrap, a.events, a.seed, a.validators, "base")
        r = run_reference(pr, bootstrap, a.events, a.seed, a.timeout)

        print("\n### Baseline: gcbridge vs. the reference Python pipeline, %d events each\n" %
              a.events)
        print(bl.TABLE_HEAD)
        print(bl.fmt_row(g))
        print(bl.fmt_row(r))
        tput = (g["events"] / g["wall_s"]) / (r["events"] / r["wall_s"])
        print("\n- throughput ratio gcbridge / reference: **%.1fx**" % tput)
        if g["cpu_s"] > 0 and r["cpu_s"] > 0:
            per_cpu = (g["events"] / g["cpu_s"]) / (r["events"] / r["cpu_s"])
            verdict = "met" if per_cpu >= 10 else "MISSED"
            print("- throughput per CPU second ratio: **%.1fx** (target >= 10x: %s)" %
                  (per_cpu, verdict))
        else:
            # A run this short can finish inside one clock tick of CPU time.
            print("- throughput per CPU second ratio: n/a (CPU time below the clock "
                  "tick; run more events)")
        print("- peak RSS ratio reference / gcbridge (sum over its %d processes): %.2f" %
              (g["procs"], r["rss_sum_kb"] / g["rss_sum_kb"]))
        print("- p99 latency: gcbridge %.1f ms (histogram estimate), reference %.1f ms "
              "(exact, poll answer to delivery report; %.1f ms without its first batch, which "
              "also waits for the producer's first connection)" %
              (g["p99_ms"], r["p99_ms"], r["p99_later_ms"]))
        print("- CPU: gcbridge sampled at its last delivery (supervisor + stages); reference "
              "from wait4() (whole process, includes interpreter start); simulator %.2f / "
              "%.2f CPU s not included" % (g["sim_cpu_s"], r["sim_cpu_s"]))
        print("- DLQ: gcbridge %d, reference %d" % (g["dlq"], r["dlq"]))
        print("- gcbridge CPU s per process at the last delivery: %s" % g["breakdown"])
        print("- machine: %s" % bl.machine_note())
        return 0
    finally:
        pr.stop_all(keep=a.keep)


if __name__ == "__main__":
    sys.exit(main())

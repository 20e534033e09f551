#!/usr/bin/python3
"""Profiles every gcbridge stage with perf: the pipeline runs against gcb-sim and the mock
cluster, once with the source on demand (saturation) and once paced, and `perf record`
samples each stage process (all its threads) for a few seconds of the steady part. Prints
the top entries of each profile (self time, by thread name and by symbol).

    tools/bench/profile_stages.sh [--rate 5000] [--seconds 4] [--top 12]

Needs linux-perf (tools/install-deps) and perf_event_paranoid <= 1 or root. Not part of
make bench: profiles are read, not compared (docs/performance.md quotes them).
"""
import argparse
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

STAGES = ("fetcher", "validator-0", "validator-1", "producer")


def stage_pids(root):
    out = {}
    for p in bl.tree_pids(root):
        try:
            name = open("/proc/%d/comm" % p).read().strip()
        except OSError:
            continue
        if name in STAGES:
            out[name] = p
    return out


def report(data, top, sort):
    r = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", sort,
                        "--stdio", "-g", "none", "--percent-limit", "0.5"],
                       capture_output=True, text=True)
    rows = [line.rstrip() for line in r.stdout.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    return rows[:top]


def profile(pr, bootstrap, tag, events, rate, seconds, top):
    sim, url = bl.start_sim(pr, "sim-" + tag, events, 7, rate=rate)
    instance = "prof-%s-%d" % (tag, os.getpid())
    pr.instances.append(instance)
    conf = bl.gcbridge_config(pr, instance, url, bootstrap, 2)
    env = dict(os.environ, GCB_BENCH_SECRET="gcb-sim-secret")
    gcb = pr.start("gcbridge-" + tag, [os.path.join(bl.BIN, "gcbridge"), "-c", conf], env=env)
    time.sleep(2.0)  # start-up, connections, the first batches
    pids = stage_pids(gcb.pid)
    datas, threads = {}, []
    for name, pid in pids.items():
        data = os.path.join(pr.dir, "%s-%s.perf" % (tag, name))
        datas[name] = data
        t = threading.Thread(target=subprocess.run, args=(
            ["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999", "-g", "-p", str(pid),
             "-o", data, "--", "sleep", str(seconds)],),
            kwargs={"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL})
        t.start()
        threads.append(t)
    cpu0 = {n: bl.cpu_s(p, children=False) for n, p in pids.items()}
    for t in threads:
        t.join()
    cpu1 = {n: bl.cpu_s(p, children=False) for n, p in pids.items()}
    pr.stop(gcb, 60)
    pr.stop(sim)
    print("\n## %s\n" % ("saturation (on-demand source)" if rate == 0 else
                         "source paced at %d events/s" % rate))
    for name in STAGES:
        if name not in datas:
            continue
        print("### %s: %.0f %% of a core over %d s\n" %
              (name, 100 * (cpu1[name] - cpu0[name]) / seconds, seconds))
        print("```")
        for line in report(datas[name], 6, "comm"):
            print(line)
        print("")
        for line in report(datas[name], top, "dso,sym"):
            print(line)
        print("```\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--top", type=int, default=12)
    a = ap.parse_args()
    pr = bl.Procs("gcb-prof")
    try:
        kafka, bootstrap = bl.start_kafka(pr)
        profile(pr, bootstrap, "sat", -1, 0, a.seconds, a.top)
        profile(pr, bootstrap, "paced", -1, a.rate, a.seconds, a.top)
        print("Machine: %s" % bl.machine_note())
    finally:
        pr.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())

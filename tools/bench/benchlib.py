"""Helpers shared by the end-to-end benchmarks (e2e_bench.py, baseline_bench.py).

Processes are started in their own temp dir, measured from /proc and always stopped
(by pid) on the way out. Times are CLOCK_MONOTONIC, the clock of the simulator's request
log and of gcb-bench-wait.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.environ.get("GCB_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BIN = os.path.join(ROOT, os.environ.get("GCB_BIN", "bin"))
TICK = os.sysconf("SC_CLK_TCK")
TOPICS = ["genesys.interactions:6", "genesys.agentstate:6", "genesys.dlq:1", "gcbridge.dlq:1",
          "raw.ceiling:6", "rsyslog.relay:6"]
# Bounds of the producer's fetch-to-acknowledgement histogram (gcb_counters_producer.h).
LAT_BOUNDS_US = [1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000, 1000000,
                 2000000, 5000000, 10000000, 20000000]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Procs:
    """Starts processes and stops every one of them (by pid) in stop_all()."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix="%s-%d-" % (prefix, os.getpid()))
        self.procs = []
        self.instances = []

    def start(self, name, argv, **kw):
        err = open(os.path.join(self.dir, name + ".err"), "w")
        out = kw.pop("stdout", subprocess.DEVNULL)
        p = subprocess.Popen(argv, stdout=out, stderr=err, cwd=self.dir, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, timeout=30):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def stop_all(self, keep=False):
        for p in reversed(self.procs):
            try:
                self.stop(p, 10)
            except Exception:
                pass
        for inst in self.instances:
            try:
                os.unlink("/dev/shm/gcbridge-" + inst)
            except FileNotFoundError:
                pass
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def wait_file(path, timeout=30):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return open(path).read().strip()
        time.sleep(0.02)
    raise RuntimeError("timed out waiting for " + path)


def start_kafka(pr):
    argv = [os.path.join(BIN, "gcb-kafka-mock"), "--bootstrap-file", pr.dir + "/bs"]
    for t in TOPICS:
        argv += ["--topic", t]
    p = pr.start("kafka", argv)
    return p, wait_file(pr.dir + "/bs").splitlines()[0]


def start_sim(pr, name, count, seed, events_log=False, rate=0):
    url_file = "%s/%s.url" % (pr.dir, name)
    argv = [os.path.join(BIN, "gcb-sim"), "--stream-id", "s1", "--count", str(count),
            "--seed", str(seed), "--rate", str(rate), "--retention", str(max(100000, count + 1)),
            "--log-level", "warn", "--port-file", url_file,
            "--request-log", "%s/%s.req" % (pr.dir, name)]
    if events_log:
        argv += ["--events-log", "%s/%s.events" % (pr.dir, name)]
    p = pr.start(name, argv)
    return p, wait_file(url_file)


def first_poll_mono(url, req_log):
    """Start (CLOCK_MONOTONIC s) of the first poll in the simulator's request log."""
    urllib.request.urlopen(url + "/admin/flush", data=b"", timeout=10).read()
    starts = []
    for line in open(req_log):
        f = line.split("\t")
        if len(f) > 3 and f[2] == "GET" and "/poll" in f[3]:
            starts.append(int(f[0]))
    return min(starts) / 1000.0


def tree_pids(root):
    """root and all its descendants, from /proc."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        ppid = int(st[st.rindex(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def cpu_s(pid, children=True):
    """utime + stime (+ reaped children's) of one process, seconds."""
    try:
        st = open("/proc/%d/stat" % pid).read()
    except OSError:
        return 0.0
    f = st[st.rindex(")") + 2:].split()
    t = int(f[11]) + int(f[12])
    if children:
        t += int(f[13]) + int(f[14])
    return t / TICK


def hwm_kb(pid):
    try:
        for line in open("/proc/%d/status" % pid):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_usage(root):
    """(CPU seconds, summed VmHWM KiB, largest VmHWM KiB, pids) of a process tree."""
    pids = tree_pids(root)
    cpu = sum(cpu_s(p) for p in pids)
    hwms = [hwm_kb(p) for p in pids]
    return cpu, sum(hwms), max(hwms), len(pids)


def tree_cpu_by_name(root):
    """{process name: CPU s} over the tree (names from /proc/PID/comm; stages name
    themselves: fetcher, validator-N, producer)."""
    out = {}
    for p in tree_pids(root):
        try:
            name = open("/proc/%d/comm" % p).read().strip()
        except OSError:
            continue
        out[name] = out.get(name, 0.0) + cpu_s(p)
    return out


def tree_breakdown(root):
    """'name CPU s' per process of the tree."""
    return ", ".join("%s %.2f" % kv for kv in tree_cpu_by_name(root).items())


def hist_percentile(counters, q):
    """q-quantile (ms) from the cumulative le-buckets, linear inside the bucket."""
    total = counters["fetch_latency_count"]
    if total == 0:
        return 0.0
    want = q * total
    prev_bound, prev_cum = 0, 0
    for b in LAT_BOUNDS_US:
        cum = counters["fetch_latency_le_%dus" % b]
        if cum >= want:
            frac = (want - prev_cum) / max(1, cum - prev_cum)
            return (prev_bound + frac * (b - prev_bound)) / 1000.0
        prev_bound, prev_cum = b, cum
    return LAT_BOUNDS_US[-1] / 1000.0


def check_histogram(c):
    """The producer's histogram must be cumulative and count every delivery (the bench
    waits for the delivered counters, which on_delivery bumps before the histogram, so a
    last delivery may still be on its way: allow a few)."""
    cum = [c["fetch_latency_le_%dus" % b] for b in LAT_BOUNDS_US]
    n = c["delivered"] + c["dlq_delivered"]
    if cum != sorted(cum) or cum[-1] > c["fetch_latency_count"] or \
            not n - 16 <= c["fetch_latency_count"] <= n:
        raise RuntimeError("inconsistent latency histogram: %s" % c)


def gcbridge_config(pr, instance, url, bootstrap, validators, limit=1000, extra="",
                    poll_timeout="1s", poll_interval="0"):
    path = os.path.join(pr.dir, instance + ".conf")
    with open(path, "w") as f:
        f.write("""embedded = false
instance.name = %s
instance.state_dir = %s/%s-state
log.level = warn
pipeline.validators = %d
genesys.api_url = %s
genesys.login_url = %s
genesys.client_id = gcb-sim-client
genesys.client_secret = env:GCB_BENCH_SECRET
genesys.stream_id = s1
genesys.poll.limit = %d
genesys.poll.timeout = %s
genesys.poll.interval = %s
schemas.dir = %s/schemas
metrics.listen =
kafka.bootstrap.servers = %s
%s""" % (instance, pr.dir, instance, validators, url, url, limit, poll_timeout,
         poll_interval, ROOT, bootstrap, extra))
    return path


def bench_wait(instance, events, timeout):
    w = subprocess.run([os.path.join(BIN, "gcb-bench-wait"), instance, str(events),
                        str(timeout)], capture_output=True, text=True)
    if w.returncode != 0:
        log(w.stderr)
        return None
    return json.loads(w.stdout)


def counters_minus(c, c0):
    """The histogram and latency sums of c less those of an earlier snapshot c0."""
    return {k: v - c0.get(k, 0) if k.startswith("fetch_latency") or k.startswith("latency_")
            else v for k, v in c.items()}


def run_gcbridge(pr, bootstrap, events, seed, validators, tag, events_log=False, rate=0,
                 extra="", warmup=0, poll_interval="0"):
    """One gcbridge run on a fresh simulator (rate 0: on demand, as fast as gcbridge
    reads; else events per second); returns its measurements. warmup > 0: latency and
    CPU per event count only the events after the first `warmup` (the first ones also
    wait for the producer's first connection and producer id)."""
    sim, url = start_sim(pr, "sim-" + tag, events, seed, events_log, rate)
    instance = "bench-%s-%d" % (tag, os.getpid())
    pr.instances.append(instance)
    conf = gcbridge_config(pr, instance, url, bootstrap, validators, extra=extra,
                           poll_interval=poll_interval)
    env = dict(os.environ, GCB_BENCH_SECRET="gcb-sim-secret")
    gcb = pr.start("gcbridge-" + tag, [os.path.join(BIN, "gcbridge"), "-c", conf], env=env)
    timeout = max(120, events / 2000, 3 * events / rate if rate else 0)
    c0, cpu0, by0, sim0 = {}, 0.0, {}, 0.0
    if warmup > 0:
        w0 = bench_wait(instance, warmup, timeout)
        if w0 is None:
            raise RuntimeError("gcbridge did not deliver %d events (see %s)" % (warmup, pr.dir))
        c0 = w0["counters"]
        cpu0, by0, sim0 = tree_usage(gcb.pid)[0], tree_cpu_by_name(gcb.pid), cpu_s(sim.pid)
    done = bench_wait(instance, events, timeout)
    # Sample CPU and memory while everything still runs, before the drain.
    cpu, hwm_sum, hwm_max, nproc = tree_usage(gcb.pid)
    by_name = tree_cpu_by_name(gcb.pid)
    breakdown = ", ".join("%s %.2f" % kv for kv in by_name.items())
    sim_cpu = cpu_s(sim.pid)
    if done is None:
        raise RuntimeError("gcbridge did not deliver %d events (see %s)" % (events, pr.dir))
    c = done["counters"]
    check_histogram(c)
    start = first_poll_mono(url, "%s/sim-%s.req" % (pr.dir, tag))
    wall = done["mono_ns"] / 1e9 - start
    steady_wall = wall - (w0["mono_ns"] / 1e9 - start if warmup > 0 else 0)
    cs = counters_minus(c, c0)
    pr.stop(gcb, 60)
    pr.stop(sim)
    n = c["delivered"] + c["dlq_delivered"]
    steady_n = n - (c0["delivered"] + c0["dlq_delivered"] if warmup > 0 else 0)
    return {"name": "gcbridge", "events": n, "dlq": c["dlq_delivered"], "wall_s": wall,
            "p50_ms": hist_percentile(cs, 0.50), "p99_ms": hist_percentile(cs, 0.99),
            "p90_ms": hist_percentile(cs, 0.90), "p999_ms": hist_percentile(cs, 0.999),
            "cpu_s": cpu, "rss_kb": hwm_max, "rss_sum_kb": hwm_sum, "procs": nproc,
            "sim_cpu_s": sim_cpu, "exit": gcb.returncode, "breakdown": breakdown,
            "counters": c, "cpu_by_name": by_name,
            "ack_avg_ms": cs["latency_sum_us"] / max(1, cs["latency_count"]) / 1000.0,
            "steady": {"events": steady_n, "wall_s": steady_wall, "cpu_s": cpu - cpu0,
                       "sim_cpu_s": sim_cpu - sim0,
                       "cpu_by_name": {k: v - by0.get(k, 0.0) for k, v in by_name.items()}}}


def wakeups(pids):
    """Voluntary + involuntary context switches of every thread of pids."""
    total = 0
    for p in pids:
        try:
            tasks = os.listdir("/proc/%d/task" % p)
        except OSError:
            continue
        for t in tasks:
            try:
                for line in open("/proc/%d/task/%s/status" % (p, t)):
                    if "ctxt_switches" in line:
                        total += int(line.split()[1])
            except OSError:
                pass
    return total


def run_idle(pr, bootstrap, validators, seconds, settle=3):
    """gcbridge with a source that has no events (long poll 25 s) for `seconds`: CPU
    seconds and context switches of the whole tree (supervisor and stages) over that
    window, after `settle` seconds of start-up."""
    sim, url = start_sim(pr, "sim-idle", 0, 1)
    instance = "bench-idle-%d" % os.getpid()
    pr.instances.append(instance)
    conf = gcbridge_config(pr, instance, url, bootstrap, validators, poll_timeout="25s")
    env = dict(os.environ, GCB_BENCH_SECRET="gcb-sim-secret")
    gcb = pr.start("gcbridge-idle", [os.path.join(BIN, "gcbridge"), "-c", conf], env=env)
    time.sleep(settle)
    pids = tree_pids(gcb.pid)
    by0, sw0, sim0 = tree_cpu_by_name(gcb.pid), wakeups(pids), cpu_s(sim.pid)
    t0 = time.monotonic()
    time.sleep(seconds)
    by1, sw1, sim1 = tree_cpu_by_name(gcb.pid), wakeups(pids), cpu_s(sim.pid)
    dt = time.monotonic() - t0
    pr.stop(gcb, 60)
    pr.stop(sim)
    per = {k: v - by0.get(k, 0.0) for k, v in by1.items()}
    return {"seconds": dt, "cpu_s": sum(per.values()), "cpu_by_name": per,
            "wakeups_per_s": (sw1 - sw0) / dt, "sim_cpu_s": sim1 - sim0}


def fmt_row(r):
    ev = r["events"]
    return "| %s | %d | %.2f | %.0f | %.1f | %.1f | %.2f | %.0f | %.1f | %.1f |" % (
        r["name"], ev, r["wall_s"], ev / r["wall_s"], r["p50_ms"], r["p99_ms"], r["cpu_s"],
        ev / r["cpu_s"] if r["cpu_s"] else 0, 1e6 * r["cpu_s"] / ev, r["rss_sum_kb"] / 1024)


TABLE_HEAD = ("| pipeline | events | wall s | events/s | p50 ms | p99 ms | CPU s | events/CPU s "
              "| CPU µs/event | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|---|")


def machine_note():
    load = open("/proc/loadavg").read().split()[:3]
    model = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return "%d cores (%s), load average %s at the end" % (os.cpu_count(), model,
                                                          " ".join(load))

"""The C relay an operator would otherwise reach for: rsyslogd with imfile -> mmjsonparse ->
omkafka (Debian's rsyslog and rsyslog-kafka), relaying the same JSON events, one per line, to
the same cluster with acks=all and idempotence, keyed by the entity id (dynaKey). It neither
validates nor encodes: each message is the event's JSON as read.

Timed from rsyslogd's start to the moment the topic's end offsets add up to N (checked every
10 ms with kcat -Q); CPU is rsyslogd's utime + stime at that moment.
"""
import os
import shutil
import subprocess
import time

import benchlib as bl

CONF = """global(workDirectory="{dir}" maxMessageSize="64k")
module(load="imfile" mode="inotify")
module(load="mmjsonparse")
module(load="omkafka")
template(name="gcb_key" type="string" string="%$!entityId%")
template(name="gcb_value" type="string" string="%rawmsg%")
input(type="imfile" file="{events}" tag="gcb" ruleset="relay" readMode="0"
      freshStartTail="off" reopenOnTruncate="off")
ruleset(name="relay") {{
  action(type="mmjsonparse" cookie="" useRawMsg="on")
  action(type="omkafka" broker=["{brokers}"] topic="{topic}" template="gcb_value"
         key="gcb_key" dynaKey="on" partitions.auto="on"
         confParam=["enable.idempotence=true", "acks=all", "linger.ms=5"]
         topicConfParam=["acks=all"])
}}
"""


def available():
    return shutil.which("rsyslogd") is not None and \
        os.path.exists("/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so")


def topic_count(bootstrap, topic, partitions):
    argv = ["kcat", "-b", bootstrap, "-Q"]
    for p in range(partitions):
        argv += ["-t", "%s:%d:-1" % (topic, p)]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                       timeout=30)
    return sum(int(line.rsplit(" ", 1)[1]) for line in r.stdout.splitlines()
               if " offset " in line)


def run(pr, bootstrap, events_file, n, topic="rsyslog.relay", partitions=6, timeout=300):
    """Relays the n JSON lines of events_file; returns a result row (benchlib.fmt_row)."""
    d = os.path.join(pr.dir, "rsyslog")
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "rsyslog.conf")
    brokers = bootstrap.replace(",", '", "')
    with open(conf, "w") as f:
        f.write(CONF.format(dir=d, events=events_file, brokers=brokers, topic=topic))
    t0 = time.monotonic()
    p = pr.start("rsyslogd", ["rsyslogd", "-n", "-f", conf, "-i", os.path.join(d, "pid")])
    got, end = 0, t0 + timeout
    while time.monotonic() < end and p.poll() is None:
        got = topic_count(bootstrap, topic, partitions)
        if got >= n:
            break
        time.sleep(0.05)
    wall = time.monotonic() - t0
    cpu = bl.cpu_s(p.pid)
    rss = bl.hwm_kb(p.pid)
    pr.stop(p)
    if got < n:
        raise RuntimeError("rsyslog relayed %d of %d events (see %s/rsyslogd.err)" %
                           (got, n, pr.dir))
    return {"name": "rsyslog imfile -> omkafka", "events": got, "wall_s": wall, "p50_ms": 0,
            "p99_ms": 0, "cpu_s": cpu, "rss_sum_kb": rss}

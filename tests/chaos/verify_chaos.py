#!/usr/bin/python3
"""What reached Kafka, checked against what the simulator served.

Reads what follow.py consumed from the topics during the run (headers only: the producer puts the event id and
the fetch time on every message), the simulator's served log for the served ids
and their per-entity sequence numbers, and the crash list of the chaos run.

Definitions:
- position: index of an event in the stream (order of first appearance in the
  served log, which is the simulator's position order for one unfiltered
  stream read sequentially).
- lost: served, on no topic (neither a data topic nor a DLQ).
- duplicate: an event id with more than one message (all topics together).
- bound: a crash at time t with the checkpoint file's cursor at position c
  can re-deliver at most the events after c that had been fetched by t:
  positions c .. f(t), f(t) = highest position the simulator had served in a
  request started at or before t (its request and served logs; fetched by t
  is served by t). Nothing in the bound comes from gcbridge's counters or
  headers. The sum over crashes bounds the duplicates; a duplicated event
  inside no crash's window [c, f(t)] is "unexplained". More duplicate
  messages than the bound, or any unexplained one, fails the run.
- injected: every stage restart gcbridge logs must be one of the SIGKILLs
  this run sent; any other exit or crash (and a supervisor that exits by
  itself) fails the run.
- order: per Kafka partition in offset order, for each key, the FIRST message
  of every event id must have a higher simulator sequence than the first
  message of the events of the same entity before it. Copies re-sent after a
  crash legitimately reappear later and are not order violations.
"""
import array
import bisect
import os
import re
import time
import json
import subprocess
import sys

DATA_TOPICS = ["genesys.interactions", "genesys.agentstate"]
DLQ_TOPICS = ["genesys.dlq", "gcbridge.dlq"]


FORMAT = "%p\t%o\t%T\t%k\t%h\n"


class Collector:
	"""A consumer (follow.py) that follows every topic from offset 0 for the whole run.

	librdkafka's mock cluster drops the oldest message sets of a partition
	beyond 5 MiB, so the topics are read while the run goes on, not after it.
	Offsets must then be contiguous from 0 in every partition, which proves
	nothing was trimmed before it was read.
	"""

	def __init__(self, bootstrap, directory):
		self.bootstrap = bootstrap
		self.dir = directory
		self.procs = []
		self.pos = {}  # topic -> bytes parsed
		self.top = {}  # (topic, partition) -> highest offset seen

	def path(self, topic):
		return os.path.join(self.dir, topic + ".kafka")

	def start(self):
		args = DATA_TOPICS + [t + ":json" for t in DLQ_TOPICS]
		self.procs.append(subprocess.Popen(
			["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
							  "follow.py"), self.bootstrap, self.dir] + args,
			stderr=open(os.path.join(self.dir, "follow.log"), "wb")))
		deadline = time.monotonic() + 60
		while not all(os.path.exists(self.path(t)) for t in DATA_TOPICS + DLQ_TOPICS):
			if time.monotonic() > deadline:
				raise RuntimeError("topic follower did not start")
			time.sleep(0.1)

	def poll(self):
		for topic in DATA_TOPICS + DLQ_TOPICS:
			with open(self.path(topic), "rb") as f:
				f.seek(self.pos.get(topic, 0))
				data = f.read()
			cut = data.rfind(b"\n") + 1
			self.pos[topic] = self.pos.get(topic, 0) + cut
			for line in data[:cut].decode("utf-8", "replace").split("\n"):
				po = parse_po(topic, line)
				if po:
					k = (topic, po[0])
					self.top[k] = max(self.top.get(k, -1), po[1])

	def wait(self, timeout):
		"""Until every partition was read to its high watermark; False on timeout."""
		from confluent_kafka import Consumer, TopicPartition
		c = Consumer({"bootstrap.servers": self.bootstrap, "group.id": "chaos-watermarks"})
		hi = {}
		try:
			for topic in DATA_TOPICS + DLQ_TOPICS:
				md = c.list_topics(topic, timeout=30).topics[topic]
				for part in md.partitions:
					hi[(topic, part)] = c.get_watermark_offsets(
						TopicPartition(topic, part), timeout=30)[1]
		finally:
			c.close()
		deadline = time.monotonic() + timeout
		while True:
			self.poll()
			behind = [k for k, h in hi.items() if self.top.get(k, -1) + 1 < h]
			if not behind:
				return True
			if time.monotonic() > deadline:
				print("consumers behind on %d partitions, e.g. %s" % (len(behind), behind[0]))
				return False
			time.sleep(0.5)

	def stop(self):
		for p in self.procs:
			p.terminate()
			p.wait()


def parse_po(topic, line):
	"""(partition, offset) of one consumer output line, or None."""
	try:
		if topic in DLQ_TOPICS:
			m = json.loads(line)
			return (m["partition"], int(m["offset"]))
		f = line.split("\t", 2)
		return (int(f[0]), int(f[1]))
	except (ValueError, KeyError, IndexError, TypeError):
		return None


def read_topic(path):
	with open(path, "rb") as f:
		for line in f:
			yield line.decode("utf-8", "replace").rstrip("\n")


def header(hs, name):
	key = name + "="
	for h in hs.split(","):
		if h.startswith(key):
			return h[len(key):]
	return None


def served_by(served_log, request_log, idx):
	"""f(t) from the simulator's own logs: (start times in ms, highest position
	served by a request started at or before each), sorted by time. The request
	log and the served log are written together as each answer completes, so
	the served log's lines are the answers' events, in request-log order. None
	when the two logs disagree."""
	positions = []
	with open(served_log) as f:
		for line in f:
			positions.append(idx.get(line.split("\t", 1)[0], -1))
	reqs = []
	with open(request_log) as f:
		for line in f:
			parts = line.rstrip("\n").split("\t")
			if len(parts) >= 7 and int(parts[6]) > 0:
				reqs.append((int(parts[0]), int(parts[6])))
	if sum(e for _, e in reqs) != len(positions):
		return None
	points, k = [], 0
	for start, events in reqs:
		points.append((start, max(positions[k:k + events])))
		k += events
	points.sort()
	times, highest, m = [], [], -1
	for start, hi in points:
		m = max(m, hi)
		times.append(start)
		highest.append(m)
	return times, highest


def report(served_log, request_log, collector, crashes, hwm, counts, stats, generated, caught_up,
	   drain_code,
	   seed, gcbridge_log, out=sys.stdout):
	idx = {}
	seq = array.array("q")
	ent = array.array("l")
	ents = {}
	served_lines = 0
	with open(served_log) as f:
		for line in f:
			served_lines += 1
			parts = line.rstrip("\n").split("\t")
			if len(parts) < 4 or parts[0] in idx:
				continue
			idx[parts[0]] = len(seq)
			try:
				seq.append(int(parts[3]))
			except ValueError:
				seq.append(-1)  # malformed event: sequence as a string
			ent.append(ents.setdefault((parts[1], parts[2]), len(ents)))
	n = len(seq)
	copies = bytearray(n)
	first_ms = array.array("q", [0]) * n
	on_data = bytearray(n)
	on_dlq = bytearray(n)
	unknown = 0
	order_viol = 0
	order_examples = []
	messages = 0

	def seen(i, ms):
		if copies[i] < 255:
			copies[i] += 1
		if first_ms[i] == 0 or (ms and ms < first_ms[i]):
			first_ms[i] = ms

	gaps = []  # partitions with offsets missing (trimmed before they were read)
	rereads = 0

	def fresh(nxt, topic, part, off):
		"""True for the next offset of a partition; counts gaps and re-reads."""
		nonlocal rereads
		want = nxt.get(part, 0)
		if off < want:
			rereads += 1
			return False
		if off > want:
			gaps.append("%s[%s] %d..%d" % (topic, part, want, off - 1))
		nxt[part] = off + 1
		return True

	for topic in DATA_TOPICS:
		nxt = {}
		last = {}  # (partition, entity) -> sequence of the last first-occurrence
		firsts = set()
		for line in read_topic(collector.path(topic)):
			f = line.split("\t", 4)
			if len(f) < 5 or not parse_po(topic, line):
				continue
			if not fresh(nxt, topic, f[0], int(f[1])):
				continue
			messages += 1
			eid = header(f[4], "event.id")
			i = idx.get(eid)
			if i is None:
				unknown += 1
				continue
			ra = header(f[4], "received.at")
			ms = int(ra) if ra and ra.isdigit() else int(f[2])
			seen(i, ms)
			on_data[i] = 1
			if i in firsts:
				continue
			firsts.add(i)
			k = (f[0], ent[i])
			if seq[i] >= 0 and k in last and seq[i] <= last[k]:
				order_viol += 1
				if len(order_examples) < 5:
					order_examples.append("%s[%s]@%s id %s seq %d after %d" %
							      (topic, f[0], f[1], eid, seq[i], last[k]))
			if seq[i] >= 0:
				last[k] = max(seq[i], last.get(k, -1))
	for topic in DLQ_TOPICS:
		nxt = {}
		for line in read_topic(collector.path(topic)):
			po = parse_po(topic, line)
			if not po or not fresh(nxt, topic, po[0], po[1]):
				continue
			m = json.loads(line)
			messages += 1
			hs = m.get("headers") or []
			h = dict(zip(hs[0::2], hs[1::2]))
			i = idx.get(h.get("event.id"))
			if i is None:
				unknown += 1
				continue
			ra = h.get("received.at") or ""
			seen(i, int(ra) if ra.isdigit() else int(m.get("ts") or 0))
			on_dlq[i] = 1

	lost = [i for i in range(n) if copies[i] == 0]
	runs = []
	for i in lost:
		if runs and runs[-1][1] == i - 1:
			runs[-1][1] = i
		else:
			runs.append([i, i])
	dup_events = sum(1 for c in copies if c > 1)
	dup_msgs = sum(c - 1 for c in copies if c > 1)
	both = sum(1 for i in range(n) if on_data[i] and on_dlq[i])

	# f(t): the highest position the simulator had served by t (its own logs,
	# not gcbridge's headers): fetched by t is served by t.
	sb = served_by(served_log, request_log, idx)
	windows = []
	for t, kind, ck in crashes:
		j = bisect.bisect_right(sb[0], int(t * 1000)) - 1 if sb else -1
		f = sb[1][j] if j >= 0 else -1
		windows.append((ck, f, kind))
	bound = sum(max(0, f - ck + 1) for ck, f, _ in windows)
	unexplained = 0
	unexpl_examples = []
	for i in range(n):
		if copies[i] > 1 and not any(ck <= i <= f for ck, f, _ in windows):
			unexplained += 1
			if len(unexpl_examples) < 3:
				unexpl_examples.append(i)

	crash_kinds = {}
	for _, kind, _ in crashes:
		k = "validator" if kind.startswith("validator") else kind
		crash_kinds[k] = crash_kinds.get(k, 0) + 1
	# Every stage restart the supervisor logged, by cause: only a SIGKILL
	# this run sent is expected; any other exit, and more SIGKILLs than sent,
	# is a crash nobody injected.
	stage_kills = sum(1 for _, kind, _ in crashes if kind != "supervisor")
	uninjected = []
	try:
		with open(gcbridge_log, errors="replace") as f:
			glog = f.read()
		restarts = glog.count("killed by SIGKILL")
		reattach = glog.count("re-attached segment")
		replaced = glog.count("replacing segment")
		causes = re.findall(r'msg="stage (\S+) (.*?) after [0-9.]+s up; restart', glog)
		sigkills = [c for c in causes if c[1] == "crashed (killed by SIGKILL)"]
		uninjected = ["%s %s" % c for c in causes if c[1] != "crashed (killed by SIGKILL)"]
		if len(sigkills) > stage_kills:
			uninjected.append("%d stage SIGKILLs logged, %d sent" % (len(sigkills), stage_kills))
	except OSError:
		restarts = reattach = replaced = -1
		uninjected.append("no gcbridge log to check restarts against")
	uninjected += ["supervisor exited by itself"] * counts.get("supervisor exited by itself", 0)

	p = lambda *a: print(*a, file=out)
	p("")
	p("==== chaos verdict (seed %d) ====" % seed)
	p("faults injected:")
	for k in sorted(counts):
		p("  %-28s %d" % (k, counts[k]))
	p("  %-28s %d (stage restarts logged: %d, segment re-attached: %d, replaced: %d)" %
	  ("SIGKILLs in total", len(crashes), restarts, reattach, replaced))
	p("simulator: generated %d, bad %d, drifted %d, requests %d, by status %s" %
	  (stats.get("eventsGenerated", -1), stats.get("generatedBad", -1),
	   stats.get("generatedDrift", -1), stats.get("requests", -1),
	   json.dumps(stats.get("byStatus", {}), sort_keys=True)))
	p("  tokens issued %d, revocations %d, faults %s" %
	  (stats.get("tokensIssued", -1), stats.get("revocations", -1),
	   json.dumps(stats.get("faults", {}), sort_keys=True)))
	p("events served (unique)       %d (%d served lines, of %d generated)" % (n, served_lines, generated))
	p("delivered (data topics)      %d" % sum(on_data))
	p("DLQ'd                        %d" % sum(on_dlq))
	p("on a data topic and the DLQ  %d" % both)
	p("Kafka messages read          %d (%d with an id never served; offsets contiguous"
	  " from 0: %s)" % (messages, unknown, "yes" if not gaps else "NO"))
	p("LOST                         %d" % len(lost))
	if lost:
		p("  lost position ranges (%d): %s" % (len(runs), " ".join(
			"%d-%d" % (a, b) for a, b in runs[:12])))
	p("duplicated events            %d (%d extra messages)" % (dup_events, dup_msgs))
	p("duplicate bound              %d (sum over %d crashes of events fetched after the"
	  " checkpoint)" % (bound, len(crashes)))
	p("duplicates outside every crash window: %d%s" % (unexplained, (
		" (positions %s)" % " ".join(map(str, unexpl_examples))) if unexplained else ""))
	p("stage exits and crashes not injected: %d%s" % (len(uninjected), (
		" (" + "; ".join(uninjected[:5]) + ")") if uninjected else ""))
	p("per-key order violations     %d (first occurrences, per partition)" % order_viol)
	for e in order_examples:
		p("  " + e)
	p("gcbridge drain exit          %s; caught up before the drain: %s" % (drain_code, caught_up))
	p("peak RSS (VmHWM):")
	for k in ["supervisor", "fetcher", "validator", "producer", "sim", "mock"]:
		if k in hwm:
			p("  %-11s %8.1f MiB" % (k, hwm[k] / 1024.0))
	fail = []
	if sb is None:
		fail.append("the simulator's request and served logs disagree: no bound")
	if gaps:
		p("HARNESS: offsets missing (the mock trimmed them before they were read): " +
		  "; ".join(gaps[:5]))
		fail.append("%d offset gaps in the consumed topics, results invalid" % len(gaps))
	if lost:
		fail.append("%d events lost (e.g. position %d)" % (len(lost), lost[0]))
	if order_viol:
		fail.append("%d order violations" % order_viol)
	if n < generated:
		fail.append("only %d of %d events served" % (n, generated))
	if not caught_up:
		fail.append("pipeline did not catch up")
	if drain_code != 0:
		fail.append("drain exit %s" % drain_code)
	if unknown:
		fail.append("%d messages with ids never served" % unknown)
	if dup_msgs > bound:
		fail.append("%d duplicate messages above the bound of %d" % (dup_msgs, bound))
	if unexplained:
		fail.append("%d duplicated events outside every crash window" % unexplained)
	if uninjected:
		fail.append("%d stage exits or crashes the run did not inject" % len(uninjected))
	p("RESULT: " + ("PASS" if not fail else "FAIL: " + "; ".join(fail)))
	return 1 if fail else 0

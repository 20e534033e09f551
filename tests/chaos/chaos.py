#!/usr/bin/python3
"""Chaos run: simulator -> gcbridge -> gcb-kafka-mock under a seeded fault schedule.

Starts the three programs as separate processes, replays a schedule drawn from
--seed (SIGKILL of every stage kind and of the supervisor, broker outages, 429
storms, 5xx, slow answers, token expiry and revocation; malformed and drifted
events throughout), then lets the pipeline catch up, drains it with SIGTERM and
verifies what reached Kafka (tests/chaos/verify_chaos.py). Exit 0 only when no
served event is lost and no per-key order is violated.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import verify_chaos  # noqa: E402

CURSOR_KEY = 0x5BD1E9955BD1E995
# Topics are read while the run goes on (verify_chaos.Collector), so a
# handful of partitions will do.
# With --e2e-verify the topics are read once more after the run by kcat
# (tests/e2e/verify.py), so they must then hold every message: e2e's sizes.
TOPICS = ["genesys.interactions:12", "genesys.agentstate:6", "genesys.dlq:3", "gcbridge.dlq:2"]
TOPICS_E2E = ["genesys.interactions:24", "genesys.agentstate:8", "genesys.dlq:4", "gcbridge.dlq:2"]


def alive(pid):
	"""The process exists and is not a zombie."""
	try:
		with open("/proc/%d/stat" % pid) as f:
			return not f.read().rsplit(") ", 1)[1].startswith("Z")
	except (OSError, IndexError):
		return False


def log(msg):
	print("[chaos %7.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


def parse_args():
	p = argparse.ArgumentParser(description=__doc__)
	p.add_argument("--seed", type=int, default=None, help="schedule seed (default: random, printed)")
	p.add_argument("--events", type=int, default=100000, help="events the simulator generates")
	p.add_argument("--rate", type=int, default=2500, help="events generated per second")
	p.add_argument("--stage-kills", type=int, default=12, help="SIGKILLs of stages")
	p.add_argument("--supervisor-kills", type=int, default=2)
	p.add_argument("--broker-outages", type=int, default=2, help="one broker down, then up")
	p.add_argument("--cluster-outages", type=int, default=1, help="all brokers down, then up")
	p.add_argument("--storms", type=int, default=3, help="429 / 5xx / slow episodes")
	p.add_argument("--revokes", type=int, default=2)
	p.add_argument("--expiries", type=int, default=1, help="short token lifetime episodes")
	p.add_argument("--validators", type=int, default=2)
	p.add_argument("--bad-rate", type=float, default=0.01)
	p.add_argument("--drift-rate", type=float, default=0.03)
	p.add_argument("--catchup-timeout", type=float, default=240, help="seconds after the faults")
	p.add_argument("--e2e-verify", action="store_true",
		       help="also run tests/e2e/verify.py (kcat, Avro values) on the result;"
		       " needs --events-log, only for runs that fit the mock (<= ~200 k events)")
	p.add_argument("--keep", action="store_true", help="keep the scratch directory")
	return p.parse_args()


class Run:
	def __init__(self, a):
		self.a = a
		self.root = os.environ.get("GCB_ROOT") or os.path.abspath(os.path.join(HERE, "..", ".."))
		b = os.environ.get("GCB_BIN", "bin")
		self.bin = b if os.path.isabs(b) else os.path.join(self.root, b)
		self.dir = tempfile.mkdtemp(prefix="gcb-chaos-%d." % os.getpid())
		self.instance = "chaos-%d" % os.getpid()
		self.procs = {}  # name -> Popen
		self.sv = None
		self.sv_log = open(os.path.join(self.dir, "gcbridge.log"), "ab")
		# (monotonic time s, kind, checkpoint position before the kill); the
		# simulator's request log uses the same clock (CLOCK_MONOTONIC).
		self.crashes = []
		self.hwm = {}  # kind -> peak VmHWM kB
		self.counts = {}
		self.url = None
		self.bootstrap = None

	def path(self, name):
		return os.path.join(self.dir, name)

	# ---- processes --------------------------------------------------
	def start_mock(self):
		cmd = [os.path.join(self.bin, "gcb-kafka-mock"), "--bootstrap-file", self.path("bs"),
		       "--control", self.path("kafka.ctl")]
		for t in (TOPICS_E2E if self.a.e2e_verify else TOPICS):
			cmd += ["--topic", t]
		self.procs["mock"] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
						      stderr=open(self.path("mock.log"), "wb"))
		self.bootstrap = self.wait_file("bs")

	def start_sim(self):
		a = self.a
		cmd = [os.path.join(self.bin, "gcb-sim"), "--stream-id", "chaos", "--seed", str(a.seed),
		       "--count", str(a.events), "--rate", str(a.rate), "--port-file", self.path("url"),
		       "--served-log", self.path("served.tsv"), "--expires-in", "8",
		       "--request-log", self.path("req.tsv"),
		       "--retention", "100000",
		       "--fault-bad-event-rate", str(a.bad_rate),
		       "--fault-drift-rate", str(a.drift_rate), "--log-level", "warn"]
		if a.e2e_verify:
			cmd += ["--events-log", self.path("events.jsonl")]
		env = dict(os.environ, GCB_SIM_CLIENT_SECRET=self.secret)
		self.procs["sim"] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=env,
						     stderr=open(self.path("sim.log"), "wb"))
		self.url = self.wait_file("url")

	def wait_file(self, name, timeout=30):
		deadline = time.monotonic() + timeout
		while time.monotonic() < deadline:
			try:
				with open(self.path(name)) as f:
					s = f.readline().strip()
				if s:
					return s
			except OSError:
				pass
			time.sleep(0.05)
		raise RuntimeError("%s never appeared" % name)

	def write_config(self):
		cfg = """embedded = false
instance.name = {inst}
instance.state_dir = {d}/state
log.level = info
pipeline.validators = {v}
ring.size = 1MiB
ring.max_record = 256KiB
event.max_bytes = 128KiB
restart.min_interval = 100ms
restart.max_backoff = 1s
restart.stable_after = 2s
watchdog.timeout = 10s
watchdog.kill_grace = 2s
drain.timeout = 120s
genesys.api_url = {url}
genesys.login_url = {url}
genesys.client_id = gcb-sim-client
genesys.client_secret = env:GCB_CHAOS_SECRET
genesys.stream_id = chaos
genesys.poll.limit = 500
genesys.poll.timeout = 1s
genesys.poll.interval = 0
genesys.token.skew = 2s
genesys.backoff.base = 50ms
genesys.backoff.cap = 1s
genesys.http.connect_timeout = 2s
genesys.http.timeout = 10s
checkpoint.interval = 200ms
schemas.dir = {root}/schemas
producer.dlq_topic = genesys.dlq
metrics.listen =
kafka.bootstrap.servers = {bs}
kafka.linger.ms = 100
""".format(inst=self.instance, d=self.dir, v=self.a.validators, url=self.url,
			   root=self.root, bs=self.bootstrap)
		with open(self.path("gcbridge.conf"), "w") as f:
			f.write(cfg)

	def start_gcbridge(self):
		env = dict(os.environ, GCB_CHAOS_SECRET=self.secret)
		self.sv = subprocess.Popen([os.path.join(self.bin, "gcbridge"), "-c",
					    self.path("gcbridge.conf")], stdout=self.sv_log,
					   stderr=self.sv_log, env=env)

	def stages(self):
		"""name -> pid of the supervisor's live children."""
		out = {}
		if self.sv is None:
			return out
		for d in os.listdir("/proc"):
			if not d.isdigit():
				continue
			try:
				with open("/proc/%s/stat" % d) as f:
					st = f.read()
			except OSError:
				continue
			comm = st[st.index("(") + 1:st.rindex(")")]
			rest = st[st.rindex(")") + 2:].split()
			if rest[0] != "Z" and int(rest[1]) == self.sv.pid:
				out[comm] = int(d)
		return out

	def sample_rss(self):
		pids = {"sim": self.procs["sim"].pid, "mock": self.procs["mock"].pid}
		if self.sv is not None:
			pids["supervisor"] = self.sv.pid
		for name, pid in self.stages().items():
			kind = "validator" if name.startswith("validator") else name
			pids[kind + ":" + str(pid)] = pid
		for key, pid in pids.items():
			kind = key.split(":")[0]
			try:
				with open("/proc/%d/status" % pid) as f:
					for line in f:
						if line.startswith("VmHWM:"):
							kb = int(line.split()[1])
							self.hwm[kind] = max(self.hwm.get(kind, 0), kb)
			except OSError:
				pass

	# ---- fault actions ----------------------------------------------
	def sim_post(self, path):
		try:
			req = urllib.request.Request(self.url + path, data=b"", method="POST")
			urllib.request.urlopen(req, timeout=10).read()
		except OSError as e:
			log("sim admin %s failed: %s" % (path, e))

	def sim_stats(self):
		with urllib.request.urlopen(self.url + "/admin/stats", timeout=30) as r:
			return json.loads(r.read())

	def kafka_ctl(self, line):
		r = subprocess.run([os.path.join(self.bin, "gcb-kafka-mock"), "--ctl",
				    self.path("kafka.ctl"), line], capture_output=True, text=True)
		if r.returncode != 0:
			log("kafka ctl %r failed: %s" % (line, r.stdout.strip() + r.stderr.strip()))

	def checkpoint_pos(self):
		try:
			with open(os.path.join(self.dir, "state", self.instance + ".cursor")) as f:
				c = f.read().strip()
			return int(c.split(".")[1], 16) ^ CURSOR_KEY
		except (OSError, IndexError, ValueError):
			return 0

	def count(self, what):
		self.counts[what] = self.counts.get(what, 0) + 1

	def kill_stage(self, name):
		deadline = time.monotonic() + 15
		while time.monotonic() < deadline:
			pid = self.stages().get(name)
			if not pid:
				time.sleep(0.05)
				continue
			self.sample_rss()
			ck = self.checkpoint_pos()
			try:
				os.kill(pid, signal.SIGKILL)
			except ProcessLookupError:
				continue  # it exited between the lookup and the kill
			self.crashes.append((time.monotonic(), name, ck))
			kind = "validator" if name.startswith("validator") else name
			self.count("kill " + kind)
			log("SIGKILL %s (pid %d), checkpoint at %d" % (name, pid, ck))
			return
		log("%s not running, kill skipped" % name)
		self.count("skipped kill " + name)

	def kill_supervisor(self):
		self.sample_rss()
		children = list(self.stages().values())
		ck = self.checkpoint_pos()
		self.sv.send_signal(signal.SIGKILL)
		self.sv.wait()
		self.crashes.append((time.monotonic(), "supervisor", ck))
		self.count("kill supervisor")
		log("SIGKILL supervisor (pid %d), checkpoint at %d" % (self.sv.pid, ck))
		deadline = time.monotonic() + 10
		while children and time.monotonic() < deadline:
			children = [p for p in children if alive(p)]
			time.sleep(0.05)
		self.start_gcbridge()
		log("supervisor restarted (pid %d)" % self.sv.pid)

	# ---- schedule ---------------------------------------------------
	def schedule(self):
		"""[(t, action, arg)] for the fault phase, all drawn from the seed."""
		a, rnd = self.a, random.Random(self.a.seed)
		span = a.events / a.rate  # seconds the simulator generates
		lo, hi = 2.0, max(4.0, span - 3.0)
		ev = []
		kinds = ["fetcher", "producer"] + ["validator-%d" % i for i in range(a.validators)]
		for i in range(a.stage_kills):
			# every kind at least once, then at random
			k = kinds[i] if i < len(kinds) else rnd.choice(kinds)
			ev.append((rnd.uniform(lo, hi), "kill", k))
		for _ in range(a.supervisor_kills):
			ev.append((rnd.uniform(lo, hi), "kill-supervisor", None))
		# Kafka outages do not overlap: one per slot of the span.
		outages = ["one"] * a.broker_outages + ["all"] * a.cluster_outages
		rnd.shuffle(outages)
		if outages:
			slot = (hi - lo) / len(outages)
			for i, o in enumerate(outages):
				dur = rnd.uniform(2, min(8, slot * 0.6))
				t = lo + i * slot + rnd.uniform(0, slot - dur)
				target = str(rnd.randint(1, 3)) if o == "one" else "all"
				ev.append((t, "kafka-down", target))
				ev.append((t + dur, "kafka-up", target))
		storms = ["429", "5xx", "slow"]
		for i in range(a.storms):
			s = storms[i % 3] if i < 3 else rnd.choice(storms)
			t = rnd.uniform(lo, hi)
			ev.append((t, "storm-on", s))
			ev.append((t + rnd.uniform(2, 6), "storm-off", s))
		for _ in range(a.revokes):
			ev.append((rnd.uniform(lo, hi), "revoke", None))
		for _ in range(a.expiries):
			t = rnd.uniform(lo, hi)
			ev.append((t, "expires", "2"))
			ev.append((t + rnd.uniform(4, 8), "expires", "8"))
		ev.sort(key=lambda e: e[0])
		return ev

	def apply(self, action, arg):
		if action == "kill":
			self.kill_stage(arg)
		elif action == "kill-supervisor":
			self.kill_supervisor()
		elif action == "kafka-down":
			self.kafka_ctl("down " + arg)
			self.count("kafka down " + ("all" if arg == "all" else "one"))
			log("kafka: broker(s) %s down" % arg)
		elif action == "kafka-up":
			self.kafka_ctl("up " + arg)
			log("kafka: broker(s) %s up" % arg)
		elif action == "storm-on":
			q = {"429": "429-rate=0.3&429-storm=4&retry-after=1",
			     "5xx": "5xx-rate=0.3", "slow": "delay-ms=1500&delay-rate=0.5"}[arg]
			self.sim_post("/admin/faults?" + q)
			self.count("sim " + arg)
			log("sim: %s on" % arg)
		elif action == "storm-off":
			q = {"429": "429-rate=0", "5xx": "5xx-rate=0", "slow": "delay-ms=0"}[arg]
			self.sim_post("/admin/faults?" + q)
			log("sim: %s off" % arg)
		elif action == "revoke":
			self.sim_post("/admin/revoke")
			self.count("token revoked")
			log("sim: tokens revoked")
		elif action == "expires":
			self.sim_post("/admin/faults?expires-in=" + arg)
			if arg == "2":
				self.count("short token lifetime")
			log("sim: tokens now expire after %s s" % arg)

	def quiesce(self):
		self.kafka_ctl("up all")
		self.sim_post("/admin/faults?429-rate=0&5xx-rate=0&delay-ms=0&expires-in=8")

	# ---- main -------------------------------------------------------
	def run(self):
		a = self.a
		self.secret = "chaos-secret-%d" % os.getpid()
		os.environ["GCB_SIM_CLIENT_ID"] = "gcb-sim-client"
		log("seed %d (replay: --seed %d), %d events at %d/s, scratch %s" %
		    (a.seed, a.seed, a.events, a.rate, self.dir))
		self.start_mock()
		self.collector = verify_chaos.Collector(self.bootstrap, self.dir)
		self.collector.start()
		sched = self.schedule()
		log("schedule: %d actions" % len(sched))
		self.start_sim()
		self.write_config()
		self.start_gcbridge()
		start = time.monotonic()
		for t, action, arg in sched:
			while time.monotonic() - start < t:
				self.sample_rss()
				self.check_supervisor()
				time.sleep(min(0.25, max(0.0, t - (time.monotonic() - start))))
			self.apply(action, arg)
		self.quiesce()
		log("faults over; catching up")
		ok = self.catch_up()
		code = self.drain()
		return ok, code

	def check_supervisor(self):
		rc = self.sv.poll()
		if rc is not None:
			log("supervisor exited on its own with %s; restarting" % rc)
			self.count("supervisor exited by itself")
			self.start_gcbridge()

	def catch_up(self):
		deadline = time.monotonic() + self.a.catchup_timeout
		last = -1
		while time.monotonic() < deadline:
			self.sample_rss()
			self.check_supervisor()
			ck = self.checkpoint_pos()
			if ck != last:
				last = ck
			if ck >= self.a.events:
				log("checkpoint covers all %d events" % ck)
				return True
			time.sleep(0.5)
		log("catch-up timed out: checkpoint at %d of %d" % (last, self.a.events))
		return False

	def drain(self):
		self.sample_rss()
		self.sv.send_signal(signal.SIGTERM)
		try:
			code = self.sv.wait(timeout=180)
		except subprocess.TimeoutExpired:
			self.sv.kill()
			code = "timeout"
		log("gcbridge drained, exit %s" % code)
		return code

	def e2e_verify(self):
		"""Second opinion: the end-to-end verifier, kcat and Avro values."""
		log("tests/e2e/verify.py (kcat, values of every 10th message)")
		cmd = ["/usr/bin/python3", os.path.join(self.root, "tests", "e2e", "verify.py"),
		       "-b", self.bootstrap, "--events-log", self.path("events.jsonl"),
		       "--served-log", self.path("served.tsv"), "--extra-topic", "gcbridge.dlq",
		       "--stream", "chaos", "--decode-every", "10", "--kcat-timeout", "300"]
		r = subprocess.run(cmd)
		log("verify.py exit %d" % r.returncode)
		return 0 if r.returncode == 0 else 1

	def cleanup(self):
		if getattr(self, "collector", None):
			self.collector.stop()
		if self.sv is not None and self.sv.poll() is None:
			self.sv.kill()
			self.sv.wait()
		for p in self.procs.values():
			if p.poll() is None:
				p.terminate()
				try:
					p.wait(timeout=10)
				except subprocess.TimeoutExpired:
					p.kill()
		try:
			os.unlink("/dev/shm/gcbridge-" + self.instance)
		except OSError:
			pass
		if self.a.keep:
			print("kept %s" % self.dir, file=sys.stderr)
		else:
			shutil.rmtree(self.dir, ignore_errors=True)


def on_term(_sig, _frm):
	raise SystemExit(143)  # run the cleanup in main's finally


def main():
	signal.signal(signal.SIGTERM, on_term)
	a = parse_args()
	if a.seed is None:
		a.seed = int.from_bytes(os.urandom(4), "little")
	r = Run(a)
	status = 1
	try:
		ok, code = r.run()
		# The simulator's served log is complete once stats were read.
		stats = r.sim_stats()
		r.sample_rss()
		r.procs["sim"].terminate()
		r.procs["sim"].wait(timeout=30)
		log("reading the topics to their end")
		read_all = r.collector.wait(300)
		r.collector.stop()
		log("topics read")
		status = verify_chaos.report(
			r.path("served.tsv"), r.path("req.tsv"), r.collector, r.crashes, r.hwm, r.counts,
			stats,
			generated=a.events, caught_up=ok and read_all, drain_code=code, seed=a.seed,
			gcbridge_log=r.path("gcbridge.log"))
		if a.e2e_verify:
			status |= r.e2e_verify()
	finally:
		r.cleanup()
	sys.exit(status)


if __name__ == "__main__":
	main()

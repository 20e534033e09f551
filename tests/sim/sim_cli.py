#!/usr/bin/python3
# gcb-sim: command line: --help documents every option, bad options exit 2,
# only 127.0.0.1 is accepted, --port-file, credentials from the environment,
# SIGINT exits cleanly, X-RateLimit-Remaining on request.
import os, re, signal, subprocess, sys
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
import sim_lib
from sim_lib import Sim, check

exe = os.path.join(os.environ.get("GCB_BIN", "bin"), "gcb-sim")
src = open(os.path.join(os.environ.get("GCB_ROOT", "."), "tools/sim/gcb_sim_main.c")).read()
opts = re.findall(r'\{"([a-z0-9-]+)", (?:required|no)_argument', src)
check(len(opts) > 30, "option table not found (%d)" % len(opts))
h = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=30)
check(h.returncode == 0, "--help exit %d" % h.returncode)
for o in opts:
    check(("--" + o) in h.stdout, "--help does not document --%s" % o)

for bad in (["--bogus"], ["--listen", "0.0.0.0:0"], ["--listen", "10.0.0.1:80"],
            ["--rate", "x"], ["--fault-429-rate", "2"], ["--fault-5xx-codes", "404"],
            ["--count", "-5"], ["--stream-id", "a/b"], ["--stream-id", "a", "--stream-id", "a"],
            ["extra"]):
    r = subprocess.run([exe] + bad, capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and r.stdout == "", "%r -> %d" % (bad, r.returncode))

tmp = sim_lib.tmpdir()
pf = os.path.join(tmp, "url")
env = dict(os.environ, GCB_SIM_CLIENT_ID="env-id", GCB_SIM_CLIENT_SECRET="env-secret")
p = subprocess.Popen([exe, "--port-file", pf, "--stream-id", "s", "--stream-id", "t.2",
                      "--x-ratelimit-remaining",
                      "--ratelimit-allowed", "50"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
sim_lib._procs.append(p)
url = p.stdout.readline().decode().strip()
check(re.match(r"^http://127\.0\.0\.1:\d+$", url) is not None, "url %r" % url)
check(open(pf).read().strip() == url, "port file")
s = Sim.__new__(Sim)
s.url = url
s._token = None
check(s.token_req("env-id", "env-secret").status == 200, "env credentials")
check(s.token_req().status == 401, "default credentials accepted with env set")
r = s.req("GET", "/api/v2/eventstreams/s")
check(r.headers.get("X-RateLimit-Remaining") == str(50 - int(r.headers["inin-ratelimit-count"])),
      "X-RateLimit-Remaining %r" % r.headers.get("X-RateLimit-Remaining"))
s._token = s.token_req("env-id", "env-secret").json()["access_token"]
for sid in ("s", "t.2"):
    r = s.req("GET", "/api/v2/eventstreams/" + sid, headers=s.auth())
    check(r.status == 200 and r.json()["id"] == sid, "default stream %s: %d" % (sid, r.status))
p.send_signal(signal.SIGINT)
check(p.wait(30) == 0, "SIGINT exit")
err = p.stderr.read().decode()
check("env-secret" not in err, "secret logged")
print("ok")

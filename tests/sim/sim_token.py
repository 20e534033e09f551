#!/usr/bin/python3
# gcb-sim: OAuth client credentials, bad credentials, expiry, revocation, and
# the headers every answer carries.
import os, sys, time
sys.path.insert(0, os.path.join(os.environ.get("GCB_ROOT", "."), "tests/sim"))
from sim_lib import Sim, check

sim = Sim("--stream-id", "s1", "--expires-in", "3", "--count", "100")

r = sim.token_req()
check(r.status == 200, "token status %d" % r.status)
j = r.json()
check(j["token_type"] == "bearer" and j["expires_in"] == 3 and len(j["access_token"]) > 20,
      "token body %r" % j)
for h in ("inin-correlation-id", "inin-ratelimit-allowed", "inin-ratelimit-count",
          "inin-ratelimit-reset"):
    check(r.headers.get(h) is not None, "missing header %s" % h)
tok = j["access_token"]
r = sim.poll("s1", limit=1, token=tok)
check(r.status == 200, "poll with token %d" % r.status)

# Bad credentials, missing credentials, wrong grant.
for cid, sec in (("test-client", "wrong"), ("nobody", "test-secret")):
    r = sim.token_req(cid, sec)
    check(r.status == 401, "bad creds status %d" % r.status)
    e = r.json()
    check(e["error"] == "invalid_client" and e["description"] and e["error_description"],
          "bad creds body %r" % e)
r = sim.req("POST", "/oauth/token", "grant_type=client_credentials")
check(r.status == 401 and r.json()["error"] == "invalid_client", "no basic: %d" % r.status)
r = sim.token_req(body="grant_type=password")
check(r.status == 400 and r.json()["error"] == "unsupported_grant_type", "grant: %d" % r.status)

# No token / junk token -> 401 ErrorBody.
r = sim.req("GET", "/api/v2/eventstreams/s1/poll")
check(r.status == 401, "no token %d" % r.status)
e = r.json()
check(e["code"] == "authentication.required" and e["status"] == 401 and
      e["contextId"] == r.headers["inin-correlation-id"] and e["details"] == [] and
      e["errors"] == [], "ErrorBody %r" % e)
r = sim.poll("s1", token="x" * 48)
check(r.status == 401 and r.json()["code"] == "bad.credentials", "junk token %d" % r.status)

# Expiry.
time.sleep(3.5)
r = sim.poll("s1", token=tok)
check(r.status == 401 and r.json()["code"] == "credentials.expired",
      "expired token: %d %r" % (r.status, r.body))

# Revocation: every token issued so far is rejected, new ones work.
t2 = sim.token(fresh=True)
sim.admin("POST", "faults?expires-in=3600")
t3 = sim.token(fresh=True)
check(sim.token_req().json()["expires_in"] == 3600, "expires-in change")
check(sim.poll("s1", token=t3).status == 200, "t3 before revoke")
sim.admin("POST", "revoke")
for t in (t2, t3):
    r = sim.poll("s1", token=t)
    check(r.status == 401 and r.json()["code"] == "bad.credentials", "revoked %d" % r.status)
t4 = sim.token(fresh=True)
check(sim.poll("s1", token=t4).status == 200, "new token after revoke")
st = sim.stats()
check(st["tokensIssued"] >= 5 and st["revocations"] == 1, "stats %r" % st)
sim.stop()
print("ok")

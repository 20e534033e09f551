#!/usr/bin/python3
"""Checks of the backfill integration tests.

  bf_check.py verify OUT URL CLIENT SECRET_FILE START_MS END_MS PAD_MS GAP_ID [--allow-dups]
      Every conversation the server stores in [START-PAD, END+PAD] (its admin list, and
      its bodies from the sync details query) is in OUT as a backfill message whose
      eventBody equals the stored conversation; nothing else is; the wrapping is right.
  bf_check.py retry-after REQLOG
      After every 429 with a Retry-After, the next analytics request started at least
      that long after the 429 ended.
  bf_check.py ended URL
      Exit 0 when every conversation the server generated has ended.
  bf_check.py jobs REQLOG
      Prints the number of job submissions, then the analytics requests in order.
"""
import base64
import json
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

TOPIC = "gcbridge.backfill.conversation"
ANALYTICS = "/api/v2/analytics/conversations/details"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def ms(v):
    if v is None:  # still running: ends "now"
        return int(time.time() * 1000)
    if isinstance(v, (int, float)):
        return int(v)
    s = v.rstrip("Z")
    fmt = "%Y-%m-%dT%H:%M:%S.%f" if "." in s else "%Y-%m-%dT%H:%M:%S"
    return int(datetime.strptime(s, fmt).replace(tzinfo=timezone.utc).timestamp() * 1000 + 0.5)


def iso(t):
    return datetime.fromtimestamp(t / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        "%03dZ" % (t % 1000)


def http(url, method="GET", body=None, headers=None):
    for _ in range(30):
        req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            if e.code != 429:
                raise
            time.sleep(float(e.headers.get("Retry-After") or 1))
    fail("%s: still 429 after 30 tries" % url)


def token(url, client, secret):
    basic = base64.b64encode(("%s:%s" % (client, secret)).encode()).decode()
    return http(url + "/oauth/token", "POST", b"grant_type=client_credentials",
                {"Authorization": "Basic " + basic,
                 "Content-Type": "application/x-www-form-urlencoded"})["access_token"]


def stored(url, client, secret, interval):
    tok = token(url, client, secret)
    out, page = [], 1
    while True:
        body = json.dumps({"interval": interval, "order": "asc", "orderBy": "conversationStart",
                           "paging": {"pageSize": 100, "pageNumber": page}}).encode()
        r = http(url + ANALYTICS + "/query", "POST", body,
                 {"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
        convs = r.get("conversations") or []
        out += convs
        total = r.get("totalHits")
        if len(convs) < 100 or (total is not None and len(out) >= total):
            return out
        page += 1


def verify(args):
    out, url, client, secret_file = args[:4]
    start, end, pad, gap_id = (int(x) for x in args[4:8])
    allow_dups = "--allow-dups" in args
    secret = open(secret_file).read().strip()
    a, b = start - pad, end + pad
    interval = "%s/%s" % (iso(a), iso(b))
    listed = {c["id"] for c in http(url + "/admin/notify/conversations")
              if ms(c["start"]) <= b and ms(c["end"]) >= a}
    bodies = {c["conversationId"]: c for c in stored(url, client, secret, interval)}
    if set(bodies) != listed:
        fail("the sync query and the admin list disagree: %d vs %d" % (len(bodies), len(listed)))
    if not listed:
        fail("no conversation in the gap: the test generated nothing")
    seen, ids, job = {}, set(), None
    for n, line in enumerate(open(out), 1):
        m = json.loads(line)
        if m.get("topicName") != TOPIC or m.get("version") != "2":
            fail("line %d: topicName/version wrong" % n)
        body, bf, md = m["eventBody"], m["backfill"], m["metadata"]
        cid = body.get("conversationId")
        if cid not in bodies:
            fail("line %d: conversation %s is not in the gap" % (n, cid))
        if body != bodies[cid]:
            fail("line %d: conversation %s differs from the stored one" % (n, cid))
        if bf.get("gapId") != str(gap_id) or bf.get("gapStart") != iso(start) or \
                bf.get("gapEnd") != iso(end) or not bf.get("jobId") or "reason" not in bf:
            fail("line %d: backfill object wrong: %s" % (n, bf))
        corr = md.get("CorrelationId", "")
        if not corr.startswith("backfill-%d-" % gap_id):
            fail("line %d: CorrelationId %s" % (n, corr))
        if cid in seen and not allow_dups:
            fail("line %d: conversation %s emitted twice" % (n, cid))
        if cid in seen and seen[cid] != corr:
            fail("line %d: a repeated conversation got another CorrelationId" % n)
        if corr in ids and seen.get(cid) != corr:
            fail("line %d: CorrelationId %s reused" % (n, corr))
        seen[cid] = corr
        ids.add(corr)
        job = bf["jobId"]
    missing = listed - set(seen)
    if missing:
        fail("%d of %d conversations missing, e.g. %s" % (len(missing), len(listed),
                                                          sorted(missing)[0]))
    print("ok: %d conversations, %d lines, last job %s" % (len(listed), n, job))


def reqlog(path):
    rows = []
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 5 and ANALYTICS in f[3]:
            rows.append((int(f[0]), int(f[1]), f[2], f[3], int(f[4]),
                         f[5] if len(f) > 5 else "-"))
    return rows


def retry_after(args):
    rows = reqlog(args[0])
    n429 = 0
    for i, (s, e, m, p, st, ra) in enumerate(rows):
        if st != 429 or ra in ("-", "", "0", "-1") or i + 1 == len(rows):
            continue
        n429 += 1
        # The server stamps a request's start and end from its own threads,
        # a few ms either way on a loaded machine: the client's own decision
        # (at least Retry-After) is checked exactly in its log by the test;
        # here, that the wait really happened on the wire.
        wait = rows[i + 1][0] - e
        if wait < float(ra) * 1000 - 100:
            fail("request %d came %d ms after a 429 with Retry-After %s: %s / %s" % (
                i + 1, wait, ra, rows[i], rows[i + 1]))
    if n429 == 0:
        fail("no 429 with Retry-After in the request log")
    print("ok: %d 429 answer(s) honoured" % n429)


def ended(args):
    sys.exit(0 if all(c.get("end") for c in http(args[0] + "/admin/notify/conversations"))
             else 1)


def jobs(args):
    rows = reqlog(args[0])
    print(sum(1 for r in rows if r[2] == "POST" and r[3].endswith("/jobs")))
    for r in rows:
        print("%s %s %d" % (r[2], r[3], r[4]))


{"verify": verify, "retry-after": retry_after, "jobs": jobs, "ended": ended}[sys.argv[1]](sys.argv[2:])

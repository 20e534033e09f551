#!/usr/bin/python3
# Run by tests/notif/notif_ondemand.sh (its check).
import json, sys
convs = [c["id"] for c in json.load(open(sys.argv[1]))]
got = set()
for l in open(sys.argv[2]):
    m = json.loads(l)
    if m.get("topicName") == "gcbridge.backfill.conversation":
        if m["backfill"].get("reason") != "requested":
            sys.exit("backfill reason %r" % m["backfill"].get("reason"))
        got.add(m["eventBody"]["conversationId"])
missing = [c for c in convs if c not in got]
if missing or not convs:
    sys.exit("%d of %d conversations not backfilled" % (len(missing), len(convs)))
print("ok: %d conversations of the requested interval backfilled" % len(convs))

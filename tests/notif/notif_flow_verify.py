#!/usr/bin/python3
# Run by tests/notif/notif_flow.sh (its check).
import json, sys
sent = [json.loads(l)["correlationId"] for l in open(sys.argv[1]) if l.strip()]
got = [l.split()[0] for l in open(sys.argv[2]) if l.strip()]
if len(set(got)) != len(got):
    sys.exit("duplicates: %d ids, %d distinct" % (len(got), len(set(got))))
if got != sent:
    for i, (a, b) in enumerate(zip(got, sent)):
        if a != b:
            sys.exit("order differs at %d: got %s, sent %s" % (i, a, b))
    sys.exit("got %d, sent %d" % (len(got), len(sent)))
print("ok: %d messages, in send order, once" % len(got))

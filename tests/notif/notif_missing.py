#!/usr/bin/python3
# Run by tests/notif/notif_lib.sh (one of its checks).
import json, sys
sent = [json.loads(l)["correlationId"] for l in open(sys.argv[1]) if l.strip()]
try:
    got = set(l.split()[0] for l in open(sys.argv[2]) if l.strip())
except FileNotFoundError:
    got = set()
want = sent[int(sys.argv[3]):int(sys.argv[4])]
print(sum(1 for c in want if c not in got) if want else -1)

#!/usr/bin/python3
# Run by tests/notif/notif_lib.sh (one of its checks).
import json, sys
try:
    g = json.load(open(sys.argv[1]))
except FileNotFoundError:
    sys.exit(0)
for x in g.get("gaps", []):
    print(x["reason"], "closed" if x.get("end_unix_ms") else "open")

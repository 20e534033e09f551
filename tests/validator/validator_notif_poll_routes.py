#!/usr/bin/python3
# Run by tests/validator/validator_notif.sh (one of its checks).
import json, sys
r = json.load(open(sys.argv[1]))
r["routes"] = [x for x in r["routes"] if "entityType" in x["match"]]
json.dump(r, open(sys.argv[2], "w"))

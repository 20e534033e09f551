#!/usr/bin/python3
# Run by tests/validator/validator_notif.sh (one of its checks).
import json, sys
r = json.load(open(sys.argv[1]))
for route in r["routes"]:
    if route["name"] == "notif-user-presence":
        route["key"] = eval(sys.argv[3])
        if sys.argv[4]:
            route["match"] = json.loads(sys.argv[4])
json.dump(r, open(sys.argv[2], "w"))

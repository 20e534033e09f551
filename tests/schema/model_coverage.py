#!/usr/bin/python3
"""Every routed schema against the Genesys model table (tests/fixtures/genesys/models.json).

  model_coverage.py MODELS.json SCHEMA_DIR EXCLUSIONS.txt

For every route whose topic glob names a topic of the model table (and the backfill
route, whose eventBody is an AnalyticsConversation), the schema's eventBody record is
walked alongside the model: every field of the model must be in the schema, or its
path on the exclusion list (one "path | reason" a line); every model field in the
schema must be nullable with default null, because the API leaves every field
optional. Nested models are followed into the records (and arrays and maps of
records) that map them. An exclusion that no longer matches anything is an error
too, so the list cannot rot. Exit 0 when clean, 1 with every problem listed.
"""
import json
import re
import sys


def base(t):
    return re.match(r"^(list\[|dict\(str, )?(.*?)[\])]?$", t).group(2)


def collect(t, names):
    if isinstance(t, list):
        for x in t:
            collect(x, names)
    elif isinstance(t, dict):
        if t.get("type") in ("record", "enum", "fixed") and "name" in t:
            names[t["name"]] = t
        if t.get("type") == "record":
            for f in t["fields"]:
                collect(f["type"], names)
        if t.get("type") == "array":
            collect(t["items"], names)
        if t.get("type") == "map":
            collect(t["values"], names)


def unwrap(t, names):
    if isinstance(t, str) and t in names:
        t = names[t]
    if isinstance(t, list):
        nn = [x for x in t if x != "null"]
        return unwrap(nn[0], names) if len(nn) == 1 else t
    if isinstance(t, dict) and t.get("type") == "array":
        return unwrap(t["items"], names)
    if isinstance(t, dict) and t.get("type") == "map":
        return unwrap(t["values"], names)
    return t


def main(argv):
    table = json.load(open(argv[0]))
    models = table["models"]
    topics = {t["topic"]: t["class"] for t in table["topics"]}
    sdir = argv[1]
    excl = {}
    for line in open(argv[2]):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        path, _, why = line.partition("|")
        if not why.strip():
            print("exclusion without a reason: %s" % line)
            return 1
        excl[path.strip()] = why.strip()
    used = set()
    problems = []
    checked = 0

    def walk(rec, model, path, names, seen):
        nonlocal checked
        fields = {f["name"]: f for f in rec["fields"]}
        for mf in models[model]:
            p = path + "." + mf["name"]
            if p in excl:
                used.add(p)
                continue
            sf = fields.get(mf["name"])
            if sf is None:
                problems.append("%s: field of %s missing from the schema" % (p, model))
                continue
            checked += 1
            t = sf["type"]
            if not (isinstance(t, list) and t and t[0] == "null" and "default" in sf
                    and sf["default"] is None):
                problems.append("%s: optional in the API, but not [\"null\", ...] with "
                                "default null" % p)
            b = base(mf["type"])
            u = unwrap(t, names)
            if b in models and isinstance(u, dict) and u.get("type") == "record" \
                    and (b, u["name"]) not in seen:
                walk(u, b, p, names, seen | {(b, u["name"])})

    routes = json.load(open(sdir + "/routes.json"))["routes"]
    for r in routes:
        g = r["match"].get("topicName")
        if g == "gcbridge.backfill.conversation":
            cls = "AnalyticsConversation"
        elif isinstance(g, dict) and "glob" in g:
            cls = topics.get(g["glob"].replace("*", "{id}"))
        else:
            continue
        if cls is None:
            problems.append("route %s: topic %s is not in the model table" % (r["name"], g))
            continue
        s = json.load(open(sdir + "/" + r["schema"]))
        names = {}
        collect(s, names)
        body = [f for f in s["fields"] if f["name"] == "eventBody"]
        if not body:
            problems.append("%s: no eventBody field" % r["schema"])
            continue
        walk(unwrap(body[0]["type"], names), cls, r["schema"], names, set())
    for p in sorted(set(excl) - used):
        problems.append("%s: on the exclusion list but no longer a model field the "
                        "schema could map (remove it)" % p)
    for p in problems:
        print(p)
    print("%d model fields mapped and optional, %d excluded with a reason, %d problem(s)"
          % (checked, len(used), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

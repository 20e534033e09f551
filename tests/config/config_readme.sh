#!/bin/sh
# Fails when README.md's configuration reference differs from the one
# generated from the property table (tools/gen-config-reference --check), or
# when prose elsewhere (README, docs/, examples/) quotes a default as
# "`key` (default `value`" that is not the table's: the table is the only
# place a default lives, text may only repeat it. producer.dlq_topic must be
# described in the reference's words in the README prose and the example.
set -eu
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GCB_BIN:=$GCB_ROOT/bin}"
export GCB_BIN
"$GCB_ROOT/tools/gen-config-reference" --check
"$GCB_BIN/gcb-config" --reference | /usr/bin/python3 -c '
import glob, os, re, sys
root = sys.argv[1]
defs, docs = {}, {}
for line in sys.stdin:
    m = re.match(r"\| `([^`]+)` \| [^|]+ \| `([^`]*)` \|", line)
    if m:
        defs[m.group(1)] = m.group(2)
    m = re.match(r"\| `([^`]+)` \|.*\| (.*) \|$", line)
    if m:
        docs[m.group(1)] = m.group(2)
files = [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md")))
bad = 0
quoted = re.compile(r"`([a-z_.]+)`[^`(]{0,40}\(default `([^`]*)`")
for f in files:
    text = open(f, encoding="utf-8").read()
    begin, end = "<!-- config-reference:begin -->", "<!-- config-reference:end -->"
    if begin in text:
        text = text[:text.index(begin)] + text[text.index(end):]
    for m in quoted.finditer(text):
        key, val = m.group(1), m.group(2)
        if key in defs and defs[key] != val:
            print("%s: %s quoted with default %r, the table says %r"
                  % (os.path.relpath(f, root), key, val, defs[key]))
            bad += 1
if not defs:
    print("no defaults read from gcb-config --reference")
    bad += 1
# The dead-letter topic is documented in the same words in the reference,
# the README prose and the example configuration.
dlq = docs.get("producer.dlq_topic", "")
readme = " ".join(open(os.path.join(root, "README.md"), encoding="utf-8").read().split())
example = " ".join(l.lstrip("; ").strip() for l in
                   open(os.path.join(root, "examples", "gcbridge.conf"), encoding="utf-8")
                   if l.startswith(";"))
for name, text in (("README.md", readme.replace(dlq, "", 1)), ("examples/gcbridge.conf", example)):
    if not dlq or dlq not in text:
        print("%s: producer.dlq_topic is not described as the reference does: %r" % (name, dlq))
        bad += 1
sys.exit(1 if bad else 0)
' "$GCB_ROOT"

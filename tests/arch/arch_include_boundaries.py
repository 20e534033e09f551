#!/usr/bin/python3
"""Every #include "..." in product code (lib/, shm/, stages/, supervisor/,
tools/) against the include rules of docs/architecture.md: its own folder,
no other folder's *_int.h / *_internal.h, otherwise only what the folder's
row of the table allows, except the listed exceptions. Prints each
forbidden include as FILE:LINE: and exits 1 when there is one (or when an
exception no longer occurs).

    tests/arch/arch_include_boundaries.py [ROOT]
"""
import os
import re
import subprocess
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOC = os.path.join(ROOT, "docs", "architecture.md")
PRODUCT = ("lib/", "shm/", "stages/", "supervisor/", "tools/")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def section(text, name):
    m = re.search(r"<!-- %s: begin -->(.*?)<!-- %s: end -->" % (name, name), text, re.S)
    if not m:
        sys.exit("%s: no %s section" % (DOC, name))
    rows = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("folder", "file") or set(cells[0]) <= set("-"):
            continue
        rows.append([re.findall(r"`([^`]+)`", c) for c in cells])
    return rows


def glob_re(pattern):
    return re.compile("^" + "[^/]*".join(re.escape(p) for p in pattern.split("*")) + "$")


with open(DOC) as f:
    doc = f.read()
RULES = {}
for cells in section(doc, "include-rules"):
    RULES[cells[0][0]] = [glob_re(p) for p in cells[1]]
EXCEPTIONS = {(c[0][0], c[1][0]) for c in section(doc, "include-exceptions")}
if not RULES:
    sys.exit("%s: the include-rules table is empty" % DOC)


def folder_row(folder):
    """The row of folder, or of its nearest parent with one (None: no row)."""
    f = folder + "/"
    while f:
        if f in RULES:
            return RULES[f]
        f = f[: f[:-1].rfind("/") + 1]
    return None


def why_forbidden(path, inc):
    """None when path may include inc, else the reason."""
    folder = os.path.dirname(path)
    if "/" not in inc:  # a bare name is looked up beside the file
        inc = os.path.join(folder, inc)
    inc_folder = os.path.dirname(inc)
    if inc_folder == folder:
        return None
    if (path, inc) in EXCEPTIONS:
        return None
    if re.search(r"_int(ernal)?\.h$", inc):
        return "%s is private to %s/" % (inc, inc_folder)
    row = folder_row(folder)
    if row is None:
        return "%s/ has no row in docs/architecture.md" % folder
    if any(r.match(inc) for r in row):
        return None
    return "%s/ may not include %s (docs/architecture.md)" % (folder, inc)


# The checker checks itself: boundaries it must refuse, and ones it must allow.
for path, inc, allowed in (
        ("stages/producer/gcb_producer.c", "supervisor/gcb_config.h", False),
        ("shm/gcb_ring.c", "supervisor/gcb_log.h", False),
        ("lib/gcb_log.c", "shm/gcb_shm.h", False),
        ("stages/validator/gcb_map.c", "stages/fetcher/gcb_fetcher.h", False),
        ("supervisor/gcb_main.c", "stages/fetcher/gcb_fetcher_int.h", False),
        ("stages/notif/gcb_notif_main.c", "stages/fetcher/gcb_fetcher_int.h", False),
        ("stages/producer/gcb_producer.c", "stages/gcb_stage.h", True),
        ("supervisor/gcb_main.c", "stages/fetcher/gcb_fetcher.h", True),
        ("tools/sim/gcb_sim_main.c", "lib/gcb_log.h", True)):
    if (why_forbidden(path, inc) is None) != allowed:
        sys.exit("include_boundaries: the rules %s %s -> %s" %
                 ("refuse" if allowed else "allow", path, inc))

files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                        "*.c", "*.h"], cwd=ROOT, check=True, capture_output=True,
                       text=True).stdout.split()
bad, seen = 0, set()
for path in sorted(files):
    if not path.startswith(PRODUCT) or not os.path.exists(os.path.join(ROOT, path)):
        continue
    with open(os.path.join(ROOT, path), errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            if (path, m.group(1)) in EXCEPTIONS:
                seen.add((path, m.group(1)))
            why = why_forbidden(path, m.group(1))
            if why:
                print("%s:%d: #include \"%s\": %s" % (path, n, m.group(1), why))
                bad += 1
for path, inc in sorted(EXCEPTIONS - seen):
    print("docs/architecture.md: the exception %s -> %s no longer occurs; remove it" % (path, inc))
    bad += 1
print("%d product files, %d forbidden includes" % (
    sum(1 for p in files if p.startswith(PRODUCT)), bad))
sys.exit(1 if bad else 0)

#!/usr/bin/python3
"""Prints a gcbridge stage's counters, read-only from the instance's segment.

    shmcounters.py [--stage NAME] [--pid] INSTANCE|PATH [COUNTER...]
        -> counter=N ...   (every counter when none is named)

NAME is a stage name from the stage table ("fetcher" by default,
"validator-0", "producer"). Counter names come from the X(ID, "name", KIND, "help") tables of
shm/gcb_counters_<kind>.h (the fetcher's: _source, _fetcher and _notif; the
same names metrics and gcb-ringstat print), so counters appended there are
picked up without a change here.
--pid adds pid=N (the stage's current pid, 0 when not running) and
restarts=N. Exit 2 when the segment or the stage cannot be read, 3 when a
named counter does not exist. Layout: shm/gcb_shm_layout.h, version 5.
"""
import mmap
import os
import re
import struct
import sys

MAGIC = 0x314D485342434740
HERE = os.path.dirname(os.path.abspath(__file__))
SHM = os.path.normpath(os.path.join(HERE, "..", "..", "shm"))
KINDS = {1: "fetcher", 2: "validator", 3: "producer"}
# gcb_shm_stage_t: name[32] at 0, kind at 32, pid at 40, restarts at 64,
# counters[GCB_SHM_STAGE_COUNTERS] at 88 (checked against offsetof on x86-64
# and aarch64); the block size and the layout version are read from
# shm/gcb_shm_layout.h, where they are named once.
OFF_KIND, OFF_PID, OFF_RESTARTS, OFF_COUNTERS = 32, 40, 64, 88


def layout_define(name):
    """An unsigned #define of shm/gcb_shm_layout.h."""
    with open(os.path.join(SHM, "gcb_shm_layout.h")) as f:
        m = re.search(r"#define\s+%s\s+(\d+)u?\b" % name, f.read())
    if not m:
        raise ValueError("shm/gcb_shm_layout.h: no %s" % name)
    return int(m.group(1))


NCOUNTERS = layout_define("GCB_SHM_STAGE_COUNTERS")
LAYOUT = layout_define("GCB_SHM_LAYOUT_VERSION")


# The tables of a kind's slot, in index order (shm/gcb_counters.c): the
# fetcher's holds the shared source counters, the poll source's and the
# notification source's.
TABLES = {"fetcher": ("source", "fetcher", "notif")}


def table_names(table):
    """The names of one X table, shm/gcb_counters_<table>.h, in index order."""
    path = os.path.join(SHM, "gcb_counters_%s.h" % table)
    with open(path) as f:
        text = f.read()
    m = re.search(r"#define\s+GCB_\w+_COUNTERS\(X\)(.*?)\n\n", text, re.S)
    names = re.findall(r'X\(\s*\w+\s*,\s*"([a-z0-9_]+)"', m.group(1)) if m else []
    if not names:
        raise ValueError("%s: no X(ID, \"name\", KIND, \"help\") table" % path)
    return names


def counter_names(kind):
    """The names of a stage kind's counters, in index order."""
    return [n for t in TABLES.get(kind, (kind,)) for n in table_names(t)]


def read_stage(path, stage):
    """{'pid', 'restarts', 'kind', 'counters': {name: value}} of one stage."""
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            magic, version = struct.unpack_from("<QI", mm, 0)
            if magic != MAGIC or version != LAYOUT:
                raise ValueError("%s: not a layout-%d gcbridge segment" % (path, LAYOUT))
            count, size, table = struct.unpack_from("<IIQ", mm, 136)
            for i in range(count):
                base = table + i * size
                name = mm[base:base + 32].split(b"\0", 1)[0].decode()
                if name != stage:
                    continue
                kind, = struct.unpack_from("<I", mm, base + OFF_KIND)
                pid, = struct.unpack_from("<i", mm, base + OFF_PID)
                restarts, = struct.unpack_from("<Q", mm, base + OFF_RESTARTS)
                vals = struct.unpack_from("<%dQ" % NCOUNTERS, mm, base + OFF_COUNTERS)
                kname = KINDS.get(kind)
                if kname is None:
                    raise ValueError("stage %s has unknown kind %d" % (stage, kind))
                names = counter_names(kname)
                return {"pid": pid, "restarts": restarts, "kind": kname,
                        "counters": dict(zip(names, vals))}
        finally:
            mm.close()
    raise ValueError("%s: no stage called %s" % (path, stage))


def main(argv):
    stage = "fetcher"
    with_pid = False
    args = []
    it = iter(argv)
    for a in it:
        if a in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if a == "--stage":
            stage = next(it, "")
        elif a == "--pid":
            with_pid = True
        else:
            args.append(a)
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = args[0] if "/" in args[0] else "/dev/shm/gcbridge-" + args[0]
    try:
        st = read_stage(path, stage)
    except (OSError, ValueError, struct.error) as e:
        print("shmcounters: %s" % e, file=sys.stderr)
        return 2
    c = st["counters"]
    want = args[1:] or list(c)
    out = []
    if with_pid:
        out += ["pid=%d" % st["pid"], "restarts=%d" % st["restarts"]]
    for n in want:
        if n not in c:
            print("shmcounters: %s has no counter %s" % (stage, n), file=sys.stderr)
            return 3
        out.append("%s=%d" % (n, c[n]))
    print(" ".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

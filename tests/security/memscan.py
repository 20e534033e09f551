#!/usr/bin/python3
"""Counts the occurrences of a string in a process's memory (run as root).

    memscan.py PID STRING     ->  prints the count; exit 2 when unreadable

Every readable private or anonymous mapping of /proc/PID/maps is read from
/proc/PID/mem in chunks; file-backed read-only mappings (code, shared
libraries) are skipped, as a secret cannot be in them, and so are mappings
of more than 1 GiB (AddressSanitizer's shadow memory, reserved, not used).
"""
import sys

CHUNK = 16 << 20
HUGE = 1 << 30


def scan(mem, lo, hi, needle):
    """Occurrences in [lo, hi), chunk by chunk with an overlap."""
    count, off, tail = 0, lo, b""
    while off < hi:
        try:
            mem.seek(off)
            data = mem.read(min(CHUNK, hi - off))
        except (OSError, OverflowError, ValueError):
            return count
        if not data:
            return count
        # tail (shorter than needle) only completes a match across chunks
        buf = tail + data
        count += buf.count(needle)
        tail = buf[len(buf) - (len(needle) - 1):] if len(needle) > 1 else b""
        off += len(data)
    return count


def main():
    pid, needle = sys.argv[1], sys.argv[2].encode()
    count = 0
    try:
        maps = open("/proc/%s/maps" % pid).read().splitlines()
        mem = open("/proc/%s/mem" % pid, "rb", 0)
    except OSError as e:
        print("memscan: %s" % e, file=sys.stderr)
        return 2
    for line in maps:
        parts = line.split()
        addr, perms = parts[0], parts[1]
        path = parts[5] if len(parts) > 5 else ""
        if perms[0] != "r" or (path.startswith("/") and perms[1] != "w"):
            continue
        if path in ("[vvar]", "[vsyscall]"):
            continue
        lo, hi = (int(x, 16) for x in addr.split("-"))
        if hi - lo <= HUGE:
            count += scan(mem, lo, hi, needle)
    print(count)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Prints a gcbridge instance's pipeline positions, read-only from its segment.

    shmpeek.py INSTANCE|PATH   ->  fetched=N acked=N checkpoint=N draining=N

fetched = the last batch the fetcher committed, acked = the last batch Kafka
acknowledged completely, checkpoint = the last batch durably checkpointed
(shm/gcb_shm_layout.h, layout version 5). Exit 2 when the segment cannot be
read.
"""
import mmap
import struct
import sys

MAGIC = 0x314D485342434740


def peek(path):
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            magic, version = struct.unpack_from("<QI", mm, 0)
            if magic != MAGIC or version != 5:
                raise ValueError("%s: not a layout-5 gcbridge segment" % path)
            pipe_off, = struct.unpack_from("<Q", mm, 152)
            draining, = struct.unpack_from("<I", mm, pipe_off)
            fetched, = struct.unpack_from("<Q", mm, pipe_off + 8)
            acked, ckpt = struct.unpack_from("<QQ", mm, pipe_off + 128)
        finally:
            mm.close()
    return {"fetched": fetched, "acked": acked, "checkpoint": ckpt, "draining": draining}


def main():
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) == 2 else 2
    arg = sys.argv[1]
    path = arg if "/" in arg else "/dev/shm/gcbridge-" + arg
    try:
        d = peek(path)
    except (OSError, ValueError, struct.error) as e:
        print("shmpeek: %s" % e, file=sys.stderr)
        return 2
    print(" ".join("%s=%d" % kv for kv in d.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

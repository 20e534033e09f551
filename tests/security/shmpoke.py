#!/usr/bin/python3
"""Overwrites fields of a gcbridge segment, as a hostile local user would.

    shmpoke.py PATH FIELD=VALUE...

Fields (shm/gcb_shm_layout.h, layout version 1): supervisor_pid,
supervisor_start_time, pipeline_offset, stage_table_offset, and
stageN.pid / stageN.start_time for row N of the stage table.
"""
import mmap
import struct
import sys

HEADER = {
    "supervisor_pid": (112, "<i"),
    "supervisor_start_time": (120, "<Q"),
    "stage_table_offset": (144, "<Q"),
    "pipeline_offset": (152, "<Q"),
}
STAGE = {"pid": (40, "<i"), "start_time": (48, "<Q")}


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1], "r+b") as f:
        mm = mmap.mmap(f.fileno(), 0)
        stage_off, = struct.unpack_from("<Q", mm, 144)
        stage_size, = struct.unpack_from("<I", mm, 140)
        for arg in sys.argv[2:]:
            name, value = arg.split("=", 1)
            if name in HEADER:
                off, fmt = HEADER[name]
            else:
                row, field = name[5:].split(".", 1)
                off, fmt = STAGE[field]
                off += stage_off + int(row) * stage_size
            struct.pack_into(fmt, mm, off, int(value, 0))
        mm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

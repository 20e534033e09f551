#!/bin/sh
# Outside shm/, nothing reaches into a ring's control block positions
# (ctl->prod.tail, cons.release, ...): the accessors of shm/gcb_ring.h
# (gcb_ring_tail, gcb_ring_released, gcb_ring_free, gcb_ring_ctl_stats) are
# the way in (docs/architecture.md). gcb-ringstat is the one exception: the
# inspection tool reads the segment contract field by field, read-only.
cd "${GCB_ROOT:-$(dirname "$0")/../..}" || exit 2
hits=$(git ls-files --cached --others --exclude-standard -- 'lib/*.[ch]' 'stages/*.[ch]' \
	'supervisor/*.[ch]' 'tools/*.[ch]' | grep -v '^tools/ringstat/' |
	xargs grep -nE '(->|\.)(prod|cons)\.[a-z_]+' 2>/dev/null)
if [ -n "$hits" ]; then
	echo "ring control block read outside shm/ (use the accessors of shm/gcb_ring.h):"
	echo "$hits"
	exit 1
fi
echo "no ring control block position read outside shm/ and gcb-ringstat"

#!/bin/sh
# gcb-ringstat attaches read-only: the segment is opened O_RDONLY and mapped
# PROT_READ without PROT_WRITE (strace), a --watch
# run's mapping is "r--s" in /proc/<pid>/maps, and running every mode over a
# segment leaves its bytes unchanged.
. "$GCB_ROOT/tests/ringstat/ringstat_lib.sh"

# ---- every mode over a static segment changes no byte ----
inst ro-static
feed crashed "$I"
SEG="/dev/shm/gcbridge-$I"
before=$(sha256sum <"$SEG")
rs "$I"
expect_rc 1 "crashed text"
rs --json "$I"
rs --watch 0.05 --count 3 --json "$I"
rs --dump fetch.0 --count 0 "$I"
rs --dump out.0 --count 0 "$I"
[ "$(sha256sum <"$SEG")" = "$before" ] || fail "segment bytes changed"
# Even the segment's timestamps: nothing was written through any descriptor.
mtime=$(stat -c %Y.%y "$SEG")
rs "$I"
[ "$(stat -c %Y.%y "$SEG")" = "$mtime" ] || fail "segment mtime changed"

# ---- strace: open and map flags for the segment ----
inst ro-live
feed_live healthy "$I"
SEG="/dev/shm/gcbridge-$I"
. "$GCB_ROOT/tests/need.sh"
need_cmd strace strace
strace -f -o "$TMP/probe" true >/dev/null 2>&1 ||
	fail "strace cannot trace here (ptrace not permitted?): the open and map flags are unchecked"
{
	set +e
	# LeakSanitizer cannot run under ptrace (make asan): off for this run only.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		strace -f -e trace=openat,open,mmap -o "$TMP/strace" "$RS" --stall-seconds 30 \
			--hung-seconds 30 "$I" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	set -e
	expect_rc 0 "healthy under strace"
	line=$(grep -F "\"$SEG\"" "$TMP/strace" | grep -v ENOENT | head -n 1)
	[ -n "$line" ] || fail "no open of $SEG in the trace"
	echo "$line" | grep -q 'O_RDONLY' || fail "not opened O_RDONLY: $line"
	echo "$line" | grep -Eq 'O_RDWR|O_WRONLY|O_CREAT|O_TRUNC' && fail "opened for writing: $line"
	fd=$(echo "$line" | sed -n 's/.*= \([0-9][0-9]*\)$/\1/p')
	[ -n "$fd" ] || fail "no descriptor in: $line"
	maps=$(grep -E "mmap\(.*MAP_SHARED, $fd, 0\)" "$TMP/strace" || true)
	[ -n "$maps" ] || fail "no shared mapping of fd $fd"
	echo "$maps" | grep -q 'PROT_READ' || fail "mapping without PROT_READ: $maps"
	echo "$maps" | grep -q 'PROT_WRITE' && fail "segment mapped writable: $maps"
}

# ---- /proc/<pid>/maps of a --watch run ----
"$RS" --watch 0.2 --count 250 --stall-seconds 30 --hung-seconds 30 "$I" >"$TMP/watch" 2>&1 &
WPID=$!
BG_PIDS="$BG_PIDS $WPID"
n=0
perms=""
while [ -z "$perms" ]; do
	n=$((n + 1))
	[ $n -gt 400 ] && fail "gcb-ringstat --watch never mapped $SEG"
	perms=$(awk -v seg="$SEG" '$6 == seg { print $2 }' "/proc/$WPID/maps" 2>/dev/null || true)
	[ -z "$perms" ] && sleep 0.05
done
for p in $perms; do
	[ "$p" = "r--s" ] || fail "segment mapped $p, expected r--s"
done
kill "$WPID"
wait "$WPID" 2>/dev/null || true
echo "ringstat read-only ok (strace and /proc maps checked)"

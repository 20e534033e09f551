#!/bin/sh
# "The inspection tool attached during a stress run changes nothing": the same
# deterministic two-process workload (fixed records and sizes, a 16 KiB ring
# that wraps thousands of times) runs twice, once alone and once with
# gcb-ringstat attached for the whole run (--watch 0.05 in a loop, --json and
# --dump alongside). Final positions, record/byte counters and a checksum of
# the ring data areas must be identical.
. "$GCB_ROOT/tests/ringstat/ringstat_lib.sh"
N=200000
ARGS="--capacity 16384 --pace-us 2000"

# Run A: alone.
inst stress-a
"$FEED" workload "$I" $N $ARGS >"$TMP/a.out" 2>&1 || fail "run A: $(cat "$TMP/a.out")"
grep -q '^workload ok$' "$TMP/a.out" || fail "run A did not verify"

# Run B: with watchers attached before the first record moves.
inst stress-b
"$FEED" workload "$I" $N $ARGS --start-file "$TMP/go" >"$TMP/b.out" 2>&1 &
FPID=$!
BG_PIDS="$BG_PIDS $FPID"
wait_ready "$TMP/b.out"

watch_loop() {
	# $1: label; the rest: gcb-ringstat arguments. Counts successful attaches.
	label=$1
	shift
	while [ ! -e "$TMP/done" ]; do
		if "$RS" "$@" "$I" >"$TMP/$label.last" 2>&1; then
			echo x >>"$TMP/$label.runs"
		elif [ $? -eq 1 ]; then
			echo x >>"$TMP/$label.runs"
		fi
		# A live ring moving under the walker must never look corrupt.
		if grep -Eq '"corrupt"|diagnosis: corrupt|^corrupt at' "$TMP/$label.last"; then
			cp "$TMP/$label.last" "$TMP/$label.corrupt"
		fi
	done
}
watch_loop watch --watch 0.05 --count 20 --stall-seconds 60 --hung-seconds 60 &
BG_PIDS="$BG_PIDS $!"
watch_loop json --json --stall-seconds 60 --hung-seconds 60 &
BG_PIDS="$BG_PIDS $!"
watch_loop dump --dump fetch.0 --count 50 --bytes 32 &
BG_PIDS="$BG_PIDS $!"

n=0
while [ ! -s "$TMP/watch.runs" ] || [ ! -s "$TMP/json.runs" ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && fail "gcb-ringstat never attached"
	sleep 0.05
done
touch "$TMP/go"
wait "$FPID" || fail "run B: $(cat "$TMP/b.out")"
touch "$TMP/done"
wait
grep -q '^workload ok$' "$TMP/b.out" || fail "run B did not verify"

echo "gcb-ringstat runs during B: watch $(wc -l <"$TMP/watch.runs")," \
	"json $(wc -l <"$TMP/json.runs"), dump $(wc -l <"$TMP/dump.runs" 2>/dev/null || echo 0)"
for f in "$TMP"/*.corrupt; do
	[ -e "$f" ] && fail "gcb-ringstat reported corruption on a live ring: $(cat "$f")"
done
grep '^ring ' "$TMP/a.out" >"$TMP/a.rings"
grep '^ring ' "$TMP/b.out" >"$TMP/b.rings"
cat "$TMP/a.rings"
grep -q "^ring 0 .*records_written=$N .*records_read=$N " "$TMP/a.rings" || fail "run A counts"
cmp "$TMP/a.rings" "$TMP/b.rings" || {
	diff "$TMP/a.rings" "$TMP/b.rings" >&2
	fail "final state differs with gcb-ringstat attached"
}
echo "ringstat stress ok"

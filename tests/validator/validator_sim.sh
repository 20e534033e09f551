#!/bin/sh
# The simulator's events against the shipped schemas: every clean event is
# encoded (and decodes with python3-avro to the same values), every invalid
# one (--fault bad-event-rate) goes to the DLQ with a precise reason, and
# drifted ones are encoded unless a required field was renamed.
set -u
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
py=/usr/bin/python3
dir=$(mktemp -d "${TMPDIR:-/tmp}/gcb-validator-sim-$$.XXXXXX")
sim=
cleanup() {
	[ -n "$sim" ] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
[ -x "$GCB_BIN/gcb-sim" ] || { echo "FAIL: gcb-sim not built (make all)"; exit 1; }
. "$GCB_ROOT/tests/need.sh"
need_cmd curl curl
need_py avro.io python3-avro

"$GCB_BIN/gcb-sim" --count 0 --seed 11 --port-file "$dir/url" \
	--events-log "$dir/events.jsonl" >/dev/null 2>"$dir/sim.err" &
sim=$!
i=0
while [ ! -s "$dir/url" ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "gcb-sim did not start: $(cat "$dir/sim.err")"
	sleep 0.1
done
url=$(cat "$dir/url")
admin() { curl -sf -X "$1" "$url$2" >/dev/null || fail "curl $1 $2"; }

admin POST "/admin/generate?count=1500"
admin POST "/admin/faults?bad-event-rate=1"
admin POST "/admin/generate?count=300"
admin POST "/admin/faults?reset=1&drift-rate=1"
admin POST "/admin/generate?count=300"
admin GET /admin/stats # flushes the events log
[ "$(wc -l <"$dir/events.jsonl")" -eq 2100 ] || fail "expected 2100 events"

head -n 1500 "$dir/events.jsonl" >"$dir/clean.jsonl"
sed -n 1501,1800p "$dir/events.jsonl" >"$dir/bad.jsonl"
sed -n 1801,2100p "$dir/events.jsonl" >"$dir/drift.jsonl"
for f in clean bad drift; do
	"$GCB_BIN/gcb-validate" --routes "$GCB_ROOT/schemas/routes.json" <"$dir/$f.jsonl" \
		>"$dir/$f.out" || fail "gcb-validate failed on $f"
done

n=$(grep -c '^avro ' "$dir/clean.out")
[ "$n" -eq 1500 ] || fail "only $n of 1500 clean events encoded: $(grep -v '^avro' "$dir/clean.out" | head -3)"
n=$(grep -c '^dlq ' "$dir/bad.out")
[ "$n" -eq 300 ] || fail "only $n of 300 invalid events rejected"
if grep -v -E '^dlq (wrong_type|bad_enum|bad_timestamp|missing_field) [a-zA-Z.]+ ' "$dir/bad.out" | grep -q .; then
	fail "unexpected verdicts: $(grep -v -E '^dlq (wrong_type|bad_enum|bad_timestamp|missing_field) ' "$dir/bad.out" | head -3)"
fi
if grep -v -E '^(avro |dlq missing_field data\.mediaType )' "$dir/drift.out" | grep -q .; then
	fail "unexpected drift verdicts: $(grep -v -E '^(avro |dlq missing_field data\.mediaType )' "$dir/drift.out" | head -3)"
fi
grep -q '^avro ' "$dir/drift.out" || fail "no drifted event was encoded"

$py "$GCB_ROOT/tests/validator/roundtrip.py" "$GCB_ROOT" "$GCB_BIN/gcb-validate" \
	"$dir/clean.jsonl" || fail "python3-avro round trip"
echo "ok: 1500 clean encoded, 300 invalid rejected, drift handled"

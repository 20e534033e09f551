#!/bin/sh
# gcb-validate: loads the shipped schemas, rejects a broken set with a message
# naming the file, and gives one verdict line per input line.
set -u
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/gcb-validator-cli-$$.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
: "${PY:=python3}"

"$GCB_BIN/gcb-validate" --check --routes "$GCB_ROOT/schemas/routes.json" >"$dir/out" 2>&1 ||
	fail "shipped schemas do not load: $(cat "$dir/out")"
[ "$(grep -c "^route " "$dir/out")" -eq 17 ] || fail "expected 17 routes: $(cat "$dir/out")"

cp "$GCB_ROOT"/schemas/*.json "$GCB_ROOT"/schemas/*.avsc "$dir/"
printf '{"type":"record","name":"InteractionCreated","namespace":"gcbridge.genesys",' >"$dir/interaction_created.avsc"
printf '"fields":[{"name":"a","type":"int","default":"x"}]}\n' >>"$dir/interaction_created.avsc"
if "$GCB_BIN/gcb-validate" --check --routes "$dir/routes.json" >"$dir/out" 2>&1; then
	fail "a bad default was accepted"
fi
grep -q "interaction_created.avsc: .*default" "$dir/out" || fail "unclear error: $(cat "$dir/out")"

printf '%s\n' '{"entityType":"interaction","eventType":"created"}' 'nope' '{"entityType":"x"}' |
	"$GCB_BIN/gcb-validate" --routes "$GCB_ROOT/schemas/routes.json" >"$dir/out" 2>&1 ||
	fail "gcb-validate failed"
[ "$(wc -l <"$dir/out")" -eq 3 ] || fail "expected 3 verdicts: $(cat "$dir/out")"
grep -q '^dlq missing_field id ' "$dir/out" || fail "no missing_field verdict: $(cat "$dir/out")"
grep -q '^dlq bad_json - ' "$dir/out" || fail "no bad_json verdict"
grep -q '^dlq unrouted - ' "$dir/out" || fail "no unrouted verdict"

# Without --max-event-bytes the size limit is gcbridge's event.max_bytes
# default, read from the configuration table (the one place defaults live).
def=$("$GCB_BIN/gcb-config" --reference | sed -n 's/^| `event.max_bytes` | size | `\([0-9]*\)KiB` .*/\1/p')
[ -n "$def" ] || fail "no event.max_bytes default in the reference"
for kib in $((def - 1)) $((def + 1)); do
	"$PY" -c "import sys; sys.stdout.write('{\"entityType\":\"x\",\"pad\":\"' + 'a' * ($kib * 1024 - 40) + '\"}\n')" |
		"$GCB_BIN/gcb-validate" --routes "$GCB_ROOT/schemas/routes.json" >"$dir/out" 2>&1
	if [ "$kib" -gt "$def" ]; then
		grep -q '^dlq oversized ' "$dir/out" || fail "$kib KiB event not oversized: $(cut -c1-200 "$dir/out")"
	else
		grep -q '^dlq unrouted ' "$dir/out" || fail "$kib KiB event oversized: $(cut -c1-200 "$dir/out")"
	fi
done
echo "ok"

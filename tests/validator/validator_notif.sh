#!/bin/sh
# Notification messages (tests/fixtures/notifications) through gcb-validate,
# decoded with python3-avro; the notification schemas lint clean; routing
# files with bad {"topic_segment": N} keys are refused naming the route; a
# routing file without notification routes still loads.
set -u
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
py=/usr/bin/python3
. "$GCB_ROOT/tests/need.sh"
need_py avro.io python3-avro
dir=$(mktemp -d "${TMPDIR:-/tmp}/gcb-validator-notif-$$.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

"$GCB_BIN/gcb-schema" lint "$GCB_ROOT"/schemas/notif_*.avsc >"$dir/lint" 2>&1 ||
	fail "gcb-schema lint: $(cat "$dir/lint")"
[ "$(grep -c ': ok$' "$dir/lint")" -eq 13 ] || fail "expected 13 schemas: $(cat "$dir/lint")"

$py "$GCB_ROOT/tests/validator/notif_fixtures.py" "$GCB_ROOT" "$GCB_BIN/gcb-validate" || exit 1

# Routing files with bad topic_segment keys: refused, the route named.
cp "$GCB_ROOT"/schemas/*.json "$GCB_ROOT"/schemas/*.avsc "$dir/"
bad_key() { # $1: label, $2: python expression for the key of route notif-user-presence,
	# $3: replacement match or "", $4: expected message
	$py "$GCB_ROOT/tests/validator/validator_notif_route.py" "$dir/routes.json" "$dir/bad.json" "$2" "$3"
	if "$GCB_BIN/gcb-validate" --check --routes "$dir/bad.json" >"$dir/out" 2>&1; then
		fail "$1: accepted"
	fi
	grep -q "bad.json: route \"notif-user-presence\": $4" "$dir/out" ||
		fail "$1: unclear error: $(cat "$dir/out")"
}
bad_key "negative" '{"topic_segment": -1}' "" '"topic_segment" must be an integer 0..31'
bad_key "fraction" '{"topic_segment": 1.5}' "" '"topic_segment" must be an integer'
bad_key "string" '{"topic_segment": "2"}' "" '"key" must be a JSON path string or {"topic_segment": N}'
bad_key "extra member" '{"topic_segment": 2, "path": "x"}' "" '"key" must be a JSON path'
bad_key "past the pattern" '{"topic_segment": 4}' "" 'topicName pattern "v2.users.\*.presence" has no segment 4'
bad_key "no topicName match" '{"topic_segment": 0}' '{"entityType": "user"}' \
	'a "topic_segment" key needs a "topicName" match'

# A routing file of the poll contract alone (string keys) loads as before.
$py "$GCB_ROOT/tests/validator/validator_notif_poll_routes.py" "$dir/routes.json" "$dir/poll.json"
"$GCB_BIN/gcb-validate" --check --routes "$dir/poll.json" --ids "$dir/schema-ids.json" >"$dir/out" 2>&1 ||
	fail "poll-only routes refused: $(cat "$dir/out")"
[ "$(grep -c '^route ' "$dir/out")" -eq 3 ] || fail "poll-only routes: $(cat "$dir/out")"
grep -q '^route notif-user-presence .* key topicName\[2\]$' "$dir/out" &&
	fail "notification route in the poll-only file"
"$GCB_BIN/gcb-validate" --check --routes "$GCB_ROOT/schemas/routes.json" >"$dir/out" 2>&1 ||
	fail "shipped routes: $(cat "$dir/out")"
grep -q '^route notif-user-presence .* key topicName\[2\]$' "$dir/out" ||
	fail "key not listed: $(cat "$dir/out")"
echo "ok"

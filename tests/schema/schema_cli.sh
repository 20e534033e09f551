#!/bin/sh
# gcb-schema command line: output and exit codes of lint, check, canonical
# and fingerprint (0 clean/compatible, 1 problems/incompatible, 2 usage/IO).
set -u
: "${GCB_BIN:=bin}" "${GCB_ROOT:=.}"
S="$GCB_BIN/gcb-schema"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gcb-schema-cli-$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

# expect RC DESCRIPTION CMD...: runs CMD, output in $tmp/out.
expect() {
	want=$1 desc=$2
	shift 2
	"$@" >"$tmp/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $desc: exit $rc, want $want"
		sed 's/^/    /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

# contains TEXT DESCRIPTION: $tmp/out must contain TEXT.
contains() {
	if ! grep -qF -- "$1" "$tmp/out"; then
		echo "FAIL: $2: output lacks '$1'"
		sed 's/^/    /' "$tmp/out"
		fails=$((fails + 1))
	fi
}

cat >"$tmp/v1.avsc" <<'J'
{"type": "record", "name": "Conversation", "namespace": "gcb",
 "fields": [
   {"name": "id", "type": "string"},
   {"name": "duration", "type": "int"},
   {"name": "disposition", "type": {"type": "record", "name": "Disposition",
     "fields": [{"name": "code", "type": "string"}]}}
 ]}
J
cat >"$tmp/v2.avsc" <<'J'
{"type": "record", "name": "Conversation", "namespace": "gcb",
 "fields": [
   {"name": "id", "type": "string"},
   {"name": "duration", "type": "long"},
   {"name": "disposition", "type": {"type": "record", "name": "Disposition",
     "fields": [{"name": "code", "type": "string"},
                {"name": "note", "type": ["null", "string"], "default": null}]}},
   {"name": "queue", "type": "string", "default": ""}
 ]}
J
cat >"$tmp/v3.avsc" <<'J'
{"type": "record", "name": "Conversation", "namespace": "gcb",
 "fields": [
   {"name": "id", "type": "string"},
   {"name": "duration", "type": "int"},
   {"name": "disposition", "type": {"type": "record", "name": "Disposition",
     "fields": [{"name": "code", "type": "int"}, {"name": "wrapup", "type": "string"}]}}
 ]}
J
cat >"$tmp/bad.avsc" <<'J'
{"type": "record", "name": "Bad",
 "fields": [
   {"name": "n", "type": "int", "default": "zero"},
   {"name": "t", "type": {"type": "int", "logicalType": "timestamp-millis"}}
 ]}
J
printf '{"type": "record",\n "name": }\n' >"$tmp/broken.avsc"

expect 0 "lint clean" "$S" lint "$tmp/v1.avsc" "$tmp/v2.avsc"
contains "v1.avsc: ok" "lint clean"
expect 1 "lint problems" "$S" lint "$tmp/v1.avsc" "$tmp/bad.avsc"
contains "bad.avsc: fields.n: default \"zero\" does not match type int" "lint problems"
contains "bad.avsc: fields.t: logicalType 'timestamp-millis' needs type long" "lint problems"
expect 1 "lint invalid JSON" "$S" lint "$tmp/broken.avsc"
contains "broken.avsc: invalid JSON at line 2" "lint invalid JSON"
expect 2 "lint missing file" "$S" lint "$tmp/v1.avsc" "$tmp/nope.avsc"
contains "nope.avsc: cannot read" "lint missing file"
expect 0 "lint corpus seed" "$S" lint "$GCB_ROOT"/tests/fuzz/corpus/avsc/seed-record.avsc

expect 0 "check compatible" "$S" check "$tmp/v1.avsc" "$tmp/v2.avsc"
contains "compatible" "check compatible"
expect 1 "check incompatible" "$S" check "$tmp/v1.avsc" "$tmp/v3.avsc"
contains "v3.avsc: fields.disposition.fields.code: type changed from string to int" \
	"check incompatible"
contains "v3.avsc: fields.disposition.fields.wrapup: field 'wrapup' was added without a default" \
	"check incompatible"
expect 1 "check backwards (v2 data read with v1: long -> int)" \
	"$S" check "$tmp/v2.avsc" "$tmp/v1.avsc"
contains "fields.duration: type changed from long to int" "check backwards"
expect 1 "check with an invalid schema" "$S" check "$tmp/v1.avsc" "$tmp/bad.avsc"
expect 2 "check missing file" "$S" check "$tmp/v1.avsc" "$tmp/nope.avsc"

expect 0 "canonical" "$S" canonical "$tmp/v1.avsc"
contains '{"name":"gcb.Conversation","type":"record","fields":[{"name":"id","type":"string"}' \
	"canonical"
printf '{"fields":[], "type":"record", "name":"foo"}' >"$tmp/foo.avsc"
expect 0 "fingerprint" "$S" fingerprint "$tmp/foo.avsc"
contains "0xbd0c50c84319be7e -4824392279771201922" "fingerprint"
expect 0 "fingerprint stdin" sh -c "printf '\"null\"' | '$S' fingerprint -"
contains " 7195948357588979594" "fingerprint stdin"
expect 1 "fingerprint invalid" "$S" fingerprint "$tmp/bad.avsc"

expect 2 "no arguments" "$S"
expect 2 "unknown command" "$S" frobnicate x
expect 2 "check needs two files" "$S" check "$tmp/v1.avsc"
expect 2 "lint needs a file" "$S" lint
expect 0 "help" "$S" --help

[ "$fails" -eq 0 ] || exit 1
echo "schema_cli: all checks passed"

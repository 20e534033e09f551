#!/bin/sh
# The fake registry's own API, as Confluent documents it: ids by schema,
# subject listings, versions, config levels and error codes.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd "$PY" python3
need_cmd curl curl

t_bg "$PY" "$GCB_ROOT/tests/registry/fake_registry.py" --url-file "$T_DIR/url" \
	--tool "$GCB_BIN/gcb-schema" 2>"$T_DIR/fake.log"
t_wait_for 30 test -s "$T_DIR/url" || t_fail "fake registry did not start"
url=$(cat "$T_DIR/url")
CT='Content-Type: application/vnd.schemaregistry.v1+json'

# req METHOD PATH [BODY]: prints "STATUS BODY"
req() {
	if [ $# -ge 3 ]; then
		curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$1" -H "$CT" -d "$3" "$url$2"
	else
		curl -s -o "$T_DIR/body" -w '%{http_code}' -X "$1" "$url$2"
	fi
	printf ' %s\n' "$(cat "$T_DIR/body")"
}
expect() { # WANT GOT
	[ "$2" = "$1" ] || t_fail "got '$2', want '$1'"
}
body() {
	"$PY" -c 'import json,sys; print(json.dumps({"schema": open(sys.argv[1]).read()}))' "$1"
}
printf '%s' '{"type":"record","name":"T","fields":[{"name":"a","type":"string"}]}' >"$T_DIR/v1.avsc"
printf '%s' '{"type":"record","name":"T","fields":[{"name":"a","type":"string"},{"name":"b","type":"int","default":0}]}' >"$T_DIR/v2.avsc"
printf '%s' '{"type":"record","name":"T","fields":[{"name":"a","type":"string"},{"name":"c","type":"int"}]}' >"$T_DIR/v3.avsc"

expect '200 []' "$(req GET /subjects)"
expect '200 {"id": 1}' "$(req POST /subjects/s-value/versions "$(body "$T_DIR/v1.avsc")")"
expect '200 {"id": 1}' "$(req POST /subjects/s-value/versions "$(body "$T_DIR/v1.avsc")")"
expect '200 {"id": 2}' "$(req POST /subjects/s-value/versions "$(body "$T_DIR/v2.avsc")")"
expect '200 {"id": 1}' "$(req POST /subjects/other-value/versions "$(body "$T_DIR/v1.avsc")")"
expect '200 ["other-value", "s-value"]' "$(req GET /subjects)"
expect '200 [1, 2]' "$(req GET /subjects/s-value/versions)"
case "$(req GET /subjects/s-value/versions/latest)" in
'200 {"subject": "s-value", "version": 2, "id": 2, "schema": '*) ;;
*) t_fail "versions/latest: $(cat "$T_DIR/body")" ;;
esac
case "$(req GET /schemas/ids/1)" in
'200 {"schema": "{\"type\":\"record\",\"name\":\"T\"'*) ;;
*) t_fail "schemas/ids/1: $(cat "$T_DIR/body")" ;;
esac
expect '404 {"error_code": 40403, "message": "Schema 99 not found"}' "$(req GET /schemas/ids/99)"
expect '404 {"error_code": 40401, "message": "Subject '"'"'nope'"'"' not found."}' \
	"$(req GET /subjects/nope/versions)"
expect '404 {"error_code": 40402, "message": "Version 7 not found."}' \
	"$(req GET /subjects/s-value/versions/7)"
case "$(req POST /subjects/s-value/versions "$(body "$T_DIR/v3.avsc")")" in
'409 {"error_code": 409, '*) ;;
*) t_fail "incompatible register: $(cat "$T_DIR/body")" ;;
esac
expect '200 {"is_compatible": true}' \
	"$(req POST /compatibility/subjects/s-value/versions/latest "$(body "$T_DIR/v2.avsc")")"
case "$(req POST '/compatibility/subjects/s-value/versions/1?verbose=true' "$(body "$T_DIR/v3.avsc")")" in
'200 {"is_compatible": false, "messages": ["fields.c: '*) ;;
*) t_fail "verbose compatibility: $(cat "$T_DIR/body")" ;;
esac
expect '200 {"compatibilityLevel": "BACKWARD"}' "$(req GET /config)"
case "$(req GET /config/s-value)" in '404 {"error_code": 40408, '*) ;; *) t_fail "config 40408" ;; esac
expect '200 {"compatibilityLevel": "BACKWARD"}' "$(req GET '/config/s-value?defaultToGlobal=true')"
expect '200 {"compatibility": "NONE"}' "$(req PUT /config/s-value '{"compatibility": "NONE"}')"
expect '200 {"compatibilityLevel": "NONE"}' "$(req GET /config/s-value)"
expect '200 {"id": 3}' "$(req POST /subjects/s-value/versions "$(body "$T_DIR/v3.avsc")")"
case "$(req PUT /config/s-value '{"compatibility": "SIDEWAYS"}')" in
'422 {"error_code": 42203, '*) ;;
*) t_fail "bad level: $(cat "$T_DIR/body")" ;;
esac
case "$(req POST /subjects/s-value/versions '{"schema": "{\"type\": \"recrod\"}"}')" in
'422 {"error_code": 42201, '*) ;;
*) t_fail "invalid schema: $(cat "$T_DIR/body")" ;;
esac
expect '404 {"error_code": 404, "message": "HTTP 404 Not Found"}' "$(req GET /nothing/here)"
t_log "fake registry API: ids, subjects, versions, compatibility, config and error codes"

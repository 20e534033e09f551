#!/bin/sh
# bin/gcbridge (embedded simulator + Kafka) with schemas.registry.* pointing at
# the fake registry behind a ccompat-style path prefix and basic auth: a
# registry that is down at start makes the validators restart until it is up,
# then every validator takes its ids from the registry, the password (file:)
# is in no log, and a registry that refuses a schema at start stops gcbridge
# (exit 2) with a line naming the file.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/need.sh"
need_cmd "$PY" python3
need_cmd curl curl

printf '%s\n' 's3cr3t-Pa55word-gcbridge' >"$T_DIR/pw"
chmod 600 "$T_DIR/pw"

start_fake() { # [PORT]
	rm -f "$T_DIR/url"
	t_bg "$PY" "$GCB_ROOT/tests/registry/fake_registry.py" --url-file "$T_DIR/url" \
		--tool "$GCB_BIN/gcb-schema" --prefix /apis/ccompat/v7 --user gcb \
		--password-file "$T_DIR/pw" --port "${1:-0}" 2>>"$T_DIR/fake.log"
	fake=$T_LAST
	t_wait_for 30 test -s "$T_DIR/url" || t_fail "fake registry did not start"
	url=$(cat "$T_DIR/url")
}

write_conf() {
	cat >"$T_DIR/gcbridge.conf" <<CONF
embedded = true
[instance]
name = $T_INSTANCE
state_dir = $T_DIR/state
[log]
level = info
format = logfmt
[pipeline]
validators = 2
[ring]
size = 4MiB
[restart]
max_backoff = 2s
[schemas]
dir = $GCB_ROOT/schemas
routes = $GCB_ROOT/schemas/routes.json
registry.url = $url
registry.user = gcb
registry.password = file:$T_DIR/pw
CONF
}

subjects() {
	curl -s -u "gcb:$(cat "$T_DIR/pw")" "$url/subjects"
}

# 1. the registry is down at start: validators restart until it is up, then take ids from it
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port/apis/ccompat/v7"
write_conf
t_bg "$GCB_BIN/gcbridge" -c "$T_DIR/gcbridge.conf" 2>"$T_DIR/log"
gb=$T_LAST
t_wait_for 60 grep -q 'cannot take schema ids from the schema registry' "$T_DIR/log" ||
	{ cat "$T_DIR/log" >&2; t_fail "no error while the registry is down"; }
t_wait_for 60 grep -q 'stage validator-.* exited after a handled error' "$T_DIR/log" ||
	{ cat "$T_DIR/log" >&2; t_fail "validator not restarted"; }
start_fake "$port"
n_ok() { [ "$(grep -c 'registry subject genesys.agentstate-value' "$T_DIR/log")" -ge 2 ]; }
t_wait_for 60 n_ok || { cat "$T_DIR/log" >&2; t_fail "validators did not take ids from the registry"; }
s=$(subjects)
for want in '"genesys.agentstate-value"' \
	'"genesys.interactions-gcbridge.genesys.InteractionCreated"' \
	'"genesys.interactions-gcbridge.genesys.InteractionUpdated"'; do
	case "$s" in *"$want"*) ;; *) t_fail "subject $want not registered: $s" ;; esac
done
sleep 2
kill -TERM "$gb"
t_wait_exit "$gb" 60
[ "$T_CODE" = 0 ] || { tail -n 20 "$T_DIR/log" >&2; t_fail "exit $T_CODE after SIGTERM"; }
errs=$(grep 'level=error' "$T_DIR/log" | grep -v 'cannot take schema ids from the schema registry' || true)
[ -z "$errs" ] || { echo "$errs" >&2; t_fail "unexpected errors logged"; }
kill -TERM "$fake"
wait "$fake" 2>/dev/null || true

# 2. a registry that refuses the schema at start: exit 2, the file named
start_fake
write_conf
other='{"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]}'
body=$("$PY" -c 'import json,sys; print(json.dumps({"schema": sys.argv[1]}))' "$other")
curl -sf -u "gcb:$(cat "$T_DIR/pw")" -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
	-d "$body" "$url/subjects/genesys.agentstate-value/versions" >/dev/null ||
	t_fail "could not pre-register"
t_bg "$GCB_BIN/gcbridge" -c "$T_DIR/gcbridge.conf" 2>"$T_DIR/log2"
gb=$T_LAST
t_wait_exit "$gb" 60
[ "$T_CODE" = 2 ] || { tail -n 20 "$T_DIR/log2" >&2; t_fail "exit $T_CODE, want 2"; }
grep -q 'agentstate_updated.avsc: the schema registry finds it incompatible' "$T_DIR/log2" ||
	{ cat "$T_DIR/log2" >&2; t_fail "refusal does not name the file"; }
kill -TERM "$fake"
wait "$fake" 2>/dev/null || true

for f in "$T_DIR/log" "$T_DIR/log2" "$T_DIR/fake.log"; do
	! grep -q 's3cr3t-Pa55word-gcbridge' "$f" || t_fail "password in $f"
done
t_log "ids from the registry in every validator; refusal at start exits 2; no password in logs"

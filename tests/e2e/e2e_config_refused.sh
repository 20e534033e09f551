#!/bin/sh
# Bad configurations through bin/gcbridge -c: exit 2, a message naming the
# file, line and key, nothing started (no segment). kafka.acks = 1 is refused
# by the daemon and by --check-config; a property librdkafka rejects stops
# gcbridge with exit 2 from the producer stage; --check-config on a good file
# prints the effective configuration with the secret masked. No exit 2 leaves
# a shared-memory segment behind. A routing file that still names
# "dlq_topic" is refused: the DLQ topic is producer.dlq_topic.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

SIM_URL=http://127.0.0.1:9 # never contacted: every file below is refused first
BS=127.0.0.1:9
e2e_write_conf "$T_DIR/good.conf"
SEG="/dev/shm/gcbridge-$T_INSTANCE"

# bad NAME LINE-TO-APPEND EXPECTED-MESSAGE-REGEX [SED-EDIT]
bad() {
	_n=$1 _line=$2 _re=$3 _edit=${4:-}
	_f="$T_DIR/$_n.conf"
	cp "$T_DIR/good.conf" "$_f"
	[ -n "$_line" ] && echo "$_line" >>"$_f"
	[ -n "$_edit" ] && sed -i "$_edit" "$_f"
	for _mode in run check; do
		_opt=
		[ $_mode = check ] && _opt=--check-config
		set +e
		# shellcheck disable=SC2086 # _opt is empty or one word
		timeout 60 "$GCB_BIN/gcbridge" -c "$_f" $_opt >"$T_DIR/$_n.$_mode.out" \
			2>"$T_DIR/$_n.$_mode.err"
		_rc=$?
		set -e
		[ $_rc = 2 ] || t_fail "$_n ($_mode): exit $_rc, want 2: $(cat "$T_DIR/$_n.$_mode.err")"
		grep -Eq "$_re" "$T_DIR/$_n.$_mode.err" ||
			t_fail "$_n ($_mode): no message matching '$_re': $(cat "$T_DIR/$_n.$_mode.err")"
		[ ! -s "$T_DIR/$_n.$_mode.out" ] || t_fail "$_n ($_mode): stdout not empty"
		[ ! -e "$SEG" ] || t_fail "$_n ($_mode): a segment was created"
		! grep -qF "$E2E_SIM_SECRET" "$T_DIR/$_n.$_mode.err" || t_fail "$_n: secret in the message"
	done
	t_log "$_n: exit 2: $(grep -E "$_re" "$T_DIR/$_n.run.err" | head -n 1)"
}

n=$(wc -l <"$T_DIR/good.conf")
L=$((n + 1)) # line number of an appended line
bad acks "kafka.acks = 1" "^$T_DIR/acks.conf:$L: kafka.acks: 1 weakens delivery .*acks=all"
bad reqacks "kafka.request.required.acks = 0" "acks.conf:$L: kafka.request.required.acks: "
bad idempotence "kafka.enable.idempotence = false" "idempotence.conf:$L: kafka.enable.idempotence: "
bad unknown "genesys.poll.limt = 50" \
	"unknown.conf:$L: genesys.poll.limt: unknown key \(did you mean genesys.poll.limit\?\)"
bad range "" "range.conf:[0-9]+: genesys.poll.limit: 5000 is out of range \(1..1000\)" \
	"s|^genesys.poll.limit = .*|genesys.poll.limit = 5000|"
bad pow2 "ring.size = 16MB" "pow2.conf:$L: ring.size: 16MB is not a power of two"
bad secretfile "" \
	"secretfile.conf:[0-9]+: genesys.client_secret: cannot open secret file $T_DIR/no-such-secret" \
	"s|^genesys.client_secret = .*|genesys.client_secret = file:$T_DIR/no-such-secret|"
mkdir -p "$T_DIR/oldschemas"
cp "$GCB_ROOT"/schemas/*.avsc "$GCB_ROOT/schemas/schema-ids.json" "$T_DIR/oldschemas/"
sed 's|^{$|{"dlq_topic": "genesys.dlq",|' "$GCB_ROOT/schemas/routes.json" >"$T_DIR/oldschemas/routes.json"
bad routesdlq "" "schemas.routes: $T_DIR/oldschemas/routes.json: \"dlq_topic\" is not read from the routing file: .*producer.dlq_topic" \
	"s|^schemas.dir = .*|schemas.dir = $T_DIR/oldschemas|"
bad secretenv "" "secretenv.conf:[0-9]+: genesys.client_secret: environment variable E2E_NO_SUCH_VAR is not set" \
	"s|^genesys.client_secret = .*|genesys.client_secret = env:E2E_NO_SUCH_VAR|"

# acks=1 is accepted only with producer.unsafe = true (then it is a warning).
cp "$T_DIR/good.conf" "$T_DIR/unsafe.conf"
printf 'kafka.acks = 1\nproducer.unsafe = true\n' >>"$T_DIR/unsafe.conf"
"$GCB_BIN/gcbridge" -c "$T_DIR/unsafe.conf" --check-config >/dev/null 2>"$T_DIR/unsafe.err" ||
	t_fail "acks=1 with producer.unsafe refused: $(cat "$T_DIR/unsafe.err")"

# A property only librdkafka can judge: the producer stage refuses it when it
# starts and the supervisor stops with exit 2 (a permanent error).
e2e_start_kafka
cp "$T_DIR/good.conf" "$T_DIR/rdkafka.conf"
sed -i "s|^kafka.bootstrap.servers = .*|kafka.bootstrap.servers = $BS|" "$T_DIR/rdkafka.conf"
echo "kafka.no.such.property = 1" >>"$T_DIR/rdkafka.conf"
t_bg "$GCB_BIN/gcbridge" -c "$T_DIR/rdkafka.conf" 2>"$T_DIR/rdkafka.err"
t_wait_exit "$T_LAST" 60
[ "$T_CODE" = 2 ] || t_fail "unknown librdkafka property: exit $T_CODE, want 2"
grep -q 'No such configuration property: \\"no.such.property\\"' "$T_DIR/rdkafka.err" ||
	t_fail "no librdkafka message: $(tail -5 "$T_DIR/rdkafka.err")"
grep -q 'permanent error (exit 2)' "$T_DIR/rdkafka.err" || t_fail "no permanent-error line"
[ ! -e "$SEG" ] || t_fail "exit 2 from the producer stage left $SEG behind"
t_log "kafka.no.such.property: producer stage exit 2, gcbridge exit 2, no segment left"

# A good file: the effective configuration, secret masked, never shown.
"$GCB_BIN/gcbridge" -c "$T_DIR/good.conf" --check-config >"$T_DIR/eff.out" 2>"$T_DIR/eff.err" ||
	t_fail "good config refused: $(cat "$T_DIR/eff.err")"
grep -q '^genesys.client_secret = \*\*\*\* ; from env:E2E_SIM_SECRET$' "$T_DIR/eff.out" ||
	t_fail "secret not masked: $(grep client_secret "$T_DIR/eff.out")"
grep -q "^instance.name = $T_INSTANCE\$" "$T_DIR/eff.out" || t_fail "instance.name not printed"
grep -q "^kafka.bootstrap.servers = " "$T_DIR/eff.out" || t_fail "kafka.* not printed"
grep -q "^genesys.poll.limit = 1000\$" "$T_DIR/eff.out" || t_fail "poll.limit not printed"
! grep -qF "$E2E_SIM_SECRET" "$T_DIR/eff.out" "$T_DIR/eff.err" || t_fail "the secret was printed"
# The printed configuration is itself a valid file.
"$GCB_BIN/gcbridge" -c "$T_DIR/eff.out" --check-config >/dev/null 2>"$T_DIR/eff2.err" ||
	t_fail "printed config does not load: $(cat "$T_DIR/eff2.err")"
[ ! -e "$SEG" ] || t_fail "--check-config created a segment"
t_log "ok"

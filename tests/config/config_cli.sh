#!/bin/sh
# bin/gcb-config end to end: the examples check clean, every kind of mistake
# exits 2 with "FILE:LINE: KEY: problem", and no output ever shows a secret.
set -u
: "${GCB_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${GCB_BIN:=$GCB_ROOT/bin}"
case $GCB_BIN in /*) ;; *) GCB_BIN="$PWD/$GCB_BIN" ;; esac
tool="$GCB_BIN/gcb-config"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gcb-config-cli-$$.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1

SECRET='Xq9-very-secret-4711'
# The examples take their secrets as systemd credentials.
mkdir -m 0700 creds
printf '%s\n' "$SECRET" >creds/genesys-client-secret
printf '%s\n' "$SECRET" >creds/kafka-password
chmod 0400 creds/*
CREDS=$tmp/creds
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# run FILE: runs --check, leaves rc, out, err.
run() {
	"$tool" --check "$1" >out 2>err
	rc=$?
}

# expect_err TEXT-OF-CONFIG MESSAGE: exit 2, message on stderr, stdout empty.
expect_err() {
	printf '%b' "$1" >t.conf
	run t.conf
	[ $rc -eq 2 ] || bad "exit $rc (want 2) for: $1"
	grep -qF -- "$2" err || { bad "no \"$2\" for: $1"; sed 's/^/    /' err; }
	[ -s out ] && bad "stdout not empty for: $1"
	if grep -qF -- "$SECRET" out err; then bad "secret shown for: $1"; fi
}

# -- the examples
"$tool" --check "$GCB_ROOT/examples/embedded.conf" >out 2>err || bad "embedded.conf: exit $?"
grep -q '^# embedded simulator: yes, embedded Kafka: yes$' out || bad "embedded.conf: not embedded"
CREDENTIALS_DIRECTORY=$CREDS \
	"$tool" --check "$GCB_ROOT/examples/gcbridge.conf" >out 2>err || bad "gcbridge.conf: exit $?"
grep -qxF 'genesys.client_secret = **** ; from cred:genesys-client-secret' out ||
	bad "gcbridge.conf: client secret not masked"
grep -qxF 'kafka.sasl.password = **** ; from cred:kafka-password' out ||
	bad "gcbridge.conf: kafka password not masked"
grep -qF -- "$SECRET" out err && bad "gcbridge.conf: secret shown"
for ex in notifications-embedded.conf notifications.conf; do
	CREDENTIALS_DIRECTORY=$CREDS \
		"$tool" --check "$GCB_ROOT/examples/$ex" >nout 2>nerr || bad "$ex: exit $?"
	grep -qx 'genesys.source = notifications' nout || bad "$ex: not the notification source"
	grep -qF -- "$SECRET" nout nerr && bad "$ex: secret shown"
done
# kafka.* kept in file order
grep '^kafka\.' out | cut -d' ' -f1 >order
printf '%s\n' kafka.bootstrap.servers kafka.security.protocol kafka.sasl.mechanisms \
	kafka.sasl.username kafka.sasl.password kafka.compression.type kafka.client.id >want
cmp -s order want || bad "kafka.* order changed"
# without its credentials: one message per missing credential, exit 2
env -u CREDENTIALS_DIRECTORY "$tool" --check "$GCB_ROOT/examples/gcbridge.conf" >out 2>err
[ $? -eq 2 ] || bad "gcbridge.conf without credentials: not exit 2"
grep -q 'gcbridge.conf:[0-9]*: genesys.client_secret: cred:genesys-client-secret: $CREDENTIALS_DIRECTORY is not set' err ||
	bad "missing credential not named"
grep -q 'gcbridge.conf:[0-9]*: kafka.sasl.password: cred:kafka-password: $CREDENTIALS_DIRECTORY is not set' err ||
	bad "missing kafka credential not named"
rm creds/kafka-password
CREDENTIALS_DIRECTORY=$CREDS "$tool" --check "$GCB_ROOT/examples/gcbridge.conf" >out 2>err
[ $? -eq 2 ] || bad "gcbridge.conf with a credential missing: not exit 2"
grep -q "kafka.sasl.password: cannot open secret file $CREDS/kafka-password: No such file" err ||
	bad "missing credential file not named"

# -- printed output loads again (secrets aside). Loaded from a file, the
# relative defaults (./state, ./schemas) become absolute, under the file's
# directory; printed again they stay the same.
here=$(pwd -P)
"$tool" --defaults >d1 || bad "--defaults: exit $?"
"$tool" --check d1 >d2 || bad "--defaults output does not load"
"$tool" --check d2 >d3 || bad "--check output does not load"
[ "$(tail -n +2 d2)" = "$(tail -n +2 d3)" ] || bad "--check output does not round-trip"
grep -qx "instance.state_dir = ./state" d1 || bad "--defaults: state_dir not ./state"
grep -qx "instance.state_dir = $here/state" d2 || bad "default state_dir not under the file's directory"
grep -qx "schemas.routes = $here/schemas/routes.json" d2 || bad "schemas.routes not under schemas.dir"

# -- relative paths are relative to the file's directory, not the working one
mkdir -p conf.d/defs sub
printf '{"name":"s","eventTypes":[]}\n' >conf.d/defs/stream.json
printf 'schemas.dir = my-schemas\ninstance.state_dir = ../var/state\ngenesys.stream_definition = defs/stream.json\n' >conf.d/rel.conf
(cd sub && "$tool" --check ../conf.d/rel.conf >../rel.out 2>../rel.err) ||
	bad "relative paths: exit $?: $(cat rel.err)"
grep -qx "schemas.dir = $here/conf.d/my-schemas" rel.out || bad "schemas.dir not under the file's directory"
grep -qx "schemas.ids_file = $here/conf.d/my-schemas/schema-ids.json" rel.out || bad "ids_file not under schemas.dir"
grep -qx "instance.state_dir = $here/conf.d/../var/state" rel.out || bad "state_dir not under the file's directory"
grep -qx "genesys.stream_definition = $here/conf.d/defs/stream.json" rel.out ||
	bad "stream_definition not found under the file's directory: $(cat rel.err)"
printf 'genesys.stream_definition = stream.json\n' >conf.d/norel.conf
(cd conf.d/defs && "$tool" --check ../norel.conf >/dev/null 2>../../norel.err)
[ $? -eq 2 ] || bad "a definition next to the working directory, not the file, was accepted"
grep -qF "genesys.stream_definition: cannot open $here/conf.d/stream.json" norel.err ||
	bad "no message naming the resolved path: $(cat norel.err)"

# -- each kind of mistake
expect_err 'genesys.poll.limit = 5000\n' 't.conf:1: genesys.poll.limit: 5000 is out of range (1..1000)'
expect_err '[genesys]\nbogus = 1\n' 't.conf:2: genesys.bogus: unknown key'
expect_err 'ring.size = big\n' 't.conf:1: ring.size: "big": not a size'
expect_err 'ring.size = 48MiB\n' 't.conf:1: ring.size: 48MiB is not a power of two'
expect_err 'log.format = xml\n' 't.conf:1: log.format: "xml" is not one of: logfmt, json'
expect_err 'embedded = false\n' 'kafka.bootstrap.servers: required with embedded = false'
expect_err "genesys.region = mypurecloud.de\ngenesys.client_secret = $SECRET\n" \
	't.conf: genesys.client_id: required when not embedded'
expect_err "genesys.client_secret = $SECRET\ngenesys.client_secret = $SECRET\n" \
	't.conf:2: genesys.client_secret: set twice (first on line 1)'
expect_err 'genesys.client_secret = env:GCB_NOT_SET_ANYWHERE\n' \
	't.conf:1: genesys.client_secret: environment variable GCB_NOT_SET_ANYWHERE is not set'
expect_err "genesys.client_secret = file:$tmp/none\n" \
	"t.conf:1: genesys.client_secret: cannot open secret file $tmp/none: No such file or directory"
expect_err "kafka.sasl.password = $SECRET\nkafka.sasl.password = $SECRET\n" \
	't.conf:2: kafka.sasl.password: set twice'

# all errors at once
printf 'genesys.poll.limit = 0\nlog.level = loud\nnope = 1\n' >t.conf
run t.conf
[ $rc -eq 2 ] && [ "$(wc -l <err)" -eq 3 ] || bad "three errors: want 3 lines, exit 2"

# -- secret files: private is quiet, world-readable warns, unreadable fails
printf '%s\n' "$SECRET" >secret
chmod 600 secret
# (a real endpoint: with the embedded simulator the secret would be unused)
printf 'genesys.client_secret = file:%s/secret\ngenesys.api_url = http://127.0.0.1:9\n' "$tmp" >t.conf
printf 'genesys.login_url = http://127.0.0.1:9\ngenesys.client_id = c\ngenesys.stream_id = s\n' >>t.conf
run t.conf
[ $rc -eq 0 ] && [ ! -s err ] || bad "private secret file: exit $rc, stderr: $(cat err)"
grep -qxF "genesys.client_secret = **** ; from file:$tmp/secret" out || bad "file secret not masked"
chmod 644 secret
run t.conf
[ $rc -eq 0 ] || bad "world-readable secret file: exit $rc (a warning only)"
grep -qF "warning: t.conf:1: genesys.client_secret: secret file $tmp/secret is accessible by group or others (mode 0644)" err ||
	bad "no warning for a world-readable secret file"
grep -qF -- "$SECRET" out err && bad "secret shown (file)"
chmod 000 secret
if [ "$(id -u)" != 0 ]; then
	run t.conf
	[ $rc -eq 2 ] && grep -qF 'Permission denied' err || bad "unreadable secret file"
else
	# As root the mode does not stop a read: check it as nobody (setpriv is
	# util-linux, always there), who must be able to reach t.conf itself.
	chmod 755 "$tmp" && chmod 644 t.conf
	if ! setpriv --reuid=65534 --regid=65534 --clear-groups cat t.conf >/dev/null 2>&1; then
		bad "nobody cannot read $tmp/t.conf (a parent directory closed to others?): the unreadable secret file is unchecked"
	else
		setpriv --reuid=65534 --regid=65534 --clear-groups "$tool" --check t.conf >out 2>err
		rc=$?
		[ $rc -eq 2 ] && grep -qF "cannot open secret file $tmp/secret: Permission denied" err ||
			bad "unreadable secret file (as nobody): exit $rc, $(cat err)"
	fi
fi

# -- a key set where it cannot act is named in a warning (exit 0)
printf 'genesys.source = notifications\ngenesys.poll.limit = 10\ngenesys.client_id = x\n' >t.conf
run t.conf
[ $rc -eq 0 ] || bad "keys without effect: exit $rc (warnings only)"
grep -qxF "warning: t.conf:2: genesys.poll.limit: has no effect with genesys.source = notifications" err ||
	bad "no warning for a poll key with the notification source: $(cat err)"
grep -qF "warning: t.conf:3: genesys.client_id: has no effect with the embedded simulator" err ||
	bad "no warning for credentials with the embedded simulator: $(cat err)"
printf 'spool.max_size = 2GiB\nbackfill.enabled = false\nschemas.registry.url = http://127.0.0.1:9\n' >t.conf
printf 'schemas.ids_file = /x.json\ngenesys.tls.verify = false\ngenesys.tls.ca_path = %s/secret\n' "$tmp" >>t.conf
printf 'schemas.dir = /s\nschemas.routes = /s/r.json\ngenesys.poll.spool = false\n' >>t.conf
chmod 600 secret
run t.conf
[ $rc -eq 0 ] || bad "keys without effect: exit $rc (warnings only): $(cat err)"
for w in "t.conf:1: spool.max_size: has no effect with genesys.poll.spool = false" \
	"t.conf:2: backfill.enabled: has no effect with genesys.source = poll" \
	"t.conf:4: schemas.ids_file: has no effect with schemas.registry.url" \
	"t.conf:6: genesys.tls.ca_path: has no effect with genesys.tls.verify = false" \
	"t.conf:7: schemas.dir: has no effect with schemas.routes and schemas.ids_file"; do
	grep -qF "warning: $w" err || bad "no warning \"$w\": $(cat err)"
done

# -- usage
"$tool" >/dev/null 2>&1
[ $? -eq 1 ] || bad "no arguments: want exit 1"
"$tool" --reference | grep -q '^| `genesys.poll.limit` | int | `100` | 1..1000 |' ||
	bad "--reference lacks genesys.poll.limit"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "config_cli: all checks passed"

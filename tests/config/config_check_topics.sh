#!/bin/sh
# gcbridge --check-config lists the Kafka topics to create, derived from the
# routing file, producer.dlq_topic and the source (notification routes and
# the backfill topic only for the notification source); a relative
# schemas.dir is found next to the configuration file whatever the working
# directory; a routing file that is not there is a configuration error naming
# schemas.routes and the path it was looked for at.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

SIM_URL=http://127.0.0.1:9 # never contacted: --check-config only
BS=127.0.0.1:9
etc=$(cd "$T_DIR" && pwd -P)/etc/gcbridge
mkdir -p "$etc" "$T_DIR/elsewhere"
cp -r "$GCB_ROOT/schemas" "$etc/my-schemas"
e2e_write_conf "$etc/poll.conf" "producer.dlq_topic = ops.rejects"
sed -i "s|^schemas.dir = .*|schemas.dir = my-schemas|" "$etc/poll.conf"

# check NAME CONF: --check-config from a directory without schemas, exit 0.
check() {
	(cd "$T_DIR/elsewhere" && "$GCB_BIN/gcbridge" -c "$2" --check-config \
		>"$T_DIR/$1.out" 2>"$T_DIR/$1.err") ||
		t_fail "$1: exit $?: $(cat "$T_DIR/$1.err")"
}
has() { grep -Eq "$2" "$T_DIR/$1.out" || t_fail "$1: no line matching '$2': $(grep '^;' "$T_DIR/$1.out")"; }
hasnt() { ! grep -Eq "$2" "$T_DIR/$1.out" || t_fail "$1: unexpected '$2'"; }

check poll ../etc/gcbridge/poll.conf
has poll "^schemas.dir = $etc/my-schemas\$"
has poll "^schemas.routes = $etc/my-schemas/routes.json\$"
has poll '^; Kafka topics to create'
has poll '^;   genesys.interactions +partitions=12 +routes: interaction-created, interaction-updated$'
has poll '^;   genesys.agentstate +partitions=12 +routes: agentstate-updated$'
has poll '^;   ops.rejects +partitions=3 +\(producer.dlq_topic\)$'
hasnt poll 'genesys\.dlq|genesys\.users|genesys\.backfill'
# The printed configuration, topic list included, is itself a valid file.
check poll-again "$T_DIR/poll.out"
t_log "poll: $(grep -c '^;   ' "$T_DIR/poll.out") topics listed"

grep -v '^genesys.stream_id\|^genesys.poll' "$etc/poll.conf" >"$etc/notif.conf"
echo "genesys.source = notifications" >>"$etc/notif.conf"
check notif "$etc/notif.conf"
has notif '^;   genesys.conversation.details +partitions=12 +routes: notif-detail-customer-start, '
has notif '^;   genesys.users +partitions=12 +routes: notif-user-presence, notif-user-routing-status, notif-user-activity$'
has notif '^;   genesys.backfill.conversations +partitions=3 +\(backfill\) routes: notif-backfill-conversation$'
has notif '^;   ops.rejects +partitions=3 '
hasnt notif 'genesys\.interactions|genesys\.agentstate'
cp "$etc/notif.conf" "$etc/nobackfill.conf"
echo "backfill.enabled = false" >>"$etc/nobackfill.conf"
check nobackfill "$etc/nobackfill.conf"
hasnt nobackfill 'genesys\.backfill'
t_log "notifications: $(grep -c '^;   ' "$T_DIR/notif.out") topics, backfill only when enabled"

# No routing file where the file's directory says: exit 2, key and path named.
sed "s|^schemas.dir = .*|schemas.dir = no-such-dir|" "$etc/poll.conf" >"$etc/missing.conf"
set +e
(cd "$GCB_ROOT" && "$GCB_BIN/gcbridge" -c "$etc/missing.conf" --check-config >"$T_DIR/missing.out" \
	2>"$T_DIR/missing.err")
rc=$?
set -e
[ "$rc" = 2 ] || t_fail "missing routing file: exit $rc, want 2"
grep -q "configuration rejected: schemas.routes: $etc/no-such-dir/routes.json: cannot read" \
	"$T_DIR/missing.err" || t_fail "unclear message: $(cat "$T_DIR/missing.err")"
t_log "ok"

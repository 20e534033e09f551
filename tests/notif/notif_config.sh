#!/bin/sh
# The notification source's startup refusals through bin/gcbridge
# --check-config: an unknown placeholder, an empty topic set, more fixed
# topics than (max_channels - 1) x topics_per_channel, a spool smaller than
# one segment: exit 2 with a message naming the key. A good file is accepted.
. "$GCB_ROOT/tests/lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

SIM_URL=http://127.0.0.1:9 # never contacted
BS=127.0.0.1:9
e2e_write_conf "$T_DIR/base.conf"
grep -v '^genesys.stream_id\|^genesys.poll' "$T_DIR/base.conf" >"$T_DIR/good.conf"
echo "genesys.source = notifications" >>"$T_DIR/good.conf"

# check NAME WANT-EXIT REGEX [LINE...]
check() {
	_n=$1 _want=$2 _re=$3
	shift 3
	cp "$T_DIR/good.conf" "$T_DIR/$_n.conf"
	for _l in "$@"; do
		echo "$_l" >>"$T_DIR/$_n.conf"
	done
	set +e
	timeout 60 "$GCB_BIN/gcbridge" -c "$T_DIR/$_n.conf" --check-config >"$T_DIR/$_n.out" \
		2>"$T_DIR/$_n.err"
	_rc=$?
	set -e
	[ "$_rc" = "$_want" ] || t_fail "$_n: exit $_rc, want $_want: $(cat "$T_DIR/$_n.err")"
	grep -Eq -- "$_re" "$T_DIR/$_n.err" "$T_DIR/$_n.out" ||
		t_fail "$_n: no message matching '$_re': $(cat "$T_DIR/$_n.err")"
	t_log "$_n: exit $_rc: $(grep -Eh -- "$_re" "$T_DIR/$_n.err" "$T_DIR/$_n.out" | head -n 1)"
}

check ok 0 "genesys.source"
check placeholder 2 "genesys.notifications.topics: .*unknown placeholder.*\{queue\}" \
	"genesys.notifications.topics = v2.routing.queues.{queue}.conversations"
check empty 2 "genesys.notifications.topics: no topic" "genesys.notifications.topics = "
check too_many 2 "genesys.notifications.topics: 3 topics exceed .*genesys.notifications.max_channels 2" \
	"genesys.notifications.topics = a b c" "genesys.notifications.max_channels = 2" \
	"genesys.notifications.topics_per_channel = 2"
printf 'x.y\nv2.users.{user}.presence\n' >"$T_DIR/topics"
check file_placeholder 2 "unknown placeholder.*\{user\}" \
	"genesys.notifications.topics_file = $T_DIR/topics"
check one_channel 2 "genesys.notifications.max_channels: at least 2" \
	"genesys.notifications.max_channels = 1"
check spool 2 "spool.max_size: smaller than spool.segment_size" "spool.segment_size = 8MiB" \
	"spool.max_size = 4MiB"
t_log "ok"

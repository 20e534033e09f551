#!/bin/sh
# A segment in /dev/shm that this user did not create with mode 0600 is
# refused (exit 2, a message naming the file and what to do), never
# re-attached: one owned by another user, one left 0666, a symbolic link to
# a valid segment. The other user is a throwaway uid (setpriv), so the test
# also holds when run as root.
. "$(dirname "$0")/../lib.sh"

SEG=/dev/shm/gcbridge-$T_INSTANCE
OTHER=64999

start() {
	: >"$T_DIR/log"
	t_bg "$GCB_BIN/gcb-selftestd" --instance "$T_INSTANCE" --sink "$T_DIR/sink" \
		--total 100000000 --rate 20000 --batch 100 2>>"$T_DIR/log"
	sv=$T_LAST
}

# A valid segment of a crashed supervisor, kept as $T_DIR/valid.
start
t_wait_for 10 test -s "$T_DIR/sink" || t_fail "pipeline did not start"
kill -KILL "$sv"
t_wait_exit "$sv" 10
sleep 0.3
cp "$SEG" "$T_DIR/valid"
rm -f "$SEG"

# expect_refused WHAT PATTERN: the daemon exits 2 naming the segment.
expect_refused() {
	start
	t_wait_exit "$sv" 30
	[ "$T_CODE" = 2 ] || { cat "$T_DIR/log" >&2; t_fail "$1: expected exit 2, got $T_CODE"; }
	grep -q "$SEG" "$T_DIR/log" || t_fail "$1: the message does not name $SEG"
	grep -q "$2" "$T_DIR/log" || { cat "$T_DIR/log" >&2; t_fail "$1: no \"$2\" in the log"; }
	grep -q "re-attached segment" "$T_DIR/log" && t_fail "$1: re-attached"
	t_log "$1 refused: $(grep -m1 "$SEG" "$T_DIR/log" | sed 's/.*msg=//')"
	return 0
}

# 1. Owned by another user (created by it, mode 0600 as ours would be).
cp "$T_DIR/valid" "$SEG"
chown "$OTHER:$OTHER" "$SEG"
chmod 0600 "$SEG"
expect_refused "another user's segment" "belongs to uid $OTHER"
[ "$(stat -c %u "$SEG")" = "$OTHER" ] || t_fail "the planted file was replaced"
rm -f "$SEG"

# 2. The other user's empty file, planted before gcbridge ever ran.
setpriv --reuid=$OTHER --regid=$OTHER --clear-groups sh -c "umask 0; : >'$SEG'"
expect_refused "a planted empty file" "belongs to uid $OTHER"
rm -f "$SEG"

# 3. Our own valid segment, but mode 0666.
cp "$T_DIR/valid" "$SEG"
chmod 0666 "$SEG"
expect_refused "a 0666 segment" "mode 0666"
rm -f "$SEG"

# 4. A symbolic link to a valid segment.
cp "$T_DIR/valid" "$T_DIR/target"
chmod 0600 "$T_DIR/target"
ln -s "$T_DIR/target" "$SEG"
expect_refused "a symbolic link" "symbolic link"
[ -L "$SEG" ] || t_fail "the link was replaced"
rm -f "$SEG"

# The same valid segment, ours and 0600, is still re-attached.
cp "$T_DIR/valid" "$SEG"
chmod 0600 "$SEG"
start
t_wait_for 10 grep -q "re-attached segment" "$T_DIR/log" || t_fail "a valid segment was not re-attached"
kill -TERM "$sv"
t_wait_exit "$sv" 60
[ "$T_CODE" = 0 ] || t_fail "exit $T_CODE after SIGTERM"

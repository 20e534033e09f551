#!/bin/sh
# The state directory: one owned by another user, or writable by group or
# others, is refused (exit 2, naming the directory and the fix) by the
# daemon and by --check-config; a missing one is created 0700; a temp file
# planted as a symbolic link is never followed (the file it points to is
# left as it was) and the checkpoint is still written.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"

SIM_URL=http://127.0.0.1:9 # never contacted: refused before
BS=127.0.0.1:9
OTHER=64999
e2e_write_conf "$T_DIR/gcb.conf"
STATE=$T_DIR/state

refused() { # refused WHAT REGEX
	for _opt in "" --check-config; do
		set +e
		# shellcheck disable=SC2086 # _opt is empty or one word
		timeout 60 "$GCB_BIN/gcbridge" -c "$T_DIR/gcb.conf" $_opt >/dev/null 2>"$T_DIR/err"
		_rc=$?
		set -e
		[ $_rc = 2 ] || t_fail "$1 ${_opt:-run}: exit $_rc, want 2: $(cat "$T_DIR/err")"
		grep -Eq "$2" "$T_DIR/err" || t_fail "$1 ${_opt:-run}: no '$2' in: $(cat "$T_DIR/err")"
		[ ! -e "/dev/shm/gcbridge-$T_INSTANCE" ] || t_fail "$1: a segment was created"
	done
	t_log "$1 refused: $(grep -Eo "$2.*" "$T_DIR/err" | head -n 1)"
}

chown "$OTHER:$OTHER" "$STATE"
chmod 0700 "$STATE"
refused "another user's state directory" "state directory $STATE belongs to uid $OTHER.*chown"
chown "$(id -u):$(id -g)" "$STATE"
chmod 0770 "$STATE"
refused "a group-writable state directory" "state directory $STATE is writable by group or others \(mode 0770\): chmod 0700"
chmod 0700 "$STATE"
rmdir "$STATE"
ln -s "$T_DIR/elsewhere" "$STATE"
mkdir -m 0700 "$T_DIR/elsewhere"
refused "a symbolic link as state directory" "$STATE is not a directory \(or is a symbolic link\)"
rm -f "$STATE"

# A missing one is created 0700.
set +e
timeout 60 "$GCB_BIN/gcbridge" -c "$T_DIR/gcb.conf" --check-config >/dev/null 2>"$T_DIR/err"
set -e
[ "$(stat -c %a "$STATE")" = 700 ] || t_fail "state directory created with mode $(stat -c %a "$STATE")"

# A planted temp file: the fetcher writes .<instance>.cursor.tmp, then renames it.
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"
trap 'fh_cleanup; t_cleanup' EXIT
mkdir -m 0700 "$FH_TMP/state"
echo "precious" >"$FH_TMP/victim"
ln -s "$FH_TMP/victim" "$FH_TMP/state/.$FH_INSTANCE.cursor.tmp"
fh_sim --count=2000 --stream-id=sec
fh_harness tmp --stream-id sec --validators 1 --limit 100 --until-events 500 ||
	fh_fail "the fetcher failed beside a planted temp file"
[ "$(cat "$FH_TMP/victim")" = precious ] || t_fail "the planted link was followed: $(head -c 80 "$FH_TMP/victim")"
[ -f "$FH_TMP/state/$FH_INSTANCE.cursor" ] && [ ! -L "$FH_TMP/state/$FH_INSTANCE.cursor" ] ||
	t_fail "no checkpoint written"
grep -q '"cursor":"' "$FH_TMP/state/$FH_INSTANCE.cursor" || t_fail "checkpoint has no cursor"
t_log "planted .cursor.tmp link: not followed, checkpoint written"

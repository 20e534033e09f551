#!/bin/sh
# make install DESTDIR=... PREFIX=/usr: every file in its place with its
# mode, the unit's ExecStart on the installed binary, the unit accepted by
# systemd-analyze verify (binary path substituted into DESTDIR), the man
# pages rendered without a groff warning, the installed binary runs.
. "$(dirname "$0")/../lib.sh"

root="$T_DIR/root"
progs="gcbridge gcb-ringstat gcb-schema gcb-config gcb-sim gcb-kafka-mock"
old=""
for p in $progs; do old="$old -o $GCB_BIN/$p"; done
# -o: use the binaries under test as they are (never rebuild them here).
# shellcheck disable=SC2086
make -s -C "$GCB_ROOT" BIN="$GCB_BIN" $old install DESTDIR="$root" PREFIX=/usr \
	>"$T_DIR/make.log" 2>&1 || { cat "$T_DIR/make.log" >&2; t_fail "make install"; }

mode() { stat -c %a "$root$1" 2>/dev/null || echo missing; }
for p in $progs; do
	[ "$(mode /usr/bin/$p)" = 755 ] || t_fail "/usr/bin/$p: $(mode /usr/bin/$p)"
done
for f in /usr/lib/systemd/system/gcbridge.service /usr/lib/sysusers.d/gcbridge.conf \
	/usr/share/man/man8/gcbridge.8 /usr/share/man/man1/gcb-ringstat.1 \
	/usr/share/doc/gcbridge/gcbridge.conf.example /usr/share/doc/gcbridge/operations.md \
	/usr/share/doc/gcbridge/gcbridge-alerts.yml \
	/usr/share/gcbridge/schemas/routes.json; do
	[ "$(mode "$f")" = 644 ] || t_fail "$f: $(mode "$f")"
done
n=$(ls "$root/usr/share/gcbridge/schemas/"*.avsc | wc -l)
[ "$n" -ge 1 ] || t_fail "no schema installed"
unit="$root/usr/lib/systemd/system/gcbridge.service"
grep -qx "ExecStart=/usr/bin/gcbridge -c /etc/gcbridge/gcbridge.conf" "$unit" ||
	t_fail "ExecStart: $(grep ExecStart= "$unit")"
for d in Type=notify NotifyAccess=main KillMode=mixed RestartPreventExitStatus=2 \
	Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict StateDirectory=gcbridge; do
	grep -qx "$d" "$unit" || t_fail "unit lacks $d"
done
wd=$(sed -n 's/^WatchdogSec=\([0-9]*\)s$/\1/p' "$unit")
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s$/\1/p' "$unit")
[ -n "$wd" ] && [ "$stop" -gt 40 ] || t_fail "WatchdogSec/TimeoutStopSec ($wd/$stop)"

"$root/usr/bin/gcbridge" --version | grep -q "^gcbridge " || t_fail "installed gcbridge --version"

. "$GCB_ROOT/tests/need.sh"
need_cmd groff groff-base
need_cmd man man-db
need_cmd systemd-analyze systemd
for m in man8/gcbridge.8 man1/gcb-ringstat.1; do
	w=$(groff -man -Tutf8 -ww -z "$root/usr/share/man/$m" 2>&1)
	[ -z "$w" ] || t_fail "groff warnings in $m: $w"
done
man -l "$root/usr/share/man/man8/gcbridge.8" 2>/dev/null | grep -q "EXIT STATUS" ||
	t_fail "man -l gcbridge.8"

mkdir -p "$T_DIR/unit"
sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" "$unit" >"$T_DIR/unit/gcbridge.service"
MANPATH="$root/usr/share/man" systemd-analyze verify "$T_DIR/unit/gcbridge.service" \
	>"$T_DIR/verify" 2>&1 || { cat "$T_DIR/verify" >&2; t_fail "systemd-analyze verify"; }
t_log "systemd-analyze verify: ok"
t_log "installed $(find "$root" -type f | wc -l) files"

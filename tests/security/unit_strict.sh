#!/bin/sh
# dist/gcbridge.service stays strict: systemd-analyze security rates it OK
# (exposure <= 2.0), io_uring is still allowed by its SystemCallFilter, core
# files are off, and the state directory is systemd's, private.
. "$(dirname "$0")/../lib.sh"

unit=$GCB_ROOT/dist/gcbridge.service
for k in LimitCORE=0 StateDirectory=gcbridge StateDirectoryMode=0700 NoNewPrivileges=yes \
	ProtectSystem=strict ProtectHome=yes PrivateTmp=yes MemoryDenyWriteExecute=yes \
	LockPersonality=yes RemoveIPC=no; do
	grep -qx "$k" "$unit" || t_fail "$unit: no $k"
done
grep -Eq '^SystemCallFilter=.*\bio_uring_setup\b.*\bio_uring_enter\b' "$unit" ||
	t_fail "$unit: io_uring not allowed by SystemCallFilter"
grep -Eq '^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' "$unit" ||
	t_fail "$unit: RestrictAddressFamilies changed"
grep -q '^Environment=' "$unit" && t_fail "$unit: secrets belong in LoadCredential=, not Environment="
command -v systemd-analyze >/dev/null || { echo "systemd-analyze absent"; exit 77; }
systemd-analyze security --offline=yes --no-pager "$unit" >"$T_DIR/sec" 2>&1 ||
	{ cat "$T_DIR/sec" >&2; t_fail "systemd-analyze security failed"; }
level=$(sed -n 's/.*Overall exposure level for gcbridge.service: \([0-9.]*\).*/\1/p' "$T_DIR/sec")
[ -n "$level" ] || { cat "$T_DIR/sec" >&2; t_fail "no exposure level"; }
awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || t_fail "exposure $level > 2.0"
t_log "systemd-analyze security: exposure $level"

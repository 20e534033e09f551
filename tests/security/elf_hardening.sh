#!/bin/sh
# The installed programs are built hardened (Makefile: HARDEN_*): full RELRO
# with BIND_NOW, position independent, stack protector and fortified libc
# calls. Checked on the ELF files themselves, so a build that lost the flags
# (a Makefile edit, CFLAGS from the environment replacing ours) fails here.
. "$(dirname "$0")/../lib.sh"

command -v readelf >/dev/null || t_fail "readelf (binutils) is needed"
for prog in gcbridge gcb-ringstat gcb-schema gcb-config gcb-sim gcb-kafka-mock; do
	f="$GCB_BIN/$prog"
	[ -x "$f" ] || t_fail "$f is not built"
	readelf -d "$f" >"$T_DIR/dyn" || t_fail "$f: readelf -d failed"
	grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' "$T_DIR/dyn" ||
		t_fail "$f: no BIND_NOW (link with -Wl,-z,now)"
	grep -Eq '\(FLAGS_1\).*PIE' "$T_DIR/dyn" || t_fail "$f: not a PIE"
	readelf -lW "$f" | grep -q GNU_RELRO || t_fail "$f: no GNU_RELRO segment"
	readelf -sW --dyn-syms "$f" >"$T_DIR/syms"
	grep -q '__stack_chk_fail' "$T_DIR/syms" ||
		t_fail "$f: no stack protector (__stack_chk_fail not referenced)"
	grep -Eq '__[a-z_]+_chk@' "$T_DIR/syms" ||
		t_fail "$f: no fortified libc call (_FORTIFY_SOURCE)"
	t_log "$prog: BIND_NOW, PIE, RELRO, stack protector, $(grep -Eo '__[a-z_]+_chk@' "$T_DIR/syms" | sort -u | wc -l) fortified calls"
done

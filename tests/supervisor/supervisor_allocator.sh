#!/bin/sh
# The daemon runs on the allocator the build chose (Makefile: ALLOCATOR,
# docs/performance.md#the-allocator). What matters is where librdkafka's
# malloc and free land: it allocates a message object and a header list for
# every event in the producer stage. The dynamic linker is asked directly
# (LD_DEBUG=bindings; gcbridge is linked with BIND_NOW, so every binding is
# made before main), and the stages are forked from that same image.
#   ALLOCATOR=tcmalloc (the default): librdkafka's allocation calls and libc's
#   own malloc and free bind to libtcmalloc_minimal.
#   A sanitizer build, or ALLOCATOR=libc: no tcmalloc is linked at all.
. "$(dirname "$0")/../lib.sh"

gcb="$GCB_BIN/gcbridge"
[ -x "$gcb" ] || t_fail "$gcb is not built"
command -v readelf >/dev/null || t_fail "readelf (binutils) is needed"

readelf -d "$gcb" >"$T_DIR/dyn" || t_fail "readelf -d $gcb failed"
LD_DEBUG=bindings LD_DEBUG_OUTPUT="$T_DIR/ld" "$gcb" --version >/dev/null ||
	t_fail "gcbridge --version failed"
cat "$T_DIR"/ld.* >"$T_DIR/bindings"

# bound_to FILE SYMBOL: the library FILE's SYMBOL was bound to.
bound_to() {
	grep -E "binding file [^ ]*/$1 .* to [^ ]+ .*symbol \`$2'" "$T_DIR/bindings" |
		sed -E 's/.* to ([^ ]+) .*/\1/' | head -n 1
}

if nm -D "$gcb" 2>/dev/null | grep -q __asan_init ||
	nm "$gcb" 2>/dev/null | grep -q __asan_init; then
	expect=none
else
	expect=${GCB_ALLOCATOR:-tcmalloc} # make check passes the build's ALLOCATOR
fi

case "$expect" in
tcmalloc)
	grep -q 'NEEDED.*libtcmalloc_minimal' "$T_DIR/dyn" ||
		t_fail "gcbridge does not link libtcmalloc_minimal"
	# libc's own strdup, fopen, ... call malloc and free through its PLT.
	for pair in librdkafka.so.1:malloc librdkafka.so.1:free librdkafka.so.1:calloc \
		librdkafka.so.1:realloc libc.so.6:malloc libc.so.6:free; do
		lib=${pair%%:*} sym=${pair#*:}
		to=$(bound_to "$lib" "$sym")
		case "$to" in
		*/libtcmalloc_minimal.so*) ;;
		*) t_fail "$lib: $sym binds to '${to:-nothing}', not tcmalloc" ;;
		esac
	done
	t_log "librdkafka's malloc, free, calloc and realloc and libc's malloc and free bind to tcmalloc"
	;;
*)
	if grep -q 'NEEDED.*libtcmalloc' "$T_DIR/dyn"; then
		t_fail "a sanitizer or ALLOCATOR=libc build links tcmalloc"
	fi
	t_log "no tcmalloc linked ($expect)"
	;;
esac

# Shared by the kafka_*.sh and producer_*.sh tests (sourced, not a test).
# Starts gcb-kafka-mock with the given --topic arguments in a private temp
# dir, exports BS (bootstrap), CTL (control socket), MOCK (binary), TMP, and
# stops everything on exit.
set -eu
case "$0" in
*kafka_lib.sh) echo "kafka_lib.sh is sourced by the kafka and producer tests, not run"; exit 77 ;;
esac
: "${GCB_BIN:=bin}"
MOCK="$GCB_BIN/gcb-kafka-mock"
DRIVE="$GCB_BIN/test-producer-drive"
. "${GCB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/need.sh"
need_cmd kcat kcat

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gcb-kafka-$$.XXXXXX")
CTL="$TMP/ctl"
MOCK_PID=""
DRIVE_PID=""

kafka_cleanup() {
	rc=$?
	set +e
	[ -n "$DRIVE_PID" ] && kill -9 "$DRIVE_PID" 2>/dev/null
	[ -n "$DRIVE_PID" ] && rm -f "/dev/shm/gcbridge-test-producer-$DRIVE_PID"
	if [ -n "$MOCK_PID" ]; then
		kill -TERM "$MOCK_PID" 2>/dev/null
		wait "$MOCK_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
	exit $rc
}
trap kafka_cleanup EXIT
trap 'exit 1' INT TERM

# kafka_start TOPIC-ARGS...: starts the mock and waits for its bootstrap file.
kafka_start() {
	targs=""
	for t in "$@"; do targs="$targs --topic $t"; done
	# shellcheck disable=SC2086
	"$MOCK" $targs --bootstrap-file "$TMP/bootstrap" --control "$CTL" \
		>"$TMP/mock.out" 2>"$TMP/mock.err" &
	MOCK_PID=$!
	i=0
	while [ ! -s "$TMP/bootstrap" ] || [ ! -S "$CTL" ]; do
		i=$((i + 1))
		if [ $i -gt 400 ] || ! kill -0 "$MOCK_PID" 2>/dev/null; then
			echo "gcb-kafka-mock did not start"; cat "$TMP/mock.err"; exit 1
		fi
		sleep 0.05
	done
	BS=$(head -n 1 "$TMP/bootstrap")
	echo "mock cluster at $BS"
}

# kafka_read TOPIC...: every message of the topics as topic<TAB>key<TAB>value<TAB>headers<TAB>ts.
kafka_read() {
	for t in "$@"; do
		timeout 30 kcat -C -b "$BS" -t "$t" -o beginning -e -q \
			-f '%t\t%k\t%s\t%h\t%T\n'
	done
}

# kafka_verify EXPECT-FILE READ-FILE MAX-DUPLICATES [WINDOWS-FILE]: every
# expected record landed on its topic with key, value, timestamp and headers;
# nothing else did; at most MAX-DUPLICATES extra copies, and with
# WINDOWS-FILE ("FIRST LAST" seq ranges, one a line) every duplicated seq
# lies in one of the ranges. Prints "duplicates=N".
kafka_verify() {
	/usr/bin/python3 "$GCB_ROOT/tests/producer/kafka_verify.py" "$@"
}

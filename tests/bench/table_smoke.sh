#!/bin/sh
# The performance table's harness on a few events (tools/bench/table_bench.sh): every part
# starts, is measured and stopped — gcbridge on demand and paced, kcat, idle, the Python
# reference, the notification replay, rsyslog + omkafka — and every row is printed with a
# verdict. Nothing about speed is asserted.
set -u
. "$GCB_ROOT/tests/need.sh"
need_cmd kcat kcat
need_cmd rsyslogd rsyslog
need_py avro python3-avro
need_py confluent_kafka python3-confluent-kafka
need_py requests python3-requests
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ] ||
	{ echo "FAIL: omkafka not found (Debian package rsyslog-kafka; tools/install-deps installs it)"; exit 1; }
out=$(mktemp /tmp/table-smoke-$$.XXXXXX)
trap 'rm -f "$out"' EXIT
fail() { echo "FAIL: $*"; cat "$out"; exit 1; }

"$GCB_ROOT/tools/bench/table_bench.sh" --events 3000 --ref-events 1000 --paced-seconds 2 \
	--idle-seconds 2 --notif-conversations 300 >"$out" 2>&1 || fail "table_bench.sh exited $?"
for row in 'end to end / raw `kcat -P`' 'producer stage CPU per event' \
	'whole gcbridge CPU per event' 'producer.headers = minimal' \
	'paced at 5,000 events/s: p99' 'paced at 5,000 events/s: CPU' 'idle (no events' \
	'`gcb-sim` serving 2,000' 'vs the Python reference' 'notification source into' \
	'vs rsyslog + omkafka'; do
	grep -F "$row" "$out" | grep -Eq '\| (met|\*\*MISSED\*\*)' || fail "no row: $row"
done
for interval in 0 5ms; do
	for rate in 1000 2000 5000 20000; do
		grep -q "^| $interval | $rate | " "$out" ||
			fail "no latency row for $rate events/s, poll interval $interval"
	done
done
grep -F 'paced at 5,000 events/s: CPU per event (`genesys.poll.interval = 5ms`' "$out" |
	grep -Eq '\| (met|\*\*MISSED\*\*)' || fail "no row: paced CPU with the 5 ms poll pause"
for row in '… the most this machine allows' '… floor: `kcat -P` alone'; do
	grep -F "$row" "$out" | grep -Eq 'µs.*\| context, no target \|' || fail "no row: $row"
done
grep -q '^Paced at 5,000 events/s, poll interval 5ms, CPU µs per event by process (.*): .*producer [0-9]' "$out" ||
	fail "no per-process split of the paced run"
grep -q '^Machine: ' "$out" || fail "no machine line"
echo "table smoke: ok"

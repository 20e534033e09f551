#!/bin/sh
# gcb-ringstat on segments in known states: text, --json and exit codes for
# healthy, consumer stalled, producer hung, orphaned, crashed, corrupt, and
# cannot-attach segments.
. "$GCB_ROOT/tests/ringstat/ringstat_lib.sh"
T="--stall-seconds 30 --hung-seconds 30"

# ---- cannot attach: exit 2 with the attach error ----
inst none
rs "$I"
expect_rc 2 "no segment"
expect_out 'open\(.*gcbridge-'"$I"'.*No such file' "$TMP/err"

inst magic
feed bad-magic "$I"
rs "$I"
expect_rc 2 "bad magic"
expect_out 'not a gcbridge segment \(bad magic\)' "$TMP/err"

inst version
feed bad-version "$I"
rs --json "/dev/shm/gcbridge-$I"
expect_rc 2 "unknown layout version"
expect_out 'layout version 46; this build knows only version 5' "$TMP/err"

rs --bogus "$I"
expect_rc 2 "bad usage"

# ---- healthy: live fetcher -> validator-0 -> producer ----
inst healthy
feed_live healthy "$I"
rs $T "$I"
expect_rc 0 "healthy"
expect_out '^status: healthy$'
expect_out '^segment diagnosis: ok$'
expect_out '^fetcher +[0-9]+ +yes +running +ok '
[ "$(grep -c '^  diagnosis: ok$' "$TMP/out")" = 2 ] || fail "two rings ok"
rs $T --json "$I"
expect_rc 0 "healthy json"
expect_json 'd["status"], d["exit_code"], d["json_version"]' "('healthy', 0, 1)"
expect_json 'd["segment"]["supervisor"]["alive"], d["segment"]["layout_version"]' "(True, 5)"
expect_json '[s["name"] for s in d["stages"]]' "['fetcher', 'validator-0', 'producer']"
expect_json 'all(s["alive"] and s["status"] == "ok" for s in d["stages"])' True
expect_json '[(r["name"], r["diagnosis"]) for r in d["rings"]]' "[('fetch.0', 'ok'), ('out.0', 'ok')]"
expect_json 'd["rings"][0]["producer"]["stage"], d["rings"][0]["consumer"]["stage"]' \
	"('fetcher', 'validator-0')"
expect_json 'd["rings"][0]["rates"]' None

# --watch --json: one document per line; rates match the counter deltas.
rs $T --json --watch 0.3 --count 3 "$I"
expect_rc 0 "healthy watch"
[ "$(wc -l <"$TMP/out")" = 3 ] || fail "three JSON lines"
"$PY" - "$TMP/out" <<'PYEOF' || fail "watch rates"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert docs[0]["rings"][0]["rates"] is None
for prev, cur in zip(docs, docs[1:]):
    for rp, rc in zip(prev["rings"], cur["rings"]):
        r = rc["rates"]
        assert r is not None and r["interval_s"] > 0
        for key, cnt in (("records_in_per_s", "records_written"),
                         ("bytes_out_per_s", "bytes_read")):
            want = (rc[cnt] - rp[cnt]) / r["interval_s"]
            assert abs(r[key] - want) <= 0.01 * want + 1, (key, r[key], want)
PYEOF
rs $T --watch 0.1 --count 2 "$I"
expect_rc 0 "healthy text watch"
[ "$(grep -c '^status: healthy$' "$TMP/out")" = 2 ] || fail "two refreshes"
expect_out '^  rates     in [0-9.]+ rec/s'

# ---- consumer stalled: records waiting, consumer alive, no ring heartbeat ----
inst stalled
feed_live stalled "$I"
rs $T "$I"
expect_rc 1 "stalled"
expect_out '^  diagnosis: consumer stalled: 5 records waiting, consumer pid [0-9]+ alive'
expect_out '^status: degraded$'
rs $T --json "$I"
expect_rc 1 "stalled json"
expect_json '[r["diagnosis"] for r in d["rings"]]' "['consumer stalled', 'ok']"
expect_json 'd["rings"][0]["used_records"], d["rings"][0]["unread_records"]' "(5, 5)"
expect_json 'd["rings"][0]["consumer"]["alive"], d["status"]' "(True, 'degraded')"

# ---- consumer stuck: heart-beating but not moving; --watch sees no progress ----
inst stuck
feed_live stuck "$I"
rs $T "$I"
expect_rc 0 "stuck, single shot: heartbeats look fine"
rs --stall-seconds 0.5 --hung-seconds 30 --watch 0.3 --count 4 --json "$I"
expect_rc 1 "stuck, watched"
tail -n 1 "$TMP/out" >"$TMP/last" && mv "$TMP/last" "$TMP/out"
expect_json 'd["rings"][0]["diagnosis"], d["rings"][0]["idle_s"] >= 0.5' "('consumer stalled', True)"
expect_json '"no consumer progress" in d["rings"][0]["detail"]' True

# ---- producer hung: producer alive, heartbeats old ----
inst hung
feed_live hung "$I"
rs $T "$I"
expect_rc 1 "hung"
expect_out '^  diagnosis: producer hung: producer pid [0-9]+ alive, last heartbeat'
expect_out '^fetcher +[0-9]+ +yes +running +hung '
rs $T --json "$I"
expect_json '[r["diagnosis"] for r in d["rings"]]' "['producer hung', 'ok']"
expect_json '[s["status"] for s in d["stages"]]' "['hung', 'ok', 'ok']"

# ---- orphaned: consumer killed with records left, supervisor alive ----
inst orphaned
feed_live orphaned "$I"
rs $T "$I"
expect_rc 1 "orphaned"
expect_out '^  diagnosis: orphaned: 5 records waiting; consumer pid [0-9]+ is dead$'
expect_out '^validator-0 +0 +- +backoff +backoff .* killed by SIGKILL'
expect_out '^segment diagnosis: ok$'
rs $T --json "$I"
expect_json '[r["diagnosis"] for r in d["rings"]]' "['orphaned', 'orphaned']"
expect_json 'd["stages"][1]["last_exit"], d["stages"][1]["last_exit_status"]' "('killed by SIGKILL', 9)"
expect_json 'd["rings"][0]["consumer"]["alive"], d["segment"]["diagnosis"]' "(False, 'ok')"
expect_json '"orphaned" in d["rings"][1]["issues"]' True

# ---- crashed: nothing alive, segment left behind ----
inst crashed
feed crashed "$I"
rs $T "$I"
expect_rc 1 "crashed"
expect_out '^segment diagnosis: orphaned: supervisor pid [0-9]+ is dead$'
expect_out '^  diagnosis: orphaned: 720 bytes waiting and no live supervisor$'
rs $T --json "$I"
expect_json 'd["segment"]["diagnosis"], d["segment"]["supervisor"]["alive"]' "('orphaned', False)"
expect_json '[r["used_bytes"] for r in d["rings"]]' "[720, 472]"

# ---- corrupt: the offset the helper damaged ----
for kind in length:bad.length pad:bad.padding positions:impossible.positions; do
	scen=${kind%%:*}
	reason=$(echo "${kind#*:}" | tr . ' ')
	inst "corrupt-$scen"
	feed "corrupt-$scen" "$I"
	off=$(sed -n 's/^ready corrupt_offset=//p' "$TMP/feed.out")
	[ -n "$off" ] || fail "helper printed no offset"
	rs $T "$I"
	expect_rc 1 "corrupt-$scen"
	expect_out "^  diagnosis: corrupt at offset $off: $reason"
	rs $T --json "$I"
	expect_rc 1 "corrupt-$scen json"
	expect_json 'd["rings"][0]["diagnosis"], d["rings"][0]["corrupt_offset"]' "('corrupt', $off)"
	expect_json 'd["rings"][0]["corrupt_reason"]' "$reason"
	expect_json 'd["rings"][1]["corrupt_offset"]' None
done
# ---- the instance goes away under --watch: exit 2 ----
inst gone
"$FEED" healthy "$I" --lifetime 50 >"$TMP/gone.feed" 2>&1 &
GPID=$!
BG_PIDS="$BG_PIDS $GPID"
wait_ready "$TMP/gone.feed"
: >"$TMP/out"
set +e
"$RS" $T --watch 0.1 --count 600 --json "$I" >"$TMP/out" 2>"$TMP/err" &
WPID=$!
BG_PIDS="$BG_PIDS $WPID"
set -e
n=0
while [ ! -s "$TMP/out" ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && fail "no --watch output"
	sleep 0.05
done
kill "$GPID"
wait "$GPID" || true
set +e
wait "$WPID"
RC=$?
set -e
expect_rc 2 "segment removed under --watch"
expect_out 'gcbridge-'"$I"' was removed' "$TMP/err"
echo "ringstat scenarios ok"

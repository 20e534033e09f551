#!/bin/sh
# A sender that never pauses: gcb-sim records what it publishes for 3,000
# conversations while a first fetcher takes it in, then replays that file to
# a second fetcher over the WebSocket at full speed (frames built up front,
# large writes). Every recorded message must reach the rings exactly once,
# each checked by the harness (batch and event sequences, an id in every
# record); and the fetcher must break its reads off to feed the rings in
# between (ws_read_breaks > 0) instead of reading a socket until it is
# empty, which kept the rings and the heartbeat waiting while the sender
# went on (docs/notif-source.md, "Reading a channel").
. "${GCB_ROOT:=.}/tests/notif/notif_lib.sh"

nf_record_replay 3000 7
/usr/bin/python3 - "$NF_REC" "$FH_TMP/ids" <<'PY' || fh_fail "the rings do not hold every replayed message once"
import collections, json, sys
want = collections.Counter(json.loads(l)["metadata"]["CorrelationId"] for l in open(sys.argv[1]))
got = collections.Counter(l.split()[0] for l in open(sys.argv[2]))
missing = want - got
extra = got - want
print(f"recorded {sum(want.values())}, in the rings {sum(got.values())}, "
      f"missing {sum(missing.values())}, extra {sum(extra.values())}")
sys.exit(1 if missing or extra else 0)
PY
breaks=$(fh_counter replay ws_read_breaks)
[ "${breaks:-0}" -gt 0 ] ||
	fh_fail "ws_read_breaks is ${breaks:-unset}: the channels were read until empty"
echo "ok: $NF_SENT messages replayed back to back, all in the rings once, $breaks read breaks"

#!/bin/sh
# Restart in the middle: the driver is SIGKILLed while emitting its third
# page; the next run resumes the same job at the saved cursor (no new job),
# and nothing is missing (the page being emitted at the kill may repeat).
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 50
bf_driver crash --gap "$BF_START,$BF_END" --pad-ms 1000 --crash-after-pages 3
[ "$BF_RC" = 137 ] || bf_fail "driver should have been killed, exited $BF_RC"
state="$BF_TMP/state/$BF_INSTANCE.backfill"
[ -s "$state" ] || bf_fail "no backfill state after the kill"
job=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobId"])' "$state")
cursor=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["cursor"])' "$state")
[ -n "$job" ] && [ -n "$cursor" ] || bf_fail "state lacks job or cursor: $(cat "$state")"
[ "$(stat -c %a "$state")" = 600 ] || bf_fail "backfill state not mode 0600"
bf_admin POST /admin/flush
before=$(wc -l <"$BF_TMP/requests")

bf_driver resume
[ "$BF_RC" = 0 ] || bf_fail "resumed driver exited $BF_RC"
bf_admin POST /admin/flush
tail -n +"$((before + 1))" "$BF_TMP/requests" >"$BF_TMP/requests-resume"
$PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" jobs "$BF_TMP/requests-resume" >"$BF_TMP/resume"
[ "$(head -n 1 "$BF_TMP/resume")" = 0 ] || bf_fail "the resumed run submitted a new job"
first=$(sed -n 2p "$BF_TMP/resume")
case "$first" in
*"/jobs/$job/results?cursor=$cursor "*) ;;
*) bf_fail "resumed with \"$first\", expected job $job at cursor $cursor" ;;
esac
grep -q "resumes: job $job" "$BF_TMP/driver-resume.log" || bf_fail "resume not logged"
bf_verify 1000 --allow-dups
bf_check_done
echo "ok"

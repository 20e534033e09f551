#!/bin/sh
# Restart in the middle: the driver is SIGKILLed while emitting its third
# page; the next run resumes the same job at the saved cursor (no new job, no
# job-state poll, numbering continues after the saved count) and nothing is
# missing (the page being emitted at the kill may repeat).
. "$GCB_ROOT/tests/notif_backfill/bf_lib.sh"

bf_server
bf_generate 50
bf_driver crash --gap "$BF_START,$BF_END" --pad-ms 1000 --crash-after-pages 3
[ "$BF_RC" = 137 ] || bf_fail "driver should have been killed, exited $BF_RC"
state="$BF_TMP/state/$BF_INSTANCE.backfill"
[ -s "$state" ] || bf_fail "no backfill state after the kill"
field() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$state" "$1"; }
job=$(field jobId)
cursor=$(field cursor)
emitted=$(field emitted)
[ -n "$job" ] && [ -n "$cursor" ] && [ "$emitted" -gt 0 ] ||
	bf_fail "state lacks job, cursor or count: $(cat "$state")"
[ "$(stat -c %a "$state")" = 600 ] || bf_fail "backfill state not mode 0600"
lines_before=$(wc -l <"$BF_TMP/out")
bf_admin POST /admin/flush
before=$(wc -l <"$BF_TMP/requests")

bf_driver resume
[ "$BF_RC" = 0 ] || bf_fail "resumed driver exited $BF_RC"
grep -q "resumes: job $job, at a saved cursor" "$BF_TMP/driver-resume.log" ||
	bf_fail "resume of job $job not logged"
bf_admin POST /admin/flush
tail -n +"$((before + 1))" "$BF_TMP/requests" >"$BF_TMP/requests-resume"
$PY "$GCB_ROOT/tests/notif_backfill/bf_check.py" jobs "$BF_TMP/requests-resume" >"$BF_TMP/resume"
[ "$(head -n 1 "$BF_TMP/resume")" = 0 ] || bf_fail "the resumed run submitted a new job"
first=$(sed -n 2p "$BF_TMP/resume")
case "$first" in
"GET "*"/jobs/$job/results"*) ;;
*) bf_fail "resumed with \"$first\", expected the results of job $job" ;;
esac
# The first message after the restart continues the numbering at the saved cursor.
corr=$(sed -n "$((lines_before + 1))p" "$BF_TMP/out" |
	$PY -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["CorrelationId"])')
[ "$corr" = "backfill-1-$((emitted + 1))" ] ||
	bf_fail "resumed at $corr, expected backfill-1-$((emitted + 1))"
bf_verify 1000 --allow-dups
bf_check_done
echo "ok: resumed job $job after $emitted conversations"

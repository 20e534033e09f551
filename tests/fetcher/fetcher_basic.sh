#!/bin/sh
# Fetcher against the simulator: every served event reaches the rings once,
# striped over 3 validator rings; the checkpoint file (mode 0600) lets a
# cold restart (new segment) continue without a gap or a duplicate; a
# stream created from a definition file is remembered and reused.
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"

fh_sim --count=3000 --stream-id=basic --events-log="$FH_TMP/events" --fault-bad-event-rate=0.05 \
	--fault-drift-rate=0.05
fh_harness run1 --stream-id basic --validators 3 --limit 100 --until-events 1200 \
	--json-out "$FH_TMP/json" ||
	fh_fail "first run failed"
[ -f "$FH_TMP/state/$FH_INSTANCE.cursor" ] || fh_fail "no checkpoint file"
mode=$(stat -c %a "$FH_TMP/state/$FH_INSTANCE.cursor")
[ "$mode" = 600 ] || fh_fail "checkpoint mode is $mode"
grep -q '"cursor":"' "$FH_TMP/state/$FH_INSTANCE.cursor" || fh_fail "checkpoint has no cursor"
grep -q "resuming from checkpoint" "$FH_TMP/harness-run1.log" && fh_fail "run 1 resumed?"

fh_harness run2 --stream-id basic --validators 3 --limit 100 --until-quiet-ms 1500 \
	--json-out "$FH_TMP/json" ||
	fh_fail "second run failed"
grep -q "resuming from checkpoint" "$FH_TMP/harness-run2.log" || fh_fail "run 2 did not resume"
fh_check_nothing_lost
fh_check_no_duplicates
[ "$(wc -l <"$FH_TMP/ids")" -eq 3000 ] || fh_fail "expected 3000 events, got $(wc -l <"$FH_TMP/ids")"
# Byte for byte: every ring record's JSON is exactly a generated event
# (schema-invalid and drifted ones included), none altered.
sort "$FH_TMP/events" >"$FH_TMP/events.sorted"
sort "$FH_TMP/json" >"$FH_TMP/json.sorted"
cmp -s "$FH_TMP/events.sorted" "$FH_TMP/json.sorted" || fh_fail "ring JSON differs from the events served"
echo "ok: the ring holds the 3000 events byte for byte"

# Stream definition file: created once, then reused.
cat >"$FH_TMP/def.json" <<'JSON'
{"name":"Test-Stream","eventTypes":[{"entityType":"interaction","eventType":"created"},
 {"entityType":"agentstate","eventType":"updated"}],"description":"fetcher test"}
JSON
rm -rf "$FH_TMP/state" "$FH_TMP/ids"
fh_harness def1 --stream-def "$FH_TMP/def.json" --validators 1 --until-events 50 ||
	fh_fail "definition run 1 failed"
grep -q "created stream" "$FH_TMP/harness-def1.log" || fh_fail "stream not created"
fh_harness def2 --stream-def "$FH_TMP/def.json" --validators 1 --until-events 20 ||
	fh_fail "definition run 2 failed"
grep -q "created earlier from" "$FH_TMP/harness-def2.log" || fh_fail "stream not reused"
fh_check_secrets verify basic

# Long polls (timeoutMs 8000, no poll interval) while events trickle in:
# nothing lost, and the fetcher heartbeats inside a long poll (a gap near
# 8 s would mean it does not); SIGTERM ends a long poll at once (exit 0).
fh_new_round
fh_sim --rate=300 --count=900 --stream-id=lp
fh_harness longpoll --stream-id lp --validators 2 --timeout-ms 8000 --interval-ms 0 \
	--request-timeout-ms 5000 --until-quiet-ms 4000 --max-seconds 40 ||
	fh_fail "long-poll run failed"
fh_check_nothing_lost
fh_check_no_duplicates
gap=$(fh_counter longpoll harness_max_heartbeat_gap_ms)
echo "ok: long polls, largest heartbeat gap ${gap} ms"
[ "$gap" -lt 4000 ] || fh_fail "no heartbeat for ${gap} ms during long polls"

# 5-event batches with a checkpoint interval far beyond the run: after 64
# batches in flight the cursor slots are full, and the fetcher checkpoints
# early instead of overwriting a slot or stalling.
fh_new_round
fh_sim --count=2000 --stream-id=slots
fh_harness slots --stream-id slots --validators 2 --limit 5 --ckpt-interval-ms 600000 \
	--until-quiet-ms 1500 || fh_fail "slot run failed"
fh_check_nothing_lost
fh_check_no_duplicates
[ "$(fh_counter slots slot_waits)" -gt 0 ] || fh_fail "no slot waits with 400 batches"
[ "$(fh_counter slots checkpoints)" -gt 5 ] || fh_fail "no early checkpoints"
echo "ok: $(fh_counter slots slot_waits) slot waits, $(fh_counter slots checkpoints) checkpoints"

# Rings smaller than a poll answer: answers are split over several batches
# (earlier parts carry the previous cursor), nothing lost or duplicated. A
# ring whose records cannot carry max event bytes is a fatal config error.
fh_new_round
fh_sim --count=1500 --stream-id=small
fh_harness small --stream-id small --validators 2 --limit 100 --ring-bytes 16384 \
	--max-event-bytes 4096 --until-quiet-ms 1500 || fh_fail "small-ring run failed"
fh_check_nothing_lost
fh_check_no_duplicates
[ "$(fh_counter small split_batches)" -gt 0 ] || fh_fail "no answer was split"
echo "ok: $(fh_counter small split_batches) answers split over $(fh_counter small batches) batches"
fh_harness fatal --stream-id small --validators 1 --ring-bytes 16384 --max-event-bytes 16384 \
	--expect-exit 2 --max-seconds 20 || fh_fail "undersized ring not refused"
grep -q "cannot carry an event of max event bytes" "$FH_TMP/harness-fatal.log" ||
	fh_fail "no clear message for the undersized ring"
fh_harness nostream --stream-id no-such-stream --validators 1 --expect-exit 2 \
	--max-seconds 20 || fh_fail "unknown stream not fatal"
grep -q "stream no-such-stream does not exist" "$FH_TMP/harness-nostream.log" ||
	fh_fail "no clear message for the unknown stream"
echo "ok: undersized ring and unknown stream exit 2"
echo "PASS"

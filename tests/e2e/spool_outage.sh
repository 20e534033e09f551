# The poll source outlives a Kafka outage longer than the stream's retention
# (sourced by tests/e2e/e2e_spool_outage*.sh after lib.sh and
# tests/e2e/lib.sh). spool_outage KILLS [CRASH]:
#
# The simulator keeps only RET events (--retention); every Kafka broker goes
# down while events flow and stays down until more than 3 x RET further
# events were served, KILLS times SIGKILLing the fetcher meanwhile (and,
# with CRASH=1, once SIGKILLing gcbridge and removing its segment, as a host
# crash would, then starting it again cold). During
# the outage the checkpoint must not move, the spool must grow well beyond
# what the rings hold, and every process's RSS must stay within a bound
# derived from the ring sizes. After "up all": every generated event was
# served exactly as generated (no cursor expiry: none lost upstream) and
# reached Kafka, in order per key (verify.py); unless a process was killed,
# the producer handed every event to librdkafka exactly once and no event was
# fed twice (tests/e2e/lib.sh: e2e_handed_once, E2E_OUTAGE_DUPS).

spool_outage() {
	_kills=$1
	_crash=${2:-0}
	RET=3000
	N=$(e2e_events 26000)
	e2e_start_kafka
	e2e_start_sim --count "$N" --rate 3000 --retention "$RET" --seed 19 \
		--fault-bad-event-rate 0.01
	e2e_write_conf "$T_DIR/gcb.conf" "ring.size = 1024KiB" "ring.max_record = 256KiB" \
		"event.max_bytes = 128KiB" "spool.segment_size = 1MiB" "spool.max_size = 256MiB"
	e2e_start_gcb "$T_DIR/gcb.conf"
	t_log "sim $SIM_URL (retention $RET events), kafka $BS, gcbridge pid $GCB_PID"
	e2e_wait_served 2000 60 || t_fail "events do not flow: $(tail -3 "$T_DIR/gcb.err")"

	procs() { echo "$GCB_PID $(pgrep -P "$GCB_PID" | tr '\n' ' ')"; }
	# The checkpoint's cursor: batch numbers start again with a new
	# segment, and the replay of a spool goes in few batches.
	ckpt() { sed -n 's/.*"cursor":"\([^"]*\)".*/\1/p' "$T_DIR/state/$T_INSTANCE.cursor" 2>/dev/null; }
	spool_bytes() {
		"$PY" "$E2E/shmcounters.py" "$T_INSTANCE" spool_bytes | sed -n 's/^spool_bytes=//p'
	}
	rss_file="$T_DIR/rss.tsv"
	: >"$rss_file"
	# Keyed by stage name, so that restarted fetchers are held to the bound too.
	sample() {
		for p in $(procs); do
			echo "$(ps -o comm= -p "$p" 2>/dev/null || echo gone) $1 $(e2e_rss_kb "$p")" >>"$rss_file"
		done
	}

	"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "down all" >/dev/null || t_fail "down all refused"
	# Deliveries already answered may still be acknowledged and checkpointed.
	sleep 1.5
	sample start
	ck0=$(ckpt)
	served0=$(e2e_served)
	target=$((served0 + 3 * RET + 3500))
	[ "$target" -lt "$N" ] || t_fail "too few events for the outage: $served0 served before it"
	t_log "kafka down at $served0 served, checkpoint cursor $ck0; waiting for $target served"
	peak=0
	kill_at="$((served0 + RET)) $((served0 + 2 * RET))"
	killed=0
	deadline=$(($(date +%s) + 60))
	while :; do
		sleep 0.5
		sample run
		s=$(e2e_served)
		b=$(spool_bytes)
		[ -n "$b" ] && [ "$b" -gt "$peak" ] && peak=$b
		[ "$(ckpt)" = "$ck0" ] || t_fail "checkpoint moved while Kafka was down: $ck0 -> $(ckpt)"
		if [ "$killed" -lt "$_kills" ]; then
			next=$(echo "$kill_at" | cut -d' ' -f$((killed + 1)))
			if [ "$s" -ge "$next" ]; then
				fp=$(t_stage_pid "$GCB_PID" fetcher)
				[ -n "$fp" ] || t_fail "no fetcher to kill"
				kill -KILL "$fp"
				killed=$((killed + 1))
				t_log "fetcher $fp SIGKILLed at $s served (kill $killed of $_kills)"
				t_wait_for 30 sh -c "p=\$(pgrep -P $GCB_PID -x fetcher | head -n 1); [ -n \"\$p\" ] && [ \"\$p\" != $fp ]" ||
					t_fail "the fetcher was not restarted"
			fi
		fi
		if [ "$_crash" = 1 ] && [ "$s" -ge $((served0 + 5 * RET / 2)) ]; then
			# The host goes: every process dies and the segment with them;
			# the new gcbridge starts cold, from the checkpoint and the spool.
			old="$(procs)"
			kill -KILL "$GCB_PID"
			for p in $old; do t_wait_for 30 sh -c "! ps -p $p -o stat= | grep -qv Z" || true; done
			wait "$GCB_PID" 2>/dev/null || true
			rm -f "/dev/shm/gcbridge-$T_INSTANCE"
			e2e_start_gcb "$T_DIR/gcb.conf"
			_crash=done
			t_log "gcbridge SIGKILLed at $s served, segment removed, restarted as $GCB_PID"
			t_wait_for 30 grep -q "spool: replaying" "$T_DIR/gcb.err" ||
				t_fail "the new gcbridge did not replay the spool: $(tail -3 "$T_DIR/gcb.err")"
		fi
		[ "$s" -ge "$target" ] && [ "$killed" -ge "$_kills" ] && [ "$_crash" != 1 ] && break
		[ "$(date +%s)" -lt "$deadline" ] ||
			t_fail "only $s served during the outage (want $target): $(tail -3 "$T_DIR/gcb.err")"
	done
	sample end
	t_log "served $(e2e_served) by the end of the outage; spool peaked at $peak bytes"
	"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "up all" >/dev/null || t_fail "up all refused"

	# The disk, not memory, absorbed the outage: no process grew by more
	# than 8 MiB (the rings were in use before, so their pages count at the
	# start already; the producer's librdkafka queue is capped at the ring
	# bytes) while the spool grew beyond that.
	bound_kb=8192
	[ "$peak" -gt $((bound_kb * 1024)) ] ||
		t_fail "the spool peaked at $peak bytes, not beyond the memory bound $bound_kb KiB"
	"$PY" - "$rss_file" "$bound_kb" <<'PY' || t_fail "memory grew beyond the bound"
import collections, sys
start, peak = {}, collections.defaultdict(int)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) != 3 or parts[0] == "gone":
        continue
    pid, when, kb = parts
    kb = int(kb or 0)
    if when == "start":
        start[pid] = kb
    peak[pid] = max(peak[pid], kb)
bad = 0
for pid in start:
    grow = peak[pid] - start[pid]
    print("%s: rss %d KiB when Kafka went down, peak %d KiB, growth %d KiB (bound %s)" %
          (pid, start[pid], peak[pid], grow, sys.argv[2]))
    if grow > int(sys.argv[2]):
        bad = 1
sys.exit(bad)
PY

	e2e_wait_delivered "$N" 120 || t_fail "not delivered after recovery: served $(e2e_served) of $N, spooled $(
		e2e_spooled), $("$PY" "$E2E/shmpeek.py" "$T_INSTANCE")"
	[ -n "$(ckpt)" ] && [ "$(ckpt)" != "$ck0" ] || t_fail "checkpoint did not move after recovery"
	! grep -q "cursor expired" "$T_DIR/gcb.err" ||
		t_fail "the cursor expired upstream: $(grep "cursor expired" "$T_DIR/gcb.err" | head -2)"
	[ "$(e2e_served)" = "$N" ] || t_fail "$(e2e_served) of $N events served"
	[ "$_kills" != 0 ] || [ "$_crash" != 0 ] || e2e_handed_once "$N"
	kill -TERM "$GCB_PID"
	t_wait_exit "$GCB_PID" 60
	[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM"
	if [ "$_kills" = 0 ] && [ "$_crash" = 0 ]; then
		out=$(e2e_verify $E2E_OUTAGE_DUPS) || {
			echo "$out"
			t_fail "verify failed"
		}
	else
		out=$(e2e_verify) || {
			echo "$out"
			t_fail "verify failed"
		}
	fi
	echo "$out"
}

# Shared helpers of the notification source's fetcher-level tests (sourced).
# On top of tests/fetcher/fetcher_lib.sh: gcb-sim with notifications
# over loopback, the fetcher harness with --source notifications, runs in
# the background so faults can be injected while they read.

: "${GCB_ROOT:=.}"
. "$GCB_ROOT/tests/fetcher/fetcher_lib.sh"

NF_PIDS=""
nf_cleanup() {
	for _p in $NF_PIDS; do
		kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	done
	fh_cleanup
}
trap nf_cleanup EXIT

# nf_start NAME [harness options...]: a harness run in the background; NF_PID.
nf_start() {
	_name=$1
	shift
	# The binary itself in the background (not a function's subshell), so
	# that nf_stop's SIGTERM reaches it.
	"$GCB_BIN/fetcher-harness" --api "$FH_URL" --login "$FH_URL" --client-id "$FH_CLIENT" \
		--secret-file "$FH_TMP/secret" --state-dir "$FH_TMP/state" \
		--instance "$FH_INSTANCE" --ids-out "$FH_TMP/ids" \
		--counters-out "$FH_TMP/counters-$_name" --source notifications --max-seconds 55 \
		"$@" >"$FH_TMP/harness-$_name.log" 2>&1 &
	NF_PID=$!
	NF_PIDS="$NF_PIDS $NF_PID"
}

# nf_stop: SIGTERM the background run (a graceful stop) and wait for it.
nf_stop() {
	kill -TERM "$NF_PID" 2>/dev/null
	wait "$NF_PID"
	_rc=$?
	NF_PIDS=$(echo "$NF_PIDS" | sed "s/ $NF_PID//")
	return $_rc
}

# nf_wait_log NAME PATTERN [COUNT]: until the run's log has COUNT (1) matching lines.
nf_wait_log() {
	for _ in $(seq 1 600); do
		[ "$(grep -c -- "$2" "$FH_TMP/harness-$1.log" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	fh_fail "run $1: no \"$2\" in the log (x${3:-1})"
}

# nf_wait_counter NAME COUNTER VALUE: until the run's counter is at least VALUE.
nf_wait_counter() {
	for _ in $(seq 1 600); do
		_v=$(fh_counter "$1" "$2" 2>/dev/null)
		[ -n "$_v" ] && [ "$_v" -ge "$3" ] && return 0
		sleep 0.1
	done
	fh_fail "run $1: counter $2 did not reach $3 (at ${_v:-none})"
}

nf_sent_count() {
	fh_admin GET /admin/notify/sent | grep -c correlationId
}

# nf_generate N: N more conversations, waits until they all ended and the
# sent log stops growing; prints the sent count.
nf_generate() {
	_before=$(fh_admin GET /admin/notify/stats | /usr/bin/python3 -c \
		'import json,sys; print(json.load(sys.stdin).get("conversationsFinished", 0))')
	fh_admin POST "/admin/notify/generate?count=$1" >/dev/null || fh_fail "generate failed"
	for _ in $(seq 1 600); do
		_done=$(fh_admin GET /admin/notify/stats | /usr/bin/python3 -c \
			'import json,sys; print(json.load(sys.stdin).get("conversationsFinished", 0))')
		[ "$_done" -ge $((_before + $1)) ] && break
		sleep 0.1
	done
	[ "$_done" -ge $((_before + $1)) ] || fh_fail "conversations did not finish"
	_prev=-1
	for _ in $(seq 1 100); do
		_n=$(nf_sent_count)
		[ "$_n" = "$_prev" ] && break
		_prev=$_n
		sleep 0.3
	done
	echo "$_n"
}

# nf_gap_reasons: the reasons of the gaps in the gap log, one a line.
nf_gap_reasons() {
	/usr/bin/python3 "$GCB_ROOT/tests/notif/notif_gap_reasons.py" "$FH_TMP/state/$FH_INSTANCE.gaps"
}

# nf_missing FROM TO: how many of the messages sent[FROM:TO] (send order,
# all channels) are not in the ids the harness took from the rings.
nf_missing() {
	fh_admin GET /admin/notify/sent >"$FH_TMP/sent"
	/usr/bin/python3 "$GCB_ROOT/tests/notif/notif_missing.py" "$FH_TMP/sent" "$FH_TMP/ids" "$1" "$2"
}

# nf_wait_ids FROM TO: until every message of sent[FROM:TO] is in the ids.
nf_wait_ids() {
	for _ in $(seq 1 300); do
		_m=$(nf_missing "$1" "$2")
		[ "$_m" = 0 ] && return 0
		sleep 0.2
	done
	fh_fail "messages $1..$2 of the sent log: $_m not in the rings"
}

# The load runs' topic templates: conversations per queue and per user, presence
# and routing status per user (two channels for 50 queues and 500 agents).
NF_LOAD_TOPICS="v2.routing.queues.{queueId}.conversations v2.users.{userId}.conversations"
NF_LOAD_TOPICS="$NF_LOAD_TOPICS v2.users.{userId}.presence v2.users.{userId}.routingStatus"

# nf_record_replay CONV SEED: a sender that never pauses. gcb-sim records what it
# publishes for CONV conversations (--notify-record) while the harness run
# "record" takes it in; then, on a fresh state directory and new channels, the
# run "replay" takes the same messages replayed over the WebSocket at full speed
# (POST /admin/notify/replay: frames built up front, large writes) and exits
# once it has them all. Sets NF_REC (the recorded file, one message per line),
# NF_SENT (messages in it), NF_MS_GEN (the record run, generating until the
# harness had them) and NF_MS_REP (the replay, until the harness had them).
nf_record_replay() {
	NF_REC="$FH_TMP/notify.rec"
	fh_sim --queues 50 --agents 500 --notify-rate 0 --heartbeat-interval 5 --seed "$2" \
		--notify-record "$NF_REC"
	nf_start record --topics "$NF_LOAD_TOPICS" --no-backfill
	nf_wait_log record "connected: "
	nf_wait_counter record channels 2
	_t0=$(date +%s%N)
	nf_generate "$1" >/dev/null
	fh_admin POST /admin/flush >/dev/null
	# Every published message is one line and goes to the one channel holding its topic.
	NF_SENT=$(wc -l <"$NF_REC")
	nf_wait_counter record harness_events "$NF_SENT"
	_t1=$(date +%s%N)
	nf_stop || fh_fail "harness failed (record run)"

	rm -rf "$FH_TMP/state" "$FH_TMP/ids"
	mkdir -p "$FH_TMP/state"
	nf_start replay --topics "$NF_LOAD_TOPICS" --no-backfill --until-events "$NF_SENT"
	nf_wait_log replay "connected: "
	nf_wait_counter replay channels 2
	_t2=$(date +%s%N)
	_replayed=$(fh_admin POST "/admin/notify/replay?file=$NF_REC" | /usr/bin/python3 -c \
		'import json,sys; print(json.load(sys.stdin)["messages"])')
	wait "$NF_PID" || fh_fail "harness failed (replay run)"
	_t3=$(date +%s%N)
	NF_PIDS=$(echo "$NF_PIDS" | sed "s/ $NF_PID//")
	[ "$_replayed" = "$NF_SENT" ] ||
		fh_fail "replayed $_replayed messages, the record run took $NF_SENT"
	[ "$(fh_counter replay harness_events)" -ge "$NF_SENT" ] ||
		fh_fail "replay run took $(fh_counter replay harness_events) of $NF_SENT messages"
	NF_MS_GEN=$(((_t1 - _t0) / 1000000))
	NF_MS_REP=$(((_t3 - _t2) / 1000000))
	[ "$NF_MS_GEN" -gt 0 ] || NF_MS_GEN=1
	[ "$NF_MS_REP" -gt 0 ] || NF_MS_REP=1
}

# Helpers of the notification-source end-to-end tests (sourced by
# tests/e2e/e2e_notif_*.sh after tests/lib.sh and
# tests/e2e/lib.sh): gcb-sim serving channels over WebSocket, gcb-kafka-mock
# with the notification topics, gcbridge with genesys.source =
# notifications, then tests/e2e/notif_verify.py. See docs/e2e-notifications.md.
#
#   ne2e_start_kafka P          BS, CTL, MOCK_PID; P partitions for the big topics
#   ne2e_start_sim SIM-ARGS...  SIM_URL, SIM_PID
#   ne2e_write_conf FILE [LINE...]  a gcbridge config (source = notifications)
#   ne2e_fc NAME                a fetcher counter (tests/e2e/shmcounters.py)
#   ne2e_fetcher_pid            the fetcher's pid from the stage table
#   ne2e_sent_lines             data messages the simulator sent so far
#   ne2e_stat NAME              a number from GET /admin/notify/stats
#   ne2e_traffic TOTAL RATE     TOTAL conversations at RATE/s, in the background
#   ne2e_wait_traffic_done SECS all of them over; NE2E_SENT messages sent
#   ne2e_wait_settled SECS      every received message delivered, backfill idle
#   ne2e_verify ARGS...         notif_verify.py against the simulator and Kafka

NE2E_TOPICS='v2.routing.queues.{queueId}.conversations v2.users.{userId}.presence v2.users.{userId}.routingStatus v2.users.{userId}.activity'

# librdkafka's mock keeps at most 5 MiB per partition: the caller sizes the
# two big topics for its event count.
ne2e_start_kafka() {
	CTL="$T_DIR/kafka.ctl"
	t_bg "$GCB_BIN/gcb-kafka-mock" --topic "genesys.conversations:$1" \
		--topic "genesys.users:$1" --topic genesys.conversation.details:4 \
		--topic "genesys.backfill.conversations:$1" --topic genesys.dlq:4 \
		--topic gcbridge.dlq:1 --bootstrap-file "$T_DIR/bootstrap" \
		--control "$CTL" >"$T_DIR/mock.out" 2>"$T_DIR/mock.err"
	MOCK_PID=$T_LAST
	t_wait_for 30 test -s "$T_DIR/bootstrap" -a -S "$CTL" ||
		t_fail "gcb-kafka-mock did not start: $(cat "$T_DIR/mock.err")"
	BS=$(head -n 1 "$T_DIR/bootstrap")
}

# The simulator fills every notification from the Genesys model table (the
# copy in tests/fixtures/genesys): the tests run on the real shapes.
ne2e_start_sim() {
	t_bg "$GCB_BIN/gcb-sim" --port-file "$T_DIR/sim.url" --client-secret "$E2E_SIM_SECRET" \
		--stream-id "$E2E_STREAM" --models "$GCB_ROOT/tests/fixtures/genesys/models.json" \
		"$@" >"$T_DIR/sim.out" 2>"$T_DIR/sim.err"
	SIM_PID=$T_LAST
	t_wait_for 30 test -s "$T_DIR/sim.url" || t_fail "gcb-sim did not start: $(cat "$T_DIR/sim.err")"
	SIM_URL=$(cat "$T_DIR/sim.url")
}

# The common config of tests/e2e/lib.sh plus the notification source:
# short heartbeat/ping timing so a silent channel is noticed quickly, a
# small backfill pad (the simulator runs on this host's clock).
ne2e_write_conf() {
	_nf=$1
	shift
	# Defaults, unless the caller sets the key (a key may be set only once).
	_nd=""
	for _kv in "genesys.notifications.heartbeat_timeout = 3s" \
		"genesys.notifications.ping_interval = 1s" \
		"genesys.notifications.resolve_interval = 10m" "backfill.pad = 2s" \
		"backfill.poll_interval = 200ms"; do
		_k=${_kv%% =*}
		_set=0
		for _l in "$@"; do
			case "$_l" in "$_k "* | "$_k="*) _set=1 ;; esac
		done
		[ $_set = 1 ] || _nd="$_nd$_kv
"
	done
	e2e_write_conf "$_nf" "genesys.source = notifications" \
		"genesys.notifications.topics = $NE2E_TOPICS" "$@"
	printf '%s' "$_nd" >>"$_nf"
}

ne2e_fc() {
	"$PY" "$E2E/shmcounters.py" "$T_INSTANCE" "$1" 2>/dev/null | sed -n "s/^$1=//p"
}

ne2e_fetcher_pid() {
	"$PY" "$E2E/shmcounters.py" --pid "$T_INSTANCE" polls 2>/dev/null |
		sed -n 's/^pid=\([0-9]*\) .*/\1/p'
}

ne2e_sent_lines() {
	curl -s --max-time 20 "$SIM_URL/admin/notify/sent" | grep -c . || true
}

ne2e_sim_admin() {
	_out=$(curl -s --max-time 20 -w ' HTTP%{http_code}' -X POST "$SIM_URL/admin/$1") || return 1
	case "$_out" in *HTTP2??) return 0 ;; esac
	t_log "POST /admin/$1: $_out"
	return 1
}

# _ne2e_settled: nothing waits anywhere: the spool has no unread record,
# every fetched batch is acknowledged, no gap waits for its backfill.
_ne2e_settled() {
	_u=$(ne2e_fc spool_unread)
	_g=$(ne2e_fc gaps_pending)
	_f=$(e2e_peek fetched)
	_a=$(e2e_peek acked)
	[ "$_u" = 0 ] && [ "$_g" = 0 ] && [ -n "$_f" ] && [ "$_f" = "$_a" ]
}

# ne2e_wait_settled SECS [MIN_MESSAGES]: settled twice in a row one second
# apart (a message arriving in between shows as unread or unacked), after
# the fetcher received at least MIN_MESSAGES data messages.
ne2e_wait_settled() {
	_min=${2:-0}
	_deadline=$(($(date +%s) + $1))
	while [ "$(date +%s)" -lt "$_deadline" ]; do
		if [ "$(ne2e_fc ws_messages)" -ge "$_min" ] 2>/dev/null && _ne2e_settled; then
			sleep 1
			_ne2e_settled && return 0
		fi
		sleep 0.3
	done
	return 1
}

ne2e_state() {
	echo "fetcher: $("$PY" "$E2E/shmcounters.py" --pid "$T_INSTANCE" channels topics \
		ws_messages ws_reconnects rollovers gaps_opened gaps_backfilled gaps_pending \
		backfill_events spool_bytes spool_unread spool_appends 2>&1); $(
		"$PY" "$E2E/shmpeek.py" "$T_INSTANCE" 2>&1)"
}

ne2e_verify() {
	"$PY" "$E2E/notif_verify.py" -b "$BS" --sim-url "$SIM_URL" --save-dir "$T_DIR" \
		--schemas "$GCB_ROOT/schemas" --extra-topic gcbridge.dlq "$@"
}

# ne2e_stop_and_verify: SIGTERM gcbridge, require a clean drain (exit 0), then
# every message in Kafka exactly once (notif_verify.py, no duplicate allowed).
ne2e_stop_and_verify() {
	kill -TERM "$GCB_PID"
	t_wait_exit "$GCB_PID" 60
	[ "$T_CODE" = 0 ] || t_fail "gcbridge exit $T_CODE after SIGTERM: $(tail -5 "$T_DIR/gcb.err")"
	_out=$(ne2e_verify --max-dups 0 --json "$T_DIR/verify.json") || {
		echo "$_out"
		t_fail "verify failed"
	}
	echo "$_out"
}

# ne2e_vmhwm_kb PID: peak resident set size of PID in KiB (0 when gone).
ne2e_vmhwm_kb() {
	sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo 0
}

# ne2e_stat NAME: a number from the simulator's GET /admin/notify/stats.
ne2e_stat() {
	curl -s --max-time 20 "$SIM_URL/admin/notify/stats" |
		"$PY" -c "import json,sys; print(int(json.load(sys.stdin)['$1']))"
}

# _ne2e_traffic TOTAL PER_TICK: POST /admin/notify/generate?count=PER_TICK
# every 0.1 s until TOTAL conversations were started (a fixed rate, a bounded
# count) or $T_DIR/stop exists; none while $T_DIR/pause exists.
# Conversations live 0.2-2 s.
_ne2e_traffic() {
	_left=$1
	while [ "$_left" -gt 0 ] && [ ! -e "$T_DIR/stop" ]; do
		if [ ! -e "$T_DIR/pause" ]; then
			_k=$2
			[ "$_k" -gt "$_left" ] && _k=$_left
			curl -s --max-time 20 -o /dev/null -X POST \
				"$SIM_URL/admin/notify/generate?count=$_k" || true
			_left=$((_left - _k))
		fi
		sleep 0.1
	done
}

# ne2e_traffic TOTAL RATE: starts TOTAL conversations at RATE per second in
# the background (TRAFFIC_PID).
ne2e_traffic() {
	_per=$(($2 / 10))
	[ "$_per" -ge 1 ] || _per=1
	t_bg _ne2e_traffic "$1" "$_per"
	TRAFFIC_PID=$T_LAST
}

_ne2e_traffic_over() {
	! t_running "$TRAFFIC_PID" && [ "$(ne2e_stat conversationsPending)" = 0 ]
}

# ne2e_wait_traffic_done SECS: every conversation started and finished;
# NE2E_SENT = data messages sent. Fails when the simulator dropped a message
# for a slow socket (unless NE2E_ALLOW_DROPS=1: a socket being closed drops
# what is queued for it) or its sent log overflowed.
ne2e_wait_traffic_done() {
	t_wait_for "$1" _ne2e_traffic_over || return 1
	# The last messages may still wait in the simulator's socket queues:
	# the sent log must stay the same for a second.
	NE2E_SENT=$(ne2e_sent_lines)
	_n=0
	while [ $_n -lt 30 ]; do
		sleep 1
		_s=$(ne2e_sent_lines)
		[ "$_s" = "$NE2E_SENT" ] && break
		NE2E_SENT=$_s
		_n=$((_n + 1))
	done
	_d=$(ne2e_stat messagesDropped)
	_t=$(ne2e_stat sentLogTruncated)
	[ "$_d" = 0 ] && [ "$_t" = 0 ] && return 0
	t_log "the simulator dropped $_d messages (not in its sent log), sent log truncated $_t times"
	[ "$_t" = 0 ] && [ "${NE2E_ALLOW_DROPS:-0}" = 1 ]
}

# ne2e_require: every part of the notification source is in the tree (a
# missing part is a failure, never a skip).
ne2e_require() {
	"$GCB_BIN/gcb-sim" --help 2>&1 | grep -q -- '--notify-rate' ||
		t_fail "gcb-sim has no notification traffic (--notify-rate)"
	grep -q 'genesys.users' "$GCB_ROOT/schemas/routes.json" ||
		t_fail "schemas/routes.json routes no notification topic"
}

# ne2e_fc_ge NAME N: fetcher counter NAME >= N (for t_wait_for, which runs
# its command again each time: a $(...) argument would be read only once).
ne2e_fc_ge() {
	_v=$(ne2e_fc "$1")
	[ -n "$_v" ] && [ "$_v" -ge "$2" ]
}

# ne2e_received_all: the fetcher received every data message sent so far.
ne2e_received_all() {
	ne2e_fc_ge ws_messages "$(ne2e_sent_lines)"
}

ne2e_acked_ge() {
	_v=$(e2e_peek acked)
	[ -n "$_v" ] && [ "$_v" -ge "$1" ]
}

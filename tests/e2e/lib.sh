# End-to-end helpers (sourced by tests/e2e/e2e_*.sh after
# tests/lib.sh): gcb-sim, gcb-kafka-mock and gcbridge as three
# separate processes over loopback HTTP and TCP, then tests/e2e/verify.py.
#
#   e2e_start_sim SIM-ARGS...   SIM_URL, SIM_PID; logs in $T_DIR/{served.tsv,events.jsonl}
#   e2e_start_kafka [MOCK-ARGS...]  BS, CTL, MOCK_PID (topics sized for >= 100 k events;
#                               more "--topic NAME:PARTITIONS" may be given)
#   e2e_write_conf FILE [LINE...]  a gcbridge config for them (extra lines appended)
#   e2e_start_gcb CONF          GCB_PID; stderr in $T_DIR/gcb.err
#   e2e_peek FIELD              fetched|acked|checkpoint|draining from the segment
#   e2e_served                  distinct served ids (flushes the simulator's logs)
#   e2e_wait_served N SECS      at least N distinct events served
#   e2e_wait_delivered N SECS   N distinct events served, none left in the spool, every
#                               fetched batch acked
#   e2e_verify VERIFY-ARGS...   runs verify.py on the logs and the topics
. "$GCB_ROOT/tests/need.sh"
need_cmd kcat kcat
need_cmd "$PY" python3

E2E="$GCB_ROOT/tests/e2e"

# e2e_events DEFAULT: the number of events a test generates: E2E_EVENTS when
# set, else DEFAULT, a quarter of it under the sanitizers (make asan), which
# run everything several times slower.
e2e_events() {
	if [ -n "${E2E_EVENTS:-}" ]; then
		echo "$E2E_EVENTS"
	else
		case "$GCB_BIN" in
		*asan*) echo $(($1 / 4)) ;;
		*) echo "$1" ;;
		esac
	fi
}
E2E_STREAM=s1
# Secret handed over through the environment, never in the file.
export E2E_SIM_SECRET="e2e-secret-$$"

e2e_start_sim() {
	t_bg "$GCB_BIN/gcb-sim" --stream-id "$E2E_STREAM" --port-file "$T_DIR/sim.url" \
		--client-secret "$E2E_SIM_SECRET" --served-log "$T_DIR/served.tsv" \
		--events-log "$T_DIR/events.jsonl" "$@" >"$T_DIR/sim.out" 2>"$T_DIR/sim.err"
	SIM_PID=$T_LAST
	t_wait_for 30 test -s "$T_DIR/sim.url" || t_fail "gcb-sim did not start: $(cat "$T_DIR/sim.err")"
	SIM_URL=$(cat "$T_DIR/sim.url")
}

# librdkafka's mock keeps at most 5 MiB per partition and drops older
# messages beyond that: enough partitions that 100 k events fit.
e2e_start_kafka() {
	CTL="$T_DIR/kafka.ctl"
	t_bg "$GCB_BIN/gcb-kafka-mock" --topic genesys.interactions:24 --topic genesys.agentstate:8 \
		--topic genesys.dlq:4 --topic gcbridge.dlq:1 --bootstrap-file "$T_DIR/bootstrap" \
		--control "$CTL" "$@" >"$T_DIR/mock.out" 2>"$T_DIR/mock.err"
	MOCK_PID=$T_LAST
	t_wait_for 30 test -s "$T_DIR/bootstrap" -a -S "$CTL" ||
		t_fail "gcb-kafka-mock did not start: $(cat "$T_DIR/mock.err")"
	BS=$(head -n 1 "$T_DIR/bootstrap")
}

e2e_write_conf() {
	_f=$1
	shift
	mkdir -p "$T_DIR/state"
	cat >"$_f" <<EOF
; written by $T_NAME
embedded = false
instance.name = $T_INSTANCE
instance.state_dir = $T_DIR/state
log.level = info
pipeline.validators = 2
genesys.api_url = $SIM_URL
genesys.login_url = $SIM_URL
genesys.client_id = gcb-sim-client
genesys.client_secret = env:E2E_SIM_SECRET
genesys.stream_id = $E2E_STREAM
genesys.poll.limit = 1000
genesys.poll.timeout = 200ms
genesys.poll.interval = 0
genesys.backoff.base = 100ms
genesys.backoff.cap = 1s
checkpoint.interval = 200ms
restart.min_interval = 100ms
restart.max_backoff = 1s
schemas.dir = $GCB_ROOT/schemas
metrics.listen =
kafka.bootstrap.servers = $BS
EOF
	for _l in "$@"; do
		echo "$_l" >>"$_f"
	done
}

e2e_start_gcb() {
	t_bg "$GCB_BIN/gcbridge" -c "$1" >>"$T_DIR/gcb.out" 2>>"$T_DIR/gcb.err"
	GCB_PID=$T_LAST
}

e2e_peek() {
	"$PY" "$E2E/shmpeek.py" "$T_INSTANCE" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"
}

e2e_stat() {
	curl -s --max-time 10 "$SIM_URL/admin/stats" |
		"$PY" -c "import json,sys; print(json.load(sys.stdin)['$1'])"
}

e2e_served() {
	curl -s --max-time 10 -o /dev/null "$SIM_URL/admin/stats"
	cut -f1 "$T_DIR/served.tsv" | sort -u | wc -l
}

_e2e_served_ge() {
	[ "$(e2e_served)" -ge "$1" ]
}

# e2e_wait_served N SECS: at least N distinct events served.
e2e_wait_served() {
	t_wait_for "$2" _e2e_served_ge "$1"
}

# e2e_spooled: answers' records in the poll source's spool not yet fed to
# the rings (spool_unread); 0 when the spool is off.
e2e_spooled() {
	"$PY" "$E2E/shmcounters.py" "$T_INSTANCE" spool_unread 2>/dev/null |
		sed -n 's/^spool_unread=//p'
}

# Served events first go to the spool, then the rings: delivered means
# nothing is left in the spool and every fetched batch was acknowledged.
_e2e_delivered() {
	[ "$(e2e_served)" -ge "$1" ] || return 1
	[ "$(e2e_spooled)" = 0 ] || return 1
	_f=$(e2e_peek fetched)
	_a=$(e2e_peek acked)
	[ -n "$_f" ] && [ "$_f" -gt 0 ] && [ "$_f" = "$_a" ]
}

e2e_wait_delivered() {
	t_wait_for "$2" _e2e_delivered "$1"
}

e2e_verify() {
	curl -s --max-time 10 -o /dev/null "$SIM_URL/admin/stats" # flushes the logs
	"$PY" "$E2E/verify.py" -b "$BS" --events-log "$T_DIR/events.jsonl" \
		--served-log "$T_DIR/served.tsv" --schemas "$GCB_ROOT/schemas" \
		--stream "$E2E_STREAM" --extra-topic gcbridge.dlq "$@"
}

# e2e_handed_once N: the producer handed each of the N events to librdkafka
# exactly once: nothing fed twice, nothing produced again after a failed
# delivery (its counters, read from the segment while gcbridge runs).
e2e_handed_once() {
	_handed=$("$PY" "$E2E/shmcounters.py" --stage producer "$T_INSTANCE" produced retries)
	[ "$_handed" = "produced=$1 retries=0" ] ||
		t_fail "the producer did not hand every event to librdkafka exactly once: $_handed"
}

# Verify options for a run where Kafka went down and came back and nothing was
# killed, after e2e_handed_once. The mock cluster checks producer sequence
# numbers only for transactional producers (docs/kafka-mock.md), so a produce
# request librdkafka sends again after the outage cut off its answer is stored
# twice (seen in a few runs of many), where a real broker would drop it. Such a
# copy carries the batch of its one ring record; an event fed again would carry
# another.
E2E_OUTAGE_DUPS="--max-dups 8 --dups-one-record"

# e2e_rss_kb PID: resident set size of PID in KiB (0 when gone).
e2e_rss_kb() {
	ps -o rss= -p "$1" 2>/dev/null | tr -d ' ' || echo 0
}

# e2e_no_secret: neither the client secret nor its variable's value leaked.
e2e_no_secret() {
	! grep -rqF "$E2E_SIM_SECRET" "$T_DIR/gcb.err" "$T_DIR/gcb.out" "$T_DIR/state" 2>/dev/null
}

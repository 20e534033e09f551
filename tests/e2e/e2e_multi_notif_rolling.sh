#!/bin/sh
# Rolling restart on notification shards (docs/multihost.md): three
# instances share 6 shards; while conversations flow each is stopped with
# SIGTERM (its shards are drained, their state written and handed over) and
# started again, one after the other. The hand-over is clean: each shard's
# new owner logs a takeover from the previous owner's live_until, and the
# interval until its subscription is a gap, backfilled. Every conversation
# the simulator generated is in Kafka; a missing message is allowed only if
# it is a user-state change (not in the Analytics API), and counted.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
MH_UNITS=6
MH_SESSION_MS=6000
MH_WRITE=ne2e_write_conf
. "$GCB_ROOT/tests/e2e/multi_lib.sh"
ne2e_require

N=$(e2e_events 1600)
RATE=$((N / 45))
NE2E_ALLOW_DROPS=1 # a stopped instance's sockets drop what was queued for them
mh_notif_three 32
t_wait_for 60 mh_all_owned a b c || t_fail "the shards are not all owned"
since=$(date +%s%3N)
ne2e_traffic "$N" "$RATE"
sleep 3

for x in a b c; do
	p=$(mh_pid "$x")
	kill -TERM "$p"
	t_wait_exit "$p" 60
	[ "$T_CODE" = 0 ] || t_fail "$x exit $T_CODE after SIGTERM: $(tail -3 "$T_DIR/$x.err")"
	grep -q "shard [0-9]* handed over" "$T_DIR/$x.err" || t_fail "$x handed no shard over"
	others=$(echo a b c | tr ' ' '\n' | grep -v "^$x\$" | tr '\n' ' ')
	# shellcheck disable=SC2086
	t_wait_for 60 mh_all_owned $others || t_fail "$x's shards did not move"
	t_log "$x stopped; shards moved to $others"
	mh_start "$x"
	t_wait_for 60 sh -c "'$GCB_BIN/gcb-ringstat' --json '$T_INSTANCE-$x' | grep -q '\"state\": *\"stable\"'" ||
		t_fail "$x did not rejoin"
	t_wait_for 60 mh_all_owned a b c || t_fail "shards not all owned after $x restarted"
	sleep 2
done

ne2e_wait_traffic_done 120 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
t_wait_for 150 mh_notif_settled a b c || t_fail "not settled: $(mh_notif_pending a b c)"
takeovers=$(grep -h "shard [0-9]* taken over: live until" "$T_DIR"/?.err | grep -vc "no state" || true)
mh_notif_stop_verify "$since" a b c
lost=$(mh_notif_lost_user_state) || t_fail "a message is missing that is not a user-state change"
t_log "REPORT: 3 instances restarted one by one on $MH_UNITS shards: $takeovers takeovers, every conversation in Kafka; $lost user-state changes lost in the hand-over gaps (not in analytics)"

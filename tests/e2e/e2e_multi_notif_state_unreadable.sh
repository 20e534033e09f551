#!/bin/sh
# A takeover while the state topic cannot be read (docs/multihost.md): three
# instances on 6 shards, conversations flowing; the embedded Kafka is told
# to fail the next ListOffsets requests (the state topic's watermarks, read
# at each assignment), then one instance's tree is SIGKILLed. The survivors
# are assigned its shards but cannot read where it stopped: each subscribes
# the shards' topics at once, says so, and opens the takeover gap from the
# dead owner's live_until once a later try reads the state. Starting without
# a gap instead (as for a group's first run) would lose every conversation
# of those shards between the dead owner's last state and the subscription:
# every conversation generated is in Kafka, live or backfilled, and the only
# messages missing are user-state changes (not in analytics), counted.
. "$(dirname "$0")/../lib.sh"
. "$GCB_ROOT/tests/e2e/lib.sh"
. "$GCB_ROOT/tests/e2e/notif_lib.sh"
MH_UNITS=6
MH_SESSION_MS=6000
MH_WRITE=ne2e_write_conf
. "$GCB_ROOT/tests/e2e/multi_lib.sh"
ne2e_require

N=$(e2e_events 1200)
RATE=$((N / 30))
NE2E_ALLOW_DROPS=1 # the killed instance's sockets drop what was queued for them
mh_notif_three 33
t_wait_for 60 mh_all_owned a b c ||
	t_fail "the shards are not all owned: a=$(mh_owned a) b=$(mh_owned b) c=$(mh_owned c)"
[ "$(mh_owned b)" -ge 1 ] || t_fail "b owns no shard"
since=$(date +%s%3N)
ne2e_traffic "$N" "$RATE"
sleep 6

# Every query of the state topic's watermarks takes one failure, and the
# survivors' own state writes query them too (a newer generation there
# deposes the writer): keep failures queued, faster than those writes take
# them, from the kill until a survivor's takeover has met one.
lines_a=$(wc -l <"$T_DIR/a.err")
lines_c=$(wc -l <"$T_DIR/c.err")
mh_kill_tree b
# since_kill X: what X logged after the kill.
since_kill() {
	eval "_from=\$lines_$1"
	tail -n +"$((_from + 1))" "$T_DIR/$1.err"
}
# A takeover met a failure: it says so, or (wrongly) takes the shard over
# as if the group had no state.
unreadable() {
	{ since_kill a; since_kill c; } | grep -q "state topic cannot be read\|no state yet\|is unusable"
}
errs=TOPIC_AUTHORIZATION_FAILED
for _ in $(seq 15); do errs="$errs,TOPIC_AUTHORIZATION_FAILED"; done
deadline=$(($(date +%s) + 60))
until unreadable; do
	[ "$(date +%s)" -lt "$deadline" ] ||
		t_fail "no survivor failed to read the state topic: $(grep -h 'shard [0-9]' "$T_DIR/a.err" "$T_DIR/c.err" | tail -4)"
	"$GCB_BIN/gcb-kafka-mock" --ctl "$CTL" "error listoffsets $errs" >/dev/null ||
		t_fail "the ListOffsets errors were refused"
	sleep 0.2
done
t_wait_for 60 mh_all_owned a c || t_fail "b's shards did not move: a=$(mh_owned a) c=$(mh_owned c)"
# Only the group's first run may say it has no state: never a shard of b.
for x in a c; do
	! since_kill "$x" | grep "no state yet\|is unusable" ||
		t_fail "$x took a shard of b over without its state"
done
# Each shard that could not be read is taken over from b's state later.
unread=$(grep -h "but the state topic cannot be read" "$T_DIR/a.err" "$T_DIR/c.err" |
	sed 's/.*shard \([0-9]*\) assigned.*/\1/' | sort -u)
for s in $unread; do
	t_wait_for 60 sh -c "grep -q 'shard $s taken over: live until [0-9]* by .*-b\.' '$T_DIR/a.err' '$T_DIR/c.err'" ||
		t_fail "shard $s: never taken over from b's state"
done

ne2e_wait_traffic_done 120 || t_fail "the simulator's traffic did not end: $NE2E_SENT sent"
t_wait_for 120 mh_notif_settled a c || t_fail "not settled: $(mh_notif_pending a c)"
mh_notif_stop_verify "$since" a c
lost=$(mh_notif_lost_user_state) || t_fail "a message is missing that is not a user-state change"
t_log "REPORT: shards $(echo $unread) assigned while the state topic could not be read, taken over from b's state once read; every conversation in Kafka; $lost user-state changes lost in the takeover gaps (not in analytics)"

/*
 * Group coordination: which instance runs which unit of work, and the
 * units' state in Kafka (docs/multihost.md).
 *
 * Membership and ownership come from Kafka's consumer-group protocol: the
 * member subscribes to a small coordination topic whose partitions are the
 * units (poll source: one partition, one stream; notification source: one
 * partition per shard). The group gives each partition to one member; that
 * member runs the unit, the others stand by. Protocol: cooperative-sticky,
 * so a member joining or leaving moves only the units that must move and
 * never pauses the others (eager would revoke every unit from every member
 * at each membership change).
 *
 * State: each unit's state (a JSON object the source writes: cursor, gaps,
 * backfill progress) goes to a compacted state topic under the key
 * "u<unit>/g<generation>", wrapped with the group generation and the member
 * that wrote it. Readers take the record of the highest generation; within
 * a generation, the last one. A deposed owner (paused, partitioned) still
 * holds an older generation: what it writes loses to the new owner's
 * records, and before every write an owner checks that no newer generation
 * wrote the unit (else it drops the unit and says so). Keys carry the
 * generation so that compaction can never keep a deposed owner's late
 * record in place of the new owner's.
 *
 * All calls come from one thread (the fetcher's); the hooks run inside
 * gcb_coord_poll() and gcb_coord_destroy(), never concurrently.
 */
#ifndef GCB_COORD_H
#define GCB_COORD_H

#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_shm_coord.h"

#define GCB_COORD_UNITS_MAX  64u
#define GCB_COORD_VALUE_MAX  8192u /* a unit's state record, JSON */
#define GCB_COORD_WRITER_MAX 160   /* "<instance>.<pid>" of a state record's writer */

typedef struct gcb_coord_kv {
	const char *key;
	const char *value;
} gcb_coord_kv_t;

typedef struct gcb_coord_conf {
	const char *group;	 /* consumer group id (coord.group) */
	const char *topic;	 /* coordination topic: one partition per unit */
	const char *state_topic; /* compacted topic of unit states */
	const char *bootstrap;
	const gcb_coord_kv_t *kafka; /* kafka.* pass-through (security), may be NULL */
	size_t n_kafka;
	const char *instance;	     /* written into every state record */
	unsigned session_timeout_ms; /* a silent member loses its units after this */
	unsigned drain_timeout_ms;   /* longest drain before a unit is given away */
} gcb_coord_conf_t;

/*
 * What the source does when units come and go. Called from inside
 * gcb_coord_poll() (and gcb_coord_destroy() for the final revocation).
 * assigned: the unit is now this member's; read its state with
 * gcb_coord_state_get() and start it. revoked: stop reading it, flush what
 * was read to Kafka, store its state with gcb_coord_state_put(), then
 * return: only then is the unit given away. lost: the group already gave it
 * away (session timed out, or a newer generation wrote it): store nothing.
 * waiting (may be NULL): called between the polls (50-100 ms apart) of a
 * state read or write that waits for Kafka, so that the caller can feed its
 * watchdog; no call in between blocks for more than 3 s (a watermark
 * query). It must not call back into gcb_coord.
 */
typedef struct gcb_coord_hooks {
	void *arg;
	void (*assigned)(void *arg, unsigned unit);
	void (*revoked)(void *arg, unsigned unit, int lost);
	void (*waiting)(void *arg);
} gcb_coord_hooks_t;

typedef struct gcb_coord gcb_coord_t;

/*
 * Joins the group (the assignment arrives later, through gcb_coord_poll())
 * and learns the number of units from the coordination topic. shm: where the
 * membership is shown (may be NULL). -EINVAL with errstr for a configuration
 * that can never work (no such topic, more than GCB_COORD_UNITS_MAX units),
 * -ENOMEM or -EIO otherwise. Copies what it needs of conf and hooks.
 */
int gcb_coord_new(gcb_coord_t **out, const gcb_coord_conf_t *conf, const gcb_coord_hooks_t *hooks,
		  gcb_shm_coord_t *shm, char *errstr, size_t errstr_size);

/* Leaves the group: revokes (drains) every owned unit first. NULL is fine. */
void gcb_coord_destroy(gcb_coord_t *c);

/*
 * Serves the group without blocking: rebalances (the hooks run here) and
 * state records of other members (a newer generation on an owned unit
 * revokes it as lost). Call it at points where the source can stop a unit.
 */
void gcb_coord_poll(gcb_coord_t *c);

unsigned gcb_coord_units(const gcb_coord_t *c);
int gcb_coord_owns(const gcb_coord_t *c, unsigned unit);

/* The generation this member holds the unit at (0 when not owned). */
int32_t gcb_coord_generation(const gcb_coord_t *c, unsigned unit);

/*
 * The unit's state: reads the state topic up to its end, then copies the
 * winning record's "state" object (highest generation, then latest) into
 * buf. 0; -ENOENT when the unit has none; -ENOSPC when it does not fit;
 * -EIO when the topic could not be read to its end in time.
 */
int gcb_coord_state_get(gcb_coord_t *c, unsigned unit, char *buf, size_t size, int32_t *gen,
			char *writer, size_t writer_size);

/*
 * Stores the unit's state (state_json: a JSON object) and waits for Kafka's
 * acknowledgement. 0; -EPERM when the unit is not owned; -ESTALE when a
 * newer generation wrote it (the unit is dropped as lost, the hooks told);
 * -EIO when Kafka did not acknowledge in time (logged here); -EAGAIN, at
 * once, while writes rest after such a failure (1 s, doubling to 30 s, reset
 * by a success), so that a state topic without a leader costs its caller
 * one wait per rest, not one per write.
 */
int gcb_coord_state_put(gcb_coord_t *c, unsigned unit, const char *state_json);

#endif

/*
 * The coordinator's private state, shared by its two files: membership
 * (gcb_coord.c) and the state topic (gcb_coord_state.c).
 */
#ifndef GCB_COORD_INT_H
#define GCB_COORD_INT_H

#include <librdkafka/rdkafka.h>

#include "stages/coord/gcb_coord.h"

typedef struct gcb_coord_unit {
	int owned;
	int32_t gen;	     /* generation this member holds the unit at */
	int32_t written_gen; /* generation of this member's last record, 0: none */
	int32_t best_gen;    /* highest generation the state topic holds, 0: none */
	size_t best_len;
	char best_writer[GCB_COORD_WRITER_MAX];
	char best[GCB_COORD_VALUE_MAX]; /* the winning record, whole */
} gcb_coord_unit_t;

struct gcb_coord {
	gcb_coord_conf_t conf; /* the strings stay the caller's */
	gcb_coord_hooks_t hooks;
	gcb_shm_coord_t *shm;
	rd_kafka_t *member; /* group consumer on the coordination topic */
	rd_kafka_t *reader; /* state topic, every partition assigned, no group */
	rd_kafka_t *writer; /* state topic producer, acks=all, idempotent */
	unsigned units;
	int32_t state_partitions;
	int in_hook; /* the hooks never re-enter gcb_coord_poll() */
	int closing;
	uint64_t put_rest_until_ns; /* no state write before this (after a failure) */
	unsigned put_rest_ms;	    /* the rest after the next failure */
	char writer_id[GCB_COORD_WRITER_MAX];
	gcb_coord_unit_t unit[GCB_COORD_UNITS_MAX];
	char msg[GCB_COORD_VALUE_MAX + 512];
};

/* Applies kafka.* and the bootstrap to a new librdkafka configuration. */
rd_kafka_conf_t *gcb_coord_kconf(const gcb_coord_t *c, char *errstr, size_t errstr_size);

/* The group generation of this member now (librdkafka's group metadata). */
int32_t gcb_coord_member_generation(gcb_coord_t *c);

/* A unit is lost: drop it, count it, tell the source (no drain). */
void gcb_coord_unit_lost(gcb_coord_t *c, unsigned unit, const char *why);

/* State topic (gcb_coord_state.c). */
int gcb_coord_state_open(gcb_coord_t *c, char *errstr, size_t errstr_size);
void gcb_coord_state_close(gcb_coord_t *c);

/*
 * Takes one state record into its unit's winner: the highest generation,
 * the latest record of it; an older generation's record never wins, and one
 * of a newer generation than the unit this member owns loses it the unit.
 * Tombstones, foreign keys and units beyond c->units are ignored.
 */
void gcb_coord_state_take(gcb_coord_t *c, const rd_kafka_message_t *m);

/* Takes in the records available now (wait_ms 0) or up to the topic's end. */
int gcb_coord_state_follow(gcb_coord_t *c, int to_end);

/* Calls the waiting hook, if any (gcb_coord_hooks_t). */
static inline void gcb_coord_waiting(const gcb_coord_t *c)
{
	if (c->hooks.waiting != NULL)
		c->hooks.waiting(c->hooks.arg);
}

/* Publishes the membership to the segment. */
void gcb_coord_show(gcb_coord_t *c, unsigned state);

#endif

/*
 * Stage counters, part of the segment contract: each stage kind has one
 * table, an X-macro in shm/gcb_counters_<stage>.h,
 *
 *   X(ID, "name", KIND, "help")
 *
 * from which everything else is generated: the enum of indexes into its
 * gcb_shm_stage_t.counters[], the names gcb-ringstat and the metrics print,
 * the Prometheus help and type, and histogram bucket bounds. Append only,
 * never renumber. KIND is one of
 *
 *   COUNTER     a total that only grows (carried over a restart)
 *   GAUGE       the current value
 *   BUCKET(le)  histogram bucket: observations <= le (cumulative, like
 *               Prometheus "le"); a family's buckets come right before its SUM
 *   SUM         sum of a histogram's (or, without buckets, a summary's)
 *               observations; its name ends in _sum_us
 *   COUNT       number of observations, right after its SUM
 *
 * Each block has one writer, its stage process, which is single-threaded
 * where it counts. So gcb_counter_add() is a relaxed load and a relaxed store
 * (no locked instruction on the hot path), and readers in other processes
 * (supervisor, tools) see every value whole.
 */
#ifndef GCB_COUNTERS_H
#define GCB_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

#include "shm/gcb_shm_layout.h"

typedef enum gcb_counter_kind {
	GCB_COUNTER_TOTAL = 0,
	GCB_COUNTER_GAUGE,
	GCB_COUNTER_BUCKET,
	GCB_COUNTER_SUM,
	GCB_COUNTER_COUNT,
} gcb_counter_kind_t;

typedef struct gcb_counter_def {
	const char *name; /* snake_case, as ringstat and the metrics print it */
	const char *help; /* Prometheus help */
	gcb_counter_kind_t kind;
	uint64_t le; /* a BUCKET's bound, in the unit of its SUM */
} gcb_counter_def_t;

/* Generators for the X tables: enum entries, definitions, bucket bounds. */
#define GCB_COUNTER_ENUM(prefix, id)		prefix##id,
#define GCB_COUNTER_DEF(id, name, kind, help)	{name, help, GCB_COUNTER_KIND_##kind},
#define GCB_COUNTER_KIND_COUNTER		GCB_COUNTER_TOTAL, 0
#define GCB_COUNTER_KIND_GAUGE			GCB_COUNTER_GAUGE, 0
#define GCB_COUNTER_KIND_SUM			GCB_COUNTER_SUM, 0
#define GCB_COUNTER_KIND_COUNT			GCB_COUNTER_COUNT, 0
#define GCB_COUNTER_KIND_BUCKET(le)		GCB_COUNTER_BUCKET, le
#define GCB_COUNTER_BOUND(id, name, kind, help) GCB_COUNTER_BOUND_##kind
#define GCB_COUNTER_BOUND_COUNTER
#define GCB_COUNTER_BOUND_GAUGE
#define GCB_COUNTER_BOUND_SUM
#define GCB_COUNTER_BOUND_COUNT
#define GCB_COUNTER_BOUND_BUCKET(le) le,

/* The table of a stage kind (GCB_STAGE_KIND_*), or NULL; *n its length. */
const gcb_counter_def_t *gcb_counters_of_kind(uint32_t kind, unsigned *n);

/* Adds n to counter i of a block (the writer's side). */
static inline void gcb_counter_add(_Atomic uint64_t *block, unsigned i, uint64_t n)
{
	atomic_store_explicit(&block[i], atomic_load_explicit(&block[i], memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Sets counter i (a gauge, or a total republished from a private tally). */
static inline void gcb_counter_set(_Atomic uint64_t *block, unsigned i, uint64_t v)
{
	atomic_store_explicit(&block[i], v, memory_order_relaxed);
}

/* Reads counter i (either side). */
static inline uint64_t gcb_counter_get(const _Atomic uint64_t *block, unsigned i)
{
	return atomic_load_explicit((_Atomic uint64_t *)&block[i], memory_order_relaxed);
}

#endif

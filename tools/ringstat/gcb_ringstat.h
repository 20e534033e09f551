/*
 * gcb-ringstat: a read-only view of a gcbridge segment. A snapshot copies
 * what the tool shows out of the mapping (bounds-checked against the mapped
 * size, since a live or broken segment may say anything), then diagnoses it;
 * the printers only read the snapshot.
 */
#ifndef GCB_RINGSTAT_H
#define GCB_RINGSTAT_H

#include <stdint.h>
#include <stdio.h>

#include "shm/gcb_shm.h"
#include "shm/gcb_shm_source.h"
#include "shm/gcb_shm_coord.h"
#include "tools/ringstat/gcb_ringstat_walk.h"

/* Ring diagnoses, in order of precedence (the first that applies is shown). */
enum gcb_ringstat_diag {
	GCB_RINGSTAT_DIAG_OK = 0,
	GCB_RINGSTAT_DIAG_CORRUPT,
	GCB_RINGSTAT_DIAG_ORPHANED,
	GCB_RINGSTAT_DIAG_PRODUCER_HUNG,
	GCB_RINGSTAT_DIAG_CONSUMER_STALLED,
	GCB_RINGSTAT_DIAG_COUNT
};

/* Segment-level diagnoses. */
enum gcb_ringstat_seg_diag {
	GCB_RINGSTAT_SEG_OK = 0,
	GCB_RINGSTAT_SEG_ORPHANED, /* no live supervisor */
	GCB_RINGSTAT_SEG_SUPERVISOR_HUNG,
	GCB_RINGSTAT_SEG_SOURCE_STALLED, /* the fetcher reports it cannot progress */
	GCB_RINGSTAT_SEG_SPOOL_FULL,	 /* the poll source stopped polling: spool full */
};

typedef struct gcb_ringstat_opts {
	double stall_seconds; /* consumer stalled after this long without ring activity */
	double hung_seconds;  /* a live process whose heartbeat is older is hung */
} gcb_ringstat_opts_t;

typedef struct gcb_ringstat_proc {
	int32_t pid;
	uint64_t start_time;
	int alive; /* pid runs and started at start_time */
	uint64_t heartbeat_ns;
	double heartbeat_age; /* seconds; < 0 when there never was one */
} gcb_ringstat_proc_t;

typedef struct gcb_ringstat_stage {
	char name[GCB_SHM_NAME_MAX + 1];
	uint32_t kind;
	uint32_t index;
	uint32_t state;
	gcb_ringstat_proc_t proc;
	uint64_t restarts;
	int32_t last_exit; /* waitpid status, -1 none */
	uint64_t started_unix_ms;
	double uptime;	    /* seconds; < 0 unknown */
	const char *status; /* "ok", "stopped", "dead", "hung", "backoff" */
	int degraded;
	/* A fetcher running the notification source (any of these nonzero). */
	int notif;
	uint64_t channels, topics, topics_rejected, gaps_pending;
	/* A fetcher whose poll source spools (spool_bytes or full nonzero). */
	int spool;
	uint64_t spool_bytes, spool_events, spool_oldest_unix_ms, spool_fill_bps;
	uint64_t spool_full_in_ms, spool_full_now, retention_deadline_unix_ms;
} gcb_ringstat_stage_t;

typedef struct gcb_ringstat_side {
	gcb_ringstat_proc_t proc;
	int stage;	     /* stage table index, -1 none */
	double freshest_age; /* youngest of the ring-side and stage heartbeats; < 0 none */
	uint64_t stalls;     /* full (producer) or empty (consumer) stalls */
} gcb_ringstat_side_t;

typedef struct gcb_ringstat_ring {
	unsigned index;
	char name[GCB_SHM_NAME_MAX + 1];
	int valid; /* descriptor inside the mapping; otherwise only name and detail */
	uint64_t offset;
	uint64_t capacity;
	uint64_t max_record;
	uint64_t records_written, bytes_written;
	uint64_t records_read, bytes_read;
	uint64_t last_seq;
	gcb_ringstat_side_t prod, cons;
	gcb_ringstat_walk_t walk;
	uint64_t used_bytes; /* tail - release */
	double full_pct;

	/* Between this snapshot and the previous one (--watch). */
	int have_rates;
	double interval;
	double rec_in_rate, bytes_in_rate, rec_out_rate, bytes_out_rate;
	double idle_seconds;	/* consumer positions unchanged this long as seen by the tool; < 0
				   unknown */
	uint64_t first_mono_ns; /* when this tool first saw the ring */
	uint64_t progress_mono_ns; /* when it last saw read or release move (or nothing waiting) */

	int diag;
	char detail[192];
	unsigned issues; /* bit per gcb_ringstat_diag that applies */
} gcb_ringstat_ring_t;

typedef struct gcb_ringstat_snap {
	uint64_t mono_ns;
	uint64_t real_ms;
	char path[256];
	char instance[GCB_SHM_INSTANCE_MAX + 1];
	uint32_t layout_version;
	uint64_t segment_size;
	uint64_t created_unix_ms;
	gcb_ringstat_proc_t creator;
	gcb_ringstat_proc_t supervisor;

	unsigned nstages;
	gcb_ringstat_stage_t *stages;
	unsigned nrings;
	gcb_ringstat_ring_t rings[GCB_SHM_MAX_RINGS];

	int seg_diag;
	char seg_detail[160];
	gcb_source_health_t source; /* the fetcher's stall report */
	/* Group coordination (docs/multihost.md): the words of gcb_shm_coord_t. */
	struct {
		uint64_t state, owned, units, generation, rebalances, state_writes, fenced,
		    state_unix_ms;
	} coord;
	int degraded; /* anything not ok: exit code 1 */
} gcb_ringstat_snap_t;

/*
 * Fills snap from the mapped segment; prev (may be NULL) is the previous
 * snapshot of the same segment, for rates and progress. snap->stages is
 * heap memory: gcb_ringstat_snap_fini. 0 or -ENOMEM.
 */
int gcb_ringstat_snap_take(gcb_ringstat_snap_t *snap, const gcb_shm_t *shm,
			   const gcb_ringstat_snap_t *prev, const gcb_ringstat_opts_t *opts);
void gcb_ringstat_snap_fini(gcb_ringstat_snap_t *snap);

/*
 * Pointers to ring i's control block and data area after checking its
 * descriptor against the mapping (offset, capacity). 0 or -EBADF.
 */
int gcb_ringstat_ring_locate(const gcb_shm_t *shm, unsigned i, const gcb_ring_ctl_t **ctl,
			     const unsigned char **data);

/* Printers (gcb_ringstat_text.c, gcb_ringstat_json.c). */
void gcb_ringstat_print_text(FILE *out, const gcb_ringstat_snap_t *snap);
void gcb_ringstat_print_json(FILE *out, const gcb_ringstat_snap_t *snap, int pretty);

/* Record dump of one ring (gcb_ringstat_dump.c). count 0: all; max_bytes per record. Exit code. */
/* 1 when the pipeline section lies inside the segment (overflow-safe). */
int gcb_ringstat_pipeline_valid(const gcb_shm_t *shm);

int gcb_ringstat_dump(FILE *out, const gcb_shm_t *shm, const char *ring, uint64_t count,
		      uint64_t max_bytes);

/* Names for printing. */
const char *gcb_ringstat_diag_name(int diag);
const char *gcb_ringstat_seg_diag_name(int diag);
const char *gcb_ringstat_coord_state_name(uint64_t state);
const char *gcb_ringstat_state_name(uint32_t state);
const char *gcb_ringstat_rec_type_name(uint16_t type);
/* "exit 1", "killed by SIGKILL", "-" for none. */
void gcb_ringstat_exit_str(int32_t status, char *buf, size_t size);
/* Copies a fixed-size name field that may lack its NUL, replacing non-printables. */
void gcb_ringstat_name_copy(char *dst, const char *src, size_t src_size);

#endif

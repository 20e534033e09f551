/*
 * The shared-memory segment layout: a stable contract.
 *
 * One segment per instance, /dev/shm/gcbridge-<instance>, mode 0600. Every
 * gcbridge process maps it read-write; inspection tools map it read-only and
 * may be written by others against this file alone. All integers are native
 * endian (the segment never leaves the host). Offsets are from the start of
 * the segment.
 *
 *   offset 0                gcb_shm_header_t (one 4 KiB page, ring table inside)
 *   stage_table_offset      stage_count x gcb_shm_stage_t (128-byte aligned)
 *   pipeline_offset         gcb_shm_pipeline_t
 *   ring[i].offset          gcb_ring_ctl_t (1024 bytes) then ring[i].capacity data bytes
 *
 * Attaching: check magic, then wait for layout_version to become non-zero
 * (acquire load; the creator stores it last, with release order, after every
 * other byte of the segment is initialised), then refuse any version other
 * than the one you know. A bump of GCB_SHM_LAYOUT_VERSION is required for
 * any change to this file that moves or reinterprets a field.
 *
 * Ring data: records start on 8-byte boundaries. Each begins with a 16-byte
 * gcb_ring_rec_t header; the record occupies align8(16 + length) bytes.
 * Records never wrap: when one does not fit before the end of the data area
 * the writer places a padding record (type 0; only its first 8 bytes, length
 * and type, are meaningful) that fills the rest of the lap.
 *
 * Positions are monotonic 64-bit byte counters (offset = position mod
 * capacity). release <= read <= tail always; bytes in use = tail - release.
 *   tail     end of the last committed record (producer side)
 *   read     the consumer's private read position, published for tools
 *   release  everything before it has been consumed for good; a restarted
 *            consumer resumes here, so [release, read) is read again
 */
#ifndef GCB_SHM_LAYOUT_H
#define GCB_SHM_LAYOUT_H

#include <stdatomic.h>
#include <stdint.h>

#define GCB_SHM_MAGIC          UINT64_C(0x314d485342434740) /* "@GCBSHM1" */
#define GCB_SHM_LAYOUT_VERSION 5u
#define GCB_SHM_HEADER_SIZE    4096u
#define GCB_SHM_MAX_RINGS      40u
#define GCB_SHM_NAME_MAX       32u
#define GCB_SHM_INSTANCE_MAX   64u
#define GCB_SHM_CACHE_LINE     128u /* two 64-byte lines: defeats adjacent-line prefetch */
#define GCB_SHM_STAGE_COUNTERS 64u
#define GCB_SHM_CURSOR_MAX     1024u
#define GCB_SHM_CURSOR_SLOTS   64u

#define GCB_RING_MAGIC    UINT64_C(0x31474e4952424347) /* "GCBRING1" */
#define GCB_RING_CTL_SIZE 1024u
#define GCB_RING_ALIGN    8u
#define GCB_RING_REC_HDR  16u

/* Record types. 0 is reserved for padding; stages define the rest in their
 * own headers under shm/ (see gcb_records.h). */
#define GCB_RING_REC_PAD 0u

typedef struct gcb_ring_rec {
	uint32_t length; /* payload bytes, excluding header and alignment */
	uint16_t type;
	uint16_t flags;
	uint64_t seq; /* producer-defined sequence (e.g. event or batch number) */
	unsigned char payload[];
} gcb_ring_rec_t;

/*
 * Ring control block. Each group is written by one side only and sits on its
 * own 128-byte line so the two sides never share a written line.
 */
typedef struct gcb_ring_ctl {
	/* Line 0: descriptor, written once at creation. */
	struct {
		_Alignas(GCB_SHM_CACHE_LINE) uint64_t magic;
		uint64_t capacity;   /* data bytes, power of two */
		uint64_t max_record; /* largest payload accepted */
		char name[GCB_SHM_NAME_MAX];
	} desc;

	/* Line 1: producer side. */
	struct {
		_Alignas(GCB_SHM_CACHE_LINE) _Atomic uint64_t tail;
		_Atomic uint64_t records_written;
		_Atomic uint64_t bytes_written; /* payload bytes */
		_Atomic uint64_t full_stalls;   /* times the producer slept on a full ring */
		_Atomic uint64_t heartbeat_ns;  /* CLOCK_MONOTONIC */
		_Atomic uint64_t start_time;    /* see gcb_proc.h */
		/* Start position + 1 of the last committed record (0: none), and
		 * the value it had before; see gcb_ring_last_committed(). */
		_Atomic uint64_t last_rec;
		_Atomic uint64_t prev_last_rec;
		_Atomic int32_t pid;
	} prod;

	/* Line 2: futex word, set by a producer sleeping on a full ring. */
	_Alignas(GCB_SHM_CACHE_LINE) _Atomic uint32_t prod_waiting;

	/* Line 3: consumer side. */
	struct {
		_Alignas(GCB_SHM_CACHE_LINE) _Atomic uint64_t release;
		_Atomic uint64_t read;
		_Atomic uint64_t records_read; /* counted at release */
		_Atomic uint64_t bytes_read;
		_Atomic uint64_t empty_stalls; /* times the consumer slept on an empty ring */
		_Atomic uint64_t heartbeat_ns;
		_Atomic uint64_t start_time;
		_Atomic int32_t pid;
	} cons;

	/* Line 4: futex word, set by a consumer sleeping on an empty ring. */
	_Alignas(GCB_SHM_CACHE_LINE) _Atomic uint32_t cons_waiting;
} gcb_ring_ctl_t;

_Static_assert(sizeof(gcb_ring_ctl_t) <= GCB_RING_CTL_SIZE, "ring control block too large");
_Static_assert(sizeof(gcb_ring_rec_t) == GCB_RING_REC_HDR, "record header is 16 bytes");

typedef struct gcb_shm_ring_desc {
	char name[GCB_SHM_NAME_MAX];
	uint64_t offset;        /* of the gcb_ring_ctl_t */
	uint64_t capacity;      /* data bytes */
	int32_t producer_stage; /* stage table index, -1 when none */
	int32_t consumer_stage;
	uint64_t reserved;
} gcb_shm_ring_desc_t;

_Static_assert(sizeof(gcb_shm_ring_desc_t) == 64, "ring descriptor is 64 bytes");

/*
 * Ring naming (gcb_shm_ring_desc_t.name), part of the contract: validator i
 * reads "fetch-<i>" (written by the fetcher) and writes "out-<i>" (read by
 * the producer).
 */
#define GCB_RING_FETCH_FMT "fetch-%u"
#define GCB_RING_OUT_FMT   "out-%u"

/* Stage kinds, as stored in gcb_shm_stage_t; also the drain phase of each
 * kind (see gcb_stage_draining). */
enum {
	GCB_STAGE_KIND_FETCHER = 1,
	GCB_STAGE_KIND_VALIDATOR = 2,
	GCB_STAGE_KIND_PRODUCER = 3,
};

enum {
	GCB_STAGE_STOPPED = 0,  /* never started, or exited and not restarted */
	GCB_STAGE_STARTING = 1, /* forked, not yet heart-beating */
	GCB_STAGE_RUNNING = 2,
	GCB_STAGE_DRAINING = 3,
	GCB_STAGE_BACKOFF = 4, /* died; waiting for its restart slot */
};

typedef struct gcb_shm_stage {
	_Alignas(GCB_SHM_CACHE_LINE) char name[GCB_SHM_NAME_MAX]; /* "fetcher", "validator-0", "producer" */
	uint32_t kind;
	uint32_t index;                /* validator number, else 0 */
	_Atomic int32_t pid;           /* 0 when not running */
	_Atomic uint32_t state;
	_Atomic uint64_t start_time;   /* see gcb_proc.h */
	_Atomic uint64_t heartbeat_ns; /* CLOCK_MONOTONIC, written by the stage */
	_Atomic uint64_t restarts;
	_Atomic int32_t last_exit; /* waitpid status of the last exit, -1 none */
	uint32_t reserved;
	_Atomic uint64_t started_unix_ms;
	/* Stage-specific counters; names per kind in gcb_counters.h. */
	_Atomic uint64_t counters[GCB_SHM_STAGE_COUNTERS];
} gcb_shm_stage_t;

/*
 * Pipeline state shared by the stages. The fetcher records the cursor that
 * follows each batch in a slot (batch_seq mod GCB_SHM_CURSOR_SLOTS), the
 * cursor's only home: ring records do not carry it. It reuses a slot only
 * once the batch it held is checkpointed. The producer publishes the highest
 * batch sequence whose every event Kafka has acknowledged, and reads a
 * batch's cursor from its slot for dead letters' headers; the checkpoint
 * writer stores the acknowledged batch's cursor. Readers:
 * gcb_shm_cursor_read() (shm/gcb_shm_cursor.h).
 */
typedef struct gcb_shm_cursor_slot {
	_Atomic uint64_t batch_seq; /* 0: empty; written last (release) */
	uint32_t length;
	uint32_t reserved;
	char cursor[GCB_SHM_CURSOR_MAX];
} gcb_shm_cursor_slot_t;

/*
 * The source's health: the fetcher sets stalled when it can make no progress
 * by itself (docs/fetcher.md, "Stalls"); health checks and tools read it.
 * reason and cursor change under seq (odd while they change): read them with
 * gcb_shm_source_read() (shm/gcb_shm_source.h).
 */
#define GCB_SHM_REASON_MAX 192u

typedef struct gcb_shm_source {
	_Atomic uint32_t seq;
	_Atomic uint32_t stalled;	/* 1: stalled, 0: making progress */
	_Atomic uint64_t since_unix_ms; /* when the stall began */
	char reason[GCB_SHM_REASON_MAX];
	char cursor[GCB_SHM_CURSOR_MAX]; /* the position the source is stuck at */
} gcb_shm_source_t;

typedef struct gcb_shm_pipeline {
	_Alignas(GCB_SHM_CACHE_LINE) _Atomic uint32_t draining; /* drain phase, 0 none */
	_Atomic uint32_t reload_generation;                      /* bumped on SIGHUP */
	_Atomic uint64_t fetched_batch_seq; /* last batch the fetcher committed */
	_Atomic uint32_t log_level;         /* gcb_log_level_t + 1; 0: unset (SIGHUP) */
	_Alignas(GCB_SHM_CACHE_LINE) _Atomic uint64_t acked_batch_seq; /* producer */
	_Atomic uint64_t checkpoint_batch_seq; /* last batch durably checkpointed */
	_Atomic uint64_t checkpoint_unix_ms;
	gcb_shm_cursor_slot_t cursors[GCB_SHM_CURSOR_SLOTS];
	_Alignas(GCB_SHM_CACHE_LINE) gcb_shm_source_t source; /* fetcher */
} gcb_shm_pipeline_t;

typedef struct gcb_shm_header {
	uint64_t magic;
	_Atomic uint32_t layout_version; /* written last, release order */
	uint32_t header_size;
	uint64_t segment_size;
	char instance[GCB_SHM_INSTANCE_MAX];
	int32_t creator_pid;
	uint32_t reserved0;
	uint64_t creator_start_time;
	uint64_t created_unix_ms;

	/* The supervisor that currently owns the segment (changes on re-attach). */
	_Atomic int32_t supervisor_pid;
	uint32_t reserved1;
	_Atomic uint64_t supervisor_start_time;
	_Atomic uint64_t supervisor_heartbeat_ns;

	uint32_t stage_count;
	uint32_t stage_size;
	uint64_t stage_table_offset;
	uint64_t pipeline_offset;
	uint64_t pipeline_size;
	uint32_t ring_count;
	uint32_t ring_desc_size;
	uint64_t ring_table_offset; /* within the header page */
	uint64_t reserved2[8];
	gcb_shm_ring_desc_t rings[GCB_SHM_MAX_RINGS];
} gcb_shm_header_t;

_Static_assert(sizeof(gcb_shm_header_t) <= GCB_SHM_HEADER_SIZE, "header exceeds its page");

#endif

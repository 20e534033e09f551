/*
 * The per-instance shared-memory segment: creation by the supervisor,
 * attachment by stages (read-write) and tools (read-only). Layout and the
 * attach protocol are in gcb_shm_layout.h.
 */
#ifndef GCB_SHM_H
#define GCB_SHM_H

#include <stddef.h>
#include <stdint.h>

#include "shm/gcb_shm_layout.h"

typedef struct gcb_shm_stage_spec {
	const char *name;
	uint32_t kind;
	uint32_t index;
} gcb_shm_stage_spec_t;

typedef struct gcb_shm_ring_spec {
	const char *name;
	uint64_t capacity;   /* power of two */
	uint64_t max_record; /* 0: the largest the capacity allows */
	int32_t producer_stage;
	int32_t consumer_stage;
} gcb_shm_ring_spec_t;

typedef struct gcb_shm {
	gcb_shm_header_t *hdr; /* == base */
	unsigned char *base;
	size_t size;
	int readonly;
	char path[256];
} gcb_shm_t;

/* "/dev/shm/gcbridge-<instance>"; an argument containing '/' is taken as a path. */
int gcb_shm_path(const char *instance_or_path, char *buf, size_t size);

/*
 * Creates the segment for instance (mode 0600, failing if it exists), lays out
 * the stage table, pipeline section and rings, and publishes the layout
 * version last. On error returns -errno and describes it in errstr.
 */
int gcb_shm_create(gcb_shm_t *shm, const char *instance, const gcb_shm_stage_spec_t *stages,
		   unsigned nstages, const gcb_shm_ring_spec_t *rings, unsigned nrings, char *errstr,
		   size_t errstr_size);

/*
 * Maps an existing segment and checks its header: magic, layout version
 * (waiting up to wait_ms for a creator still initialising), sizes and
 * offsets. readonly maps with O_RDONLY / PROT_READ: nothing can be stored.
 * -EPROTO for a wrong magic or unknown layout version, -EBADF for a header
 * that contradicts itself, -ENOENT when there is no segment, -EPERM for a
 * file that cannot be trusted (gcb_shm_trusted; a symbolic link is never
 * followed).
 */
int gcb_shm_attach(gcb_shm_t *shm, const char *instance_or_path, int readonly, int wait_ms,
		   char *errstr, size_t errstr_size);

/*
 * Checks a header read from a file of size bytes at base: sizes, and every
 * offset with overflow-safe arithmetic, so that no region it names lies
 * outside the mapping. -EBADF with the reason in errstr.
 */
int gcb_shm_header_check(const void *base, size_t size, char *errstr, size_t errstr_size);

/*
 * Whether the file (fstat of the opened segment) may be used: a regular file;
 * to map it read-write, owned by this user with mode exactly 0600; to map it
 * read-only, at least not writable by group or others. -EPERM with a message
 * naming the file and what to do.
 */
struct stat;
int gcb_shm_trusted(const struct stat *sb, int readonly, const char *path, char *errstr,
		    size_t errstr_size);

/* Checks every ring's positions (release <= read <= tail, within capacity). */
int gcb_shm_check_rings(const gcb_shm_t *shm, char *errstr, size_t errstr_size);

void gcb_shm_detach(gcb_shm_t *shm);

/* Removes the segment's name; mappings stay valid until detached. */
int gcb_shm_unlink(const char *instance_or_path);

static inline gcb_shm_stage_t *gcb_shm_stage(const gcb_shm_t *shm, unsigned i)
{
	return (gcb_shm_stage_t *)(shm->base + shm->hdr->stage_table_offset +
				   (uint64_t)i * shm->hdr->stage_size);
}

static inline gcb_shm_pipeline_t *gcb_shm_pipeline(const gcb_shm_t *shm)
{
	return (gcb_shm_pipeline_t *)(shm->base + shm->hdr->pipeline_offset);
}

static inline void *gcb_shm_ring_mem(const gcb_shm_t *shm, unsigned i)
{
	return shm->base + shm->hdr->rings[i].offset;
}

/* "fetcher", "validator", "producer"; NULL for a kind this build does not know. */
static inline const char *gcb_shm_stage_kind_name(uint32_t kind)
{
	switch (kind) {
	case GCB_STAGE_KIND_FETCHER:
		return "fetcher";
	case GCB_STAGE_KIND_VALIDATOR:
		return "validator";
	case GCB_STAGE_KIND_PRODUCER:
		return "producer";
	default:
		return NULL;
	}
}

/* Index of the ring called name, or -ENOENT. */
int gcb_shm_find_ring(const gcb_shm_t *shm, const char *name);

#endif

/*
 * Validation of a segment header read from a file: every offset and size
 * in it is data from outside this process (the file may be planted, stale
 * or damaged), so each region is checked to lie inside the mapping with
 * arithmetic that cannot wrap, before anything dereferences it.
 */
#include "shm/gcb_shm.h"

#include <errno.h>
#include <stdio.h>

#include "shm/gcb_ring.h"

/* 1 when [off, off + count * elem) lies within [0, total) and off is aligned. */
static int region_ok(uint64_t off, uint64_t count, uint64_t elem, uint64_t align, uint64_t total)
{
	uint64_t len, end;

	if (align != 0 && off % align != 0)
		return 0;
	if (__builtin_mul_overflow(count, elem, &len) || __builtin_add_overflow(off, len, &end))
		return 0;
	return end <= total;
}

int gcb_shm_header_check(const void *base, size_t size, char *errstr, size_t errstr_size)
{
	const gcb_shm_header_t *hdr = base;
	const char *why = NULL;
	unsigned i;

	if (size < GCB_SHM_HEADER_SIZE)
		why = "smaller than its header";
	else if (hdr->segment_size != size)
		why = "segment_size differs from the file size";
	else if (hdr->header_size != GCB_SHM_HEADER_SIZE ||
		 hdr->stage_size != sizeof(gcb_shm_stage_t) ||
		 hdr->ring_desc_size != sizeof(gcb_shm_ring_desc_t) ||
		 hdr->pipeline_size != sizeof(gcb_shm_pipeline_t))
		why = "record sizes differ from this build's";
	else if (hdr->ring_count > GCB_SHM_MAX_RINGS)
		why = "too many rings";
	else if (hdr->stage_table_offset < GCB_SHM_HEADER_SIZE ||
		 !region_ok(hdr->stage_table_offset, hdr->stage_count, hdr->stage_size,
			    GCB_SHM_CACHE_LINE, size))
		why = "the stage table lies outside the segment";
	else if (hdr->pipeline_offset < GCB_SHM_HEADER_SIZE ||
		 !region_ok(hdr->pipeline_offset, 1, sizeof(gcb_shm_pipeline_t), GCB_SHM_CACHE_LINE,
			    size))
		why = "the pipeline section lies outside the segment";
	for (i = 0; why == NULL && i < hdr->ring_count; i++) {
		const gcb_shm_ring_desc_t *d = &hdr->rings[i];
		const gcb_ring_ctl_t *ctl;

		if (d->capacity == 0 || (d->capacity & (d->capacity - 1)) != 0 ||
		    d->offset < GCB_SHM_HEADER_SIZE ||
		    !region_ok(d->offset, 1, GCB_RING_CTL_SIZE, GCB_SHM_CACHE_LINE, size) ||
		    !region_ok(d->offset + GCB_RING_CTL_SIZE, 1, d->capacity, 0, size)) {
			why = "a ring lies outside the segment";
			break;
		}
		ctl = (const gcb_ring_ctl_t *)((const unsigned char *)base + d->offset);
		if (ctl->desc.magic != GCB_RING_MAGIC || ctl->desc.capacity != d->capacity ||
		    ctl->desc.max_record > d->capacity / 2)
			why = "a ring's control block contradicts the header";
	}
	if (why == NULL)
		return 0;
	snprintf(errstr, errstr_size, "header sizes or offsets are inconsistent: %s", why);
	return -EBADF;
}

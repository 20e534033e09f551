/*
 * libFuzzer target for the segment header validation (shm/gcb_shm_check.c):
 * the bytes as a whole segment file, in an exact-size heap block. When the
 * check accepts, every region the header names (stage table, pipeline
 * section, each ring's control block and data) must lie inside the block,
 * recomputed here with 128-bit arithmetic, and its first and last bytes are
 * read so that AddressSanitizer sees any miss. The wrap the security review
 * found (pipeline_offset = 2^64 - 4096) is in the corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shm/gcb_shm.h"

static volatile unsigned char sink;

static void region(const unsigned char *base, size_t size, uint64_t off, uint64_t len)
{
	if ((unsigned __int128)off + len > size)
		abort();
	if (len > 0) {
		sink = base[off];
		sink = base[off + len - 1];
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const gcb_shm_header_t *hdr;
	unsigned char *base;
	char err[160];

	if (size == 0 || posix_memalign((void **)&base, GCB_SHM_CACHE_LINE, size) != 0)
		return 0;
	memcpy(base, data, size);
	hdr = (const gcb_shm_header_t *)base;
	if (gcb_shm_header_check(base, size, err, sizeof(err)) == 0) {
		region(base, size, 0, GCB_SHM_HEADER_SIZE);
		region(base, size, hdr->stage_table_offset,
		       (uint64_t)hdr->stage_count * hdr->stage_size);
		region(base, size, hdr->pipeline_offset, sizeof(gcb_shm_pipeline_t));
		if (hdr->ring_count > GCB_SHM_MAX_RINGS)
			abort();
		for (unsigned i = 0; i < hdr->ring_count; i++) {
			region(base, size, hdr->rings[i].offset, GCB_RING_CTL_SIZE);
			region(base, size, hdr->rings[i].offset + GCB_RING_CTL_SIZE,
			       hdr->rings[i].capacity);
		}
	} else if (err[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	free(base);
	return 0;
}

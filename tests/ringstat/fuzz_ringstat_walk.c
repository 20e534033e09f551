/*
 * libFuzzer target for gcb_ringstat_walk(): the input becomes a ring control
 * block and a 4 KiB data area, each in its own exact-size heap block, so the
 * sanitizers catch any read outside them. The first input byte chooses
 * whether the descriptor is made valid (most runs, so the fuzzer spends its
 * time on positions and headers) or left as the input says.
 *
 * `make fuzz-ringstat` builds and runs it (tests/fuzz/module.mk); its corpus,
 * tests/fuzz/corpus/ringstat, is replayed in `make check`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ringstat/gcb_ringstat_walk.h"

#define FUZZ_CAP 4096u

static int touch(void *arg, const gcb_ringstat_rec_t *rec)
{
	unsigned *sum = arg;

	/* Every payload byte the walker hands out must be readable. */
	for (uint32_t i = 0; rec->payload != NULL && i < rec->length; i++)
		*sum += rec->payload[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	gcb_ring_ctl_t *ctl;
	unsigned char *data;
	gcb_ringstat_walk_t w;
	unsigned sum = 0;
	size_t n;

	if (size < 1)
		return 0;
	if (posix_memalign((void **)&ctl, GCB_SHM_CACHE_LINE, GCB_RING_CTL_SIZE) != 0)
		return 0;
	data = calloc(1, FUZZ_CAP);
	memset(ctl, 0, GCB_RING_CTL_SIZE);
	n = size - 1 < GCB_RING_CTL_SIZE ? size - 1 : GCB_RING_CTL_SIZE;
	memcpy(ctl, in + 1, n);
	if (size - 1 > GCB_RING_CTL_SIZE) {
		size_t d = size - 1 - GCB_RING_CTL_SIZE;

		memcpy(data, in + 1 + GCB_RING_CTL_SIZE, d < FUZZ_CAP ? d : FUZZ_CAP);
	}
	if ((in[0] & 0x0f) != 0) {
		ctl->desc.magic = GCB_RING_MAGIC;
		ctl->desc.capacity = FUZZ_CAP;
		if (in[0] & 0x10)
			ctl->desc.max_record = FUZZ_CAP / 2 - GCB_RING_REC_HDR;
	}
	(void)gcb_ringstat_walk(ctl, data, FUZZ_CAP, touch, &sum, &w);
	(void)gcb_ringstat_walk_stable(ctl, data, FUZZ_CAP, &w);
	free(ctl);
	free(data);
	return (int)(sum & 0);
}

#include "tests/ring/ring_payload.h"

#include <errno.h>
#include <string.h>

#define SLOTS	    16u
#define SLOT_STRIDE (GCB_RING_PAYLOAD_MAX + 64u)
#define WORDS	    ((GCB_RING_PAYLOAD_MAX - GCB_RING_PAYLOAD_META) / 8u + 1u)
#define LANES	    4u
#define MULT	    UINT64_C(0x9e3779b97f4a7c15)

static unsigned char pool[SLOTS * SLOT_STRIDE];
/* prefix[slot][k]: the lanes after hashing the first k words of the slot. */
static uint64_t prefix[SLOTS][WORDS + 1][LANES];
static int ready;

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static inline void lane_step(uint64_t *lane, uint64_t w)
{
	*lane = ((*lane ^ w) * MULT);
	*lane ^= *lane >> 29;
}

static uint64_t lanes_final(const uint64_t lanes[LANES], uint64_t seq, uint32_t length)
{
	uint64_t h = mix64(seq) ^ length;

	for (unsigned i = 0; i < LANES; i++)
		h = mix64(h ^ lanes[i]);
	return h;
}

static void lanes_init(uint64_t lanes[LANES])
{
	for (unsigned i = 0; i < LANES; i++)
		lanes[i] = MULT * (i + 1);
}

int gcb_ring_payload_init(void)
{
	uint64_t x = 0x243f6a8885a308d3u;

	if (ready)
		return 0;
	for (size_t i = 0; i < sizeof(pool); i += 8) {
		x = mix64(x + MULT);
		memcpy(pool + i, &x, 8);
	}
	for (unsigned s = 0; s < SLOTS; s++) {
		uint64_t lanes[LANES];

		lanes_init(lanes);
		memcpy(prefix[s][0], lanes, sizeof(lanes));
		for (unsigned k = 0; k < WORDS; k++) {
			uint64_t w;

			memcpy(&w, pool + s * SLOT_STRIDE + 8u * k, 8);
			lane_step(&lanes[k % LANES], w);
			memcpy(prefix[s][k + 1], lanes, sizeof(lanes));
		}
	}
	ready = 1;
	return 0;
}

uint32_t gcb_ring_payload_length(uint64_t seq)
{
	return 1u + (uint32_t)(mix64(seq) % GCB_RING_PAYLOAD_MAX);
}

static unsigned payload_slot(uint64_t seq)
{
	return (unsigned)((mix64(seq) >> 32) % SLOTS);
}

/* Checksum of n data bytes, starting from the lanes after k whole words. */
static uint64_t checksum_tail(uint64_t lanes[LANES], unsigned k, const unsigned char *p, uint32_t n,
			      uint64_t seq, uint32_t length)
{
	uint32_t i = 0;

	for (; i + 8 <= n; i += 8, k++) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		lane_step(&lanes[k % LANES], w);
	}
	if (i < n) {
		uint64_t w = 0;

		memcpy(&w, p + i, n - i);
		lane_step(&lanes[k % LANES], w);
	}
	return lanes_final(lanes, seq, length);
}

void gcb_ring_payload_fill(void *dst, uint64_t seq)
{
	uint32_t length = gcb_ring_payload_length(seq);
	unsigned slot = payload_slot(seq);
	const unsigned char *src = pool + slot * SLOT_STRIDE;
	unsigned char *d = dst;
	uint64_t lanes[LANES], sum;
	uint32_t n, whole;

	if (length < GCB_RING_PAYLOAD_META) {
		memcpy(d, src, length);
		return;
	}
	n = length - GCB_RING_PAYLOAD_META;
	whole = n / 8u;
	memcpy(lanes, prefix[slot][whole], sizeof(lanes));
	sum = checksum_tail(lanes, whole, src + 8u * whole, n - 8u * whole, seq, length);
	memcpy(d, &seq, 8);
	memcpy(d + 8, &sum, 8);
	memcpy(d + GCB_RING_PAYLOAD_META, src, n);
}

int gcb_ring_payload_check(const void *payload, uint32_t length, uint64_t seq)
{
	const unsigned char *p = payload;
	uint64_t lanes[LANES], got_seq, got_sum;

	if (length != gcb_ring_payload_length(seq))
		return -EBADMSG;
	if (length < GCB_RING_PAYLOAD_META)
		return memcmp(p, pool + payload_slot(seq) * SLOT_STRIDE, length) == 0 ? 0
										      : -EBADMSG;
	memcpy(&got_seq, p, 8);
	memcpy(&got_sum, p + 8, 8);
	if (got_seq != seq)
		return -EBADMSG;
	lanes_init(lanes);
	if (checksum_tail(lanes, 0, p + GCB_RING_PAYLOAD_META, length - GCB_RING_PAYLOAD_META, seq,
			  length) != got_sum)
		return -EBADMSG;
	return 0;
}

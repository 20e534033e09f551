/*
 * Seeded pseudo-random numbers for the simulator (xoshiro256**, seeded with
 * splitmix64). Every random choice the simulator makes (traffic, ids, faults)
 * comes from one of these generators, so a run is reproducible from --seed.
 */
#ifndef GCB_SIM_RAND_H
#define GCB_SIM_RAND_H

#include <stdint.h>

typedef struct gcb_sim_rand {
	uint64_t s[4];
} gcb_sim_rand_t;

static inline uint64_t gcb_sim_rand_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Seeds @r from @seed and a per-purpose @stream so generators are independent. */
static inline void gcb_sim_rand_init(gcb_sim_rand_t *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);

	for (int i = 0; i < 4; i++)
		r->s[i] = gcb_sim_rand_splitmix(&x);
}

static inline uint64_t gcb_sim_rand_u64(gcb_sim_rand_t *r)
{
	uint64_t *s = r->s;
	uint64_t res = ((s[1] * 5) << 7 | (s[1] * 5) >> 57) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return res;
}

/* Uniform in [0, 1). */
static inline double gcb_sim_rand_unit(gcb_sim_rand_t *r)
{
	return (double)(gcb_sim_rand_u64(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n); n > 0. */
static inline uint32_t gcb_sim_rand_below(gcb_sim_rand_t *r, uint32_t n)
{
	return (uint32_t)(((gcb_sim_rand_u64(r) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability @p. Draws nothing when p <= 0 so that switching a
 * fault off does not shift the rest of the random sequence. */
static inline int gcb_sim_rand_chance(gcb_sim_rand_t *r, double p)
{
	if (p <= 0)
		return 0;
	return gcb_sim_rand_unit(r) < p;
}

/* Writes a version-4 UUID string (36 chars + NUL) into @out. Hand-rolled
 * hex because it runs for every generated event. */
static inline void gcb_sim_rand_uuid(gcb_sim_rand_t *r, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t a = gcb_sim_rand_u64(r), b = gcb_sim_rand_u64(r);
	int o = 0;

	a = (a & ~0xf000ULL) | 0x4000ULL;
	b = (b & ~(0xc000000000000000ULL)) | 0x8000000000000000ULL;
	for (int i = 0; i < 32; i++) {
		uint64_t w = i < 16 ? a : b;
		int shift = 60 - 4 * (i & 15);

		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[o++] = '-';
		out[o++] = hex[(w >> shift) & 0xf];
	}
	out[36] = 0;
}

#endif

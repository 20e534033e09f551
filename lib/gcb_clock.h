/*
 * Clocks. Heartbeats and ages in shared memory use CLOCK_MONOTONIC, which is
 * one clock for every process on the host, so a tool in another process can
 * compare them with its own reading.
 */
#ifndef GCB_CLOCK_H
#define GCB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t gcb_clock_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t gcb_clock_mono_ms(void)
{
	return gcb_clock_mono_ns() / 1000000u;
}

static inline uint64_t gcb_clock_real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t gcb_clock_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#endif

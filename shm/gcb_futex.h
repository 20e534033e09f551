/*
 * Futexes on shared memory. The segment is mapped MAP_SHARED by several
 * processes, so these are never FUTEX_PRIVATE.
 */
#ifndef GCB_FUTEX_H
#define GCB_FUTEX_H

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps while *word == expected, at most timeout_ms. Spurious wake-ups happen. */
static inline void gcb_futex_wait(_Atomic uint32_t *word, uint32_t expected, int timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long)(timeout_ms % 1000) * 1000000L,
	};

	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, expected, &ts, NULL, 0);
}

static inline void gcb_futex_wake_all(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

#endif

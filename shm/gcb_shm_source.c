/*
 * A sequence lock over the source's health: the writer makes seq odd,
 * changes the text, makes it even again; a reader copies and retries when
 * seq moved or was odd. Readers never block the fetcher.
 */
#include "shm/gcb_shm_source.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static void copy_text(char *dst, size_t size, const char *src)
{
	size_t n = src != NULL ? strnlen(src, size - 1) : 0;

	memcpy(dst, src != NULL ? src : "", n);
	memset(dst + n, 0, size - n);
}

void gcb_shm_source_stall(gcb_shm_source_t *s, uint64_t since_unix_ms, const char *reason,
			  const char *cursor)
{
	uint32_t q = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	copy_text(s->reason, sizeof(s->reason), reason);
	copy_text(s->cursor, sizeof(s->cursor), cursor);
	atomic_store_explicit(&s->since_unix_ms, since_unix_ms, memory_order_relaxed);
	atomic_store_explicit(&s->stalled, 1, memory_order_relaxed);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

void gcb_shm_source_clear(gcb_shm_source_t *s)
{
	uint32_t q = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->stalled, 0, memory_order_relaxed);
	atomic_store_explicit(&s->since_unix_ms, 0, memory_order_relaxed);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

void gcb_shm_source_read(const gcb_shm_source_t *s, gcb_source_health_t *out)
{
	for (int tries = 0;; tries++) {
		uint32_t q = atomic_load_explicit(&s->seq, memory_order_acquire);

		out->stalled = (int)atomic_load_explicit(&s->stalled, memory_order_relaxed);
		out->since_unix_ms = atomic_load_explicit(&s->since_unix_ms, memory_order_relaxed);
		memcpy(out->reason, s->reason, sizeof(out->reason));
		memcpy(out->cursor, s->cursor, sizeof(out->cursor));
		atomic_thread_fence(memory_order_acquire);
		if (((q & 1) == 0 && atomic_load_explicit(&s->seq, memory_order_relaxed) == q) ||
		    tries == 1000)
			break;
	}
	/* A writer that died mid-update, or a hostile segment: still terminated. */
	out->reason[sizeof(out->reason) - 1] = '\0';
	out->cursor[sizeof(out->cursor) - 1] = '\0';
}

/*
 * The pipeline's cursor slots (gcb_shm_cursor_slot_t, gcb_shm_layout.h): the
 * one place the cursor that follows a batch travels. One writer, the fetcher
 * (batch_seq 0, then the bytes, then batch_seq with release order); readers
 * in any process, which may map the segment read-only.
 */
#ifndef GCB_SHM_CURSOR_H
#define GCB_SHM_CURSOR_H

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "shm/gcb_shm_layout.h"

/*
 * Copies the cursor that follows batch batch_seq into buf (NUL-terminated,
 * its length in *len). -ENOENT when the slot holds another batch, or was
 * rewritten while we copied (batch_seq is checked again after the bytes, as
 * a sequence lock), or the cursor does not fit size.
 */
static inline int gcb_shm_cursor_read(const gcb_shm_pipeline_t *p, uint64_t batch_seq, char *buf,
				      size_t size, size_t *len)
{
	const gcb_shm_cursor_slot_t *s = &p->cursors[batch_seq % GCB_SHM_CURSOR_SLOTS];
	uint32_t n;

	/* Batches count from 1: an empty slot's 0 is nobody's batch. */
	if (batch_seq == 0 ||
	    atomic_load_explicit(&s->batch_seq, memory_order_acquire) != batch_seq)
		return -ENOENT;
	n = s->length;
	if (n >= GCB_SHM_CURSOR_MAX || n >= size)
		return -ENOENT;
	memcpy(buf, s->cursor, n);
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&s->batch_seq, memory_order_relaxed) != batch_seq)
		return -ENOENT;
	buf[n] = '\0';
	*len = n;
	return 0;
}

#endif

/*
 * Growing an array of any element type (git's ALLOC_GROW, with an error code):
 * the one place that doubles a capacity, checks the doubling and the size in
 * bytes for overflow, and keeps a bound. Byte and text buffers use gcb_buf.
 *
 *	if ((rc = GCB_ARRAY_RESERVE(t->v, t->cap, t->n + 1, 64, 0)) != 0)
 *		return rc;
 *	t->v[t->n++] = x;
 */
#ifndef GCB_ARRAY_H
#define GCB_ARRAY_H

#include <stddef.h>

/*
 * Makes *itemsp (a T **: the address of the array's pointer) hold at least
 * need elements of elem_size bytes. *cap is the capacity in elements; it
 * doubles from `first` (16 when 0) and never exceeds max_items (0: no bound).
 * New elements are not initialised. Returns 0, -EFBIG (need beyond max_items,
 * or beyond what size_t can count in bytes) or -ENOMEM; on error the array
 * and *cap are unchanged.
 *
 * itemsp is a void * rather than a void ** so that any T ** converts without a
 * cast: the pointer is read and written with memcpy, which C allows whatever T
 * is (a T * written through a void ** would not be).
 */
int gcb_array_reserve(void *itemsp, size_t *cap, size_t need, size_t elem_size, size_t first,
		      size_t max_items);

/* The same for a T *items and a size_t cap, the element size taken from T. */
#define GCB_ARRAY_RESERVE(items, cap, need, first, max_items)                                      \
	gcb_array_reserve(&(items), &(cap), (need), sizeof(*(items)), (first), (max_items))

#endif

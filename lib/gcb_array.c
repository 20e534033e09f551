#include "lib/gcb_array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int gcb_array_reserve(void *itemsp, size_t *cap, size_t need, size_t elem_size, size_t first,
		      size_t max_items)
{
	size_t n;
	void *items, *p;

	if (need <= *cap)
		return 0;
	if (max_items != 0 && need > max_items)
		return -EFBIG;
	n = *cap ? *cap : (first ? first : 16);
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (max_items != 0 && n > max_items)
		n = max_items;
	/* Doubling may overshoot what fits in bytes when need itself fits. */
	if (elem_size != 0 && n > SIZE_MAX / elem_size) {
		if (need > SIZE_MAX / elem_size)
			return -EFBIG;
		n = SIZE_MAX / elem_size;
	}
	memcpy(&items, itemsp, sizeof(items));
	if ((p = realloc(items, n * elem_size)) == NULL)
		return -ENOMEM;
	memcpy(itemsp, &p, sizeof(p));
	*cap = n;
	return 0;
}

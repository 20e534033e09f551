/*
 * A growable byte buffer (Redis sds, without the header trick): data stays
 * NUL-terminated after every append, so a text reply can be parsed in place.
 * Capacity doubles from `first` (256 when 0) and never exceeds `max` (0: no
 * bound), so a hostile peer cannot make the process allocate without limit.
 *
 * Set max and first before the first append; a zeroed gcb_buf_t is an empty,
 * unbounded buffer. gcb_buf_fini() frees data; reset keeps the allocation.
 */
#ifndef GCB_BUF_H
#define GCB_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct gcb_buf {
	char *data;   /* NULL until the first append or reserve */
	size_t len;   /* bytes held, the NUL not counted */
	size_t cap;   /* bytes allocated */
	size_t max;   /* 0: unbounded; else len + 1 never exceeds it */
	size_t first; /* first allocation (0: 256) */
} gcb_buf_t;

/* Room for n more bytes plus the NUL. 0, -EFBIG (beyond max) or -ENOMEM. */
int gcb_buf_reserve(gcb_buf_t *b, size_t n);

/* Appends n bytes and the NUL. 0, -EFBIG (nothing appended) or -ENOMEM. */
int gcb_buf_append(gcb_buf_t *b, const void *p, size_t n);

/* Appends printf-formatted text. 0, -EFBIG (nothing appended), -ENOMEM or
 * -EINVAL (a bad format). */
__attribute__((format(printf, 2, 3))) int gcb_buf_printf(gcb_buf_t *b, const char *fmt, ...);
int gcb_buf_vprintf(gcb_buf_t *b, const char *fmt, va_list ap);

/* Empties b; data (allocated at least once) reads "". 0 or -ENOMEM. */
int gcb_buf_reset(gcb_buf_t *b);

/* Frees data; b is an empty buffer with the same max and first. */
void gcb_buf_fini(gcb_buf_t *b);

#endif

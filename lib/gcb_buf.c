#include "lib/gcb_buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gcb_buf_reserve(gcb_buf_t *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > SIZE_MAX - b->len - 1)
		return -EFBIG;
	need = b->len + n + 1;
	if (b->max != 0 && need > b->max)
		return -EFBIG;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : (b->first ? b->first : 256);
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->max != 0 && cap > b->max)
		cap = b->max;
	if ((p = realloc(b->data, cap)) == NULL)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int gcb_buf_append(gcb_buf_t *b, const void *p, size_t n)
{
	int rc = gcb_buf_reserve(b, n);

	if (rc != 0)
		return rc;
	if (n != 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int gcb_buf_vprintf(gcb_buf_t *b, const char *fmt, va_list ap)
{
	size_t room = b->cap - b->len;
	va_list aq;
	int n, rc;

	va_copy(aq, ap);
	n = vsnprintf(b->data != NULL ? b->data + b->len : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < room) {
		b->len += (size_t)n;
		return 0;
	}
	if ((rc = gcb_buf_reserve(b, (size_t)n)) != 0)
		return rc;
	vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int gcb_buf_printf(gcb_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = gcb_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int gcb_buf_reset(gcb_buf_t *b)
{
	b->len = 0;
	if (b->data == NULL && gcb_buf_reserve(b, 0) != 0)
		return -ENOMEM;
	b->data[0] = '\0';
	return 0;
}

void gcb_buf_fini(gcb_buf_t *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

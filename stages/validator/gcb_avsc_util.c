/*
 * Small helpers of the schema tooling: string buffer, problem list, name
 * rules, file reading.
 */
#include "stages/validator/gcb_avsc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/gcb_array.h"

#define READ_MAX (64u << 20)

void gcb_avsc_buf_init(gcb_avsc_buf_t *b)
{
	memset(b, 0, sizeof(*b));
	b->b.first = 64; /* paths and messages are short */
}

void gcb_avsc_buf_fini(gcb_avsc_buf_t *b)
{
	gcb_buf_fini(&b->b);
	memset(b, 0, sizeof(*b));
}

void gcb_avsc_buf_append(gcb_avsc_buf_t *b, const char *s, size_t n)
{
	if (!b->oom && gcb_buf_append(&b->b, s, n) != 0)
		b->oom = 1;
}

void gcb_avsc_buf_puts(gcb_avsc_buf_t *b, const char *s)
{
	gcb_avsc_buf_append(b, s, strlen(s));
}

void gcb_avsc_buf_printf(gcb_avsc_buf_t *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	if (b->oom)
		return;
	va_start(ap, fmt);
	rc = gcb_buf_vprintf(&b->b, fmt, ap);
	va_end(ap);
	/* A format vsnprintf refuses appends nothing, as before; it is no OOM. */
	if (rc != 0 && rc != -EINVAL)
		b->oom = 1;
}

void gcb_avsc_buf_json_string(gcb_avsc_buf_t *b, const char *s)
{
	gcb_avsc_buf_append(b, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			char esc[2] = {'\\', (char)*c};
			gcb_avsc_buf_append(b, esc, 2);
		} else if (*c < 0x20) {
			gcb_avsc_buf_printf(b, "\\u%04x", *c);
		} else {
			gcb_avsc_buf_append(b, (const char *)c, 1);
		}
	}
	gcb_avsc_buf_append(b, "\"", 1);
}

void gcb_avsc_buf_truncate(gcb_avsc_buf_t *b, size_t len)
{
	if (b->b.data && len <= b->b.len) {
		b->b.len = len;
		b->b.data[len] = '\0';
	}
}

const char *gcb_avsc_buf_str(const gcb_avsc_buf_t *b)
{
	return b->b.data && !b->oom ? b->b.data : "";
}

void gcb_avsc_path_push(gcb_avsc_buf_t *path, const char *seg)
{
	if (path->b.len)
		gcb_avsc_buf_append(path, ".", 1);
	gcb_avsc_buf_puts(path, seg);
}

void gcb_avsc_path_push_index(gcb_avsc_buf_t *path, size_t i)
{
	gcb_avsc_buf_printf(path, "[%zu]", i);
}

void gcb_avsc_problems_init(gcb_avsc_problems_t *p)
{
	memset(p, 0, sizeof(*p));
}

void gcb_avsc_problems_fini(gcb_avsc_problems_t *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].path);
		free(p->v[i].reason);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}

size_t gcb_avsc_problems_count(const gcb_avsc_problems_t *p)
{
	return p->n + p->dropped;
}

void gcb_avsc_problem_add(gcb_avsc_problems_t *p, const char *path, const char *fmt, ...)
{
	char *reason = NULL;
	char *dup;
	va_list ap;
	int n;

	if (p->n >= GCB_AVSC_PROBLEMS_MAX) {
		p->dropped++;
		return;
	}
	if (GCB_ARRAY_RESERVE(p->v, p->cap, p->n + 1, 8, GCB_AVSC_PROBLEMS_MAX) != 0)
		goto fail;
	va_start(ap, fmt);
	n = vasprintf(&reason, fmt, ap);
	va_end(ap);
	if (n < 0) {
		reason = NULL;
		goto fail;
	}
	dup = strdup(path ? path : "");
	if (!dup)
		goto fail;
	p->v[p->n].path = dup;
	p->v[p->n].reason = reason;
	p->n++;
	return;
fail:
	free(reason);
	p->oom = 1;
	p->dropped++;
}

int gcb_avsc_name_valid(const char *s)
{
	if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_' ||
		      (*s >= '0' && *s <= '9')))
			return 0;
	}
	return 1;
}

int gcb_avsc_fullname_valid(const char *s, int allow_empty)
{
	char part[256];
	const char *dot;

	if (!s)
		return 0;
	if (!*s)
		return allow_empty;
	for (;;) {
		size_t n;

		dot = strchr(s, '.');
		n = dot ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n >= sizeof(part))
			return 0;
		memcpy(part, s, n);
		part[n] = '\0';
		if (!gcb_avsc_name_valid(part))
			return 0;
		if (!dot)
			return 1;
		s = dot + 1;
	}
}

int gcb_avsc_is_integral(double d)
{
	return isfinite(d) && floor(d) == d;
}

const char *gcb_avsc_type_name(gcb_avsc_type_t type)
{
	static const char *const names[] = {
	    [GCB_AVSC_INVALID] = "invalid", [GCB_AVSC_NULL] = "null",
	    [GCB_AVSC_BOOLEAN] = "boolean", [GCB_AVSC_INT] = "int",
	    [GCB_AVSC_LONG] = "long",	    [GCB_AVSC_FLOAT] = "float",
	    [GCB_AVSC_DOUBLE] = "double",   [GCB_AVSC_BYTES] = "bytes",
	    [GCB_AVSC_STRING] = "string",   [GCB_AVSC_RECORD] = "record",
	    [GCB_AVSC_ENUM] = "enum",	    [GCB_AVSC_ARRAY] = "array",
	    [GCB_AVSC_MAP] = "map",	    [GCB_AVSC_UNION] = "union",
	    [GCB_AVSC_FIXED] = "fixed",
	};

	if ((unsigned)type >= sizeof(names) / sizeof(names[0]))
		return "invalid";
	return names[type];
}

void gcb_avsc_describe(gcb_avsc_buf_t *b, const gcb_avsc_node_t *n)
{
	if (n->fullname)
		gcb_avsc_buf_printf(b, "%s '%s'", gcb_avsc_type_name(n->type), n->fullname);
	else
		gcb_avsc_buf_puts(b, gcb_avsc_type_name(n->type));
}

int gcb_avsc_read_file(const char *path, char **out, size_t *len)
{
	gcb_buf_t buf = {.max = READ_MAX, .first = 4096};
	int fd, err;

	*out = NULL;
	*len = 0;
	fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		/* Full (or not yet allocated): one byte more doubles the capacity,
		 * up to READ_MAX, beyond which the file is -EFBIG. */
		if (buf.len + 1 >= buf.cap && (err = gcb_buf_reserve(&buf, 1)) != 0)
			goto fail;
		r = read(fd, buf.data + buf.len, buf.cap - buf.len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		buf.len += (size_t)r;
	}
	buf.data[buf.len] = '\0';
	if (fd != STDIN_FILENO)
		close(fd);
	*out = buf.data;
	*len = buf.len;
	return 0;
fail:
	gcb_buf_fini(&buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return err;
}

/*
 * Parsing Canonical Form: the model already holds full names ([FULLNAMES]),
 * primitives as plain names ([PRIMITIVES]) and only the attributes that
 * matter ([STRIP]); writing it in the fixed attribute order ([ORDER]) with
 * no whitespace gives the form. A named type is written in full at its first
 * occurrence and by full name afterwards.
 */
#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_avsc_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CRC64_AVRO_EMPTY 0xc15d213aa4d7a795ull

static void write_node(gcb_avsc_buf_t *b, const gcb_avsc_node_t *n, unsigned char *written)
{
	if (n->fullname) {
		if (written[n->index]) {
			gcb_avsc_buf_json_string(b, n->fullname);
			return;
		}
		written[n->index] = 1;
		gcb_avsc_buf_puts(b, "{\"name\":");
		gcb_avsc_buf_json_string(b, n->fullname);
		gcb_avsc_buf_printf(b, ",\"type\":\"%s\"", gcb_avsc_type_name(n->type));
	}
	switch (n->type) {
	case GCB_AVSC_RECORD:
		gcb_avsc_buf_puts(b, ",\"fields\":[");
		for (size_t i = 0; i < n->nfields; i++) {
			gcb_avsc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
			gcb_avsc_buf_json_string(b, n->fields[i].name);
			gcb_avsc_buf_puts(b, ",\"type\":");
			write_node(b, n->fields[i].type, written);
			gcb_avsc_buf_puts(b, "}");
		}
		gcb_avsc_buf_puts(b, "]}");
		break;
	case GCB_AVSC_ENUM:
		gcb_avsc_buf_puts(b, ",\"symbols\":[");
		for (size_t i = 0; i < n->nsymbols; i++) {
			if (i)
				gcb_avsc_buf_puts(b, ",");
			gcb_avsc_buf_json_string(b, n->symbols[i]);
		}
		gcb_avsc_buf_puts(b, "]}");
		break;
	case GCB_AVSC_FIXED:
		gcb_avsc_buf_printf(b, ",\"size\":%lld}", (long long)n->size);
		break;
	case GCB_AVSC_ARRAY:
		gcb_avsc_buf_puts(b, "{\"type\":\"array\",\"items\":");
		write_node(b, n->items, written);
		gcb_avsc_buf_puts(b, "}");
		break;
	case GCB_AVSC_MAP:
		gcb_avsc_buf_puts(b, "{\"type\":\"map\",\"values\":");
		write_node(b, n->items, written);
		gcb_avsc_buf_puts(b, "}");
		break;
	case GCB_AVSC_UNION:
		gcb_avsc_buf_puts(b, "[");
		for (size_t i = 0; i < n->nbranches; i++) {
			if (i)
				gcb_avsc_buf_puts(b, ",");
			write_node(b, n->branches[i], written);
		}
		gcb_avsc_buf_puts(b, "]");
		break;
	default:
		gcb_avsc_buf_printf(b, "\"%s\"", gcb_avsc_type_name(n->type));
		break;
	}
}

int gcb_avsc_canonical(const gcb_avsc_t *s, char **out)
{
	unsigned char *written = calloc(s->nnamed ? s->nnamed : 1, 1);
	gcb_avsc_buf_t b;

	*out = NULL;
	if (!written)
		return -ENOMEM;
	gcb_avsc_buf_init(&b);
	write_node(&b, s->root, written);
	free(written);
	if (b.oom || !b.b.data) {
		gcb_avsc_buf_fini(&b);
		return -ENOMEM;
	}
	*out = b.b.data; /* the caller owns it now */
	return 0;
}

uint64_t gcb_avsc_crc64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t fp = CRC64_AVRO_EMPTY;

	/* Bit at a time: no table to share, and schemas are small. */
	for (size_t i = 0; i < len; i++) {
		fp ^= p[i];
		for (int j = 0; j < 8; j++)
			fp = (fp >> 1) ^ (CRC64_AVRO_EMPTY & (0 - (fp & 1)));
	}
	return fp;
}

int gcb_avsc_fingerprint(const gcb_avsc_t *s, uint64_t *fp)
{
	char *form;
	int err = gcb_avsc_canonical(s, &form);

	if (err)
		return err;
	*fp = gcb_avsc_crc64(form, strlen(form));
	free(form);
	return 0;
}

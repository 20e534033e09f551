/*
 * The Prometheus text exposition (version 0.0.4) of an instance, rendered
 * from its segment: headers, stage table, rings and counters only.
 */
#ifndef GCB_METRICS_RENDER_H
#define GCB_METRICS_RENDER_H

#include <stddef.h>

#include "lib/gcb_buf.h"
#include "shm/gcb_shm.h"
#include "supervisor/gcb_health.h"

/* A growable text buffer; reused between scrapes. */
/* The metrics text: a growable buffer (lib/gcb_buf.h) whose appends stop at
 * the first failure. */
typedef struct gcb_textbuf {
	gcb_buf_t buf;
	int oom; /* an append failed; the text is incomplete */
} gcb_textbuf_t;

__attribute__((format(printf, 2, 3))) void gcb_textbuf_printf(gcb_textbuf_t *b, const char *fmt,
							      ...);
void gcb_textbuf_fini(gcb_textbuf_t *b);

/* Renders every metric into b (emptied first). health may be NULL. */
void gcb_metrics_render(gcb_textbuf_t *b, const gcb_shm_t *shm, const gcb_health_t *health,
			const char *version);

#endif

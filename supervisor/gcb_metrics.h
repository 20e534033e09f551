/*
 * The supervisor's HTTP endpoint: /metrics (Prometheus text), /healthz and
 * /readyz. libmicrohttpd runs without a thread of its own (the supervisor
 * forks, and a forked thread is a hazard): its epoll descriptor joins the
 * supervisor's poll set and gcb_metrics_run() serves whatever is ready.
 */
#ifndef GCB_METRICS_H
#define GCB_METRICS_H

#include <stddef.h>

#include "shm/gcb_shm.h"
#include "supervisor/gcb_health.h"

typedef struct gcb_metrics gcb_metrics_t;

/*
 * Listens on listen ("host:port", "[v6]:port"; port 0 picks a free one).
 * version is copied. NULL with errstr on failure, and errno EINVAL for a bad
 * address, EADDRINUSE when it cannot listen.
 */
gcb_metrics_t *gcb_metrics_new(const char *listen, const char *version, char *errstr,
			       size_t errstr_size);

/* The descriptor to poll for input. */
int gcb_metrics_fd(const gcb_metrics_t *m);

/* The port actually bound. */
unsigned gcb_metrics_port(const gcb_metrics_t *m);

/* What the endpoints report on; both must stay valid while m serves (NULL:
 * the segment is not attached yet, every endpoint answers 503). */
void gcb_metrics_set_source(gcb_metrics_t *m, const gcb_shm_t *shm, const gcb_health_t *health);

/* Serves ready requests and expires idle connections; never blocks. */
void gcb_metrics_run(gcb_metrics_t *m);

/* The weakened transport settings in effect (GCB_CONFIG_INSECURE_*). */
void gcb_metrics_set_insecure(gcb_metrics_t *m, unsigned flags);

/* In a forked child: closes the inherited listening and epoll descriptors
 * (a stage must not keep the port bound after the supervisor exits). */
void gcb_metrics_close_in_child(gcb_metrics_t *m);

void gcb_metrics_destroy(gcb_metrics_t *m);

#endif

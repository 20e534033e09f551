/*
 * Stream registry: definitions created by POST /api/v2/eventstreams (or the
 * --stream-id default), looked up by id. Streams are never deleted, so a
 * pointer returned by a lookup stays valid until the registry is destroyed.
 */
#ifndef GCB_SIM_STREAM_H
#define GCB_SIM_STREAM_H

#include <stddef.h>

#include "tools/sim/gcb_sim_filter.h"
#include "tools/sim/gcb_sim_rand.h"

#define GCB_SIM_STREAMS_MAX 256

typedef struct gcb_sim_stream {
	char id[64];
	char *json; /* the definition as served by POST and GET */
	gcb_sim_filter_t filter;
} gcb_sim_stream_t;

typedef struct gcb_sim_streams gcb_sim_streams_t;

gcb_sim_streams_t *gcb_sim_streams_new(uint64_t seed, char *errstr, size_t errstr_size);
void gcb_sim_streams_destroy(gcb_sim_streams_t *s);

/* Adds the catch-all stream @id (every entity and event type, no filter). */
int gcb_sim_streams_add_default(gcb_sim_streams_t *s, const char *id);

/*
 * Creates a stream from a POST body. On success *out is the new stream;
 * otherwise -EINVAL (bad definition; reason in errstr) or -ENOSPC.
 */
int gcb_sim_streams_create(gcb_sim_streams_t *s, const char *body, size_t len,
			   const gcb_sim_stream_t **out, char *errstr, size_t errstr_size);
const gcb_sim_stream_t *gcb_sim_streams_find(gcb_sim_streams_t *s, const char *id, size_t id_len);
int gcb_sim_streams_count(gcb_sim_streams_t *s);

#endif

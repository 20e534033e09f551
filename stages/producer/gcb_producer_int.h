/* Producer stage internals shared by its source files; not for other stages. */
#ifndef GCB_PRODUCER_INT_H
#define GCB_PRODUCER_INT_H

#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "shm/gcb_records.h"
#include "shm/gcb_shm_layout.h"
#include "stages/producer/gcb_producer.h"

#define GCB_PRODUCER_MAX_TOPICS 64
#define GCB_PRODUCER_TOPIC_MAX	249 /* Kafka's limit on topic names */

/* Strips the optional "kafka." prefix of a passthrough key. */
const char *gcb_producer_kafka_key(const char *key);

/*
 * Builds the librdkafka configuration: bootstrap servers, the safe defaults
 * (acks=all, idempotence, 5 in flight), the passthrough properties, then the
 * queue limits derived from the rings (a smaller configured limit wins).
 * Returns NULL with errstr filled on a bad property.
 */
rd_kafka_conf_t *gcb_producer_kafka_conf(const gcb_producer_conf_t *conf, uint64_t max_messages,
					 uint64_t max_kbytes, char *errstr, size_t errstr_size);

/* Topic handles by name, created on first use (names are not NUL-terminated
 * in ring records). */
typedef struct gcb_producer_topics {
	rd_kafka_t *rk;
	unsigned n;
	struct {
		rd_kafka_topic_t *rkt;
		uint32_t len;
		char name[GCB_PRODUCER_TOPIC_MAX + 1];
	} t[GCB_PRODUCER_MAX_TOPICS];
} gcb_producer_topics_t;

void gcb_producer_topics_init(gcb_producer_topics_t *tc, rd_kafka_t *rk);

/* The handle for name[0..len), or NULL (name too long, table full, or
 * rd_kafka_topic_new() failed; logged). */
rd_kafka_topic_t *gcb_producer_topics_get(gcb_producer_topics_t *tc, const char *name,
					  uint32_t len);

void gcb_producer_topics_fini(gcb_producer_topics_t *tc);

/* What a ring record becomes. */
enum { GCB_PRODUCER_KIND_AVRO = 1, GCB_PRODUCER_KIND_DLQ, GCB_PRODUCER_KIND_BAD };

/* A schema's numbers as header values, formatted once (gcb_producer_headers.c). */
#define GCB_PRODUCER_HDR_CACHE 16 /* power of two */
typedef struct gcb_producer_schema_hdr {
	uint64_t fingerprint;
	uint32_t id, version;
	uint8_t used, id_len, version_len;
	char id_s[20], version_s[20], fingerprint_s[16];
} gcb_producer_schema_hdr_t;

typedef struct gcb_producer_hdr_cache {
	gcb_producer_schema_hdr_t e[GCB_PRODUCER_HDR_CACHE];
} gcb_producer_hdr_cache_t;

/* Where headers come from besides the record: a dead letter's
 * source.cursor is its batch's cursor slot (gcb_shm_cursor.h). */
typedef struct gcb_producer_hdr_src {
	const gcb_shm_pipeline_t *pipe; /* NULL: no cursor header */
	_Atomic uint64_t *counters;	/* the stage's (CURSOR_MISSES); may be NULL */
} gcb_producer_hdr_src_t;

/*
 * The provenance headers of a ring record of the given kind, in the given
 * set (dead letters and malformed records always get all of theirs). The
 * caller owns the list until rd_kafka_producev() takes it.
 */
rd_kafka_headers_t *gcb_producer_headers_make(gcb_producer_headers_t set,
					      gcb_producer_hdr_cache_t *cache,
					      const gcb_producer_hdr_src_t *src,
					      const gcb_ring_rec_t *rec, int kind);

#endif

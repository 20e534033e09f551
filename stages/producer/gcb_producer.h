/*
 * The producer stage: reads the validators' output rings in stripe order and
 * produces every record to Kafka with librdkafka (acks=all, idempotent),
 * releasing ring space only after Kafka acknowledged it, in order, and
 * publishing the last fully acknowledged batch (pipeline->acked_batch_seq).
 * See docs/producer.md for headers, guarantees and counters.
 */
#ifndef GCB_PRODUCER_H
#define GCB_PRODUCER_H

#include <stddef.h>

#include "shm/gcb_ring.h"
#include "stages/gcb_stage.h"

/* One librdkafka property; key with or without the "kafka." prefix. */
typedef struct gcb_producer_kv {
	const char *key;
	const char *value;
} gcb_producer_kv_t;

/* Which provenance headers an event's message carries (docs/producer.md). */
typedef enum gcb_producer_headers {
	GCB_PRODUCER_HEADERS_ALL = 0,
	GCB_PRODUCER_HEADERS_LEAN,
	GCB_PRODUCER_HEADERS_MINIMAL,
} gcb_producer_headers_t;

typedef struct gcb_producer_conf {
	const char *bootstrap_servers;
	const char *default_topic; /* for AVRO records that carry no topic */
	const char *dlq_topic;	   /* for DLQ records without a topic; NULL: <default_topic>.dlq */
	const gcb_producer_kv_t *kafka; /* passed through to librdkafka, after the defaults */
	unsigned n_kafka;
	gcb_producer_headers_t headers; /* default GCB_PRODUCER_HEADERS_ALL */
	int unsafe;	      /* accept acks/idempotence/in-flight settings that can lose data */
	int flush_timeout_ms; /* bound on the final flush when asked to stop */
	int retry_backoff_ms; /* first re-produce delay after a failed delivery */
	int retry_backoff_max_ms;
	int stats_interval_ms; /* librdkafka statistics (broker RTT); 0 disables */
} gcb_producer_conf_t;

/* Fills conf with the defaults (no bootstrap servers, topic "gcbridge.events"). */
void gcb_producer_conf_init(gcb_producer_conf_t *conf);

/*
 * Refuses (-EINVAL, reason in errstr) a configuration whose kafka properties
 * weaken the delivery guarantee: acks other than all/-1, idempotence off,
 * max.in.flight.requests.per.connection above 5, or a transactional.id. With
 * conf->unsafe set it logs each weakening as an error and returns 0.
 */
int gcb_producer_check_safety(const gcb_producer_conf_t *conf, char *errstr, size_t errstr_size);

/*
 * Runs the stage until it is told to stop. in: n_in rings attached as
 * consumer (gcb_ring_attach_consumer), in stripe order (batch b is on ring
 * b mod n_in). Returns GCB_EXIT_OK after a drain or a stop, GCB_EXIT_RESTART
 * after a fatal librdkafka error, GCB_EXIT_FATAL for a bad configuration.
 */
int gcb_producer_main(const gcb_producer_conf_t *conf, gcb_stage_ctx_t *ctx, gcb_ring_t *in,
		      unsigned n_in);

#endif

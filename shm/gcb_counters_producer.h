/*
 * Counters of the producer stage: indexes into its gcb_shm_stage_t.counters[]
 * and their names, part of the segment contract (tools read them). Counters
 * only grow, except gauges (marked), which hold the current value.
 */
#ifndef GCB_COUNTERS_PRODUCER_H
#define GCB_COUNTERS_PRODUCER_H

/* X(INDEX_SUFFIX, "name", "help") */
#define GCB_PRODUCER_COUNTERS(X)                                                                   \
	X(PRODUCED, "produced", "records handed to librdkafka (first attempt)")                    \
	X(DELIVERED, "delivered", "records acknowledged on their topic")                           \
	X(DLQ_DELIVERED, "dlq_delivered", "DLQ records acknowledged on the DLQ topic")             \
	X(FILTERED, "filtered", "filtered records passed over (not produced)")                     \
	X(DELIVERY_ERRORS, "delivery_errors", "failed delivery reports and produce calls")         \
	X(RETRIES, "retries", "records produced again after a failure")                            \
	X(IN_FLIGHT, "in_flight", "gauge: records produced and not yet acknowledged")              \
	X(RTT_US, "rtt_us", "gauge: highest average broker round trip, microseconds")              \
	X(QUEUE_DEPTH, "queue_depth", "gauge: messages in librdkafka's queues")                    \
	X(LATENCY_SUM_US, "latency_sum_us", "sum of produce-to-acknowledgement times, us")         \
	X(LATENCY_COUNT, "latency_count", "number of latencies in latency_sum_us")                 \
	X(RELEASED, "released", "ring records given back after delivery")                          \
	X(SKIPPED, "skipped", "records of already acknowledged batches found after a restart")     \
	X(BAD_RECORDS, "bad_records", "malformed ring records sent to the DLQ topic")              \
	X(STRIPE_ERRORS, "stripe_errors", "records whose batch is not the one expected")           \
	X(ACKED_BATCH_SEQ, "acked_batch_seq", "gauge: last batch fully acknowledged")              \
	X(FATAL_ERRORS, "fatal_errors", "fatal librdkafka errors (the stage restarts)")

enum gcb_producer_counter {
#define GCB_PRODUCER_COUNTER_ENUM(id, name, help) GCB_PRODUCER_C_##id,
	GCB_PRODUCER_COUNTERS(GCB_PRODUCER_COUNTER_ENUM)
#undef GCB_PRODUCER_COUNTER_ENUM
	    GCB_PRODUCER_C_COUNT
};

static const char *const gcb_producer_counter_names[GCB_PRODUCER_C_COUNT] = {
#define GCB_PRODUCER_COUNTER_NAME(id, name, help) name,
    GCB_PRODUCER_COUNTERS(GCB_PRODUCER_COUNTER_NAME)
#undef GCB_PRODUCER_COUNTER_NAME
};

static const char *const gcb_producer_counter_help[GCB_PRODUCER_C_COUNT] = {
#define GCB_PRODUCER_COUNTER_HELP(id, name, help) help,
    GCB_PRODUCER_COUNTERS(GCB_PRODUCER_COUNTER_HELP)
#undef GCB_PRODUCER_COUNTER_HELP
};

_Static_assert(GCB_PRODUCER_C_COUNT <= 48, "producer counters exceed GCB_SHM_STAGE_COUNTERS");

#endif

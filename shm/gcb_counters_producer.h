/*
 * Counters of the producer stage: indexes into its gcb_shm_stage_t.counters[]
 * and their names, part of the segment contract (tools read them). Counters
 * only grow, except gauges (marked), which hold the current value.
 */
#ifndef GCB_COUNTERS_PRODUCER_H
#define GCB_COUNTERS_PRODUCER_H

#include "shm/gcb_shm_layout.h"

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
	X(FATAL_ERRORS, "fatal_errors", "fatal librdkafka errors (the stage restarts)")            \
	X(FETCH_LATENCY_LE_1000US, "fetch_latency_le_1000us",                                      \
	  "deliveries at most 1 ms after their fetch (cumulative)")                                \
	X(FETCH_LATENCY_LE_2000US, "fetch_latency_le_2000us",                                      \
	  "deliveries at most 2 ms after their fetch (cumulative)")                                \
	X(FETCH_LATENCY_LE_5000US, "fetch_latency_le_5000us",                                      \
	  "deliveries at most 5 ms after their fetch (cumulative)")                                \
	X(FETCH_LATENCY_LE_10000US, "fetch_latency_le_10000us",                                    \
	  "deliveries at most 10 ms after their fetch (cumulative)")                               \
	X(FETCH_LATENCY_LE_20000US, "fetch_latency_le_20000us",                                    \
	  "deliveries at most 20 ms after their fetch (cumulative)")                               \
	X(FETCH_LATENCY_LE_50000US, "fetch_latency_le_50000us",                                    \
	  "deliveries at most 50 ms after their fetch (cumulative)")                               \
	X(FETCH_LATENCY_LE_100000US, "fetch_latency_le_100000us",                                  \
	  "deliveries at most 100 ms after their fetch (cumulative)")                              \
	X(FETCH_LATENCY_LE_200000US, "fetch_latency_le_200000us",                                  \
	  "deliveries at most 200 ms after their fetch (cumulative)")                              \
	X(FETCH_LATENCY_LE_500000US, "fetch_latency_le_500000us",                                  \
	  "deliveries at most 500 ms after their fetch (cumulative)")                              \
	X(FETCH_LATENCY_LE_1000000US, "fetch_latency_le_1000000us",                                \
	  "deliveries at most 1000 ms after their fetch (cumulative)")                             \
	X(FETCH_LATENCY_LE_2000000US, "fetch_latency_le_2000000us",                                \
	  "deliveries at most 2000 ms after their fetch (cumulative)")                             \
	X(FETCH_LATENCY_LE_5000000US, "fetch_latency_le_5000000us",                                \
	  "deliveries at most 5000 ms after their fetch (cumulative)")                             \
	X(FETCH_LATENCY_LE_10000000US, "fetch_latency_le_10000000us",                              \
	  "deliveries at most 10000 ms after their fetch (cumulative)")                            \
	X(FETCH_LATENCY_LE_20000000US, "fetch_latency_le_20000000us",                              \
	  "deliveries at most 20000 ms after their fetch (cumulative)")                            \
	X(FETCH_LATENCY_SUM_US, "fetch_latency_sum_us",                                            \
	  "sum of fetch-to-acknowledgement times, us")                                             \
	X(FETCH_LATENCY_COUNT, "fetch_latency_count", "number of latencies in fetch_latency_sum_us")

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

/*
 * Fetch-to-acknowledgement latency histogram: the time from the fetch of an
 * event (its received_unix_ms, wall clock, ms resolution) to the delivery
 * report of its Kafka message. Counter GCB_PRODUCER_C_FETCH_LATENCY_LE_1000US + i
 * counts deliveries with a latency <= gcb_producer_latency_bounds_us[i]
 * (cumulative, like Prometheus "le" buckets); fetch_latency_count is +Inf.
 */
#define GCB_PRODUCER_LATENCY_BUCKETS 14
static const unsigned long long gcb_producer_latency_bounds_us[GCB_PRODUCER_LATENCY_BUCKETS] = {
    1000,   2000,   5000,    10000,   20000,   50000,	 100000,
    200000, 500000, 1000000, 2000000, 5000000, 10000000, 20000000,
};
_Static_assert(GCB_PRODUCER_C_FETCH_LATENCY_LE_20000000US - GCB_PRODUCER_C_FETCH_LATENCY_LE_1000US +
		       1 ==
		   GCB_PRODUCER_LATENCY_BUCKETS,
	       "latency bucket counters and bounds disagree");

_Static_assert(GCB_PRODUCER_C_COUNT <= GCB_SHM_STAGE_COUNTERS,
	       "producer counters exceed GCB_SHM_STAGE_COUNTERS");

#endif

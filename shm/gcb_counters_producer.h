/*
 * Counters of the producer stage, in the format of shm/gcb_counters.h:
 * X(ID, "name", KIND, "help") generates GCB_PRODUCER_C_<ID> (the index into
 * the producer slot's counters[]), the names metrics and tools print, the
 * Prometheus help and type, and the latency histogram's bounds. Append only,
 * never renumber.
 *
 * latency: produce-to-acknowledgement times (a summary). fetch_latency: the
 * time from the fetch of an event (its received_unix_ms, wall clock, ms
 * resolution) to the delivery report of its Kafka message, a histogram:
 * counter GCB_PRODUCER_C_FETCH_LATENCY_LE_1000US + i counts deliveries with
 * a latency <= gcb_producer_latency_bounds_us[i]; fetch_latency_count is +Inf.
 */
#ifndef GCB_COUNTERS_PRODUCER_H
#define GCB_COUNTERS_PRODUCER_H

#include "shm/gcb_counters.h"

#define GCB_PRODUCER_COUNTERS(X)                                                                   \
	X(PRODUCED, "produced", COUNTER, "records handed to librdkafka (first attempt)")           \
	X(DELIVERED, "delivered", COUNTER, "records acknowledged on their topic")                  \
	X(DLQ_DELIVERED, "dlq_delivered", COUNTER, "DLQ records acknowledged on the DLQ topic")    \
	X(FILTERED, "filtered", COUNTER, "filtered records passed over (not produced)")            \
	X(DELIVERY_ERRORS, "delivery_errors", COUNTER,                                             \
	  "failed delivery reports and produce calls")                                             \
	X(RETRIES, "retries", COUNTER, "records produced again after a failure")                   \
	X(IN_FLIGHT, "in_flight", GAUGE, "records produced and not yet acknowledged")              \
	X(RTT_US, "rtt_us", GAUGE, "highest average broker round trip, microseconds")              \
	X(QUEUE_DEPTH, "queue_depth", GAUGE, "messages in librdkafka's queues")                    \
	X(LATENCY_SUM_US, "latency_sum_us", SUM, "sum of produce-to-acknowledgement times, us")    \
	X(LATENCY_COUNT, "latency_count", COUNT, "number of latencies in latency_sum_us")          \
	X(RELEASED, "released", COUNTER, "ring records given back after delivery")                 \
	X(SKIPPED, "skipped", COUNTER,                                                             \
	  "records of already acknowledged batches found after a restart")                         \
	X(BAD_RECORDS, "bad_records", COUNTER, "malformed ring records sent to the DLQ topic")     \
	X(STRIPE_ERRORS, "stripe_errors", COUNTER, "records whose batch is not the one expected")  \
	X(ACKED_BATCH_SEQ, "acked_batch_seq", GAUGE, "last batch fully acknowledged")              \
	X(FATAL_ERRORS, "fatal_errors", COUNTER, "fatal librdkafka errors (the stage restarts)")   \
	X(FETCH_LATENCY_LE_1000US, "fetch_latency_le_1000us", BUCKET(1000),                        \
	  "deliveries at most 1 ms after their fetch (cumulative)")                                \
	X(FETCH_LATENCY_LE_2000US, "fetch_latency_le_2000us", BUCKET(2000),                        \
	  "deliveries at most 2 ms after their fetch (cumulative)")                                \
	X(FETCH_LATENCY_LE_5000US, "fetch_latency_le_5000us", BUCKET(5000),                        \
	  "deliveries at most 5 ms after their fetch (cumulative)")                                \
	X(FETCH_LATENCY_LE_10000US, "fetch_latency_le_10000us", BUCKET(10000),                     \
	  "deliveries at most 10 ms after their fetch (cumulative)")                               \
	X(FETCH_LATENCY_LE_20000US, "fetch_latency_le_20000us", BUCKET(20000),                     \
	  "deliveries at most 20 ms after their fetch (cumulative)")                               \
	X(FETCH_LATENCY_LE_50000US, "fetch_latency_le_50000us", BUCKET(50000),                     \
	  "deliveries at most 50 ms after their fetch (cumulative)")                               \
	X(FETCH_LATENCY_LE_100000US, "fetch_latency_le_100000us", BUCKET(100000),                  \
	  "deliveries at most 100 ms after their fetch (cumulative)")                              \
	X(FETCH_LATENCY_LE_200000US, "fetch_latency_le_200000us", BUCKET(200000),                  \
	  "deliveries at most 200 ms after their fetch (cumulative)")                              \
	X(FETCH_LATENCY_LE_500000US, "fetch_latency_le_500000us", BUCKET(500000),                  \
	  "deliveries at most 500 ms after their fetch (cumulative)")                              \
	X(FETCH_LATENCY_LE_1000000US, "fetch_latency_le_1000000us", BUCKET(1000000),               \
	  "deliveries at most 1000 ms after their fetch (cumulative)")                             \
	X(FETCH_LATENCY_LE_2000000US, "fetch_latency_le_2000000us", BUCKET(2000000),               \
	  "deliveries at most 2000 ms after their fetch (cumulative)")                             \
	X(FETCH_LATENCY_LE_5000000US, "fetch_latency_le_5000000us", BUCKET(5000000),               \
	  "deliveries at most 5000 ms after their fetch (cumulative)")                             \
	X(FETCH_LATENCY_LE_10000000US, "fetch_latency_le_10000000us", BUCKET(10000000),            \
	  "deliveries at most 10000 ms after their fetch (cumulative)")                            \
	X(FETCH_LATENCY_LE_20000000US, "fetch_latency_le_20000000us", BUCKET(20000000),            \
	  "deliveries at most 20000 ms after their fetch (cumulative)")                            \
	X(FETCH_LATENCY_SUM_US, "fetch_latency_sum_us", SUM,                                       \
	  "sum of fetch-to-acknowledgement times, us")                                             \
	X(FETCH_LATENCY_COUNT, "fetch_latency_count", COUNT,                                       \
	  "number of latencies in fetch_latency_sum_us")                                           \
	X(CURSOR_MISSES, "cursor_misses", COUNTER,                                                 \
	  "dead letters sent without source.cursor: their batch's cursor slot held another batch")

#define GCB_PRODUCER_C_ENUM(id, name, kind, help) GCB_COUNTER_ENUM(GCB_PRODUCER_C_, id)
enum gcb_producer_counter { GCB_PRODUCER_COUNTERS(GCB_PRODUCER_C_ENUM) GCB_PRODUCER_C_COUNT };
#undef GCB_PRODUCER_C_ENUM

/* Names in index order, as an array initializer and as an array. */
#define GCB_PRODUCER_C_NAME(id, name, kind, help) name,
#define GCB_PRODUCER_C_NAMES                                                                       \
	{                                                                                          \
		GCB_PRODUCER_COUNTERS(GCB_PRODUCER_C_NAME)                                         \
	}
static const char *const gcb_producer_counter_names[GCB_PRODUCER_C_COUNT] = GCB_PRODUCER_C_NAMES;

/* The fetch-latency histogram's bucket bounds, in microseconds (the
 * producer's only BUCKET rows). */
static const unsigned long long gcb_producer_latency_bounds_us[] = {
    GCB_PRODUCER_COUNTERS(GCB_COUNTER_BOUND)};
#define GCB_PRODUCER_LATENCY_BUCKETS                                                               \
	(sizeof(gcb_producer_latency_bounds_us) / sizeof(gcb_producer_latency_bounds_us[0]))
_Static_assert(GCB_PRODUCER_C_FETCH_LATENCY_LE_20000000US - GCB_PRODUCER_C_FETCH_LATENCY_LE_1000US +
		       1 ==
		   GCB_PRODUCER_LATENCY_BUCKETS,
	       "latency bucket counters and bounds disagree");

_Static_assert(GCB_PRODUCER_C_COUNT <= GCB_SHM_STAGE_COUNTERS,
	       "producer counters exceed the block");

#endif

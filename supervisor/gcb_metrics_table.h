/*
 * What the stages' shared-memory counters mean to Prometheus: for each stage
 * kind, every counter of its table (shm/gcb_counters_<stage>.h, through
 * gcb_counters_of_kind()) with its exported name, help, type and unit scale,
 * so a counter appended there is exported without a change here.
 */
#ifndef GCB_METRICS_TABLE_H
#define GCB_METRICS_TABLE_H

#include <stdint.h>

typedef enum gcb_metric_type {
	GCB_METRIC_COUNTER = 0,
	GCB_METRIC_GAUGE = 1,
} gcb_metric_type_t;

typedef struct gcb_metric_desc {
	unsigned index; /* into gcb_shm_stage_t.counters[] */
	char name[96];	/* full name, e.g. "gcbridge_fetcher_polls_total" */
	const char *help;
	gcb_metric_type_t type;
	double scale; /* exported value = raw * scale (ms, us -> seconds) */
} gcb_metric_desc_t;


/*
 * Fills out (up to max) with the counters of stage kind; returns how many.
 * Names follow the Prometheus conventions: counters end in _total, a raw
 * name ending in _ms or _us is exported in seconds, _unix_ms as a
 * _timestamp_seconds gauge.
 */
unsigned gcb_metrics_table(uint32_t kind, gcb_metric_desc_t *out, unsigned max);

#define GCB_METRICS_MAX_BUCKETS 24

/* A producer latency: <base>_sum_us, <base>_count and optional cumulative
 * <base>_le_<N>us buckets; a histogram with buckets, a summary without. */
typedef struct gcb_metric_hist {
	char name[96]; /* "gcbridge_producer_<base>_seconds" */
	const char *help;
	char help_buf[128];
	unsigned sum_index;
	int count_index;
	unsigned nbuckets;
	unsigned bucket_index[GCB_METRICS_MAX_BUCKETS];
	double bucket_le[GCB_METRICS_MAX_BUCKETS]; /* seconds, ascending */
} gcb_metric_hist_t;

/* Fills out with the producer's latency families; returns how many. */
unsigned gcb_metrics_histograms(gcb_metric_hist_t *out, unsigned max);

#endif

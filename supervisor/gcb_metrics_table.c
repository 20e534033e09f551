#include "supervisor/gcb_metrics_table.h"

#include <stdio.h>
#include <string.h>

#include "shm/gcb_counters.h"
#include "shm/gcb_shm_layout.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Prometheus name, type and scale from the raw counter name. */
static void describe(gcb_metric_desc_t *d, const char *kind, const char *raw, const char *help,
		     int gauge)
{
	char base[64];
	size_t n = strlen(raw);

	d->type = gauge ? GCB_METRIC_GAUGE : GCB_METRIC_COUNTER;
	d->scale = 1.0;
	d->help = help;
	if (n >= sizeof(base))
		n = sizeof(base) - 1;
	memcpy(base, raw, n);
	base[n] = '\0';
	if (ends_with(base, "_unix_ms")) {
		base[n - 8] = '\0';
		strcat(base, "_timestamp_seconds");
		d->scale = 1e-3;
	} else if (ends_with(base, "_ms") || ends_with(base, "_us")) {
		d->scale = base[n - 2] == 'm' ? 1e-3 : 1e-6;
		base[n - 3] = '\0';
		strcat(base, "_seconds");
	}
	snprintf(d->name, sizeof(d->name), "gcbridge_%s_%s%s", kind, base,
		 d->type == GCB_METRIC_COUNTER ? "_total" : "");
}

/*
 * The producer's latency families, straight from its counter table: a SUM
 * row (named <base>_sum_us) with the BUCKET rows right before it and the
 * COUNT row right after it.
 */
unsigned gcb_metrics_histograms(gcb_metric_hist_t *out, unsigned max)
{
	unsigned ndefs, n = 0, first_bucket = 0;
	const gcb_counter_def_t *d = gcb_counters_of_kind(GCB_STAGE_KIND_PRODUCER, &ndefs);

	for (unsigned i = 0; i < ndefs && n < max; i++) {
		gcb_metric_hist_t *h = &out[n];
		size_t blen = strlen(d[i].name);

		if (d[i].kind != GCB_COUNTER_SUM) {
			if (d[i].kind != GCB_COUNTER_BUCKET)
				first_bucket = i + 1;
			continue;
		}
		memset(h, 0, sizeof(*h));
		if (ends_with(d[i].name, "_sum_us"))
			blen -= 7;
		snprintf(h->name, sizeof(h->name), "gcbridge_producer_%.*s_seconds", (int)blen,
			 d[i].name);
		/* "sum of X times, us" -> "X times, in seconds" */
		snprintf(h->help_buf, sizeof(h->help_buf), "%s",
			 strncmp(d[i].help, "sum of ", 7) == 0 ? d[i].help + 7 : d[i].help);
		if (ends_with(h->help_buf, ", us"))
			h->help_buf[strlen(h->help_buf) - 4] = '\0';
		strncat(h->help_buf, ", in seconds", sizeof(h->help_buf) - strlen(h->help_buf) - 1);
		h->help = h->help_buf;
		h->sum_index = i;
		h->count_index =
		    i + 1 < ndefs && d[i + 1].kind == GCB_COUNTER_COUNT ? (int)i + 1 : -1;
		for (unsigned j = first_bucket; j < i && h->nbuckets < GCB_METRICS_MAX_BUCKETS;
		     j++) {
			h->bucket_index[h->nbuckets] = j;
			h->bucket_le[h->nbuckets] = (double)d[j].le / 1e6;
			h->nbuckets++;
		}
		first_bucket = i + 1;
		if (h->count_index >= 0)
			n++;
	}
	return n;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case GCB_STAGE_KIND_FETCHER:
		return "fetcher";
	case GCB_STAGE_KIND_VALIDATOR:
		return "validator";
	case GCB_STAGE_KIND_PRODUCER:
		return "producer";
	}
	return "";
}

unsigned gcb_metrics_table(uint32_t kind, gcb_metric_desc_t *out, unsigned max)
{
	unsigned ndefs, n = 0;
	const gcb_counter_def_t *d = gcb_counters_of_kind(kind, &ndefs);

	for (unsigned i = 0; i < ndefs && n < max; i++) {
		if (d[i].kind == GCB_COUNTER_BUCKET || d[i].kind == GCB_COUNTER_SUM ||
		    d[i].kind == GCB_COUNTER_COUNT)
			continue; /* exported by gcb_metrics_histograms() */
		out[n].index = i;
		describe(&out[n], kind_name(kind), d[i].name, d[i].help,
			 d[i].kind == GCB_COUNTER_GAUGE);
		n++;
	}
	return n;
}

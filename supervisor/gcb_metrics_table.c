#include "supervisor/gcb_metrics_table.h"

#include <stdio.h>
#include <string.h>

#include "shm/gcb_counters_fetcher.h"
#include "shm/gcb_counters_producer.h"
#include "shm/gcb_shm_layout.h"

#include "shm/gcb_counters_validator.h"

static const char *const fetcher_names[GCB_FC_COUNT] = GCB_FC_NAMES;

/* The fetcher's header carries names only; help by index so a counter
 * appended there still gets a (generic) help line. */
static const char *const fetcher_help[GCB_FC_COUNT] = {
    [GCB_FC_POLLS] = "poll requests answered 200",
    [GCB_FC_EVENTS] = "events written to the rings",
    [GCB_FC_BYTES] = "event JSON bytes written to the rings",
    [GCB_FC_HTTP_401] = "401 answers (any endpoint)",
    [GCB_FC_HTTP_429] = "429 answers (throttled)",
    [GCB_FC_HTTP_5XX] = "5xx answers",
    [GCB_FC_RETRIES] = "requests retried after a failure",
    [GCB_FC_BACKOFF_MS] = "current backoff wait, 0 when none",
    [GCB_FC_TOKEN_RENEWALS] = "access tokens obtained",
    [GCB_FC_CURSOR_EXPIRIES] = "410 cursor.expired answers",
    [GCB_FC_LAST_POLL_UNIX_MS] = "time of the last successful poll",
    [GCB_FC_BATCHES] = "batches committed to the rings",
    [GCB_FC_EMPTY_POLLS] = "polls answered with no event",
    [GCB_FC_TRANSPORT_ERRORS] = "timeouts, refused connections, TLS errors",
    [GCB_FC_MALFORMED] = "response bodies that could not be parsed",
    [GCB_FC_HTTP_OTHER] = "other non-2xx answers",
    [GCB_FC_AUTH_FAILURES] = "token requests refused, or a 401 after a fresh token",
    [GCB_FC_THROTTLE_WAITS] = "proactive waits because the rate budget ran low",
    [GCB_FC_THROTTLE_MS] = "time spent in proactive waits",
    [GCB_FC_RING_FULL_WAITS] = "waits for ring space (backpressure)",
    [GCB_FC_SLOT_WAITS] = "waits for a free cursor slot",
    [GCB_FC_CHECKPOINTS] = "checkpoint files written",
    [GCB_FC_CHECKPOINT_ERRORS] = "checkpoint writes that failed",
    [GCB_FC_OVERSIZED_EVENTS] = "events above event.max_bytes (forwarded)",
    [GCB_FC_UNCARRIABLE_EVENTS] = "events above the ring's max record (sent cut, kept whole in the state directory)",
    [GCB_FC_SPLIT_BATCHES] = "poll answers split over several batches",
    [GCB_FC_CHANNELS] = "notification channels connected now",
    [GCB_FC_TOPICS] = "notification topics subscribed now",
    [GCB_FC_WS_MESSAGES] = "notification data messages received",
    [GCB_FC_WS_HEARTBEATS] = "channel heartbeats and pongs received",
    [GCB_FC_WS_RECONNECTS] = "channels reconnected, any cause",
    [GCB_FC_ROLLOVERS] = "channels replaced before expiry or on socket_closing",
    [GCB_FC_SYSTEM_MESSAGES] = "v2.system.* messages handled",
    [GCB_FC_LAST_MESSAGE_UNIX_MS] = "time of the last notification message received",
    [GCB_FC_GAPS_OPENED] = "gaps recorded (time not connected)",
    [GCB_FC_GAPS_BACKFILLED] = "gaps whose backfill completed",
    [GCB_FC_GAPS_PENDING] = "gaps not yet backfilled",
    [GCB_FC_BACKFILL_JOBS] = "analytics conversation-details jobs submitted",
    [GCB_FC_BACKFILL_EVENTS] = "conversations emitted as backfill events",
    [GCB_FC_SPOOL_BYTES] =
	"spool bytes on disk (a segment is deleted once Kafka acknowledged all of it)",
    [GCB_FC_SPOOL_UNREAD] = "spooled records not yet written to the rings",
    [GCB_FC_SPOOL_APPENDS] = "records appended to the spool",
    [GCB_FC_SPOOL_SYNCS] = "spool fdatasyncs completed",
    [GCB_FC_SPOOL_FULL] = "times the spool reached spool.max_size",
    [GCB_FC_SPOOL_RECOVERED_BYTES] = "torn or corrupt spool tail bytes cut off at open",
    [GCB_FC_BACKFILL_WATERMARK_WAITS] =
	"gap backfills held because analytics data was not yet complete for the gap",
    [GCB_FC_TOPICS_REJECTED] = "notification topics the service refused to subscribe now",
    [GCB_FC_SPOOL_EVENTS] = "poll source: spooled events not yet written to the rings",
    [GCB_FC_SPOOL_OLDEST_UNIX_MS] =
	"poll source: arrival of the oldest spooled event not yet in the rings (0: none)",
    [GCB_FC_SPOOL_FILL_BPS] =
	"spool growth over the last seconds, bytes per second (0: not growing)",
    [GCB_FC_SPOOL_FULL_IN_MS] = "projected time until the spool reaches spool.max_size at the "
				"current fill rate (0: not growing)",
    [GCB_FC_SPOOL_FULL_NOW] = "1 while polling is stopped because the spool is full",
    [GCB_FC_RETENTION_DEADLINE_UNIX_MS] =
	"while the spool is full: estimated time the upstream retention passes the cursor polling "
	"stopped at (0: not full)",
};

static const char *const validator_names[GCB_VC_COUNT] = GCB_VC_NAMES;

static const char *const validator_help[GCB_VC_COUNT] = {
    [GCB_VC_EVENTS] = "input records turned into output records",
    [GCB_VC_AVRO] = "events encoded to Avro",
    [GCB_VC_DLQ] = "events dead-lettered",
    [GCB_VC_FILTERED] = "events filtered out by a route filter",
    [GCB_VC_SCHEMA_DRIFT_FIELDS] =
	"fields present in events but absent from their schema (dropped when encoded)",
    [GCB_VC_SCHEMA_DRIFT_NAMES] =
	"distinct field names absent from their schema (each logged once per schema)",
    [GCB_VC_SKIPPED] = "input already covered by output, after a restart",
    [GCB_VC_RELOADS] = "schema sets reloaded and accepted",
    [GCB_VC_RELOAD_REFUSED] = "schema sets refused on reload (bad or incompatible)",
};

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

/* The base of a "<base>_sum_us" name (0 when name is not one) in base. */
static int sum_base(const char *name, char *base, size_t size)
{
	size_t n = strlen(name);

	if (!ends_with(name, "_sum_us") || n - 7 >= size)
		return 0;
	memcpy(base, name, n - 7);
	base[n - 7] = '\0';
	return 1;
}

/* name is <base>_sum_us, <base>_count or <base>_le_<N>us of a producer
 * <base>_sum_us counter. */
static int in_histogram(const char *name)
{
	char base[64];

	for (unsigned i = 0; i < GCB_PRODUCER_C_COUNT; i++) {
		size_t n;

		if (!sum_base(gcb_producer_counter_names[i], base, sizeof(base)))
			continue;
		n = strlen(base);
		if (strncmp(name, base, n) == 0 &&
		    (strcmp(name + n, "_sum_us") == 0 || strcmp(name + n, "_count") == 0 ||
		     strncmp(name + n, "_le_", 4) == 0))
			return 1;
	}
	return 0;
}

unsigned gcb_metrics_histograms(gcb_metric_hist_t *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < GCB_PRODUCER_C_COUNT && n < max; i++) {
		gcb_metric_hist_t *h = &out[n];
		char base[64], cname[80];
		size_t blen;

		if (!sum_base(gcb_producer_counter_names[i], base, sizeof(base)))
			continue;
		memset(h, 0, sizeof(*h));
		blen = strlen(base);
		snprintf(h->name, sizeof(h->name), "gcbridge_producer_%s_seconds", base);
		/* "sum of X times, us" -> "X times, in seconds" */
		snprintf(h->help_buf, sizeof(h->help_buf), "%s",
			 strncmp(gcb_producer_counter_help[i], "sum of ", 7) == 0
			     ? gcb_producer_counter_help[i] + 7
			     : gcb_producer_counter_help[i]);
		if (ends_with(h->help_buf, ", us"))
			h->help_buf[strlen(h->help_buf) - 4] = '\0';
		strncat(h->help_buf, ", in seconds", sizeof(h->help_buf) - strlen(h->help_buf) - 1);
		h->help = h->help_buf;
		h->sum_index = i;
		h->count_index = -1;
		snprintf(cname, sizeof(cname), "%s_count", base);
		for (unsigned j = 0; j < GCB_PRODUCER_C_COUNT; j++) {
			const char *nm = gcb_producer_counter_names[j];
			unsigned long long us;
			char unit[4];

			if (strcmp(nm, cname) == 0)
				h->count_index = (int)j;
			if (strncmp(nm, base, blen) != 0 || strncmp(nm + blen, "_le_", 4) != 0 ||
			    h->nbuckets == GCB_METRICS_MAX_BUCKETS)
				continue;
			if (sscanf(nm + blen + 4, "%llu%3s", &us, unit) != 2 ||
			    strcmp(unit, "us") != 0)
				continue;
			h->bucket_index[h->nbuckets] = j;
			h->bucket_le[h->nbuckets] = (double)us / 1e6;
			h->nbuckets++;
		}
		if (h->count_index >= 0)
			n++;
	}
	return n;
}

unsigned gcb_metrics_table(uint32_t kind, gcb_metric_desc_t *out, unsigned max)
{
	unsigned n = 0;

	switch (kind) {
	case GCB_STAGE_KIND_FETCHER:
		for (unsigned i = 0; i < GCB_FC_COUNT && n < max; i++, n++) {
			int gauge = i == GCB_FC_BACKOFF_MS || i == GCB_FC_LAST_POLL_UNIX_MS ||
				    i == GCB_FC_CHANNELS || i == GCB_FC_TOPICS ||
				    i == GCB_FC_LAST_MESSAGE_UNIX_MS || i == GCB_FC_GAPS_PENDING ||
				    i == GCB_FC_SPOOL_BYTES || i == GCB_FC_SPOOL_UNREAD ||
				    i == GCB_FC_TOPICS_REJECTED || i >= GCB_FC_SPOOL_EVENTS;

			out[n].index = i;
			describe(&out[n], "fetcher", fetcher_names[i],
				 fetcher_help[i] != NULL ? fetcher_help[i] : "fetcher counter",
				 gauge);
		}
		break;
	case GCB_STAGE_KIND_VALIDATOR:
		for (unsigned i = 0; i < GCB_VC_COUNT && n < max; i++, n++) {
			const char *help = validator_help[i];

			if (help == NULL && strncmp(validator_names[i], "dlq_", 4) == 0) {
				snprintf(out[n].help_buf, sizeof(out[n].help_buf),
					 "events dead-lettered, reason %s", validator_names[i] + 4);
				help = out[n].help_buf;
			}
			out[n].index = i;
			describe(&out[n], "validator", validator_names[i],
				 help != NULL ? help : "validator counter", 0);
		}
		break;
	case GCB_STAGE_KIND_PRODUCER:
		for (unsigned i = 0; i < GCB_PRODUCER_C_COUNT && n < max; i++) {
			const char *help = gcb_producer_counter_help[i];
			int gauge = strncmp(help, "gauge: ", 7) == 0;

			if (in_histogram(gcb_producer_counter_names[i]))
				continue; /* exported by gcb_metrics_histograms() */
			out[n].index = i;
			describe(&out[n], "producer", gcb_producer_counter_names[i],
				 gauge ? help + 7 : help, gauge);
			n++;
		}
		break;
	default:
		break;
	}
	return n;
}

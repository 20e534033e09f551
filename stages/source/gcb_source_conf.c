/* The source stage's configuration: checks and ring sizing. It has no defaults of
 * its own: every tunable is a configuration key whose default is in the
 * configuration table (supervisor/gcb_config_table.c). */
#include "stages/source/gcb_source_conf.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "shm/gcb_ring.h"
#include "stages/source/gcb_batch.h"

static const char *notif_check(const gcb_source_conf_t *c)
{
	if (c->notif.topics_per_channel < 1 || c->notif.topics_per_channel > 1000)
		return "topics per channel must be 1..1000";
	if (c->notif.max_channels < 2 || c->notif.max_channels > 20)
		return "max channels must be 2..20 (one is kept free for rollover)";
	if (c->notif.heartbeat_timeout_ms < 1 || c->notif.ping_interval_ms < 1 ||
	    c->notif.resolve_interval_ms < 1)
		return "notification intervals must be positive";
	if (c->notif.rate_per_minute < 1)
		return "the REST rate budget must be at least 1 request a minute";
	if (c->spool.dir == NULL || c->spool.dir[0] == '\0')
		return "spool dir missing";
	if (c->spool.segment_bytes < 4096 || c->spool.max_bytes < c->spool.segment_bytes)
		return "spool segment size must be >= 4 KiB and the spool max size >= one segment";
	return NULL;
}

static int url_ok(const char *u)
{
	size_t n = strlen(u);

	return (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) &&
	       n < GCB_SOURCE_URL_MAX - 64 && u[n - 1] != '/';
}

int gcb_source_conf_check(const gcb_source_conf_t *c, char *errstr, size_t errstr_size)
{
	const char *why = NULL;
	int have_id = c->stream_id != NULL && c->stream_id[0] != '\0';
	int have_def = c->stream_definition_path != NULL && c->stream_definition_path[0] != '\0';

	if ((c->api_base_url == NULL) != (c->login_base_url == NULL))
		why = "set both api and login base URLs, or neither (then region domain)";
	else if (c->api_base_url == NULL &&
		 (c->region_domain == NULL || c->region_domain[0] == '\0' ||
		  strlen(c->region_domain) > 200 || strchr(c->region_domain, '/') != NULL))
		why = "no API endpoint: set a region domain or explicit base URLs";
	else if (c->api_base_url != NULL &&
		 (!url_ok(c->api_base_url) || !url_ok(c->login_base_url)))
		why =
		    "base URLs must start with http:// or https://, be short and have no trailing "
		    "'/'";
	else if (c->client_id == NULL || c->client_id[0] == '\0' || strchr(c->client_id, ':'))
		why = "client id missing (or contains ':')";
	else if (c->client_secret == NULL || c->client_secret[0] == '\0')
		why = "client secret missing";
	else if (c->source != GCB_SOURCE_POLL &&
		 c->source != GCB_SOURCE_NOTIFICATIONS)
		why = "unknown source";
	else if (c->source == GCB_SOURCE_NOTIFICATIONS && notif_check(c) != NULL)
		why = notif_check(c);
	else if (c->source == GCB_SOURCE_POLL && have_id == have_def)
		why = "set exactly one of stream id and stream definition file";
	else if (have_id && strlen(c->stream_id) > GCB_SOURCE_STREAM_MAX)
		why = "stream id too long";
	else if (have_id &&
		 strspn(c->stream_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				      "0123456789-_.") != strlen(c->stream_id))
		why = "stream id may contain only letters, digits, '-', '_' and '.'";
	else if (c->poll_limit < 1 || c->poll_limit > 1000)
		why = "poll limit must be 1..1000";
	else if (c->poll_timeout_ms > 30000)
		why = "poll timeoutMs must be 0..30000";
	else if (c->stall_after < 1 || c->stall_timeout_ms < 1000)
		why = "stall after must be >= 1 answer and the stall timeout >= 1 s";
	else if (c->backoff_base_ms < 1 || c->backoff_cap_ms < c->backoff_base_ms)
		why = "backoff base must be >= 1 ms and the cap >= the base";
	else if (c->connect_timeout_ms < 1 || c->request_timeout_ms < 1)
		why = "HTTP timeouts must be positive";
	else if (c->state_dir == NULL || c->state_dir[0] == '\0')
		why = "state dir missing";
	else if (c->max_event_bytes < 256 || c->max_event_bytes > (512u << 20))
		why = "max event bytes must be 256 bytes..512 MiB";
	else if (c->n_validators < 1 || c->n_validators > GCB_SHM_MAX_RINGS)
		why = "number of validators out of range";
	if (why == NULL)
		return 0;
	snprintf(errstr, errstr_size, "fetcher config: %s", why);
	return -EINVAL;
}

/* A record carrying a max_event_bytes event with the longest stream id. */
static uint64_t worst_record(const gcb_source_conf_t *c)
{
	return gcb_ring_record_size((uint64_t)GCB_BATCH_REC_FIXED + c->max_event_bytes +
				    GCB_SOURCE_STREAM_MAX);
}

uint64_t gcb_source_ring_bytes_needed(const gcb_source_conf_t *c)
{
	uint64_t rec = worst_record(c);
	uint64_t need = rec * c->poll_limit + rec, cap = 4096;

	/* And max_record (capacity / 2 - 16) must hold one record. */
	if (need < 2 * rec + 2 * GCB_RING_REC_HDR)
		need = 2 * rec + 2 * GCB_RING_REC_HDR;
	while (cap < need)
		cap *= 2;
	return cap;
}

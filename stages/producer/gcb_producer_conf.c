/*
 * Producer configuration: defaults, the safety check that keeps acks=all and
 * idempotence unless explicitly overridden, and the librdkafka conf.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stages/producer/gcb_producer_int.h"
#include "lib/gcb_log.h"

#define GCB_PRODUCER_MAX_IN_FLIGHT 5
/*
 * librdkafka waits linger.ms (its default: 5) for more messages before it
 * sends a partition's batch. Measured on the bench (docs/performance.md):
 * at 5,000 events/s, 2 ms halves the median fetch-to-ack time against 5 ms
 * for 10-20 % more CPU per event; at saturation batches fill before either
 * expires. 0 sends a request per handful of messages and costs 1.5x the CPU.
 */
#define GCB_PRODUCER_LINGER_MS "2"

void gcb_producer_conf_init(gcb_producer_conf_t *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->default_topic = "gcbridge.events";
	conf->flush_timeout_ms = 10000;
	conf->retry_backoff_ms = 100;
	conf->retry_backoff_max_ms = 10000;
	conf->stats_interval_ms = 1000;
}

const char *gcb_producer_kafka_key(const char *key)
{
	return strncmp(key, "kafka.", 6) == 0 ? key + 6 : key;
}

static int is_true(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0;
}

/* Returns a description of how key=value weakens delivery, or NULL. */
static const char *weakening(const char *key, const char *value, char *buf, size_t size)
{
	if (strcmp(key, "acks") == 0 || strcmp(key, "request.required.acks") == 0) {
		if (strcmp(value, "all") != 0 && strcmp(value, "-1") != 0) {
			snprintf(buf, size, "%s=%s: only acks=all survives a broker loss", key,
				 value);
			return buf;
		}
	} else if (strcmp(key, "enable.idempotence") == 0) {
		if (!is_true(value)) {
			snprintf(buf, size, "%s=%s: retries could duplicate and reorder", key,
				 value);
			return buf;
		}
	} else if (strcmp(key, "max.in.flight.requests.per.connection") == 0 ||
		   strcmp(key, "max.in.flight") == 0) {
		char *end;
		long v = strtol(value, &end, 10);

		if (end == value || *end != '\0' || v < 1 || v > GCB_PRODUCER_MAX_IN_FLIGHT) {
			snprintf(buf, size, "%s=%s: idempotence needs 1..%d", key, value,
				 GCB_PRODUCER_MAX_IN_FLIGHT);
			return buf;
		}
	} else if (strcmp(key, "transactional.id") == 0) {
		snprintf(buf, size, "%s: transactions are not supported by this stage", key);
		return buf;
	}
	return NULL;
}

int gcb_producer_check_safety(const gcb_producer_conf_t *conf, char *errstr, size_t errstr_size)
{
	char why[256];

	for (unsigned i = 0; i < conf->n_kafka; i++) {
		const char *key = gcb_producer_kafka_key(conf->kafka[i].key);

		if (weakening(key, conf->kafka[i].value, why, sizeof(why)) == NULL)
			continue;
		if (!conf->unsafe) {
			snprintf(errstr, errstr_size,
				 "refusing kafka.%s (set the unsafe switch to allow)", why);
			return -EINVAL;
		}
		gcb_log_error("UNSAFE producer configuration accepted: kafka.%s; events can be "
			      "lost or duplicated",
			      why);
	}
	return 0;
}

static int set(rd_kafka_conf_t *kc, const char *key, const char *value, char *errstr,
	       size_t errstr_size)
{
	char err[256];

	if (rd_kafka_conf_set(kc, key, value, err, sizeof(err)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(errstr, errstr_size, "rd_kafka_conf_set(%s) failed: %s", key, err);
	return -EINVAL;
}

/* The configured value of key when it is a number below limit, else limit. */
static uint64_t smaller_limit(const gcb_producer_conf_t *conf, const char *key, uint64_t limit)
{
	for (unsigned i = 0; i < conf->n_kafka; i++) {
		char *end;
		unsigned long long v;

		if (strcmp(gcb_producer_kafka_key(conf->kafka[i].key), key) != 0)
			continue;
		v = strtoull(conf->kafka[i].value, &end, 10);
		if (end != conf->kafka[i].value && *end == '\0' && v > 0 && v < limit)
			limit = v;
	}
	return limit;
}

rd_kafka_conf_t *gcb_producer_kafka_conf(const gcb_producer_conf_t *conf, uint64_t max_messages,
					 uint64_t max_kbytes, char *errstr, size_t errstr_size)
{
	rd_kafka_conf_t *kc = rd_kafka_conf_new();
	char num[32];

	if (conf->bootstrap_servers == NULL || conf->bootstrap_servers[0] == '\0') {
		snprintf(errstr, errstr_size, "no bootstrap servers configured");
		goto fail;
	}
	if (set(kc, "bootstrap.servers", conf->bootstrap_servers, errstr, errstr_size) != 0 ||
	    set(kc, "acks", "all", errstr, errstr_size) != 0 ||
	    set(kc, "enable.idempotence", "true", errstr, errstr_size) != 0 ||
	    set(kc, "max.in.flight.requests.per.connection", "5", errstr, errstr_size) != 0 ||
	    set(kc, "linger.ms", GCB_PRODUCER_LINGER_MS, errstr, errstr_size) != 0)
		goto fail;
	if (conf->stats_interval_ms > 0) {
		snprintf(num, sizeof(num), "%d", conf->stats_interval_ms);
		if (set(kc, "statistics.interval.ms", num, errstr, errstr_size) != 0)
			goto fail;
	}
	for (unsigned i = 0; i < conf->n_kafka; i++)
		if (set(kc, gcb_producer_kafka_key(conf->kafka[i].key), conf->kafka[i].value,
			errstr, errstr_size) != 0)
			goto fail;

	/* librdkafka never holds more than the rings do: Kafka being slow or
	 * down fills the rings and stops the fetcher, not this process. */
	max_messages = smaller_limit(conf, "queue.buffering.max.messages", max_messages);
	max_kbytes = smaller_limit(conf, "queue.buffering.max.kbytes", max_kbytes);
	snprintf(num, sizeof(num), "%" PRIu64, max_messages);
	if (set(kc, "queue.buffering.max.messages", num, errstr, errstr_size) != 0)
		goto fail;
	snprintf(num, sizeof(num), "%" PRIu64, max_kbytes);
	if (set(kc, "queue.buffering.max.kbytes", num, errstr, errstr_size) != 0)
		goto fail;
	return kc;
fail:
	rd_kafka_conf_destroy(kc);
	return NULL;
}

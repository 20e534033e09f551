/* Topic handle cache: a handful of topics, looked up by length and bytes. */
#include <string.h>

#include "stages/producer/gcb_producer_int.h"
#include "lib/gcb_log.h"

void gcb_producer_topics_init(gcb_producer_topics_t *tc, rd_kafka_t *rk)
{
	tc->rk = rk;
	tc->n = 0;
}

rd_kafka_topic_t *gcb_producer_topics_get(gcb_producer_topics_t *tc, const char *name, uint32_t len)
{
	unsigned i;

	for (i = 0; i < tc->n; i++)
		if (tc->t[i].len == len && memcmp(tc->t[i].name, name, len) == 0)
			return tc->t[i].rkt;
	if (len == 0 || len > GCB_PRODUCER_TOPIC_MAX) {
		gcb_log_error("bad topic name of %u bytes", len);
		return NULL;
	}
	if (tc->n == GCB_PRODUCER_MAX_TOPICS) {
		gcb_log_error("more than %d topics; cannot produce to %.*s",
			      GCB_PRODUCER_MAX_TOPICS, (int)len, name);
		return NULL;
	}
	memcpy(tc->t[i].name, name, len);
	tc->t[i].name[len] = '\0';
	tc->t[i].len = len;
	tc->t[i].rkt = rd_kafka_topic_new(tc->rk, tc->t[i].name, NULL);
	if (tc->t[i].rkt == NULL) {
		gcb_log_error("rd_kafka_topic_new(%s) failed: %s", tc->t[i].name,
			      rd_kafka_err2str(rd_kafka_last_error()));
		return NULL;
	}
	tc->n++;
	return tc->t[i].rkt;
}

void gcb_producer_topics_fini(gcb_producer_topics_t *tc)
{
	for (unsigned i = 0; i < tc->n; i++)
		rd_kafka_topic_destroy(tc->t[i].rkt);
	tc->n = 0;
}

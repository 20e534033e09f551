/*
 * The control line protocol of gcb-kafka-mock: one command per line, one
 * answer line per command, "ok ..." or "err <reason>". See docs/kafka-mock.md.
 */
#ifndef GCB_KAFKA_MOCK_CTL_H
#define GCB_KAFKA_MOCK_CTL_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/*
 * Executes one control line (without its newline; modified in place) on the
 * cluster and writes the answer, newline included, to answer. Returns 0 when
 * the command succeeded, -EINVAL or another negative errno otherwise.
 */
int gcb_kafka_mock_ctl_exec(rd_kafka_mock_cluster_t *mc, char *line, char *answer,
			    size_t answer_size);

#endif

#include "tools/kafka-mock/gcb_kafka_mock_ctl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CTL_MAX_ARGS   8
#define CTL_MAX_ERRORS 64

/* Request types worth naming; any other one is given as a number. */
static const struct {
	const char *name;
	int16_t key;
} api_keys[] = {
    {"produce", 0},
    {"fetch", 1},
    {"listoffsets", 2},
    {"metadata", 3},
    {"offsetcommit", 8},
    {"offsetfetch", 9},
    {"findcoordinator", 10},
    {"joingroup", 11},
    {"heartbeat", 12},
    {"syncgroup", 14},
    {"apiversions", 18},
    {"initproducerid", 22},
    {"addpartitionstotxn", 24},
    {"endtxn", 26},
};

static int ctl_answer(char *answer, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(answer, size, "%s", rc == 0 ? "ok" : "err ");

	if (n < 0 || (size_t)n >= size)
		return rc;
	if (fmt != NULL) {
		if (rc == 0 && (size_t)n + 1 < size)
			answer[n++] = ' ';
		va_start(ap, fmt);
		vsnprintf(answer + n, size - (size_t)n, fmt, ap);
		va_end(ap);
	}
	n = (int)strlen(answer);
	if ((size_t)n + 1 < size) {
		answer[n] = '\n';
		answer[n + 1] = '\0';
	} else {
		answer[size - 2] = '\n';
	}
	return rc;
}

static int ctl_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "all" is -1, the mock's broker wildcard. */
static int ctl_broker(const char *s, int32_t *id)
{
	long v;

	if (strcmp(s, "all") == 0) {
		*id = -1;
		return 0;
	}
	if (ctl_long(s, 0, INT32_MAX, &v) != 0)
		return -EINVAL;
	*id = (int32_t)v;
	return 0;
}

static int ctl_api_key(const char *s, int16_t *key)
{
	long v;

	for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
		if (strcasecmp(s, api_keys[i].name) == 0) {
			*key = api_keys[i].key;
			return 0;
		}
	}
	if (ctl_long(s, 0, INT16_MAX, &v) != 0)
		return -EINVAL;
	*key = (int16_t)v;
	return 0;
}

/* An error code by number or by name as rd_kafka_get_err_descs() lists it
 * (NOT_ENOUGH_REPLICAS, _TRANSPORT, ...), with or without RD_KAFKA_RESP_ERR_. */
static int ctl_error_code(const char *s, rd_kafka_resp_err_t *err)
{
	const struct rd_kafka_err_desc *descs;
	size_t n;
	long v;

	if (strncasecmp(s, "RD_KAFKA_RESP_ERR_", 18) == 0)
		s += 18;
	if (ctl_long(s, -200, 1000, &v) == 0) {
		*err = (rd_kafka_resp_err_t)v;
		return 0;
	}
	rd_kafka_get_err_descs(&descs, &n);
	for (size_t i = 0; i < n; i++) {
		if (descs[i].name != NULL && strcasecmp(descs[i].name, s) == 0) {
			*err = descs[i].code;
			return 0;
		}
	}
	return -EINVAL;
}

static int ctl_split(char *line, char **argv)
{
	int argc = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r", &save); t != NULL;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (argc == CTL_MAX_ARGS)
			return -E2BIG;
		argv[argc++] = t;
	}
	return argc;
}

static int ctl_errors(rd_kafka_mock_cluster_t *mc, char **argv, char *answer, size_t size)
{
	rd_kafka_resp_err_t errs[CTL_MAX_ERRORS];
	size_t n = 0;
	char *save = NULL;
	int16_t key;

	if (ctl_api_key(argv[1], &key) != 0)
		return ctl_answer(answer, size, -EINVAL, "bad api key \"%s\"", argv[1]);
	for (char *t = strtok_r(argv[2], ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		if (n == CTL_MAX_ERRORS)
			return ctl_answer(answer, size, -E2BIG, "at most %d errors",
					  CTL_MAX_ERRORS);
		if (ctl_error_code(t, &errs[n]) != 0)
			return ctl_answer(answer, size, -EINVAL, "unknown error \"%s\"", t);
		n++;
	}
	if (n == 0)
		return ctl_answer(answer, size, -EINVAL, "no errors given");
	rd_kafka_mock_push_request_errors_array(mc, key, n, errs);
	return ctl_answer(answer, size, 0, "%zu errors pushed for api key %d", n, key);
}

int gcb_kafka_mock_ctl_exec(rd_kafka_mock_cluster_t *mc, char *line, char *answer,
			    size_t answer_size)
{
	char *argv[CTL_MAX_ARGS];
	rd_kafka_resp_err_t err;
	int argc = ctl_split(line, argv);
	int32_t id;
	long a, b;
	int16_t key;

	if (argc < 0)
		return ctl_answer(answer, answer_size, -E2BIG, "too many words");
	if (argc == 0)
		return ctl_answer(answer, answer_size, -EINVAL, "empty line");

	if (strcmp(argv[0], "ping") == 0 && argc == 1)
		return ctl_answer(answer, answer_size, 0, "pong");
	if (strcmp(argv[0], "bootstrap") == 0 && argc == 1)
		return ctl_answer(answer, answer_size, 0, "%s",
				  rd_kafka_mock_cluster_bootstraps(mc));

	if ((strcmp(argv[0], "down") == 0 || strcmp(argv[0], "up") == 0) && argc == 2) {
		if (ctl_broker(argv[1], &id) != 0)
			return ctl_answer(answer, answer_size, -EINVAL, "bad broker \"%s\"",
					  argv[1]);
		err = argv[0][0] == 'd' ? rd_kafka_mock_broker_set_down(mc, id)
					: rd_kafka_mock_broker_set_up(mc, id);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
			return ctl_answer(answer, answer_size, -EINVAL, "%s",
					  rd_kafka_err2str(err));
		return ctl_answer(answer, answer_size, 0, "broker %s %s", argv[1], argv[0]);
	}
	if (strcmp(argv[0], "rtt") == 0 && argc == 3) {
		if (ctl_broker(argv[1], &id) != 0 || ctl_long(argv[2], 0, 600000, &a) != 0)
			return ctl_answer(answer, answer_size, -EINVAL, "usage: rtt all|ID MS");
		err = rd_kafka_mock_broker_set_rtt(mc, id, (int)a);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
			return ctl_answer(answer, answer_size, -EINVAL, "%s",
					  rd_kafka_err2str(err));
		return ctl_answer(answer, answer_size, 0, "broker %s rtt %ld ms", argv[1], a);
	}
	if (strcmp(argv[0], "error") == 0 && argc == 3)
		return ctl_errors(mc, argv, answer, answer_size);
	if (strcmp(argv[0], "clear") == 0 && argc == 2) {
		if (ctl_api_key(argv[1], &key) != 0)
			return ctl_answer(answer, answer_size, -EINVAL, "bad api key \"%s\"",
					  argv[1]);
		rd_kafka_mock_clear_request_errors(mc, key);
		return ctl_answer(answer, answer_size, 0, "errors cleared for api key %d", key);
	}
	if (strcmp(argv[0], "topic") == 0 && (argc == 3 || argc == 4)) {
		b = 1;
		if (ctl_long(argv[2], 1, 100000, &a) != 0 ||
		    (argc == 4 && ctl_long(argv[3], 1, 1000, &b) != 0))
			return ctl_answer(answer, answer_size, -EINVAL, "usage: topic NAME P [RF]");
		err = rd_kafka_mock_topic_create(mc, argv[1], (int)a, (int)b);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
			return ctl_answer(answer, answer_size, -EINVAL, "%s",
					  rd_kafka_err2str(err));
		return ctl_answer(answer, answer_size, 0, "topic %s created", argv[1]);
	}
	if (strcmp(argv[0], "leader") == 0 && argc == 4) {
		if (ctl_long(argv[2], 0, INT32_MAX, &a) != 0 || ctl_broker(argv[3], &id) != 0)
			return ctl_answer(answer, answer_size, -EINVAL,
					  "usage: leader TOPIC PARTITION ID");
		err = rd_kafka_mock_partition_set_leader(mc, argv[1], (int32_t)a, id);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
			return ctl_answer(answer, answer_size, -EINVAL, "%s",
					  rd_kafka_err2str(err));
		return ctl_answer(answer, answer_size, 0, "leader of %s [%ld] is %d", argv[1], a,
				  id);
	}
	return ctl_answer(answer, answer_size, -EINVAL, "unknown command or arity \"%s\"", argv[0]);
}

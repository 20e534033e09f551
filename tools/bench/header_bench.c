/*
 * header-bench: what librdkafka's per-message header list costs the producer
 * stage, built the three ways the stage could build it: each header added
 * (the stage's way), a prebuilt list copied (rd_kafka_headers_copy), and the
 * smaller sets of producer.headers. Each variant builds and destroys the list
 * N times on one thread, as a message's life does (docs/performance.md).
 *
 *   bin/header-bench [N]     (default 1000000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

/* The "all" set; lean is the first seven, minimal the indexes in minimal[]. */
static const char *const names[] = {
    "event.id",	   "entity.type", "event.type", "source.stream",	"event.seq",
    "batch.seq",   "schema.name", "received.at", "schema.id", "schema.version",
    "schema.fingerprint",
};
static const char *const values[] = {
    "6b60eca2-6af6-468d-a042-c98dd4a45e20", "interaction", "created", "s1", "123456", "2469",
    "com.genesys.InteractionCreated", "1796538750859", "7", "3", "0123456789abcdef",
};
static const int all[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
static const int minimal[] = {0, 3, 5};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double build(long n, const int *idx, int count)
{
	double t0 = now();

	for (long i = 0; i < n; i++) {
		rd_kafka_headers_t *h = rd_kafka_headers_new((size_t)count);

		for (int k = 0; k < count; k++)
			rd_kafka_header_add(h, names[idx[k]], -1, values[idx[k]], -1);
		rd_kafka_headers_destroy(h);
	}
	return (now() - t0) / (double)n * 1e9;
}

static double copy(long n)
{
	rd_kafka_headers_t *t = rd_kafka_headers_new(11);
	double t0;

	for (int k = 0; k < 11; k++)
		rd_kafka_header_add(t, names[k], -1, values[k], -1);
	t0 = now();
	for (long i = 0; i < n; i++)
		rd_kafka_headers_destroy(rd_kafka_headers_copy(t));
	t0 = (now() - t0) / (double)n * 1e9;
	rd_kafka_headers_destroy(t);
	return t0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;

	if (n <= 0) {
		fprintf(stderr, "usage: header-bench [N]\n");
		return 2;
	}
	printf("header-bench: %ld lists each, ns per list built and destroyed\n", n);
	printf("  all (11 headers), added one by one: %6.0f ns\n", build(n, all, 11));
	printf("  all (11 headers), prebuilt copied:  %6.0f ns\n", copy(n));
	printf("  lean (7 headers):                   %6.0f ns\n", build(n, all, 7));
	printf("  minimal (3 headers):                %6.0f ns\n", build(n, minimal, 3));
	return 0;
}

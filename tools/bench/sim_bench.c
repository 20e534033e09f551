/*
 * gcb-sim-bench: measures how many events/s gcb-sim serves to one client.
 * One libcurl easy handle (one keep-alive connection) fetches a token, then
 * polls with limit=1000, following the cursor, until N events were received.
 *
 *   gcb-sim-bench URL STREAM_ID N [CLIENT_ID CLIENT_SECRET]
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/gcb_buf.h"

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	gcb_buf_t *b = arg;
	size_t add = size * n;

	/* Anything but add tells libcurl to abort the transfer. */
	return gcb_buf_append(b, ptr, add) == 0 ? add : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copies the string value of "key":"..." found at or after @from into @out. */
static int json_str(const char *from, const char *key, char *out, size_t size)
{
	const char *p = strstr(from, key), *end;

	if (!p)
		return -1;
	p += strlen(key);
	end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= size)
		return -1;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = 0;
	return 0;
}

int main(int argc, char **argv)
{
	const char *url, *stream, *id = "gcb-sim-client", *secret = "gcb-sim-secret";
	char u[512], cursor[64] = "", tok[128], hdr[160], up[256];
	struct curl_slist *h = NULL;
	gcb_buf_t b = {0};
	long long want, got = 0, polls = 0;
	double t0, t1, bytes = 0;
	CURL *c;
	long code;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: gcb-sim-bench URL STREAM_ID N [CLIENT_ID SECRET]\n");
		return 2;
	}
	url = argv[1];
	stream = argv[2];
	want = atoll(argv[3]);
	if (argc == 6) {
		id = argv[4];
		secret = argv[5];
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	if (!c)
		return 1;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);

	snprintf(u, sizeof(u), "%s/oauth/token", url);
	snprintf(up, sizeof(up), "%s:%s", id, secret);
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_USERPWD, up);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "grant_type=client_credentials");
	if (curl_easy_perform(c) != CURLE_OK ||
	    json_str(b.data, "\"access_token\":\"", tok, sizeof(tok)) < 0) {
		fprintf(stderr, "gcb-sim-bench: token request failed\n");
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_USERPWD, NULL);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", tok);
	h = curl_slist_append(h, hdr);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);

	t0 = now_s();
	while (got < want) {
		const char *p;

		if (gcb_buf_reset(&b) != 0) {
			fprintf(stderr, "gcb-sim-bench: out of memory\n");
			return 1;
		}
		snprintf(u, sizeof(u), "%s/api/v2/eventstreams/%s/poll?limit=1000%s%s", url, stream,
			 cursor[0] ? "&cursor=" : "", cursor);
		curl_easy_setopt(c, CURLOPT_URL, u);
		if (curl_easy_perform(c) != CURLE_OK) {
			fprintf(stderr, "gcb-sim-bench: poll failed\n");
			return 1;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200) {
			fprintf(stderr, "gcb-sim-bench: poll answered %ld\n", code);
			return 1;
		}
		polls++;
		bytes += (double)b.len;
		for (p = b.data; (p = strstr(p, "{\"id\":\"")); p += 7)
			got++;
		p = b.data + (b.len > 120 ? b.len - 120 : 0);
		if (json_str(p, "\"cursor\":\"", cursor, sizeof(cursor)) < 0) {
			fprintf(stderr, "gcb-sim-bench: no cursor in answer\n");
			return 1;
		}
		if (strstr(p, "\"hasMore\":false"))
			break;
	}
	t1 = now_s();
	printf("gcb-sim-bench: %lld events in %lld polls, %.2f s: %.0f events/s, %.1f MB/s\n", got,
	       polls, t1 - t0, (double)got / (t1 - t0), bytes / (t1 - t0) / 1e6);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	gcb_buf_fini(&b);
	return got >= want ? 0 : 1;
}

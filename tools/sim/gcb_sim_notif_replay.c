/*
 * Replay of recorded notification messages (gcb_sim_notif_record) at full
 * speed: a benchmark sender that is not the limit. Generating a message
 * (conversation model, JSON, correlation id, sent log) and handing each one
 * to wslay costs the simulator more than the client spends reading it, so a
 * generated burst measures the simulator. Here each channel's share of the
 * file is framed once into one buffer and written in large writes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/sim/gcb_sim_notif.h"

typedef struct replay {
	const char *data;
	size_t len;
	uint64_t messages;
	int err;
} replay_t;

/* Bytes of a server frame's header for a payload of @len (no mask). */
static size_t frame_header(unsigned char *h, size_t len)
{
	h[0] = 0x81; /* FIN, text */
	if (len < 126) {
		h[1] = (unsigned char)len;
		return 2;
	}
	if (len < 65536) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		return 4;
	}
	h[1] = 127;
	for (int i = 0; i < 8; i++)
		h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

/* The topic of a recorded line: the value of its leading "topicName". */
static int line_topic(const char *l, size_t len, const char **topic, size_t *tlen)
{
	static const char key[] = "{\"topicName\":\"";
	const char *end;

	if (len < sizeof(key) || memcmp(l, key, sizeof(key) - 1) != 0)
		return -EINVAL;
	*topic = l + sizeof(key) - 1;
	end = memchr(*topic, '"', len - (sizeof(key) - 1));
	if (end == NULL)
		return -EINVAL;
	*tlen = (size_t)(end - *topic);
	return 0;
}

static void replay_socket(void *arg, gcb_sim_ws_t *ws, const gcb_sim_strset_t *topics)
{
	replay_t *r = arg;
	size_t cap = r->len + r->len / 8 + 64, used = 0;
	uint64_t n = 0;
	char *out = malloc(cap);

	if (out == NULL) {
		r->err = -ENOMEM;
		return;
	}
	for (const char *l = r->data, *end = r->data + r->len; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t len = (size_t)((nl ? nl : end) - l), tlen;
		const char *topic;

		if (len > 0 && line_topic(l, len, &topic, &tlen) == 0 &&
		    gcb_sim_strset_has(topics, topic, tlen)) {
			used += frame_header((unsigned char *)out + used, len);
			memcpy(out + used, l, len);
			used += len;
			n++;
		}
		l += len + 1;
	}
	if (n == 0) {
		free(out);
		return;
	}
	if (gcb_sim_ws_send_frames(ws, out, used) == 0)
		r->messages += n;
	else
		r->err = -ENOBUFS;
}

int gcb_sim_notif_replay(gcb_sim_notif_t *n, const char *path, uint64_t *messages)
{
	replay_t r = {0};
	FILE *f;
	char *data = NULL;
	long size;
	int rc = 0;

	gcb_sim_notif_record_flush(n); /* the file may be the one being recorded */
	f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		rc = -EIO;
		goto out;
	}
	data = malloc((size_t)size + 1);
	if (data == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (fread(data, 1, (size_t)size, f) != (size_t)size) {
		rc = -EIO;
		goto out;
	}
	r.data = data;
	r.len = (size_t)size;
	gcb_sim_notif_each_socket(n, replay_socket, &r);
	*messages = r.messages;
	rc = r.err;
out:
	free(data);
	fclose(f);
	return rc;
}

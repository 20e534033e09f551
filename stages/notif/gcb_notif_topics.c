/* Topic templates, expansion and channel split (gcb_notif_topics.h). */
#include "stages/notif/gcb_notif_topics.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/gcb_array.h"

#define LINE_MAX_BYTES 4096

void gcb_notif_topics_init(gcb_notif_topics_t *t)
{
	memset(t, 0, sizeof(*t));
}

void gcb_notif_topics_fini(gcb_notif_topics_t *t)
{
	for (unsigned i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

int gcb_notif_topics_add(gcb_notif_topics_t *t, const char *s, size_t len)
{
	char *c;

	/* The bound keeps the count within its unsigned. */
	if (GCB_ARRAY_RESERVE(t->v, t->cap, (size_t)t->n + 1, 64, UINT_MAX) != 0)
		return -ENOMEM;
	if ((c = strndup(s, len)) == NULL)
		return -ENOMEM;
	t->v[t->n++] = c;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void gcb_notif_topics_dedupe(gcb_notif_topics_t *t)
{
	unsigned k = 0;

	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof(*t->v), cmp_str);
	for (unsigned i = 1; i < t->n; i++) {
		if (strcmp(t->v[i], t->v[k]) == 0)
			free(t->v[i]);
		else
			t->v[++k] = t->v[i];
	}
	t->n = k + 1;
}

/* Splits s on white space into t. */
static int add_words(gcb_notif_topics_t *t, const char *s)
{
	while (*s) {
		size_t sp = strspn(s, " \t\r\n"), len;

		s += sp;
		len = strcspn(s, " \t\r\n");
		if (len > 0 && gcb_notif_topics_add(t, s, len) != 0)
			return -ENOMEM;
		s += len;
	}
	return 0;
}

static int add_file(gcb_notif_topics_t *t, const char *path, char *errstr, size_t errstr_size)
{
	FILE *fp = fopen(path, "re");
	char line[LINE_MAX_BYTES];
	int rc = 0;

	if (fp == NULL) {
		rc = -errno;
		snprintf(errstr, errstr_size,
			 "genesys.notifications.topics_file: fopen(%s) failed: %s", path,
			 strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *hash = strchr(line, '#');

		if (hash != NULL)
			*hash = '\0';
		if ((rc = add_words(t, line)) != 0)
			break;
	}
	fclose(fp);
	return rc;
}

/* NULL when every {...} in s is a known placeholder, else the first unknown one. */
static const char *unknown_placeholder(const char *s)
{
	for (const char *p = strchr(s, '{'); p != NULL; p = strchr(p + 1, '{')) {
		if (strncmp(p, GCB_NOTIF_PH_QUEUE, strlen(GCB_NOTIF_PH_QUEUE)) != 0 &&
		    strncmp(p, GCB_NOTIF_PH_USER, strlen(GCB_NOTIF_PH_USER)) != 0)
			return p;
	}
	return strchr(s, '}') != NULL && strchr(s, '{') == NULL ? strchr(s, '}') : NULL;
}

int gcb_notif_topics_load(gcb_notif_topics_t *tmpl, const char *topics, const char *file,
			  unsigned topics_per_channel, unsigned max_channels, char *errstr,
			  size_t errstr_size)
{
	const char *key = file != NULL && file[0] != '\0'
			      ? "genesys.notifications.topics (with topics_file)"
			      : "genesys.notifications.topics";
	unsigned fixed = 0, limit;
	int rc;

	gcb_notif_topics_init(tmpl);
	if (topics != NULL && (rc = add_words(tmpl, topics)) != 0)
		goto fail;
	if (file != NULL && file[0] != '\0' &&
	    (rc = add_file(tmpl, file, errstr, errstr_size)) != 0)
		goto fail;
	gcb_notif_topics_dedupe(tmpl);
	if (tmpl->n == 0) {
		snprintf(errstr, errstr_size,
			 "genesys.notifications.topics: no topic configured (and none in "
			 "genesys.notifications.topics_file)");
		rc = -EINVAL;
		goto fail;
	}
	for (unsigned i = 0; i < tmpl->n; i++) {
		const char *bad = unknown_placeholder(tmpl->v[i]);

		if (bad != NULL) {
			snprintf(errstr, errstr_size,
				 "%s: topic \"%s\" has an unknown placeholder at \"%.32s\" "
				 "(known: " GCB_NOTIF_PH_QUEUE ", " GCB_NOTIF_PH_USER ")",
				 key, tmpl->v[i], bad);
			rc = -EINVAL;
			goto fail;
		}
		if (strchr(tmpl->v[i], '{') == NULL)
			fixed++;
	}
	limit = (max_channels - 1) * topics_per_channel;
	if (fixed > limit) {
		snprintf(errstr, errstr_size,
			 "%s: %u topics exceed what %u channels "
			 "(genesys.notifications.max_channels %u, one kept free for rollover) of "
			 "%u topics (genesys.notifications.topics_per_channel) can carry: %u",
			 key, fixed, max_channels - 1, max_channels, topics_per_channel, limit);
		rc = -EINVAL;
		goto fail;
	}
	return 0;
fail:
	if (rc == -ENOMEM)
		snprintf(errstr, errstr_size, "genesys.notifications.topics: out of memory");
	gcb_notif_topics_fini(tmpl);
	return rc;
}

int gcb_notif_topics_need(const gcb_notif_topics_t *tmpl, const char *placeholder)
{
	for (unsigned i = 0; i < tmpl->n; i++)
		if (strstr(tmpl->v[i], placeholder) != NULL)
			return 1;
	return 0;
}

/* Replaces every occurrence of ph in s by id into out (size bytes). 0 or -ENAMETOOLONG. */
static int subst(const char *s, const char *ph, const char *id, char *out, size_t size)
{
	size_t phl = strlen(ph), idl = strlen(id), k = 0;

	while (*s) {
		if (strncmp(s, ph, phl) == 0) {
			if (k + idl >= size)
				return -ENAMETOOLONG;
			memcpy(out + k, id, idl);
			k += idl;
			s += phl;
		} else {
			if (k + 1 >= size)
				return -ENAMETOOLONG;
			out[k++] = *s++;
		}
	}
	out[k] = '\0';
	return 0;
}

static int expand_one(const char *t, const gcb_notif_topics_t *queues,
		      const gcb_notif_topics_t *users, gcb_notif_topics_t *out)
{
	char a[LINE_MAX_BYTES], b[LINE_MAX_BYTES];
	int q = strstr(t, GCB_NOTIF_PH_QUEUE) != NULL, u = strstr(t, GCB_NOTIF_PH_USER) != NULL;
	unsigned nq = q ? queues->n : 1, nu = u ? users->n : 1;

	for (unsigned i = 0; i < nq; i++) {
		if (q && subst(t, GCB_NOTIF_PH_QUEUE, queues->v[i], a, sizeof(a)) != 0)
			continue;
		if (!q)
			snprintf(a, sizeof(a), "%s", t);
		for (unsigned j = 0; j < nu; j++) {
			if (u && subst(a, GCB_NOTIF_PH_USER, users->v[j], b, sizeof(b)) != 0)
				continue;
			if (gcb_notif_topics_add(out, u ? b : a, strlen(u ? b : a)) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

int gcb_notif_topics_expand(const gcb_notif_topics_t *tmpl, const gcb_notif_topics_t *queues,
			    const gcb_notif_topics_t *users, gcb_notif_topics_t *out)
{
	gcb_notif_topics_init(out);
	for (unsigned i = 0; i < tmpl->n; i++) {
		if (expand_one(tmpl->v[i], queues, users, out) != 0) {
			gcb_notif_topics_fini(out);
			return -ENOMEM;
		}
	}
	gcb_notif_topics_dedupe(out);
	return 0;
}

char *gcb_notif_topics_join(const gcb_notif_topics_t *t, unsigned from, unsigned to)
{
	size_t len = 1, k = 0;
	char *s;

	for (unsigned i = from; i < to; i++)
		len += strlen(t->v[i]) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	for (unsigned i = from; i < to; i++) {
		size_t l = strlen(t->v[i]);

		if (k > 0)
			s[k++] = ' ';
		memcpy(s + k, t->v[i], l);
		k += l;
	}
	s[k] = '\0';
	return s;
}

char *gcb_notif_topics_body(const char *joined, size_t *len)
{
	/* Worst case every byte escaped, plus {"id":""}, per topic. */
	size_t cap = 2 * strlen(joined) * 2 + 16 * (strlen(joined) / 2 + 2) + 4, k = 0;
	const char *s = joined;
	char *b = malloc(cap);

	if (b == NULL)
		return NULL;
	b[k++] = '[';
	while (*s) {
		size_t l;

		s += strspn(s, " ");
		l = strcspn(s, " ");
		if (l == 0)
			break;
		if (k > 1)
			b[k++] = ',';
		memcpy(b + k, "{\"id\":\"", 7);
		k += 7;
		for (size_t i = 0; i < l; i++) {
			if (s[i] == '"' || s[i] == '\\')
				b[k++] = '\\';
			b[k++] = s[i];
		}
		memcpy(b + k, "\"}", 2);
		k += 2;
		s += l;
	}
	b[k++] = ']';
	b[k] = '\0';
	*len = k;
	return b;
}

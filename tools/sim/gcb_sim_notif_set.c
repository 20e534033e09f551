#include "tools/sim/gcb_sim_notif_set.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *k, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 1099511628211ULL;
	return h;
}

static size_t find(char **slots, size_t cap, const char *key, size_t len)
{
	size_t i = (size_t)hash(key, len) & (cap - 1);

	while (slots[i] && (strncmp(slots[i], key, len) || slots[i][len]))
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(gcb_sim_strset_t *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	char **n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i])
			n[find(n, cap, s->slots[i], strlen(s->slots[i]))] = s->slots[i];
	free(s->slots);
	s->slots = n;
	s->cap = cap;
	return 0;
}

int gcb_sim_strset_add(gcb_sim_strset_t *s, const char *key, size_t len)
{
	size_t i;
	char *k;

	if ((s->count + 1) * 2 > s->cap && grow(s) < 0)
		return -ENOMEM;
	i = find(s->slots, s->cap, key, len);
	if (s->slots[i])
		return 0;
	k = strndup(key, len);
	if (!k)
		return -ENOMEM;
	s->slots[i] = k;
	s->count++;
	return 1;
}

int gcb_sim_strset_has(const gcb_sim_strset_t *s, const char *key, size_t len)
{
	return s->cap && s->slots[find(s->slots, s->cap, key, len)] != NULL;
}

void gcb_sim_strset_clear(gcb_sim_strset_t *s)
{
	for (size_t i = 0; i < s->cap; i++) {
		free(s->slots[i]);
		s->slots[i] = NULL;
	}
	s->count = 0;
}

void gcb_sim_strset_fini(gcb_sim_strset_t *s)
{
	gcb_sim_strset_clear(s);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

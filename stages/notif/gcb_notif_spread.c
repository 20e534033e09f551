/*
 * The split of the resolved topics over channels. A PUT replaces one
 * channel's topics at once, but nothing orders the PUTs of two channels: a
 * topic that moved from one channel to another would be subscribed nowhere
 * between the two, and what was published for it then would be lost, with
 * no gap to show for it. So a topic stays on the channel that carries it for
 * as long as it is in the set; only new topics are placed, in the first
 * channels with room, then on new ones. Channels fill unevenly over time;
 * that costs nothing, as the service limits topics per channel, not balance.
 */
#include "stages/notif/gcb_notif_topics.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NO_SLOT UINT32_MAX

typedef struct {
	const char *s;
	size_t len;
} word_t;

static int cmp_word(const void *key, const void *elem)
{
	const word_t *w = key;
	const char *t = *(char *const *)elem;
	int c = strncmp(w->s, t, w->len);

	return c != 0 ? c : (t[w->len] == '\0' ? 0 : -1);
}

/* slot[k] = s for every topic of the space-joined list that is in all and
 * not placed yet (at most per of them). */
static void keep(const gcb_notif_topics_t *all, const char *joined, uint32_t s, unsigned per,
		 uint32_t *slot, unsigned *count)
{
	while (*joined != '\0') {
		word_t w = {joined, strcspn(joined, " ")};
		char **hit;

		if (w.len > 0 && count[s] < per &&
		    (hit = bsearch(&w, all->v, all->n, sizeof(*all->v), cmp_word)) != NULL &&
		    slot[hit - all->v] == NO_SLOT) {
			slot[hit - all->v] = s;
			count[s]++;
		}
		joined += w.len;
		joined += strspn(joined, " ");
	}
}

int gcb_notif_topics_spread(const gcb_notif_topics_t *all, char *const *cur, unsigned n_cur,
			    unsigned per, unsigned max_slots, gcb_notif_spread_t *out)
{
	uint32_t *slot = NULL;
	unsigned fill = 0, top = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (per == 0 || max_slots > GCB_NOTIF_SPREAD_MAX || n_cur > max_slots)
		return -EINVAL;
	if (all->n > (size_t)per * max_slots)
		return -E2BIG;
	if (all->n > 0 && (slot = malloc(all->n * sizeof(*slot))) == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < all->n; i++)
		slot[i] = NO_SLOT;
	for (unsigned s = 0; s < n_cur; s++)
		if (cur[s] != NULL)
			keep(all, cur[s], s, per, slot, out->count);
	for (unsigned i = 0; i < all->n; i++) {
		if (slot[i] != NO_SLOT)
			continue;
		while (out->count[fill] >= per)
			fill++; /* cannot pass max_slots: all->n <= per * max_slots */
		slot[i] = fill;
		out->count[fill]++;
	}
	for (unsigned s = 0; s < max_slots; s++)
		if (out->count[s] > 0)
			top = s + 1;
	for (unsigned s = 0; s < top && rc == 0; s++) {
		gcb_notif_topics_t mine;

		if (out->count[s] == 0)
			continue;
		gcb_notif_topics_init(&mine);
		/* all is sorted: so is every channel's list. */
		for (unsigned i = 0; i < all->n && rc == 0; i++)
			if (slot[i] == s)
				rc = gcb_notif_topics_add(&mine, all->v[i], strlen(all->v[i]));
		if (rc == 0 && (out->topics[s] = gcb_notif_topics_join(&mine, 0, mine.n)) == NULL)
			rc = -ENOMEM;
		gcb_notif_topics_fini(&mine);
	}
	out->n = top;
	free(slot);
	if (rc != 0)
		gcb_notif_spread_fini(out);
	return rc;
}

void gcb_notif_spread_fini(gcb_notif_spread_t *sp)
{
	for (unsigned s = 0; s < GCB_NOTIF_SPREAD_MAX; s++)
		free(sp->topics[s]);
	memset(sp, 0, sizeof(*sp));
}

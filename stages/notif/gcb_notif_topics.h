/*
 * Notification topic sets: the configured templates (genesys.notifications.
 * topics plus the topics file), their expansion over queue and user ids, and
 * the split over channels. Nothing here talks to the network, so the
 * supervisor checks the same rules at startup that the fetcher applies.
 *
 * Ownership: a topic list owns its strings; gcb_notif_topics_fini frees them.
 */
#ifndef GCB_NOTIF_TOPICS_H
#define GCB_NOTIF_TOPICS_H

#include <stddef.h>

#define GCB_NOTIF_PH_QUEUE "{queueId}"
#define GCB_NOTIF_PH_USER  "{userId}"

typedef struct gcb_notif_topics {
	char **v;
	unsigned n;
	size_t cap;
} gcb_notif_topics_t;

void gcb_notif_topics_init(gcb_notif_topics_t *t);
void gcb_notif_topics_fini(gcb_notif_topics_t *t);

/* Appends a copy of s (len bytes). 0 or -ENOMEM. */
int gcb_notif_topics_add(gcb_notif_topics_t *t, const char *s, size_t len);

/* Sorts and removes duplicates. */
void gcb_notif_topics_dedupe(gcb_notif_topics_t *t);

/*
 * Reads the templates: the space-separated topics string and the lines of
 * file (may be NULL; '#' starts a comment). -EINVAL with errstr naming the
 * key for an unknown placeholder ({...} other than {queueId} / {userId}), an
 * empty set, or more topics without placeholders than (max_channels - 1) x
 * topics_per_channel; -errno for an unreadable file.
 */
int gcb_notif_topics_load(gcb_notif_topics_t *tmpl, const char *topics, const char *file,
			  unsigned topics_per_channel, unsigned max_channels, char *errstr,
			  size_t errstr_size);

/* 1 when some template needs the queue ids / the user ids. */
int gcb_notif_topics_need(const gcb_notif_topics_t *tmpl, const char *placeholder);

/*
 * out = every template with each placeholder replaced by every id of its
 * list (a template with both gets every pair), sorted and deduplicated.
 */
int gcb_notif_topics_expand(const gcb_notif_topics_t *tmpl, const gcb_notif_topics_t *queues,
			    const gcb_notif_topics_t *users, gcb_notif_topics_t *out);

/* Channels needed for n topics, at most per_channel each. */
static inline unsigned gcb_notif_topics_channels(unsigned n, unsigned per_channel)
{
	return (n + per_channel - 1) / per_channel;
}

/*
 * gcb_notif_spread.c: the sorted set all over channel slots that carry
 * cur[s] (space-joined; NULL: a free slot), at most per each, without moving
 * a topic that stays in the set from the slot that carries it; new topics go
 * to the first slots with room. out->topics[s] (space-joined, owned by out,
 * NULL: the slot carries nothing) and out->count[s] for s < out->n.
 * 0, -E2BIG (more than per x max_slots topics), -EINVAL, -ENOMEM.
 */
#define GCB_NOTIF_SPREAD_MAX 64
typedef struct {
	char *topics[GCB_NOTIF_SPREAD_MAX];
	unsigned count[GCB_NOTIF_SPREAD_MAX];
	unsigned n;
} gcb_notif_spread_t;

int gcb_notif_topics_spread(const gcb_notif_topics_t *all, char *const *cur, unsigned n_cur,
			    unsigned per, unsigned max_slots, gcb_notif_spread_t *out);
void gcb_notif_spread_fini(gcb_notif_spread_t *sp);

/* Topics [from, to) joined by single spaces; malloc'ed, NULL on ENOMEM. */
char *gcb_notif_topics_join(const gcb_notif_topics_t *t, unsigned from, unsigned to);

/*
 * The subscription body [{"id":"..."},...] for space-separated topics;
 * malloc'ed with its length in *len, NULL on ENOMEM.
 */
char *gcb_notif_topics_body(const char *joined, size_t *len);

#endif

/*
 * A set of strings (open addressing, linear probing) for topic subscriptions
 * and id lookups. Not thread-safe: the owner locks.
 */
#ifndef GCB_SIM_NOTIF_SET_H
#define GCB_SIM_NOTIF_SET_H

#include <stddef.h>

typedef struct gcb_sim_strset {
	char **slots;
	size_t cap; /* power of two, or 0 */
	size_t count;
} gcb_sim_strset_t;

/* 1 added, 0 already there, -ENOMEM. Copies @key. */
int gcb_sim_strset_add(gcb_sim_strset_t *s, const char *key, size_t len);
int gcb_sim_strset_has(const gcb_sim_strset_t *s, const char *key, size_t len);
/* Removes every string (keeps the table). */
void gcb_sim_strset_clear(gcb_sim_strset_t *s);
void gcb_sim_strset_fini(gcb_sim_strset_t *s);

#endif

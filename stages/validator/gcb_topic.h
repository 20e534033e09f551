/*
 * Genesys notification topic names ("v2.users.<uuid>.presence",
 * "v2.detail.events.conversation.<uuid>.customer.start", ...): dot-separated
 * segments, read in place, without copying or allocating.
 */
#ifndef GCB_TOPIC_H
#define GCB_TOPIC_H

#include <stddef.h>

#define GCB_TOPIC_SEGMENT_MAX 31 /* highest segment index a route key may name */

/*
 * Segment idx (0-based) of topic: its start, with its length in *len; NULL
 * when topic has no such segment or it is empty ("a..b").
 */
const char *gcb_topic_segment(const char *topic, unsigned idx, size_t *len);

/* Number of dot-separated segments of s ("" has one, empty, segment). */
unsigned gcb_topic_nsegments(const char *s);

/*
 * Splits topic around its entity id, the first segment shaped like a uuid:
 * the family before it ("v2.users", "v2.detail.events.conversation",
 * "v2.routing.queues") and the kind after it ("presence", "customer.start",
 * "conversations"); *id is the id itself. A topic without a uuid segment
 * splits at its last dot ("gcbridge.backfill" / "conversation"), with no id;
 * one without a dot is all kind. Every result points into topic (length in
 * *_len, 0 when absent).
 */
void gcb_topic_split(const char *topic, const char **family, size_t *family_len, const char **id,
		     size_t *id_len, const char **kind, size_t *kind_len);

#endif

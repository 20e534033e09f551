/*
 * Spool records of the poll source (docs/fetcher.md, "The spool"). A poll
 * answer with events is spooled as one record per event between two
 * markers, so that no record is larger than one event and the spool's write
 * buffers stay small whatever poll.limit is:
 *
 *   'B' <cursor>            answer begins; cursor: where a re-poll gets it again
 *   'E' <event bytes>       one event, exactly as received (repeated)
 *   'A' <'0'|'1'> <cursor>  answer ends; hasMore; the cursor after it
 *
 * The first byte is the type; the rest is raw (no length fields, no
 * escaping: the spool record's length bounds it). An answer without its
 * 'A' (cut by a crash, or by a full spool) is never fed whole: the next 'B'
 * drops it, and polling resumes from the last complete answer.
 */
#ifndef GCB_FETCHER_SPOOLREC_H
#define GCB_FETCHER_SPOOLREC_H

#include <stddef.h>
#include <stdint.h>

#define GCB_SPOOLREC_BEGIN 'B'
#define GCB_SPOOLREC_EVENT 'E'
#define GCB_SPOOLREC_END   'A'

/* Bytes before the variable part: type (and hasMore for an end). */
#define GCB_SPOOLREC_HDR_MAX 2u

typedef struct gcb_spoolrec {
	int type;	  /* GCB_SPOOLREC_* */
	int has_more;	  /* END only */
	const char *data; /* cursor (BEGIN, END) or event bytes (EVENT), not NUL-terminated */
	size_t len;
} gcb_spoolrec_t;

/*
 * Encodes the header of a record into hdr (GCB_SPOOLREC_HDR_MAX bytes):
 * returns its length. The record is hdr followed by data.
 */
size_t gcb_spoolrec_header(int type, int has_more, unsigned char hdr[GCB_SPOOLREC_HDR_MAX]);

/*
 * Decodes a record read from the spool. 0, or -EBADMSG for an unknown type,
 * an empty event, or an end marker without its hasMore byte. Cursors longer
 * than cursor_max - 1 bytes are -ENAMETOOLONG. rec points into buf.
 */
int gcb_spoolrec_decode(const void *buf, size_t len, size_t cursor_max, gcb_spoolrec_t *rec);

#endif

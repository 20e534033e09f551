/*
 * Why an event went to the dead-letter queue. The names are a stable
 * contract: they travel in the DLQ record (GCB_OUTF_ERROR_REASON) and from
 * there into the Kafka message headers, where consumers may match on them.
 */
#ifndef GCB_REASON_H
#define GCB_REASON_H

enum gcb_reason {
	GCB_REASON_NONE = 0,
	GCB_REASON_BAD_JSON,	    /* not parseable JSON, or not a JSON object */
	GCB_REASON_OVERSIZED,	    /* event (or its encoding) larger than allowed */
	GCB_REASON_UNROUTED,	    /* no route matches the event */
	GCB_REASON_MISSING_FIELD,   /* required field absent and no default */
	GCB_REASON_WRONG_TYPE,	    /* JSON type does not fit the schema type */
	GCB_REASON_BAD_ENUM,	    /* string is not one of the enum's symbols */
	GCB_REASON_OUT_OF_RANGE,    /* number outside the Avro type's range */
	GCB_REASON_BAD_TIMESTAMP,   /* not an ISO-8601 date-time */
	GCB_REASON_BAD_UUID,	    /* not a canonical 8-4-4-4-12 hex uuid */
	GCB_REASON_BAD_UTF8,	    /* string is not valid UTF-8 */
	GCB_REASON_BAD_BYTES,	    /* bytes/fixed: code point > 255 or wrong size */
	GCB_REASON_UNKNOWN_FIELD,   /* field not in the schema (strict mode) */
	GCB_REASON_AMBIGUOUS_UNION, /* value fits several union branches */
	GCB_REASON_TOO_DEEP,	    /* nesting or work limit exceeded */
	GCB_REASON_MISSING_KEY,	    /* the route's key path is absent or not a scalar */
	GCB_REASON_ENCODE_FAILED,   /* libavro-c could not encode the value */
	GCB_REASON_BAD_RECORD,	    /* the input ring record itself is malformed */
	GCB_REASON_BAD_ANSWER,	    /* a whole poll answer the fetcher could not frame,
				     * dead-lettered on an operator's request */
	GCB_REASON_COUNT
};

/* "missing_field" etc.; "unknown" for values out of range. */
const char *gcb_reason_name(int reason);

#endif

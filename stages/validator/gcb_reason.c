#include "stages/validator/gcb_reason.h"

static const char *const reason_names[GCB_REASON_COUNT] = {
    [GCB_REASON_NONE] = "none",
    [GCB_REASON_BAD_JSON] = "bad_json",
    [GCB_REASON_OVERSIZED] = "oversized",
    [GCB_REASON_UNROUTED] = "unrouted",
    [GCB_REASON_MISSING_FIELD] = "missing_field",
    [GCB_REASON_WRONG_TYPE] = "wrong_type",
    [GCB_REASON_BAD_ENUM] = "bad_enum",
    [GCB_REASON_OUT_OF_RANGE] = "out_of_range",
    [GCB_REASON_BAD_TIMESTAMP] = "bad_timestamp",
    [GCB_REASON_BAD_UUID] = "bad_uuid",
    [GCB_REASON_BAD_UTF8] = "bad_utf8",
    [GCB_REASON_BAD_BYTES] = "bad_bytes",
    [GCB_REASON_UNKNOWN_FIELD] = "unknown_field",
    [GCB_REASON_AMBIGUOUS_UNION] = "ambiguous_union",
    [GCB_REASON_TOO_DEEP] = "too_deep",
    [GCB_REASON_MISSING_KEY] = "missing_key",
    [GCB_REASON_ENCODE_FAILED] = "encode_failed",
    [GCB_REASON_BAD_RECORD] = "bad_record",
    [GCB_REASON_BAD_ANSWER] = "bad_answer",
};

const char *gcb_reason_name(int reason)
{
	if (reason < 0 || reason >= GCB_REASON_COUNT)
		return "unknown";
	return reason_names[reason];
}

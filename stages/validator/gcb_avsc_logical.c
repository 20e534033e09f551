/*
 * Logical types (Avro 1.11 specification, "Logical Types"). A reader must
 * ignore a logical type that does not fit its underlying type and use the
 * underlying type instead; the linter reports such a mismatch, since the
 * author surely meant the logical type. Unknown logical types are allowed.
 */
#include "stages/validator/gcb_avsc_internal.h"

#include <math.h>
#include <string.h>

static const struct {
	const char *name;
	gcb_avsc_type_t type;
	int64_t fixed_size; /* for fixed: required size */
} simple[] = {
    {"date", GCB_AVSC_INT, 0},
    {"time-millis", GCB_AVSC_INT, 0},
    {"time-micros", GCB_AVSC_LONG, 0},
    {"timestamp-millis", GCB_AVSC_LONG, 0},
    {"timestamp-micros", GCB_AVSC_LONG, 0},
    {"local-timestamp-millis", GCB_AVSC_LONG, 0},
    {"local-timestamp-micros", GCB_AVSC_LONG, 0},
    {"uuid", GCB_AVSC_STRING, 0},
    {"duration", GCB_AVSC_FIXED, 12},
};

/* Decimal digits that always fit in n bytes of two's complement. */
static double max_precision(int64_t n)
{
	if (n <= 0)
		return 0;
	return floor((8.0 * (double)n - 1.0) * log10(2.0));
}

static void lint_decimal(const gcb_avsc_node_t *node, const cJSON *obj, const char *path,
			 gcb_avsc_problems_t *pr)
{
	const cJSON *prec = cJSON_GetObjectItemCaseSensitive(obj, "precision");
	const cJSON *scale = cJSON_GetObjectItemCaseSensitive(obj, "scale");
	double p, s = 0;

	if (node->type != GCB_AVSC_BYTES && node->type != GCB_AVSC_FIXED) {
		gcb_avsc_problem_add(pr, path,
				     "logicalType 'decimal' needs type bytes or fixed, not %s",
				     gcb_avsc_type_name(node->type));
		return;
	}
	if (!cJSON_IsNumber(prec) || !gcb_avsc_is_integral(prec->valuedouble) ||
	    prec->valuedouble < 1) {
		gcb_avsc_problem_add(pr, path,
				     "logicalType 'decimal' needs \"precision\", an integer >= 1");
		return;
	}
	p = prec->valuedouble;
	if (scale) {
		if (!cJSON_IsNumber(scale) || !gcb_avsc_is_integral(scale->valuedouble) ||
		    scale->valuedouble < 0) {
			gcb_avsc_problem_add(pr, path, "decimal \"scale\" must be an integer >= 0");
			return;
		}
		s = scale->valuedouble;
	}
	if (s > p)
		gcb_avsc_problem_add(pr, path, "decimal scale %.0f exceeds its precision %.0f", s,
				     p);
	if (node->type == GCB_AVSC_FIXED && p > max_precision(node->size))
		gcb_avsc_problem_add(pr, path,
				     "decimal precision %.0f does not fit in fixed '%s' of %lld "
				     "bytes (at most %.0f digits)",
				     p, node->fullname, (long long)node->size,
				     max_precision(node->size));
}

void gcb_avsc_lint_logical(const gcb_avsc_node_t *node, const cJSON *obj, const char *path,
			   gcb_avsc_problems_t *pr)
{
	const char *lt = node->logical_type;

	if (!lt)
		return;
	if (strcmp(lt, "decimal") == 0) {
		lint_decimal(node, obj, path, pr);
		return;
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (strcmp(simple[i].name, lt) != 0)
			continue;
		if (node->type != simple[i].type)
			gcb_avsc_problem_add(pr, path, "logicalType '%s' needs type %s, not %s", lt,
					     gcb_avsc_type_name(simple[i].type),
					     gcb_avsc_type_name(node->type));
		else if (simple[i].fixed_size && node->size != simple[i].fixed_size)
			gcb_avsc_problem_add(
			    pr, path, "logicalType '%s' needs a fixed of size %lld, not %lld", lt,
			    (long long)simple[i].fixed_size, (long long)node->size);
		return;
	}
}

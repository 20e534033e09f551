/*
 * SIGHUP reload: load the file again and apply what may change while
 * gcbridge runs. The new file must be valid as a whole; otherwise nothing
 * changes, so a half-edited file can never half-apply.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/gcb_config_table.h"

struct reporter {
	const char *path;
	gcb_config_report_fn *report;
	void *opaque;
};

/* Reports "PATH: KEY: ...". */
__attribute__((format(printf, 4, 5))) static void
tell(struct reporter *r, gcb_config_severity_t sev, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s: %s: ", r->path, key);
	if (n >= 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	r->report(r->opaque, sev, msg);
}

static int prop_equal(const gcb_config_t *a, const gcb_config_t *b, const gcb_config_prop_t *p)
{
	const void *fa = (const char *)a + p->offset, *fb = (const char *)b + p->offset;

	switch (p->type) {
	case GCB_CONFIG_T_BOOL:
	case GCB_CONFIG_T_ENUM:
		return *(const int *)fa == *(const int *)fb;
	case GCB_CONFIG_T_INT:
	case GCB_CONFIG_T_DURATION:
	case GCB_CONFIG_T_SIZE:
		return *(const int64_t *)fa == *(const int64_t *)fb;
	case GCB_CONFIG_T_SECRET: {
		const gcb_config_secret_t *sa = fa, *sb = fb;

		if (sa->value == NULL || sb->value == NULL)
			return sa->value == sb->value;
		return strcmp(sa->value, sb->value) == 0;
	}
	default: {
		const char *sa = *(char *const *)fa, *sb = *(char *const *)fb;

		if (sa == NULL || sb == NULL)
			return sa == sb;
		return strcmp(sa, sb) == 0;
	}
	}
}

/* Moves p's value from src to dst (strings change owner). */
static void prop_move(gcb_config_t *dst, gcb_config_t *src, const gcb_config_prop_t *p)
{
	void *fd = (char *)dst + p->offset, *fs = (char *)src + p->offset;

	switch (p->type) {
	case GCB_CONFIG_T_BOOL:
	case GCB_CONFIG_T_ENUM:
		*(int *)fd = *(int *)fs;
		break;
	case GCB_CONFIG_T_INT:
	case GCB_CONFIG_T_DURATION:
	case GCB_CONFIG_T_SIZE:
		*(int64_t *)fd = *(int64_t *)fs;
		break;
	case GCB_CONFIG_T_SECRET:
		gcb_config_prop_free(dst, p);
		*(gcb_config_secret_t *)fd = *(gcb_config_secret_t *)fs;
		memset(fs, 0, sizeof(gcb_config_secret_t));
		break;
	default:
		gcb_config_prop_free(dst, p);
		*(char **)fd = *(char **)fs;
		*(char **)fs = NULL;
		break;
	}
}

static int kafka_equal(const gcb_config_t *a, const gcb_config_t *b)
{
	if (a->kafka.count != b->kafka.count)
		return 0;
	for (size_t i = 0; i < a->kafka.count; i++)
		if (strcmp(a->kafka.props[i].name, b->kafka.props[i].name) != 0 ||
		    strcmp(a->kafka.props[i].value, b->kafka.props[i].value) != 0)
			return 0;
	return 1;
}

int gcb_config_reload(gcb_config_t *cfg, const char *path, gcb_config_report_fn *report,
		      void *opaque, char *errstr, size_t errstr_size)
{
	struct reporter r;
	gcb_config_t next;
	int rc, applied = 0;

	rc = gcb_config_load(&next, path, report, opaque, errstr, errstr_size);
	if (rc != 0) {
		gcb_config_fini(&next);
		return rc;
	}
	r.path = path != NULL ? path : "(no file)";
	r.report = report != NULL ? report : gcb_config_report_stderr;
	r.opaque = opaque;
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];
		char from[512], to[512];

		if (prop_equal(cfg, &next, p))
			continue;
		if (!(p->flags & GCB_CONFIG_F_RELOAD)) {
			tell(&r, GCB_CONFIG_WARNING, p->name,
			     "changed; takes effect when gcbridge restarts");
			continue;
		}
		gcb_config_prop_format(cfg, p, from, sizeof(from));
		gcb_config_prop_format(&next, p, to, sizeof(to));
		tell(&r, GCB_CONFIG_NOTICE, p->name, "%s -> %s (applied)", from, to);
		prop_move(cfg, &next, p);
		applied++;
	}
	if (!kafka_equal(cfg, &next))
		tell(&r, GCB_CONFIG_WARNING, "kafka.*",
		     "changed; takes effect when gcbridge "
		     "restarts");
	gcb_config_fini(&next);
	return applied;
}

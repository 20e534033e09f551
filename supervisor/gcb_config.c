/*
 * Loading the configuration: defaults from the table, the INI file through
 * libinih, then the checks that involve several keys. Every problem is
 * reported with file, line and key, and loading goes on so that one run
 * shows them all.
 *
 * A relative path (a path-type key, given or defaulted) is taken relative to
 * the directory of the configuration file, never to the working directory,
 * and stored absolute: the same file means the same files wherever gcbridge
 * is started from. Without a file (the embedded default) the working
 * directory is the base.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libgen.h>
#include <limits.h>

#include <ini.h>

#include "lib/gcb_array.h"
#include "stages/source/gcb_batch.h"
#include "stages/source/gcb_source_conf.h"
#include "supervisor/gcb_config_table.h"

#define KEY_MAX		 160
#define KAFKA_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define CONT_MSG                                                                                   \
	"indented line taken as a continuation of the value above; multi-line values are not "     \
	"supported (remove the indentation)"

struct load_ctx {
	gcb_config_t *cfg;
	const char *path; /* as shown in messages */
	char *base_dir;	  /* absolute directory of the file; NULL: no file */
	FILE *fp;
	char *buf; /* the current raw line (getline) */
	size_t bufcap;
	unsigned line;
	int indented; /* the current raw line starts with white space */
	char prev_key[KEY_MAX];
	unsigned *key_line; /* per table row: line that set it, 0 = default */
	unsigned char *bad; /* per table row: its value was rejected */
	unsigned errors;
	gcb_config_report_fn *report;
	void *opaque;
	char first_error[1024];
};

void gcb_config_report_stderr(void *opaque, gcb_config_severity_t severity, const char *msg)
{
	(void)opaque;
	if (severity == GCB_CONFIG_ERROR)
		fprintf(stderr, "%s\n", msg);
	else if (severity == GCB_CONFIG_WARNING)
		fprintf(stderr, "warning: %s\n", msg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* Reports "PATH[:LINE]: KEY: ..." (key may be NULL). */
__attribute__((format(printf, 5, 6))) static void say(struct load_ctx *c, gcb_config_severity_t sev,
						      unsigned line, const char *key,
						      const char *fmt, ...)
{
	char msg[1024];
	int n;
	va_list ap;

	if (line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%u: ", c->path, line);
	else
		n = snprintf(msg, sizeof(msg), "%s: ", c->path);
	if (key != NULL && n >= 0 && (size_t)n < sizeof(msg))
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s: ", key);
	if (n >= 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	if (sev == GCB_CONFIG_ERROR) {
		if (c->errors++ == 0)
			snprintf(c->first_error, sizeof(c->first_error), "%s", msg);
	}
	c->report(c->opaque, sev, msg);
}

static void *field(gcb_config_t *cfg, const gcb_config_prop_t *p)
{
	return (char *)cfg + p->offset;
}

static size_t prop_index(const gcb_config_prop_t *p)
{
	return (size_t)(p - gcb_config_props);
}

int gcb_config_type_is_string(gcb_config_type_t t)
{
	return t == GCB_CONFIG_T_STRING || t == GCB_CONFIG_T_PATH || t == GCB_CONFIG_T_URL ||
	       t == GCB_CONFIG_T_ADDR;
}

void gcb_config_prop_free(gcb_config_t *cfg, const gcb_config_prop_t *p)
{
	if (gcb_config_type_is_string(p->type)) {
		char **s = field(cfg, p);

		free(*s);
		*s = NULL;
	} else if (p->type == GCB_CONFIG_T_SECRET) {
		gcb_config_secret_t *s = field(cfg, p);

		gcb_config_secret_free(s->value);
		free(s->source);
		s->value = NULL;
		s->source = NULL;
	}
}

static void range_text(const gcb_config_prop_t *p, char *buf, size_t size)
{
	char lo[32], hi[32];

	if (p->type == GCB_CONFIG_T_DURATION) {
		gcb_config_format_duration(p->min, lo, sizeof(lo));
		gcb_config_format_duration(p->max, hi, sizeof(hi));
	} else if (p->type == GCB_CONFIG_T_SIZE) {
		gcb_config_format_size(p->min, lo, sizeof(lo));
		gcb_config_format_size(p->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%" PRId64, p->min);
		snprintf(hi, sizeof(hi), "%" PRId64, p->max);
	}
	snprintf(buf, size, "%s..%s", lo, hi);
}

static void enum_text(const gcb_config_prop_t *p, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; p->values[i] != NULL && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", p->values[i]);
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > GCB_CONFIG_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int file_readable(const char *path, char *why, size_t why_size)
{
	struct stat st;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, why_size, "fstat() failed on %s: %s", path, strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(why, why_size, "%s is not a regular file", path);
	}
	close(fd);
	return rc;
}

/*
 * Parses value into the field of p. Returns 0, or an error already reported
 * (with line). Values of secrets never reach a message.
 */
static int set_value(struct load_ctx *c, const gcb_config_prop_t *p, const char *value,
		     unsigned line)
{
	gcb_config_t *cfg = c->cfg;
	char why[512] = "";
	char range[96];
	char *resolved = NULL; /* a relative path joined to the file's directory */
	int64_t v = 0;
	int rc = 0;

	if (value[0] == '\0') {
		int empty_ok =
		    (gcb_config_type_is_string(p->type) || p->type == GCB_CONFIG_T_SECRET ||
		     (p->type == GCB_CONFIG_T_ENUM && p->def == NULL)) &&
		    !(p->flags & GCB_CONFIG_F_REQUIRED);

		if (!empty_ok) {
			say(c, GCB_CONFIG_ERROR, line, p->name, "must not be empty");
			return -EINVAL;
		}
		gcb_config_prop_free(cfg, p);
		if (p->type == GCB_CONFIG_T_ENUM)
			*(int *)field(cfg, p) = -1;
		return 0;
	}

	switch (p->type) {
	case GCB_CONFIG_T_BOOL:
		rc = gcb_config_parse_bool(value, field(cfg, p), why, sizeof(why));
		break;
	case GCB_CONFIG_T_INT:
		rc = gcb_config_parse_int(value, &v, why, sizeof(why));
		break;
	case GCB_CONFIG_T_DURATION:
		rc = gcb_config_parse_duration(value, &v, why, sizeof(why));
		break;
	case GCB_CONFIG_T_SIZE:
		rc = gcb_config_parse_size(value, &v, why, sizeof(why));
		break;
	case GCB_CONFIG_T_ENUM:
		rc = -EINVAL;
		for (int i = 0; p->values[i] != NULL; i++) {
			if (strcasecmp(value, p->values[i]) == 0) {
				*(int *)field(cfg, p) = i;
				rc = 0;
				break;
			}
		}
		if (rc != 0) {
			char vals[1024];

			enum_text(p, vals, sizeof(vals));
			say(c, GCB_CONFIG_ERROR, line, p->name, "\"%.80s\" is not one of: %s",
			    value, vals);
			return rc;
		}
		return 0;
	case GCB_CONFIG_T_URL:
		rc = gcb_config_check_url(value, why, sizeof(why));
		break;
	case GCB_CONFIG_T_ADDR:
		rc = gcb_config_check_addr(value, why, sizeof(why));
		break;
	case GCB_CONFIG_T_STRING:
		if ((p->flags & GCB_CONFIG_F_NAME) && !name_ok(value)) {
			rc = -EINVAL;
			snprintf(why, sizeof(why), "use 1..%d of A-Z a-z 0-9 . _ -",
				 GCB_CONFIG_NAME_MAX);
		}
		break;
	case GCB_CONFIG_T_PATH:
		if (value[0] != '/' && c->base_dir != NULL) {
			while (value[0] == '.' && value[1] == '/')
				value += 2;
			if (asprintf(&resolved, "%s/%s", c->base_dir, value) < 0) {
				resolved = NULL;
				say(c, GCB_CONFIG_ERROR, line, p->name, "out of memory");
				return -ENOMEM;
			}
			value = resolved;
		}
		if (p->flags & GCB_CONFIG_F_EXISTS) {
			rc = file_readable(value, why, sizeof(why));
			if (rc != 0) {
				say(c, GCB_CONFIG_ERROR, line, p->name, "%s", why);
				free(resolved);
				return rc;
			}
		}
		break;
	case GCB_CONFIG_T_SECRET: {
		gcb_config_secret_t *s = field(cfg, p);
		char *val = NULL, *src = NULL;
		unsigned mode = 0;

		rc = gcb_config_secret_resolve(value, &val, &src, &mode, why, sizeof(why));
		if (rc != 0) {
			say(c, GCB_CONFIG_ERROR, line, p->name, "%s", why);
			return rc;
		}
		if (mode != 0)
			say(c, GCB_CONFIG_WARNING, line, p->name,
			    "secret file %s is accessible by group or others (mode %04o); "
			    "chmod 600 it",
			    src + 5, mode);
		gcb_config_prop_free(cfg, p);
		s->value = val;
		s->source = src;
		return 0;
	}
	}
	if (rc != 0) {
		say(c, GCB_CONFIG_ERROR, line, p->name, "\"%.80s\": %s", value, why);
		return rc;
	}

	if (p->type == GCB_CONFIG_T_INT || p->type == GCB_CONFIG_T_DURATION ||
	    p->type == GCB_CONFIG_T_SIZE) {
		if (v < p->min || v > p->max) {
			range_text(p, range, sizeof(range));
			say(c, GCB_CONFIG_ERROR, line, p->name, "%s is out of range (%s)", value,
			    range);
			return -ERANGE;
		}
		if ((p->flags & GCB_CONFIG_F_POW2) && (v & (v - 1)) != 0) {
			say(c, GCB_CONFIG_ERROR, line, p->name,
			    "%s is not a power of two (e.g. 16MiB, not 16MB)", value);
			return -EINVAL;
		}
		*(int64_t *)field(cfg, p) = v;
		return 0;
	}
	if (gcb_config_type_is_string(p->type)) {
		char **s = field(cfg, p);
		char *copy = strdup(value);

		free(resolved);
		if (copy == NULL) {
			say(c, GCB_CONFIG_ERROR, line, p->name, "out of memory");
			return -ENOMEM;
		}
		/* Base URLs are joined with "/api/v2/...": keep them without a
		 * trailing slash. */
		if (p->type == GCB_CONFIG_T_URL) {
			size_t n = strlen(copy);

			while (n > 0 && copy[n - 1] == '/')
				copy[--n] = '\0';
		}
		free(*s);
		*s = copy;
	}
	return 0;
}

int gcb_config_init_defaults(gcb_config_t *cfg)
{
	struct load_ctx c = {0};

	memset(cfg, 0, sizeof(*cfg));
	c.cfg = cfg;
	c.path = "(defaults)";
	c.report = gcb_config_report_stderr;
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];

		if (p->type == GCB_CONFIG_T_ENUM)
			*(int *)field(cfg, p) = -1;
		if (p->def != NULL && set_value(&c, p, p->def, 0) != 0)
			return -EINVAL; /* a bad row in the table; a unit test catches it */
	}
	return 0;
}

void gcb_config_fini(gcb_config_t *cfg)
{
	for (size_t i = 0; i < gcb_config_prop_count; i++)
		gcb_config_prop_free(cfg, &gcb_config_props[i]);
	for (size_t i = 0; i < cfg->kafka.count; i++) {
		gcb_config_kv_t *kv = &cfg->kafka.props[i];

		free(kv->name);
		if (kv->sensitive)
			gcb_config_secret_free(kv->value);
		else
			free(kv->value);
		free(kv->source);
	}
	free(cfg->kafka.props);
	free(cfg->path);
	free(cfg->api_base);
	free(cfg->login_base);
	memset(cfg, 0, sizeof(*cfg));
}

static gcb_config_kv_t *kafka_find(gcb_config_t *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->kafka.count; i++)
		if (strcmp(cfg->kafka.props[i].name, name) == 0)
			return &cfg->kafka.props[i];
	return NULL;
}

static void kafka_set(struct load_ctx *c, const char *key, const char *value)
{
	gcb_config_t *cfg = c->cfg;
	const char *name = key + strlen("kafka.");
	gcb_config_kv_t *kv, *dup;
	char why[512];
	unsigned mode = 0;

	if (name[0] == '\0') {
		say(c, GCB_CONFIG_ERROR, c->line, key, "names no librdkafka property");
		return;
	}
	/* librdkafka's names are [a-z0-9._]; anything else (blanks, '=', control
	 * bytes, e.g. from a section "[kafka. = x]") would only fail when the
	 * producer starts, and would not survive the effective-config print. */
	if (name[strspn(name, KAFKA_NAME_CHARS)] != '\0') {
		say(c, GCB_CONFIG_ERROR, c->line, key,
		    "names no librdkafka property (letters, digits, '.', '_', '-' only)");
		return;
	}
	if (value[0] == '\0') {
		say(c, GCB_CONFIG_ERROR, c->line, key, "must not be empty");
		return;
	}
	dup = kafka_find(cfg, name);
	if (dup != NULL) {
		say(c, GCB_CONFIG_ERROR, c->line, key, "set twice (first on line %u)", dup->line);
		return;
	}
	if (GCB_ARRAY_RESERVE(cfg->kafka.props, cfg->kafka.cap, cfg->kafka.count + 1, 16, 0) != 0) {
		say(c, GCB_CONFIG_ERROR, c->line, key, "out of memory");
		return;
	}
	kv = &cfg->kafka.props[cfg->kafka.count];
	memset(kv, 0, sizeof(*kv));
	kv->line = c->line;
	kv->sensitive = gcb_config_kafka_sensitive(name);
	/* env:/file: work for every kafka.* value (a user name from the
	 * environment is handy too); only credentials are masked. */
	if (kv->sensitive || strncmp(value, "env:", 4) == 0 || strncmp(value, "file:", 5) == 0 ||
	    strncmp(value, "literal:", 8) == 0) {
		if (gcb_config_secret_resolve(value, &kv->value, &kv->source, &mode, why,
					      sizeof(why)) != 0) {
			say(c, GCB_CONFIG_ERROR, c->line, key, "%s", why);
			return;
		}
		if (mode != 0 && kv->sensitive)
			say(c, GCB_CONFIG_WARNING, c->line, key,
			    "secret file %s is accessible by group or others (mode %04o); "
			    "chmod 600 it",
			    kv->source + 5, mode);
	} else {
		kv->value = strdup(value);
	}
	kv->name = strdup(name);
	if (kv->name == NULL || kv->value == NULL) {
		free(kv->name);
		gcb_config_secret_free(kv->value);
		free(kv->source);
		say(c, GCB_CONFIG_ERROR, c->line, key, "out of memory");
		return;
	}
	cfg->kafka.count++;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[KEY_MAX + 1];

	if (la > KEY_MAX || lb > KEY_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void unknown_key(struct load_ctx *c, const char *key)
{
	static const char *const kafka_prefixes[] = {
	    "bootstrap.",  "security.", "sasl.",  "ssl.",     "acks",	"enable.",
	    "compression", "linger.",	"batch.", "message.", "queue.", "client.id",
	};
	const char *best = NULL;
	size_t best_d = 4;

	for (size_t i = 0; i < sizeof(kafka_prefixes) / sizeof(kafka_prefixes[0]); i++) {
		if (strncmp(key, kafka_prefixes[i], strlen(kafka_prefixes[i])) == 0) {
			say(c, GCB_CONFIG_ERROR, c->line, key,
			    "unknown key (librdkafka settings take the prefix: kafka.%s)", key);
			return;
		}
	}
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		size_t d = edit_distance(key, gcb_config_props[i].name);

		if (d < best_d) {
			best_d = d;
			best = gcb_config_props[i].name;
		}
	}
	if (best != NULL)
		say(c, GCB_CONFIG_ERROR, c->line, key, "unknown key (did you mean %s?)", best);
	else
		say(c, GCB_CONFIG_ERROR, c->line, key, "unknown key");
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	const gcb_config_prop_t *p;
	char key[KEY_MAX];
	size_t seclen;
	int n, cont;

	/* libinih keeps the blanks inside "[ genesys ]". */
	while (*section == ' ' || *section == '\t')
		section++;
	seclen = strlen(section);
	while (seclen > 0 && (section[seclen - 1] == ' ' || section[seclen - 1] == '\t'))
		seclen--;
	if (seclen > 0)
		n = snprintf(key, sizeof(key), "%.*s.%s", (int)seclen, section, name);
	else
		n = snprintf(key, sizeof(key), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(key)) {
		say(c, GCB_CONFIG_ERROR, c->line, NULL, "key is longer than %d characters",
		    KEY_MAX - 1);
		return 1;
	}
	/* libinih reads an indented line after a key as more of that key's
	 * value; this format has no multi-line values. */
	cont = c->indented && strcmp(key, c->prev_key) == 0;
	snprintf(c->prev_key, sizeof(c->prev_key), "%s", key);
	if (cont) {
		say(c, GCB_CONFIG_ERROR, c->line, key, CONT_MSG);
		return 1;
	}
	if (name[0] == '\0') {
		say(c, GCB_CONFIG_ERROR, c->line, NULL, "no key before '='");
		return 1;
	}
	if (strncmp(key, "kafka.", 6) == 0) {
		kafka_set(c, key, value);
		return 1;
	}
	p = gcb_config_prop_find(key);
	if (p == NULL) {
		unknown_key(c, key);
		return 1;
	}
	if (c->key_line[prop_index(p)] != 0) {
		say(c, GCB_CONFIG_ERROR, c->line, key, "set twice (first on line %u)",
		    c->key_line[prop_index(p)]);
		return 1;
	}
	c->key_line[prop_index(p)] = c->line;
	if (set_value(c, p, value, c->line) != 0)
		c->bad[prop_index(p)] = 1;
	return 1;
}

/* A line libinih would reject; checked here so that every such line is
 * reported, not only the first. */
static int line_syntax_ok(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	if (*s == '\0' || *s == ';' || *s == '#')
		return 1;
	if (*s == '[')
		return strchr(s, ']') != NULL;
	return strpbrk(s, "=:") != NULL;
}

static char *reader(char *str, int num, void *stream)
{
	struct load_ctx *c = stream;
	ssize_t n = getline(&c->buf, &c->bufcap, c->fp);
	const char *s;

	if (n < 0)
		return NULL;
	c->line++;
	s = c->buf;
	if (c->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	c->indented = s[0] == ' ' || s[0] == '\t';
	if (n > num - 1) {
		say(c, GCB_CONFIG_ERROR, c->line, NULL,
		    "line is longer than %d characters (put long secrets in a file: file:PATH)",
		    num - 2);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (strlen(c->buf) != (size_t)n) {
		say(c, GCB_CONFIG_ERROR, c->line, NULL, "line contains a NUL byte");
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (s[strspn(s, " \t")] == '[')
		c->prev_key[0] = '\0'; /* libinih forgets the previous key too */
	if (!line_syntax_ok(s) && c->indented) {
		say(c, GCB_CONFIG_ERROR, c->line, c->prev_key[0] ? c->prev_key : NULL, CONT_MSG);
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	if (!line_syntax_ok(s)) {
		say(c, GCB_CONFIG_ERROR, c->line, NULL,
		    "expected \"[section]\", \"key = value\" or a comment");
		snprintf(str, (size_t)num, "\n");
		return str;
	}
	memcpy(str, c->buf, (size_t)n + 1);
	return str;
}

static unsigned line_of(const struct load_ctx *c, const char *key)
{
	const gcb_config_prop_t *p = gcb_config_prop_find(key);

	return p != NULL ? c->key_line[prop_index(p)] : 0;
}

static int is_bad(const struct load_ctx *c, const char *key)
{
	const gcb_config_prop_t *p = gcb_config_prop_find(key);

	return p != NULL && c->bad[prop_index(p)];
}

/* First of the keys set in the file, for the message's line; else keys[0]. */
static const char *pick(const struct load_ctx *c, const char *a, const char *b)
{
	return line_of(c, a) == 0 && line_of(c, b) != 0 ? b : a;
}

static char *dup_printf(const char *fmt, const char *arg)
{
	char *s = NULL;

	if (asprintf(&s, fmt, arg) < 0)
		return NULL;
	return s;
}

static void check_delivery(struct load_ctx *c)
{
	gcb_config_t *cfg = c->cfg;
	static const char *const acks_keys[] = {"acks", "request.required.acks"};

	if (cfg->producer.unsafe)
		return;
	for (size_t i = 0; i < 2; i++) {
		gcb_config_kv_t *kv = kafka_find(cfg, acks_keys[i]);

		if (kv != NULL && strcmp(kv->value, "all") != 0 && strcmp(kv->value, "-1") != 0)
			say(c, GCB_CONFIG_ERROR, kv->line, NULL,
			    "kafka.%s: %.40s weakens delivery (gcbridge needs acks=all); set "
			    "producer.unsafe = true to allow it",
			    kv->name, kv->value);
	}
	{
		gcb_config_kv_t *kv = kafka_find(cfg, "enable.idempotence");
		int on;

		if (kv != NULL && gcb_config_parse_bool(kv->value, &on, NULL, 0) == 0 && !on)
			say(c, GCB_CONFIG_ERROR, kv->line, NULL,
			    "kafka.enable.idempotence: false allows duplicates and reordering on "
			    "retries; set producer.unsafe = true to allow it");
	}
}

/*
 * Cleartext off loopback is refused unless security.allow_cleartext; it and
 * every disabled certificate check are warned about at each load (so at
 * every start) and recorded in cfg->insecure for /metrics.
 */
static void check_transport(struct load_ctx *c)
{
	static const char *const url_keys[] = {"genesys.api_url", "genesys.login_url",
					       "schemas.registry.url"};
	gcb_config_t *cfg = c->cfg;
	const char *urls[] = {cfg->genesys.api_url, cfg->genesys.login_url,
			      cfg->schemas.registry_url};
	gcb_config_kv_t *kv;
	int on;

	cfg->insecure = 0;
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		if (!gcb_config_url_cleartext(urls[i]))
			continue;
		if (!cfg->security.allow_cleartext) {
			say(c, GCB_CONFIG_ERROR, line_of(c, url_keys[i]), url_keys[i],
			    "http:// to a host other than loopback would send credentials in "
			    "clear text; use https:// (or set security.allow_cleartext = true)");
			continue;
		}
		cfg->insecure |= GCB_CONFIG_INSECURE_CLEARTEXT;
		say(c, GCB_CONFIG_WARNING, line_of(c, url_keys[i]), url_keys[i],
		    "http:// off loopback: credentials cross the network in clear text "
		    "(security.allow_cleartext = true)");
	}
	if (!cfg->genesys.tls_verify) {
		cfg->insecure |= GCB_CONFIG_INSECURE_GENESYS_TLS;
		say(c, GCB_CONFIG_WARNING, line_of(c, "genesys.tls.verify"), "genesys.tls.verify",
		    "false: server certificates are not checked (tests only)");
	}
	kv = kafka_find(cfg, "enable.ssl.certificate.verification");
	if (kv != NULL && gcb_config_parse_bool(kv->value, &on, NULL, 0) == 0 && !on) {
		cfg->insecure |= GCB_CONFIG_INSECURE_KAFKA_TLS;
		say(c, GCB_CONFIG_WARNING, kv->line, NULL,
		    "kafka.enable.ssl.certificate.verification: false: broker certificates are "
		    "not checked");
	}
	kv = kafka_find(cfg, "ssl.endpoint.identification.algorithm");
	if (kv != NULL && strcmp(kv->value, "none") == 0) {
		cfg->insecure |= GCB_CONFIG_INSECURE_KAFKA_TLS;
		say(c, GCB_CONFIG_WARNING, kv->line, NULL,
		    "kafka.ssl.endpoint.identification.algorithm: none: broker host names are "
		    "not checked");
	}
}

static void check_genesys(struct load_ctx *c, int genesys_set, int kafka_set)
{
	gcb_config_t *cfg = c->cfg;
	const char *mode =
	    cfg->embedded == GCB_CONFIG_EMBEDDED_FALSE ? "embedded = false" : "not embedded";

	if (cfg->embedded == GCB_CONFIG_EMBEDDED_TRUE) {
		if (genesys_set) {
			const char *k = cfg->genesys.region >= 0 ? "genesys.region"
					: cfg->genesys.api_url	 ? "genesys.api_url"
								 : "genesys.login_url";
			say(c, GCB_CONFIG_ERROR, line_of(c, k), k,
			    "must not be set with embedded = true (the simulator is used)");
		}
		if (kafka_set) {
			gcb_config_kv_t *kv = kafka_find(cfg, "bootstrap.servers");

			say(c, GCB_CONFIG_ERROR, kv->line, "kafka.bootstrap.servers",
			    "must not be set with embedded = true (the mock Kafka is used)");
		}
		return;
	}
	if (cfg->embedded == GCB_CONFIG_EMBEDDED_FALSE && !kafka_set)
		say(c, GCB_CONFIG_ERROR, line_of(c, "embedded"), "kafka.bootstrap.servers",
		    "required with embedded = false");
	if (cfg->embedded == GCB_CONFIG_EMBEDDED_FALSE && !genesys_set &&
	    !is_bad(c, "genesys.region") && !is_bad(c, "genesys.api_url"))
		say(c, GCB_CONFIG_ERROR, line_of(c, "embedded"), "genesys.region",
		    "required with embedded = false (or genesys.api_url and genesys.login_url)");
	if (!genesys_set)
		return; /* the embedded simulator: credentials and stream are its own */

	if (cfg->genesys.client_id == NULL)
		say(c, GCB_CONFIG_ERROR, 0, "genesys.client_id", "required when %s", mode);
	if (cfg->genesys.client_secret.value == NULL && !is_bad(c, "genesys.client_secret"))
		say(c, GCB_CONFIG_ERROR, 0, "genesys.client_secret", "required when %s", mode);
	if (cfg->genesys.source == GCB_CONFIG_SOURCE_POLL && cfg->genesys.stream_id == NULL &&
	    cfg->genesys.stream_definition == NULL && !is_bad(c, "genesys.stream_definition"))
		say(c, GCB_CONFIG_ERROR, 0, "genesys.stream_id",
		    "set genesys.stream_id or genesys.stream_definition (poll source)");
}

/*
 * Built-in defaults that are relative paths ("./state", "./schemas") follow
 * the same rule as the file's own: relative to the file's directory.
 */
static void resolve_default_paths(struct load_ctx *c)
{
	if (c->base_dir == NULL)
		return;
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];
		char *const *s = field(c->cfg, p);

		if (p->type != GCB_CONFIG_T_PATH || c->key_line[i] != 0 || *s == NULL ||
		    (*s)[0] == '/')
			continue;
		(void)set_value(c, p, *s, 0);
	}
}

/* Warns about each key set in the file whose name starts with prefix. */
static void warn_ignored(struct load_ctx *c, const char *prefix, const char *why)
{
	size_t n = strlen(prefix);

	for (size_t i = 0; i < gcb_config_prop_count; i++)
		if (c->key_line[i] != 0 && strncmp(gcb_config_props[i].name, prefix, n) == 0)
			say(c, GCB_CONFIG_WARNING, c->key_line[i], gcb_config_props[i].name,
			    "has no effect %s", why);
}

/*
 * A key that is set but cannot act in this configuration is reported, so
 * that nobody tunes a setting that does nothing: the other source's keys,
 * the simulator's own credentials and stream, an ids file the registry
 * replaces, a CA file with verification off, a schema directory both of
 * whose files are named elsewhere. Warnings, not errors: one file may serve
 * both sources.
 */
static void warn_no_effect(struct load_ctx *c)
{
	const gcb_config_t *cfg = c->cfg;

	if (cfg->genesys.source == GCB_CONFIG_SOURCE_NOTIFICATIONS) {
		const char *why = "with genesys.source = notifications";

		warn_ignored(c, "genesys.poll.", why);
		warn_ignored(c, "genesys.stream_id", why);
		warn_ignored(c, "genesys.stream_definition", why);
	} else {
		const char *why = "with genesys.source = poll";

		warn_ignored(c, "genesys.notifications.", why);
		warn_ignored(c, "backfill.", why);
		if (!cfg->genesys.poll_spool)
			warn_ignored(c, "spool.", "with genesys.poll.spool = false");
	}
	if (cfg->embedded_sim) {
		const char *why = "with the embedded simulator (it has its own credentials and "
				  "stream)";

		warn_ignored(c, "genesys.client_", why);
		warn_ignored(c, "genesys.stream_", why);
	}
	if (cfg->schemas.registry_url != NULL)
		warn_ignored(c, "schemas.ids_file",
			     "with schemas.registry.url (the registry assigns the ids)");
	if (!cfg->genesys.tls_verify)
		warn_ignored(c, "genesys.tls.ca_path", "with genesys.tls.verify = false");
	if (line_of(c, "schemas.routes") != 0 &&
	    (line_of(c, "schemas.ids_file") != 0 || cfg->schemas.registry_url != NULL))
		warn_ignored(c, "schemas.dir",
			     "with schemas.routes and schemas.ids_file (or a registry) set");
}

/*
 * The state directory: unset, systemd's StateDirectory= (passed as
 * $STATE_DIRECTORY, the first of a ':' list) is taken; the relative default
 * ./state is meant for the embedded demonstration only, and a relative path
 * anywhere else moves with the configuration file (or the working directory
 * without one): warned.
 */
static void check_state_dir(struct load_ctx *c)
{
	gcb_config_t *cfg = c->cfg;
	const char *sd = getenv("STATE_DIRECTORY");
	int line = line_of(c, "instance.state_dir");

	if (line == 0 && sd != NULL && sd[0] == '/') {
		char *dir = strndup(sd, strcspn(sd, ":"));

		if (dir != NULL) {
			free(cfg->instance.state_dir);
			cfg->instance.state_dir = dir;
		}
	}
	if (cfg->embedded_sim || cfg->instance.state_dir == NULL ||
	    cfg->instance.state_dir[0] == '/')
		return;
	say(c, GCB_CONFIG_WARNING, line, "instance.state_dir",
	    "%s is a relative path; set an absolute one (the systemd unit's "
	    "StateDirectory= provides /var/lib/gcbridge)",
	    cfg->instance.state_dir);
}

/* Bytes a ring record adds to an event: its fixed header and the stream id. */
#define EVENT_RECORD_OVERHEAD (GCB_BATCH_REC_FIXED + GCB_SOURCE_STREAM_MAX)

/* Checks involving several keys, and the derived fields. */
static void check_all(struct load_ctx *c)
{
	gcb_config_t *cfg = c->cfg;
	char a[32], b[32];
	int genesys_set, kafka_set;

	if (!is_bad(c, "ring.size") && !is_bad(c, "ring.max_record") &&
	    cfg->ring.max_record > cfg->ring.size / 2 - 16) {
		const char *k = pick(c, "ring.max_record", "ring.size");

		gcb_config_format_size(cfg->ring.max_record, a, sizeof(a));
		gcb_config_format_size(cfg->ring.size, b, sizeof(b));
		say(c, GCB_CONFIG_ERROR, line_of(c, k), k,
		    "ring.max_record (%s) must be at most ring.size / 2 - 16 bytes (ring.size is "
		    "%s)",
		    a, b);
	}
	/* A ring record carries the event with its header and stream id
	 * (stages/source/gcb_source.c checks the same at the stage's start). */
	if (!is_bad(c, "event.max_bytes") && !is_bad(c, "ring.max_record") &&
	    cfg->event.max_bytes + (int64_t)EVENT_RECORD_OVERHEAD > cfg->ring.max_record) {
		const char *k = pick(c, "event.max_bytes", "ring.max_record");

		gcb_config_format_size(cfg->event.max_bytes, a, sizeof(a));
		gcb_config_format_size(cfg->ring.max_record, b, sizeof(b));
		say(c, GCB_CONFIG_ERROR, line_of(c, k), k,
		    "event.max_bytes (%s) must be at most ring.max_record (%s) less %u bytes "
		    "of record header and stream id",
		    a, b, (unsigned)EVENT_RECORD_OVERHEAD);
	}
	if (!is_bad(c, "restart.min_interval") && !is_bad(c, "restart.max_backoff") &&
	    cfg->restart.min_interval_ms > cfg->restart.max_backoff_ms) {
		const char *k = pick(c, "restart.min_interval", "restart.max_backoff");

		say(c, GCB_CONFIG_ERROR, line_of(c, k), k,
		    "restart.min_interval must not exceed restart.max_backoff");
	}
	if (!is_bad(c, "genesys.backoff.base") && !is_bad(c, "genesys.backoff.cap") &&
	    cfg->genesys.backoff_base_ms > cfg->genesys.backoff_cap_ms) {
		const char *k = pick(c, "genesys.backoff.base", "genesys.backoff.cap");

		say(c, GCB_CONFIG_ERROR, line_of(c, k), k,
		    "genesys.backoff.base must not exceed genesys.backoff.cap");
	}
	if (cfg->genesys.stream_id != NULL && cfg->genesys.stream_definition != NULL)
		say(c, GCB_CONFIG_ERROR, line_of(c, "genesys.stream_definition"),
		    "genesys.stream_definition", "set genesys.stream_id or this, not both");
	if (cfg->genesys.region >= 0 &&
	    (cfg->genesys.api_url != NULL || cfg->genesys.login_url != NULL)) {
		const char *k = cfg->genesys.api_url ? "genesys.api_url" : "genesys.login_url";

		say(c, GCB_CONFIG_ERROR, line_of(c, k), k,
		    "set genesys.region or explicit URLs, not both");
	} else if ((cfg->genesys.api_url == NULL) != (cfg->genesys.login_url == NULL)) {
		const char *missing =
		    cfg->genesys.api_url ? "genesys.login_url" : "genesys.api_url";
		const char *given = cfg->genesys.api_url ? "genesys.api_url" : "genesys.login_url";

		if (!is_bad(c, missing))
			say(c, GCB_CONFIG_ERROR, line_of(c, given), missing, "required with %s",
			    given);
	}
	if (cfg->schemas.registry_user != NULL) {
		if (cfg->schemas.registry_password.value == NULL &&
		    !is_bad(c, "schemas.registry.password"))
			say(c, GCB_CONFIG_ERROR, line_of(c, "schemas.registry.user"),
			    "schemas.registry.password", "required with schemas.registry.user");
		if (cfg->schemas.registry_url == NULL && !is_bad(c, "schemas.registry.url"))
			say(c, GCB_CONFIG_ERROR, line_of(c, "schemas.registry.user"),
			    "schemas.registry.url", "required with schemas.registry.user");
	}
	check_transport(c);
	check_delivery(c);

	genesys_set = cfg->genesys.region >= 0 || cfg->genesys.api_url != NULL ||
		      cfg->genesys.login_url != NULL || is_bad(c, "genesys.region") ||
		      is_bad(c, "genesys.api_url") || is_bad(c, "genesys.login_url");
	kafka_set = kafka_find(cfg, "bootstrap.servers") != NULL;
	check_genesys(c, genesys_set, kafka_set);

	/* Derived fields. */
	cfg->embedded_sim = cfg->embedded == GCB_CONFIG_EMBEDDED_TRUE ||
			    (cfg->embedded == GCB_CONFIG_EMBEDDED_AUTO && !genesys_set);
	cfg->embedded_kafka = cfg->embedded == GCB_CONFIG_EMBEDDED_TRUE ||
			      (cfg->embedded == GCB_CONFIG_EMBEDDED_AUTO && !kafka_set);
	if (!cfg->embedded_sim && cfg->genesys.region >= 0) {
		cfg->api_base =
		    dup_printf("https://api.%s", gcb_config_regions[cfg->genesys.region]);
		cfg->login_base =
		    dup_printf("https://login.%s", gcb_config_regions[cfg->genesys.region]);
	} else if (!cfg->embedded_sim && cfg->genesys.api_url != NULL &&
		   cfg->genesys.login_url != NULL) {
		cfg->api_base = strdup(cfg->genesys.api_url);
		cfg->login_base = strdup(cfg->genesys.login_url);
	}
	check_state_dir(c);
	if (cfg->schemas.dir != NULL && cfg->schemas.routes == NULL)
		cfg->schemas.routes = dup_printf("%s/routes.json", cfg->schemas.dir);
	if (cfg->schemas.dir != NULL && cfg->schemas.ids_file == NULL)
		cfg->schemas.ids_file = dup_printf("%s/schema-ids.json", cfg->schemas.dir);
	warn_no_effect(c);
}

int gcb_config_load(gcb_config_t *cfg, const char *path, gcb_config_report_fn *report, void *opaque,
		    char *errstr, size_t errstr_size)
{
	struct load_ctx c = {0};
	int rc;

	rc = gcb_config_init_defaults(cfg);
	if (rc != 0) {
		snprintf(errstr, errstr_size, "bad built-in default (a bug)");
		return rc;
	}
	c.cfg = cfg;
	c.path = path != NULL ? path : "(no file)";
	c.report = report != NULL ? report : gcb_config_report_stderr;
	c.opaque = opaque;
	c.key_line = calloc(gcb_config_prop_count, sizeof(*c.key_line));
	c.bad = calloc(gcb_config_prop_count, sizeof(*c.bad));
	if (c.key_line == NULL || c.bad == NULL) {
		snprintf(errstr, errstr_size, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	if (path != NULL) {
		char dir[PATH_MAX], *tmp = strdup(path);

		cfg->path = strdup(path);
		if (tmp != NULL && realpath(dirname(tmp), dir) != NULL)
			c.base_dir = strdup(dir);
		free(tmp);
		c.fp = fopen(path, "re");
		if (c.fp == NULL) {
			say(&c, GCB_CONFIG_ERROR, 0, NULL, "cannot open: %s", strerror(errno));
		} else {
			rc = ini_parse_stream(reader, &c, handler, &c);
			if (rc > 0) /* lines are pre-checked, so this is unexpected */
				say(&c, GCB_CONFIG_ERROR, (unsigned)rc, NULL, "syntax error");
			else if (rc < 0)
				say(&c, GCB_CONFIG_ERROR, 0, NULL, "ini_parse_stream() failed (%d)",
				    rc);
		}
	}
	resolve_default_paths(&c);
	check_all(&c);
	rc = 0;
	if (c.errors > 0) {
		if (c.errors == 1)
			snprintf(errstr, errstr_size, "%s", c.first_error);
		else
			snprintf(errstr, errstr_size, "%s (and %u more errors)", c.first_error,
				 c.errors - 1);
		rc = -EINVAL;
	}
out:
	if (c.fp != NULL)
		fclose(c.fp);
	if (c.buf != NULL) {
		explicit_bzero(c.buf, c.bufcap); /* it held the lines, secrets included */
		free(c.buf);
	}
	free(c.key_line);
	free(c.bad);
	free(c.base_dir);
	return rc;
}

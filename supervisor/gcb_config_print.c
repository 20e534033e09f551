/*
 * Output generated from the property table: the effective configuration
 * (--check-config) and the markdown reference folded into README.md.
 * Secrets are masked here and nowhere else needs to know how.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/gcb_config_table.h"

#define MASK "****"

static const char *const type_names[] = {
    [GCB_CONFIG_T_BOOL] = "bool",	  [GCB_CONFIG_T_INT] = "int",
    [GCB_CONFIG_T_DURATION] = "duration", [GCB_CONFIG_T_SIZE] = "size",
    [GCB_CONFIG_T_STRING] = "string",	  [GCB_CONFIG_T_ENUM] = "enum",
    [GCB_CONFIG_T_PATH] = "path",	  [GCB_CONFIG_T_URL] = "url",
    [GCB_CONFIG_T_ADDR] = "host:port",	  [GCB_CONFIG_T_SECRET] = "secret",
};

void gcb_config_prop_format(const gcb_config_t *cfg, const gcb_config_prop_t *p, char *buf,
			    size_t size)
{
	const void *f = (const char *)cfg + p->offset;

	switch (p->type) {
	case GCB_CONFIG_T_BOOL:
		snprintf(buf, size, "%s", *(const int *)f ? "true" : "false");
		break;
	case GCB_CONFIG_T_INT:
		snprintf(buf, size, "%" PRId64, *(const int64_t *)f);
		break;
	case GCB_CONFIG_T_DURATION:
		gcb_config_format_duration(*(const int64_t *)f, buf, size);
		break;
	case GCB_CONFIG_T_SIZE:
		gcb_config_format_size(*(const int64_t *)f, buf, size);
		break;
	case GCB_CONFIG_T_ENUM: {
		int i = *(const int *)f;

		snprintf(buf, size, "%s", i >= 0 ? p->values[i] : "");
		break;
	}
	case GCB_CONFIG_T_SECRET:
		snprintf(buf, size, "%s",
			 ((const gcb_config_secret_t *)f)->value != NULL ? MASK : "");
		break;
	default: {
		const char *s = *(char *const *)f;

		snprintf(buf, size, "%s", s != NULL ? s : "");
		break;
	}
	}
}

/*
 * libinih takes " ;" for the start of a comment, so a value that begins with
 * ';' (loaded from "key =;v") goes right after the '=' to load back as it is.
 */
static const char *eq(const char *value)
{
	return value[0] == ';' ? " =" : " = ";
}

void gcb_config_print(const gcb_config_t *cfg, FILE *out)
{
	char val[1024];

	fprintf(out, "# gcbridge effective configuration (%s); secrets masked as %s\n",
		cfg->path != NULL ? cfg->path : "no file: defaults", MASK);
	fprintf(out, "# embedded simulator: %s, embedded Kafka: %s\n",
		cfg->embedded_sim ? "yes" : "no", cfg->embedded_kafka ? "yes" : "no");
	if (cfg->api_base != NULL)
		fprintf(out, "# Genesys API: %s, login: %s\n", cfg->api_base, cfg->login_base);
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];

		gcb_config_prop_format(cfg, p, val, sizeof(val));
		if (p->type == GCB_CONFIG_T_SECRET &&
		    ((const gcb_config_secret_t *)((const char *)cfg + p->offset))->source != NULL)
			fprintf(
			    out, "%s = %s ; from %s\n", p->name, val,
			    ((const gcb_config_secret_t *)((const char *)cfg + p->offset))->source);
		else if (val[0] != '\0')
			fprintf(out, "%s%s%s\n", p->name, eq(val), val);
		else
			fprintf(out, "%s =\n", p->name);
	}
	for (size_t i = 0; i < cfg->kafka.count; i++) {
		const gcb_config_kv_t *kv = &cfg->kafka.props[i];

		if (kv->sensitive)
			fprintf(out, "kafka.%s = %s ; from %s\n", kv->name, MASK, kv->source);
		else
			fprintf(out, "kafka.%s%s%s\n", kv->name, eq(kv->value), kv->value);
	}
}

/* Writes s escaped for a markdown table cell ('|' and HTML's '<', '>'). */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else
			fputc(*s, out);
	}
}

void gcb_config_reference_markdown(FILE *out)
{
	gcb_config_t defaults;
	char buf[1024], lo[32], hi[32];

	gcb_config_init_defaults(&defaults);
	fputs("Generated from the property table (`supervisor/gcb_config_table.c`) by\n"
	      "`tools/gen-config-reference`; do not edit by hand. File format, units, secrets\n"
	      "and reload: [docs/config.md](docs/config.md). Durations are a whole number with\n"
	      "`ms`, `s`, `m`, `h` or `d` (bare = ms); sizes a whole number with `B`, `KiB`,\n"
	      "`MiB`, `GiB` (or decimal `kB`, `MB`, `GB`; bare = bytes). A relative path is\n"
	      "relative to the configuration file's directory (defaults included). Reload =\n"
	      "applied on SIGHUP without a restart.\n\n",
	      out);
	fputs("| Key | Type | Default | Range / values | Reload | Description |\n", out);
	fputs("|---|---|---|---|---|---|\n", out);
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];

		fprintf(out, "| `%s` | %s | ", p->name, type_names[p->type]);
		if (p->def_doc != NULL) {
			fputs(p->def_doc, out); /* markdown already */
		} else if (p->def != NULL) {
			gcb_config_prop_format(&defaults, p, buf, sizeof(buf));
			fputc('`', out);
			cell(out, buf);
			fputc('`', out);
		} else {
			fputs("unset", out);
		}
		fputs(" | ", out);
		switch (p->type) {
		case GCB_CONFIG_T_INT:
			fprintf(out, "%" PRId64 "..%" PRId64, p->min, p->max);
			break;
		case GCB_CONFIG_T_DURATION:
			gcb_config_format_duration(p->min, lo, sizeof(lo));
			gcb_config_format_duration(p->max, hi, sizeof(hi));
			fprintf(out, "%s..%s", lo, hi);
			break;
		case GCB_CONFIG_T_SIZE:
			gcb_config_format_size(p->min, lo, sizeof(lo));
			gcb_config_format_size(p->max, hi, sizeof(hi));
			fprintf(out, "%s..%s%s", lo, hi,
				(p->flags & GCB_CONFIG_F_POW2) ? ", power of two" : "");
			break;
		case GCB_CONFIG_T_ENUM:
			for (size_t v = 0; p->values[v] != NULL; v++)
				fprintf(out, "%s`%s`", v ? ", " : "", p->values[v]);
			break;
		case GCB_CONFIG_T_BOOL:
			fputs("`true`, `false`", out);
			break;
		case GCB_CONFIG_T_SECRET:
			fputs("`cred:NAME`, `env:NAME`, `file:PATH`, literal", out);
			break;
		case GCB_CONFIG_T_PATH:
			if (p->flags & GCB_CONFIG_F_EXISTS)
				fputs("readable file", out);
			break;
		default:
			break;
		}
		fprintf(out, " | %s | ", (p->flags & GCB_CONFIG_F_RELOAD) ? "yes" : "no");
		cell(out, p->doc);
		fputs(" |\n", out);
	}
	fputs(
	    "| `kafka.*` | passthrough | unset | non-empty | no | Passed to librdkafka unchanged, "
	    "in file order (e.g. `kafka.bootstrap.servers`). Credentials (names with "
	    "`password`, `secret`, `jaas`, `ssl.key.pem`, `oauthbearer.config`) take "
	    "`cred:`/`env:`/`file:` and are masked. |\n",
	    out);
	gcb_config_fini(&defaults);
}

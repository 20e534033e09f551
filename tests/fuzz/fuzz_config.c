/*
 * libFuzzer target for the configuration loader: arbitrary bytes as the INI
 * file given to gcb_config_load() (through a memfd, so no disk is touched)
 * and then to gcb_config_reload() over the defaults. Invariants checked:
 *   - the load fails exactly when an error was reported, with a message;
 *   - a loaded configuration prints, and every secret's line of the print
 *     is masked ("KEY = ****", "; from SOURCE"): no input can make a secret
 *     value reach the output;
 *   - every problem message is a non-empty string.
 * Everything is freed per input, so LeakSanitizer sees any leak.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "supervisor/gcb_config.h"
#include "supervisor/gcb_config_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
	unsigned errors;
	unsigned others;
};

static void count(void *opaque, gcb_config_severity_t severity, const char *msg)
{
	struct tally *t = opaque;

	if (msg == NULL || msg[0] == '\0')
		abort();
	if (severity == GCB_CONFIG_ERROR)
		t->errors++;
	else
		t->others++;
}

/*
 * Every line of the print that sets key ("KEY = ...") must show the mask,
 * optionally followed by where the secret came from, and there must be at
 * least one. Other keys may start with the same text ("KEY\x12 = ..."), and
 * a kafka.* key may be set more than once, hence the scan over all lines.
 */
static void check_masked(const char *text, const char *key)
{
	char head[320];
	size_t hlen;
	int seen = 0;

	hlen = (size_t)snprintf(head, sizeof(head), "%s = ****", key);
	if (hlen >= sizeof(head))
		return;
	for (const char *l = text; *l != '\0';) {
		size_t len = strcspn(l, "\n");

		if (len >= hlen - 4 && memcmp(l, head, hlen - 4) == 0) {
			if (len < hlen || memcmp(l, head, hlen) != 0)
				abort(); /* a secret line that is not masked */
			if (len > hlen && (len < hlen + 8 || memcmp(l + hlen, " ; from ", 8) != 0))
				abort(); /* something after the mask other than the source */
			seen = 1;
		}
		l += len;
		if (*l == '\n')
			l++;
	}
	if (!seen)
		abort(); /* a set secret that is not printed at all */
}

/*
 * libinih's line limit (INI_MAX_LINE 200, less the newline and the NUL). The
 * print writes fully-qualified keys ("kafka.NAME" for a NAME under [kafka]),
 * so a line the loader accepted can come out longer than that: a known
 * limit of the print (docs/fuzz.md), not checked here.
 */
#define LOADER_MAX_LINE 198

/* The print is a loadable file: it must load again without an error. */
static void check_reload_print(const char *text, size_t len)
{
	char path[64], err[512];
	struct tally t = {0};
	gcb_config_t again;
	int fd;

	for (const char *l = text; *l != '\0';) {
		size_t n = strcspn(l, "\n");

		if (n > LOADER_MAX_LINE)
			return;
		l += n;
		if (*l == '\n')
			l++;
	}
	fd = memfd_create("gcb-fuzz-config-print", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, text, len) == (ssize_t)len) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (gcb_config_load(&again, path, count, &t, err, sizeof(err)) == -EINVAL) {
			fprintf(stderr, "printed configuration does not load: %s\n%s", err, text);
			abort();
		}
		gcb_config_fini(&again);
	}
	close(fd);
}

static void check_print(const gcb_config_t *cfg)
{
	char *text = NULL, key[300];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (out == NULL)
		return;
	gcb_config_print(cfg, out);
	fclose(out);
	if (text == NULL || strlen(text) != len)
		abort(); /* the print must be text */
	for (size_t i = 0; i < gcb_config_prop_count; i++) {
		const gcb_config_prop_t *p = &gcb_config_props[i];
		const gcb_config_secret_t *s;

		if (p->type != GCB_CONFIG_T_SECRET)
			continue;
		s = (const gcb_config_secret_t *)((const char *)cfg + p->offset);
		if (s->value != NULL)
			check_masked(text, p->name);
	}
	for (size_t i = 0; i < cfg->kafka.count; i++) {
		const gcb_config_kv_t *kv = &cfg->kafka.props[i];

		snprintf(key, sizeof(key), "kafka.%s", kv->name);
		if (kv->sensitive)
			check_masked(text, key);
	}
	check_reload_print(text, len);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], err[512];
	struct tally t = {0};
	gcb_config_t cfg;
	int fd, rc;

	fd = memfd_create("gcb-fuzz-config", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size > 0 && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	err[0] = '\0';
	rc = gcb_config_load(&cfg, path, count, &t, err, sizeof(err));
	if (rc == 0 && t.errors != 0)
		abort(); /* loaded despite an error */
	if (rc == -EINVAL && (t.errors == 0 || err[0] == '\0'))
		abort(); /* failed without saying why */
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM)
		abort();
	if (rc == 0)
		check_print(&cfg);
	gcb_config_fini(&cfg);

	/* SIGHUP over the defaults: applies or refuses as a whole. */
	memset(&t, 0, sizeof(t));
	if (gcb_config_load(&cfg, NULL, count, &t, err, sizeof(err)) != 0)
		abort(); /* the built-in default must load */
	rc = gcb_config_reload(&cfg, path, count, &t, err, sizeof(err));
	if (rc < 0 && t.errors == 0 && rc != -ENOMEM)
		abort();
	gcb_config_fini(&cfg);
	close(fd);
	return 0;
}

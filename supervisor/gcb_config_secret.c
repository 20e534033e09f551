/*
 * Secrets: resolved once at load from a systemd credential, the
 * environment, a file or the configuration text itself. Nothing here ever
 * formats a secret's value; reasons name the variable or the file only.
 *
 * A variable read for env:NAME is remembered here, and the daemon then
 * wipes and removes it from its environment (gcb_config_secret_scrub_env):
 * the environment is copied into every child and shown in
 * /proc/PID/environ, which holds the bytes the process started with, so
 * removing the name alone would not do. A reload finds the variable gone and
 * takes the remembered value.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/gcb_config_table.h"

#define SECRET_FILE_MAX (64 * 1024)
#define ENV_SEEN_MAX	16

static struct {
	char *name;
	char *value;
} env_seen[ENV_SEEN_MAX];

void gcb_config_secret_free(char *value)
{
	if (value == NULL)
		return;
	explicit_bzero(value, strlen(value));
	free(value);
}

/* The value of env:NAME: the environment's, else the one read before. */
static const char *env_lookup(const char *name)
{
	const char *env = getenv(name);
	unsigned i, free_slot = ENV_SEEN_MAX;

	for (i = 0; i < ENV_SEEN_MAX; i++) {
		if (env_seen[i].name == NULL) {
			if (free_slot == ENV_SEEN_MAX)
				free_slot = i;
			continue;
		}
		if (strcmp(env_seen[i].name, name) != 0)
			continue;
		if (env == NULL || strcmp(env, env_seen[i].value) == 0)
			return env_seen[i].value;
		gcb_config_secret_free(env_seen[i].value);
		env_seen[i].value = strdup(env);
		return env_seen[i].value != NULL ? env_seen[i].value : env;
	}
	if (env != NULL && free_slot < ENV_SEEN_MAX) {
		env_seen[free_slot].name = strdup(name);
		env_seen[free_slot].value = strdup(env);
		if (env_seen[free_slot].name == NULL || env_seen[free_slot].value == NULL) {
			free(env_seen[free_slot].name);
			gcb_config_secret_free(env_seen[free_slot].value);
			env_seen[free_slot].name = env_seen[free_slot].value = NULL;
		}
	}
	return env;
}

void gcb_config_secret_scrub_env(void)
{
	for (unsigned i = 0; i < ENV_SEEN_MAX; i++) {
		char *env;

		if (env_seen[i].name == NULL || (env = getenv(env_seen[i].name)) == NULL)
			continue;
		explicit_bzero(env, strlen(env));
		unsetenv(env_seen[i].name);
	}
}

void gcb_config_secret_forget(void)
{
	for (unsigned i = 0; i < ENV_SEEN_MAX; i++) {
		free(env_seen[i].name);
		gcb_config_secret_free(env_seen[i].value);
		env_seen[i].name = env_seen[i].value = NULL;
	}
}

/* A credential name: what systemd accepts, and never a path. */
static int cred_name_ok(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.' || *s == '@'))
			return 0;
	return 1;
}

static int env_name_ok(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static int read_secret_file(const char *path, char **value, unsigned *loose_mode, char *why,
			    size_t why_size)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, why_size, "cannot open secret file %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, why_size, "fstat() failed on secret file %s: %s", path,
			 strerror(-rc));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(why, why_size, "secret file %s is not a regular file", path);
		goto fail;
	}
	if (st.st_size > SECRET_FILE_MAX) {
		rc = -EFBIG;
		snprintf(why, why_size, "secret file %s is larger than %d bytes", path,
			 SECRET_FILE_MAX);
		goto fail;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		snprintf(why, why_size, "out of memory");
		goto fail;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(why, why_size, "cannot read secret file %s: %s", path,
				 strerror(-rc));
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	/* Files written by echo or an editor end in a newline that is no part
	 * of the secret. */
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	if (len == 0) {
		rc = -EINVAL;
		snprintf(why, why_size, "secret file %s is empty", path);
		goto fail;
	}
	if (strlen(buf) != len) {
		rc = -EINVAL;
		snprintf(why, why_size, "secret file %s contains a NUL byte", path);
		goto fail;
	}
	*loose_mode = (st.st_mode & 077) ? (unsigned)(st.st_mode & 0777) : 0;
	*value = buf;
	close(fd);
	return 0;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	return rc;
}

int gcb_config_secret_resolve(const char *spec, char **value, char **source, unsigned *loose_mode,
			      char *why, size_t why_size)
{
	char *val = NULL, *src = NULL;
	int rc;

	*loose_mode = 0;
	if (strncmp(spec, "env:", 4) == 0) {
		const char *name = spec + 4, *env;

		if (!env_name_ok(name)) {
			snprintf(why, why_size,
				 "\"env:%.64s\" does not name an environment variable", name);
			return -EINVAL;
		}
		env = env_lookup(name);
		if (env == NULL) {
			snprintf(why, why_size, "environment variable %s is not set", name);
			return -ENOENT;
		}
		if (env[0] == '\0') {
			snprintf(why, why_size, "environment variable %s is empty", name);
			return -EINVAL;
		}
		val = strdup(env);
		src = strdup(spec);
	} else if (strncmp(spec, "cred:", 5) == 0) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		char path[PATH_MAX];

		if (!cred_name_ok(spec + 5)) {
			snprintf(why, why_size, "\"cred:%.64s\" does not name a credential", spec + 5);
			return -EINVAL;
		}
		if (dir == NULL || dir[0] != '/') {
			snprintf(why, why_size,
				 "cred:%s: $CREDENTIALS_DIRECTORY is not set (systemd sets it for "
				 "a unit with LoadCredential=%s:PATH)",
				 spec + 5, spec + 5);
			return -ENOENT;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, spec + 5) >= (int)sizeof(path)) {
			snprintf(why, why_size, "cred:%s: path too long", spec + 5);
			return -ENAMETOOLONG;
		}
		rc = read_secret_file(path, &val, loose_mode, why, why_size);
		if (rc != 0)
			return rc;
		src = strdup(spec);
	} else if (strncmp(spec, "file:", 5) == 0) {
		if (spec[5] == '\0') {
			snprintf(why, why_size, "\"file:\" names no file");
			return -EINVAL;
		}
		rc = read_secret_file(spec + 5, &val, loose_mode, why, why_size);
		if (rc != 0)
			return rc;
		src = strdup(spec);
	} else {
		const char *lit = strncmp(spec, "literal:", 8) == 0 ? spec + 8 : spec;

		if (lit[0] == '\0') {
			snprintf(why, why_size, "empty secret");
			return -EINVAL;
		}
		val = strdup(lit);
		src = strdup("literal");
	}
	if (val == NULL || src == NULL) {
		gcb_config_secret_free(val);
		free(src);
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	*value = val;
	*source = src;
	return 0;
}

static void wipe(char *value)
{
	if (value != NULL)
		explicit_bzero(value, strlen(value));
}

void gcb_config_secret_keep_only(gcb_config_t *cfg, unsigned keep)
{
	if (!(keep & GCB_CONFIG_KEEP_GENESYS))
		wipe(cfg->genesys.client_secret.value);
	if (!(keep & GCB_CONFIG_KEEP_REGISTRY))
		wipe(cfg->schemas.registry_password.value);
	if (!(keep & GCB_CONFIG_KEEP_KAFKA))
		for (size_t i = 0; i < cfg->kafka.count; i++)
			if (cfg->kafka.props[i].sensitive)
				wipe(cfg->kafka.props[i].value);
	gcb_config_secret_forget();
}

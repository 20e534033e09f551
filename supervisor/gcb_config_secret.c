/*
 * Secrets: resolved once at load from the environment, a file or the
 * configuration text itself. Nothing here ever formats a secret's value;
 * reasons name the variable or the file only.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/gcb_config_table.h"

#define SECRET_FILE_MAX (64 * 1024)

void gcb_config_secret_free(char *value)
{
	if (value == NULL)
		return;
	explicit_bzero(value, strlen(value));
	free(value);
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
		env = getenv(name);
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

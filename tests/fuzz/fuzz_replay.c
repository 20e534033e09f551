/*
 * Replays a fuzz target's corpus through its LLVMFuzzerTestOneInput() in a
 * plain (gcc) build, so `make check` and `make asan` keep every past crash
 * fixed. Linked with one target; GCB_FUZZ_CORPUS (set at compile time by
 * tests/fuzz/module.mk) names its corpus relative to $GCB_ROOT. Arguments,
 * files or directories, replace it. A target reports a bug by aborting, so
 * a non-zero exit or a signal fails the test; an empty corpus fails too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef GCB_FUZZ_CORPUS
#error "GCB_FUZZ_CORPUS must name the corpus directory"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "fuzz-replay: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? cap * 2 : 4096);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	/* Exact-size copy: a read past the input is caught by ASan. */
	{
		uint8_t *exact = malloc(len ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		memcpy(exact, buf, len);
		free(buf);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Files of a directory in name order (stable output), one level deep. */
static int replay(const char *path, unsigned *count)
{
	struct stat st;
	struct dirent *de;
	char **names = NULL;
	size_t nnames = 0;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz-replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (nnames + 1) * sizeof(*names));
		if (nn == NULL) {
			rc = -1;
			break;
		}
		names = nn;
		if (asprintf(&names[nnames], "%s/%s", path, de->d_name) < 0) {
			rc = -1;
			break;
		}
		nnames++;
	}
	closedir(d);
	qsort(names, nnames, sizeof(*names), cmp_names);
	for (size_t i = 0; i < nnames; i++) {
		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			(*count)++;
			rc = replay_file(names[i]);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	const char *root = getenv("GCB_ROOT");
	unsigned count = 0;
	char *dflt = NULL;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay(argv[i], &count) != 0)
				return 1;
	} else {
		if (asprintf(&dflt, "%s/%s", root ? root : ".", GCB_FUZZ_CORPUS) < 0)
			return 1;
		if (replay(dflt, &count) != 0) {
			free(dflt);
			return 1;
		}
		free(dflt);
	}
	printf("replayed %u inputs\n", count);
	return count > 0 ? 0 : 1;
}

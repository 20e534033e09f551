/*
 * Replays every file of the linter's fuzz corpus (tests/fuzz/corpus/avsc)
 * through the libFuzzer entry point, so a gcc build under `make check` and
 * `make asan` keeps past crashes fixed. Arguments, if any, replace the
 * corpus directory.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/validator/gcb_avsc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_dir(const char *dir, int *count)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((e = readdir(d))) {
		char *path, *text;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			return -1;
		if (gcb_avsc_read_file(path, &text, &len) == 0) {
			LLVMFuzzerTestOneInput((const uint8_t *)text, len);
			free(text);
			(*count)++;
		}
		free(path);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = getenv("GCB_ROOT");
	char *dir = NULL;
	int count = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++) {
			if (replay_dir(argv[i], &count))
				return 1;
		}
	} else {
		if (asprintf(&dir, "%s/tests/fuzz/corpus/avsc", root ? root : ".") < 0)
			return 1;
		if (replay_dir(dir, &count)) {
			free(dir);
			return 1;
		}
		free(dir);
	}
	printf("replayed %d inputs\n", count);
	return count > 0 ? 0 : 1;
}

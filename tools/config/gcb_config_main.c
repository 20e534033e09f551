/*
 * gcb-config: the configuration's command-line face.
 *
 *   gcb-config --reference     print the markdown configuration reference
 *   gcb-config --check FILE    check FILE; print the effective configuration
 *                              (secrets masked) and exit 0, or print every
 *                              problem and exit 2
 *   gcb-config --defaults      print the built-in defaults
 */
#include <stdio.h>
#include <string.h>

#include "supervisor/gcb_config.h"

static int usage(FILE *out, int rc)
{
	fputs("usage: gcb-config --reference | --check FILE | --defaults\n", out);
	return rc;
}

int main(int argc, char **argv)
{
	gcb_config_t cfg;
	char err[1024];
	int rc;

	if (argc == 2 && strcmp(argv[1], "--reference") == 0) {
		gcb_config_reference_markdown(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return usage(stdout, 0);
	if (argc == 2 && strcmp(argv[1], "--defaults") == 0) {
		rc = gcb_config_load(&cfg, NULL, NULL, NULL, err, sizeof(err));
	} else if (argc == 3 && strcmp(argv[1], "--check") == 0) {
		rc = gcb_config_load(&cfg, argv[2], NULL, NULL, err, sizeof(err));
	} else {
		return usage(stderr, 1);
	}
	if (rc != 0) {
		/* Each problem is already on stderr; the exit code is the
		 * daemon's "permanent error" (2). */
		gcb_config_fini(&cfg);
		return 2;
	}
	gcb_config_print(&cfg, stdout);
	gcb_config_fini(&cfg);
	return fflush(stdout) == 0 ? 0 : 1;
}

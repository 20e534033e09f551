/*
 * gcb-schema: lint Avro schemas, check backward compatibility, print the
 * Parsing Canonical Form and the CRC-64-AVRO fingerprint.
 *
 * Exit codes: 0 clean / compatible, 1 problems found / incompatible,
 * 2 usage or I/O error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/validator/gcb_avsc.h"
#include "stages/validator/gcb_avsc_canonical.h"
#include "stages/validator/gcb_avsc_compat.h"

#define EXIT_CLEAN    0
#define EXIT_PROBLEMS 1
#define EXIT_ERROR    2

static void usage(FILE *out)
{
	fputs("usage: gcb-schema lint FILE.avsc...      lint schemas\n"
	      "       gcb-schema check OLD.avsc NEW.avsc can data written with OLD be read "
	      "with NEW?\n"
	      "       gcb-schema canonical FILE.avsc     print the Parsing Canonical Form\n"
	      "       gcb-schema fingerprint FILE.avsc   print the CRC-64-AVRO fingerprint\n"
	      "                                          (hex and signed decimal)\n"
	      "FILE may be - for standard input.\n"
	      "exit: 0 clean/compatible, 1 problems/incompatible, 2 usage or I/O error\n",
	      out);
}

static void print_problems(FILE *out, const char *file, const gcb_avsc_problems_t *pr)
{
	for (size_t i = 0; i < pr->n; i++) {
		if (*pr->v[i].path)
			fprintf(out, "%s: %s: %s\n", file, pr->v[i].path, pr->v[i].reason);
		else
			fprintf(out, "%s: %s\n", file, pr->v[i].reason);
	}
	if (pr->dropped)
		fprintf(out, "%s: ... and %zu more problems\n", file, pr->dropped);
}

/*
 * Reads and parses one file. Returns EXIT_CLEAN with *out set, EXIT_PROBLEMS
 * after printing the problems to out, or EXIT_ERROR after printing why.
 */
static int load(const char *file, gcb_avsc_t **schema, FILE *out)
{
	gcb_avsc_problems_t pr;
	size_t len;
	char *text;
	int err;

	*schema = NULL;
	err = gcb_avsc_read_file(file, &text, &len);
	if (err) {
		fprintf(stderr, "gcb-schema: %s: cannot read: %s\n", file, strerror(-err));
		return EXIT_ERROR;
	}
	gcb_avsc_problems_init(&pr);
	err = gcb_avsc_parse(text, len, schema, &pr);
	free(text);
	if (err == -ENOMEM) {
		fprintf(stderr, "gcb-schema: %s: out of memory\n", file);
		gcb_avsc_problems_fini(&pr);
		return EXIT_ERROR;
	}
	print_problems(out, file, &pr);
	gcb_avsc_problems_fini(&pr);
	return err ? EXIT_PROBLEMS : EXIT_CLEAN;
}

static int cmd_lint(int argc, char **argv)
{
	int rc = EXIT_CLEAN;

	for (int i = 0; i < argc; i++) {
		gcb_avsc_t *s;
		int r = load(argv[i], &s, stdout);

		if (r == EXIT_CLEAN)
			printf("%s: ok\n", argv[i]);
		gcb_avsc_destroy(s);
		if (r > rc)
			rc = r;
	}
	return rc;
}

static int cmd_check(const char *old_file, const char *new_file)
{
	gcb_avsc_t *old_s = NULL, *new_s = NULL;
	gcb_avsc_problems_t pr;
	int rc, r, err;

	rc = load(old_file, &old_s, stdout);
	r = load(new_file, &new_s, stdout);
	if (r > rc)
		rc = r;
	if (rc != EXIT_CLEAN) {
		if (rc == EXIT_PROBLEMS)
			printf("not checked: fix the schema problems above first\n");
		goto out;
	}
	gcb_avsc_problems_init(&pr);
	err = gcb_avsc_compat_check(old_s, new_s, &pr);
	if (err == -ENOMEM) {
		fprintf(stderr, "gcb-schema: out of memory\n");
		rc = EXIT_ERROR;
	} else if (err) {
		print_problems(stdout, new_file, &pr);
		printf("incompatible: data written with %s cannot always be read with %s\n",
		       old_file, new_file);
		rc = EXIT_PROBLEMS;
	} else {
		printf("compatible: data written with %s can be read with %s\n", old_file,
		       new_file);
	}
	gcb_avsc_problems_fini(&pr);
out:
	gcb_avsc_destroy(old_s);
	gcb_avsc_destroy(new_s);
	return rc;
}

static int cmd_canonical(const char *file, int fingerprint)
{
	gcb_avsc_t *s;
	char *form = NULL;
	int rc = load(file, &s, stderr);

	if (rc != EXIT_CLEAN)
		return rc;
	if (gcb_avsc_canonical(s, &form)) {
		fprintf(stderr, "gcb-schema: out of memory\n");
		rc = EXIT_ERROR;
	} else if (fingerprint) {
		uint64_t fp = gcb_avsc_crc64(form, strlen(form));

		printf("0x%016" PRIx64 " %" PRId64 "\n", fp, (int64_t)fp);
	} else {
		printf("%s\n", form);
	}
	free(form);
	gcb_avsc_destroy(s);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(cmd, "lint") && argc >= 3)
		rc = cmd_lint(argc - 2, argv + 2);
	else if (!strcmp(cmd, "check") && argc == 4)
		rc = cmd_check(argv[2], argv[3]);
	else if (!strcmp(cmd, "canonical") && argc == 3)
		rc = cmd_canonical(argv[2], 0);
	else if (!strcmp(cmd, "fingerprint") && argc == 3)
		rc = cmd_canonical(argv[2], 1);
	else {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "gcb-schema: writing output failed: %s\n", strerror(errno));
		return EXIT_ERROR;
	}
	return rc;
}

/*
 * Parsing Canonical Form and CRC-64-AVRO against the Avro specification's
 * own vectors ($GCB_ROOT/tests/fixtures/avro/schema-tests.txt, copied from
 * Apache Avro with its licence), and every .avsc in that directory must lint
 * clean.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stages/validator/gcb_avsc.h"
#include "stages/validator/gcb_avsc_canonical.h"

struct vector {
	char *input;
	char *canonical;
	int has_fp;
	int64_t fp;
};

/*
 * $GCB_ROOT/tests/fixtures/avro: the data is part of the repository, so a
 * missing file is a failure, never a reason to skip. NULL when not readable.
 */
static char *find_data_dir(void)
{
	const char *root = getenv("GCB_ROOT");
	char *dir, *file;

	if (asprintf(&dir, "%s/tests/fixtures/avro", root ? root : ".") < 0)
		return NULL;
	if (asprintf(&file, "%s/schema-tests.txt", dir) < 0) {
		free(dir);
		return NULL;
	}
	if (access(file, R_OK) != 0) {
		free(file);
		free(dir);
		return NULL;
	}
	free(file);
	return dir;
}

static char *data_dir(void)
{
	char *dir = find_data_dir();

	assert_non_null(dir);
	return dir;
}

/* Next line of *p (NUL-terminated in place), NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

/* "<<key value" or "<<key" followed by lines up to a line "key". */
static char *read_value(char *rest, char **p, const char *key)
{
	char *line, *val;
	size_t len = 0;

	if (*rest)
		return strdup(rest + (*rest == ' '));
	val = calloc(1, 1);
	while ((line = next_line(p)) && strcmp(line, key) != 0) {
		size_t n = strlen(line);

		val = realloc(val, len + n + 2);
		assert_non_null(val);
		memcpy(val + len, line, n);
		val[len + n] = '\n';
		len += n + 1;
		val[len] = '\0';
	}
	return val;
}

static size_t load_vectors(struct vector *v, size_t max)
{
	char *dir = data_dir(), *path, *text, *p, *line;
	size_t n = 0, len;

	assert_true(asprintf(&path, "%s/schema-tests.txt", dir) > 0);
	assert_int_equal(gcb_avsc_read_file(path, &text, &len), 0);
	p = text;
	while ((line = next_line(&p))) {
		char key[32], *rest;
		size_t k;

		if (strncmp(line, "<<", 2) != 0)
			continue;
		k = strcspn(line + 2, " ");
		assert_true(k < sizeof(key));
		memcpy(key, line + 2, k);
		key[k] = '\0';
		rest = line + 2 + k;
		if (strcmp(key, "INPUT") == 0) {
			assert_true(n < max);
			v[n++].input = read_value(rest, &p, key);
		} else if (strcmp(key, "canonical") == 0) {
			assert_true(n > 0);
			v[n - 1].canonical = read_value(rest, &p, key);
		} else if (strcmp(key, "fingerprint") == 0) {
			char *val = read_value(rest, &p, key);

			assert_true(n > 0);
			v[n - 1].has_fp = 1;
			v[n - 1].fp = strtoll(val, NULL, 10);
			free(val);
		}
	}
	free(text);
	free(path);
	free(dir);
	return n;
}

static void test_spec_vectors(void **state)
{
	struct vector v[128] = {{0}};
	size_t n = load_vectors(v, 128), nfp = 0;

	(void)state;
	/* The file has 34 vectors (000-033); all must be found. */
	assert_true(n >= 34);
	for (size_t i = 0; i < n; i++) {
		gcb_avsc_problems_t pr;
		gcb_avsc_t *s = NULL;
		char *form = NULL;
		uint64_t fp;
		int err;

		gcb_avsc_problems_init(&pr);
		err = gcb_avsc_parse(v[i].input, strlen(v[i].input), &s, &pr);
		if (err)
			print_error("vector %zu: %s: %s\n", i, pr.n ? pr.v[0].path : "",
				    pr.n ? pr.v[0].reason : "");
		assert_int_equal(err, 0);
		assert_non_null(v[i].canonical);
		assert_int_equal(gcb_avsc_canonical(s, &form), 0);
		assert_string_equal(form, v[i].canonical);
		assert_int_equal(gcb_avsc_fingerprint(s, &fp), 0);
		assert_true(gcb_avsc_crc64(form, strlen(form)) == fp);
		if (v[i].has_fp) {
			assert_int_equal((int64_t)fp, v[i].fp);
			nfp++;
		}
		free(form);
		gcb_avsc_destroy(s);
		gcb_avsc_problems_fini(&pr);
		free(v[i].input);
		free(v[i].canonical);
	}
	assert_true(nfp >= 20);
}

static void test_crc64_empty(void **state)
{
	(void)state;
	assert_true(gcb_avsc_crc64("", 0) == 0xc15d213aa4d7a795ull);
}

/* The fingerprint ignores what canonical form strips. */
static void test_fingerprint_ignores_doc_and_defaults(void **state)
{
	const char *a = "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"n\",\"fields\":"
			"[{\"name\":\"x\",\"type\":\"int\"}]}";
	const char *b =
	    "{\"type\":\"record\",\"name\":\"n.R\",\"doc\":\"d\",\"fields\":"
	    "[{\"name\":\"x\",\"type\":{\"type\":\"int\"},\"default\":3,\"doc\":\"x\"}]}";
	gcb_avsc_problems_t pr;
	gcb_avsc_t *sa, *sb;
	uint64_t fa, fb;

	(void)state;
	gcb_avsc_problems_init(&pr);
	assert_int_equal(gcb_avsc_parse(a, strlen(a), &sa, &pr), 0);
	assert_int_equal(gcb_avsc_parse(b, strlen(b), &sb, &pr), 0);
	assert_int_equal(gcb_avsc_fingerprint(sa, &fa), 0);
	assert_int_equal(gcb_avsc_fingerprint(sb, &fb), 0);
	assert_true(fa == fb);
	gcb_avsc_destroy(sa);
	gcb_avsc_destroy(sb);
	gcb_avsc_problems_fini(&pr);
}

static void test_testdata_schemas_lint_clean(void **state)
{
	char *dir = data_dir();
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name), len;
		gcb_avsc_problems_t pr;
		gcb_avsc_t *s = NULL;
		char *path, *text;
		int err;

		if (n < 6 || strcmp(e->d_name + n - 5, ".avsc") != 0)
			continue;
		assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		assert_int_equal(gcb_avsc_read_file(path, &text, &len), 0);
		gcb_avsc_problems_init(&pr);
		err = gcb_avsc_parse(text, len, &s, &pr);
		for (size_t i = 0; i < pr.n; i++)
			print_error("%s: %s: %s\n", e->d_name, pr.v[i].path, pr.v[i].reason);
		assert_int_equal(err, 0);
		gcb_avsc_destroy(s);
		gcb_avsc_problems_fini(&pr);
		free(text);
		free(path);
		count++;
	}
	closedir(d);
	free(dir);
	assert_true(count >= 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_vectors),
	    cmocka_unit_test(test_crc64_empty),
	    cmocka_unit_test(test_fingerprint_ignores_doc_and_defaults),
	    cmocka_unit_test(test_testdata_schemas_lint_clean),
	};

	char *dir = find_data_dir();

	if (!dir) {
		printf("Avro test data not readable: $GCB_ROOT/tests/fixtures/avro/"
		       "schema-tests.txt (set GCB_ROOT to the repository)\n");
		return 1;
	}
	free(dir);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

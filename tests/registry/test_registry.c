/*
 * The Schema Registry client against tests/registry/fake_registry.py over
 * loopback: register, ids stable across re-registration and subjects,
 * lookups and their 404 codes, compatibility, basic auth, retries on 500,
 * a ccompat-style path prefix, and a registry that is not there.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "stages/validator/gcb_catalog.h"
#include "stages/validator/gcb_registry.h"
#include "stages/validator/gcb_registry_ids.h"
#include "tests/registry/fake.h"

#define PASSWORD FAKE_PASSWORD

static const char V1[] = "{\"type\": \"record\", \"name\": \"T\", \"namespace\": \"t\", "
			 "\"fields\": [{\"name\": \"a\", \"type\": \"string\"}]}";
/* V1 written differently: same canonical form, so the same id */
static const char V1B[] = "{\"namespace\":\"t\",\"name\":\"T\",\"type\":\"record\",\"doc\":\"x\","
			  "\"fields\":[{\"type\":\"string\",\"name\":\"a\"}]}";
/* adds an optional field: backward compatible */
static const char V2[] = "{\"type\": \"record\", \"name\": \"T\", \"namespace\": \"t\", "
			 "\"fields\": [{\"name\": \"a\", \"type\": \"string\"}, "
			 "{\"name\": \"b\", \"type\": [\"null\", \"long\"], \"default\": null}]}";
/* adds a field without a default: old data cannot be read */
static const char V3[] = "{\"type\": \"record\", \"name\": \"T\", \"namespace\": \"t\", "
			 "\"fields\": [{\"name\": \"a\", \"type\": \"string\"}, "
			 "{\"name\": \"c\", \"type\": \"int\"}]}";

static char g_errstr[512];

static gcb_registry_t *client(const char *url, const char *user, const char *password,
			      unsigned retries)
{
	gcb_registry_conf_t conf = {.url = url,
				    .user = user,
				    .password = password,
				    .timeout_ms = 20000,
				    .connect_timeout_ms = 10000,
				    .retries = retries,
				    .backoff_ms = 10};
	gcb_registry_t *r = NULL;

	assert_int_equal(gcb_registry_new(&r, &conf, g_errstr, sizeof(g_errstr)), 0);
	return r;
}

static void test_register_and_lookup(void **state)
{
	fake_t f;
	gcb_registry_t *r, *r2;
	gcb_registry_schema_t s1, s1b, s2, s3, other;
	uint64_t n;
	char sub[64];

	(void)state;
	assert_int_equal(fake_start(&f, NULL, NULL), 0);
	r = client(f.url, NULL, NULL, 0);
	assert_int_equal(gcb_registry_subject(sub, sizeof(sub), "genesys.interactions"), 0);
	assert_string_equal(sub, "genesys.interactions-value");

	assert_int_equal(gcb_registry_register(r, sub, V1, 1, &s1, g_errstr, sizeof(g_errstr)), 0);
	assert_true(s1.id > 0);
	assert_int_equal(s1.version, 1);

	/* cached per (subject, fingerprint): no request */
	n = gcb_registry_requests(r);
	assert_int_equal(gcb_registry_register(r, sub, V1, 1, &s1b, g_errstr, sizeof(g_errstr)), 0);
	assert_int_equal(gcb_registry_requests(r), n);
	assert_int_equal(s1b.id, s1.id);

	/* a fresh client (no cache), the same schema written differently: same id and version */
	r2 = client(f.url, NULL, NULL, 0);
	assert_int_equal(gcb_registry_register(r2, sub, V1B, 7, &s1b, g_errstr, sizeof(g_errstr)),
			 0);
	assert_int_equal(s1b.id, s1.id);
	assert_int_equal(s1b.version, 1);

	/* another subject: the id is global, the version is per subject */
	assert_int_equal(
	    gcb_registry_register(r2, "other-value", V1, 1, &other, g_errstr, sizeof(g_errstr)), 0);
	assert_int_equal(other.id, s1.id);
	assert_int_equal(other.version, 1);

	/* a compatible new version */
	assert_int_equal(gcb_registry_register(r, sub, V2, 2, &s2, g_errstr, sizeof(g_errstr)), 0);
	assert_int_not_equal(s2.id, s1.id);
	assert_int_equal(s2.version, 2);
	assert_int_equal(gcb_registry_lookup(r2, sub, V1, &s1b, g_errstr, sizeof(g_errstr)), 0);
	assert_int_equal(s1b.id, s1.id);
	assert_int_equal(s1b.version, 1);

	/* an incompatible one is refused by the registry (409) */
	assert_int_equal(gcb_registry_register(r, sub, V3, 3, &s3, g_errstr, sizeof(g_errstr)),
			 -EINVAL);
	assert_int_equal(gcb_registry_error_code(r), 409);
	assert_non_null(strstr(g_errstr, "/subjects/genesys.interactions-value/versions"));
	assert_non_null(strstr(g_errstr, "409"));

	/* 40401 vs 40403 */
	assert_int_equal(gcb_registry_lookup(r, "nope-value", V1, &s3, g_errstr, sizeof(g_errstr)),
			 -ENOENT);
	assert_int_equal(gcb_registry_error_code(r), 40401);
	assert_non_null(strstr(g_errstr, "40401"));
	assert_int_equal(gcb_registry_lookup(r, sub, V3, &s3, g_errstr, sizeof(g_errstr)),
			 -ENODATA);
	assert_int_equal(gcb_registry_error_code(r), 40403);

	/* an invalid schema: 42201 */
	assert_int_equal(gcb_registry_register(r, sub, "{\"type\": \"recrod\"}", 9, &s3, g_errstr,
					       sizeof(g_errstr)),
			 -EINVAL);
	assert_int_equal(gcb_registry_error_code(r), 42201);

	gcb_registry_destroy(r2);
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0);
}

static void test_compatibility(void **state)
{
	fake_t f;
	gcb_registry_t *r;
	gcb_registry_schema_t s;
	char msg[256];
	int ok = -1;

	(void)state;
	assert_int_equal(fake_start(&f, NULL, NULL), 0);
	r = client(f.url, NULL, NULL, 0);
	/* no subject yet: compatible */
	assert_int_equal(
	    gcb_registry_check(r, "c-value", V1, &ok, msg, sizeof(msg), g_errstr, sizeof(g_errstr)),
	    0);
	assert_int_equal(ok, 1);
	assert_int_equal(gcb_registry_register(r, "c-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 0);
	assert_int_equal(
	    gcb_registry_check(r, "c-value", V2, &ok, msg, sizeof(msg), g_errstr, sizeof(g_errstr)),
	    0);
	assert_int_equal(ok, 1);
	assert_int_equal(
	    gcb_registry_check(r, "c-value", V3, &ok, msg, sizeof(msg), g_errstr, sizeof(g_errstr)),
	    0);
	assert_int_equal(ok, 0);
	assert_non_null(strstr(msg, "c")); /* the registry's message names the field */
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0);
}

static void test_auth(void **state)
{
	fake_t f;
	gcb_registry_t *r;
	gcb_registry_schema_t s;

	(void)state;
	assert_int_equal(fake_start(&f, NULL, "gcb"), 0);
	r = client(f.url, NULL, NULL, 0);
	assert_int_equal(gcb_registry_register(r, "a-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 -EACCES);
	assert_int_equal(gcb_registry_error_code(r), 401);
	gcb_registry_destroy(r);

	r = client(f.url, "gcb", "wrong-" PASSWORD, 0);
	assert_int_equal(gcb_registry_register(r, "a-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 -EACCES);
	assert_null(strstr(g_errstr, PASSWORD));
	gcb_registry_destroy(r);

	r = client(f.url, "gcb", PASSWORD, 0);
	assert_int_equal(gcb_registry_register(r, "a-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 0);
	assert_true(s.id > 0);
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0); /* checks the fake's log for the password */
}

static void test_retry(void **state)
{
	fake_t f;
	gcb_registry_t *r;
	gcb_registry_schema_t s;
	uint64_t n;

	(void)state;
	assert_int_equal(fake_start(&f, NULL, NULL), 0);
	/* two 500s then success, within 2 retries */
	r = client(f.url, NULL, NULL, 2);
	assert_int_equal(fake_fail(&f, 2, 500), 0);
	assert_int_equal(gcb_registry_register(r, "r-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 0);
	assert_int_equal(s.version, 1);
	assert_int_equal(gcb_registry_requests(r), 4); /* 3 registers + 1 lookup */
	gcb_registry_destroy(r);

	/* more failures than retries: the error comes back, with the registry's code */
	r = client(f.url, NULL, NULL, 1);
	assert_int_equal(fake_fail(&f, 5, 503), 0);
	n = gcb_registry_requests(r);
	assert_int_equal(
	    gcb_registry_register(r, "r2-value", V1, 1, &s, g_errstr, sizeof(g_errstr)), -EIO);
	assert_int_equal(gcb_registry_requests(r) - n, 2);
	assert_int_equal(gcb_registry_error_code(r), 50001);
	assert_non_null(strstr(g_errstr, "503"));
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0);
}

static void test_prefix(void **state)
{
	fake_t f;
	gcb_registry_t *r;
	gcb_registry_schema_t s;
	char url[600];

	(void)state;
	assert_int_equal(fake_start(&f, "/apis/ccompat/v7", NULL), 0);
	assert_non_null(strstr(f.url, "/apis/ccompat/v7"));
	snprintf(url, sizeof(url), "%s/", f.url); /* a trailing slash is fine */
	r = client(url, NULL, NULL, 0);
	assert_int_equal(gcb_registry_register(r, "p-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 0);
	assert_int_equal(s.version, 1);
	gcb_registry_destroy(r);

	/* without the prefix: plain 404 (no registry error code) */
	r = client(f.root, NULL, NULL, 0);
	assert_int_equal(gcb_registry_register(r, "p-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 -ENOENT);
	assert_int_equal(gcb_registry_error_code(r), 404);
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0);
}

static void test_down(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	gcb_registry_t *r;
	gcb_registry_schema_t s;
	char url[128];

	(void)state;
	/* a port that was just free: nothing listens there */
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://gcb:%s@127.0.0.1:%d", PASSWORD, ntohs(a.sin_port));
	r = client(url, NULL, NULL, 2);
	assert_int_equal(gcb_registry_register(r, "d-value", V1, 1, &s, g_errstr, sizeof(g_errstr)),
			 -EIO);
	assert_int_equal(gcb_registry_requests(r), 3);
	assert_non_null(strstr(g_errstr, "/subjects/d-value/versions"));
	assert_null(strstr(g_errstr, PASSWORD)); /* the URL's userinfo is never printed */
	gcb_registry_destroy(r);
}

static void test_bad_conf(void **state)
{
	gcb_registry_conf_t conf = {.url = "ftp://x"};
	gcb_registry_t *r = NULL;

	(void)state;
	assert_int_equal(gcb_registry_new(&r, &conf, g_errstr, sizeof(g_errstr)), -EINVAL);
	assert_null(r);
	conf.url = NULL;
	assert_int_equal(gcb_registry_new(&r, &conf, g_errstr, sizeof(g_errstr)), -EINVAL);
}

/* The shipped schema set: subjects, ids from the registry, no requests the second time. */
static void test_catalog_ids(void **state)
{
	const char *root = getenv("GCB_ROOT");
	char routes[512], ids[512], sub[256];
	gcb_catalog_t *cat = NULL;
	gcb_registry_t *r, *r2;
	gcb_registry_schema_t s;
	uint64_t n;
	fake_t f;

	(void)state;
	snprintf(routes, sizeof(routes), "%s/schemas/routes.json", root ? root : ".");
	snprintf(ids, sizeof(ids), "%s/schemas/schema-ids.json", root ? root : ".");
	assert_int_equal(gcb_catalog_load(&cat, routes, ids, g_errstr, sizeof(g_errstr)), 0);
	assert_true(cat->nroutes >= 3);
	/* two record types share genesys.interactions: TopicRecordNameStrategy there */
	assert_int_equal(gcb_registry_ids_subject(cat, 0, sub, sizeof(sub)), 0);
	assert_string_equal(sub, "genesys.interactions-gcbridge.genesys.InteractionCreated");
	assert_int_equal(gcb_registry_ids_subject(cat, 2, sub, sizeof(sub)), 0);
	assert_string_equal(sub, "genesys.agentstate-value");

	assert_int_equal(fake_start(&f, NULL, NULL), 0);
	r = client(f.url, NULL, NULL, 0);
	/* an unrelated schema already owns the agent-state subject */
	assert_int_equal(gcb_registry_register(r, "genesys.agentstate-value", V3, 3, &s, g_errstr,
					       sizeof(g_errstr)),
			 0);
	assert_int_equal(gcb_registry_ids_assign(r, cat, g_errstr, sizeof(g_errstr)), -EINVAL);
	assert_non_null(strstr(g_errstr, "agentstate_updated.avsc"));
	assert_non_null(strstr(g_errstr, "genesys.agentstate-value"));
	/* nothing was registered: every check runs before any registration */
	assert_int_equal(gcb_registry_lookup(r,
					     "genesys.interactions-gcbridge.genesys."
					     "InteractionCreated",
					     cat->schemas[0]->text, &s, g_errstr, sizeof(g_errstr)),
			 -ENOENT);
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0);

	assert_int_equal(fake_start(&f, NULL, NULL), 0);
	r = client(f.url, NULL, NULL, 0);
	assert_int_equal(gcb_registry_ids_assign(r, cat, g_errstr, sizeof(g_errstr)), 0);
	for (size_t i = 0; i < cat->nroutes; i++) {
		assert_true(cat->routes[i].schema_id > 0);
		assert_int_equal(cat->routes[i].schema_version, 1);
	}
	assert_int_not_equal(cat->routes[0].schema_id, cat->routes[1].schema_id);
	n = gcb_registry_requests(r);
	assert_int_equal(gcb_registry_ids_assign(r, cat, g_errstr, sizeof(g_errstr)), 0);
	assert_int_equal(gcb_registry_requests(r), n);
	/* another process gets the same ids */
	r2 = client(f.url, NULL, NULL, 0);
	cat->routes[2].schema_id = 0;
	assert_int_equal(gcb_registry_ids_assign(r2, cat, g_errstr, sizeof(g_errstr)), 0);
	assert_int_equal(gcb_registry_lookup(r2, "genesys.agentstate-value", cat->schemas[2]->text,
					     &s, g_errstr, sizeof(g_errstr)),
			 0);
	assert_int_equal(cat->routes[2].schema_id, s.id);
	gcb_registry_destroy(r2);
	gcb_registry_destroy(r);
	assert_int_equal(fake_stop(&f), 0);
	gcb_catalog_destroy(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_register_and_lookup),
	    cmocka_unit_test(test_compatibility),
	    cmocka_unit_test(test_auth),
	    cmocka_unit_test(test_retry),
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_down),
	    cmocka_unit_test(test_bad_conf),
	    cmocka_unit_test(test_catalog_ids),
	};

	if (access("/usr/bin/python3", X_OK) != 0) {
		fprintf(stderr, "test-registry: /usr/bin/python3 missing, skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}

#include "tests/registry/fake.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

int file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int hit;

	if (!f)
		return 0;
	buf = calloc(1, 1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf)
		return 0;
	buf[n] = '\0';
	hit = strstr(buf, needle) != NULL;
	free(buf);
	return hit;
}

int fake_start(fake_t *f, const char *prefix, const char *user)
{
	const char *root = getenv("GCB_ROOT"), *bin = getenv("GCB_BIN");
	char script[512], tool[512], urlfile[300], pwfile[300];

	if (!root)
		root = ".";
	if (!bin)
		bin = "bin";
	memset(f, 0, sizeof(*f));
	snprintf(f->user, sizeof(f->user), "%s", user ? user : "");
	snprintf(script, sizeof(script), "%s/tests/registry/fake_registry.py", root);
	snprintf(tool, sizeof(tool), "%s/gcb-schema", bin);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-registry-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(f->dir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(urlfile, sizeof(urlfile), "%s/url", f->dir);
	snprintf(pwfile, sizeof(pwfile), "%s/pw", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	if (user) {
		FILE *pw = fopen(pwfile, "w");

		if (!pw)
			return -1;
		fputs(FAKE_PASSWORD "\n", pw);
		fclose(pw);
	}
	f->pid = fork();
	if (f->pid < 0)
		return -1;
	if (f->pid == 0) {
		const char *argv[16];
		int n = 0, fd = open(f->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0)
			dup2(fd, 2);
		argv[n++] = "/usr/bin/python3";
		argv[n++] = script;
		argv[n++] = "--url-file";
		argv[n++] = urlfile;
		argv[n++] = "--tool";
		argv[n++] = tool;
		if (prefix) {
			argv[n++] = "--prefix";
			argv[n++] = prefix;
		}
		if (user) {
			argv[n++] = "--user";
			argv[n++] = user;
			argv[n++] = "--password-file";
			argv[n++] = pwfile;
		}
		argv[n] = NULL;
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) { /* up to 60 s on a loaded machine */
		FILE *u = fopen(urlfile, "r");
		struct timespec ts = {0, 100000000L};

		if (u) {
			char *p, *slash;

			if (!fgets(f->url, sizeof(f->url), u)) {
				fclose(u);
				return -1;
			}
			fclose(u);
			f->url[strcspn(f->url, "\n")] = '\0';
			snprintf(f->root, sizeof(f->root), "%s", f->url);
			p = strstr(f->root, "://");
			slash = p ? strchr(p + 3, '/') : NULL;
			if (slash)
				*slash = '\0';
			return 0;
		}
		if (waitpid(f->pid, NULL, WNOHANG) != 0) {
			fprintf(stderr, "fake registry exited; its log is %s\n", f->log);
			f->pid = 0;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "fake registry did not start\n");
	return -1;
}

int fake_stop(fake_t *f)
{
	char cmd[600];
	int leaked;

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	leaked = file_contains(f->log, FAKE_PASSWORD);
	if (leaked)
		fprintf(stderr, "the fake registry's log contains the password\n");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	return leaked ? -1 : 0;
}

static size_t sink(char *p, size_t s, size_t n, void *a)
{
	(void)p, (void)a;
	return s * n;
}

static int control(const fake_t *f, const char *url, const char *method, const char *body,
		   long want)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	long status = 0;
	int rc = -1;

	if (!c)
		return -1;
	h = curl_slist_append(h, "Content-Type: application/vnd.schemaregistry.v1+json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	if (f->user[0]) {
		curl_easy_setopt(c, CURLOPT_USERNAME, f->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, FAKE_PASSWORD);
	}
	if (curl_easy_perform(c) == CURLE_OK &&
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == want)
		rc = 0;
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}

int fake_fail(const fake_t *f, int count, int status)
{
	char url[700];

	snprintf(url, sizeof(url), "%s/__fake/fail?count=%d&status=%d", f->root, count, status);
	return control(f, url, "POST", "", 200);
}

int fake_set_level(const fake_t *f, const char *subject, const char *level)
{
	char url[900], body[128];
	CURL *c = curl_easy_init();
	char *esc = c ? curl_easy_escape(c, subject, 0) : NULL;

	if (!esc) {
		curl_easy_cleanup(c);
		return -1;
	}
	snprintf(url, sizeof(url), "%s/config/%s", f->url, esc);
	curl_free(esc);
	curl_easy_cleanup(c);
	snprintf(body, sizeof(body), "{\"compatibility\": \"%s\"}", level);
	return control(f, url, "PUT", body, 200);
}

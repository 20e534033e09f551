/*
 * gcb-kafka-mock: librdkafka's mock cluster as a standalone process.
 *
 * The mock cluster lives inside a librdkafka client handle (it needs one for
 * its bookkeeping threads) and listens on 127.0.0.1 with one TCP port per
 * broker. It speaks the Kafka protocol, so kcat and any librdkafka client
 * (the producer stage included) talk to it like to a real cluster.
 *
 * The first line on stdout is the bootstrap address. Faults are injected
 * through a line protocol on a UNIX stream socket (--control PATH); the same
 * binary sends such lines with --ctl PATH LINE. SIGUSR1 takes every broker
 * down, SIGUSR2 brings them back. See docs/kafka-mock.md.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "tools/kafka-mock/gcb_kafka_mock_ctl.h"

#define MOCK_MAX_TOPICS	 64
#define MOCK_MAX_CLIENTS 16
#define MOCK_LINE_MAX	 512

typedef struct mock_topic {
	const char *name; /* points into argv */
	int partitions;
	int replication;
} mock_topic_t;

typedef struct mock_client {
	int fd;
	size_t len;
	char buf[MOCK_LINE_MAX];
} mock_client_t;

typedef struct mock_opts {
	int brokers;
	int partitions;
	const char *bootstrap_file;
	const char *control_path;
	const char *ctl_path; /* client mode */
	int verbose;
	unsigned ntopics;
	mock_topic_t topics[MOCK_MAX_TOPICS];
} mock_opts_t;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gcb-kafka-mock [options]\n"
		"       gcb-kafka-mock --ctl PATH LINE...\n"
		"\n"
		"Runs librdkafka's mock Kafka cluster on 127.0.0.1 and prints its bootstrap\n"
		"address as the first line on stdout.\n"
		"\n"
		"  -b, --brokers N            brokers (default 3)\n"
		"  -p, --partitions N         partitions of --topic without a count (default 4)\n"
		"  -t, --topic NAME[:P[:RF]]  create a topic up front (repeatable)\n"
		"  -f, --bootstrap-file FILE  also write the bootstrap address to FILE\n"
		"  -c, --control PATH         accept control lines on a UNIX socket at PATH\n"
		"      --ctl PATH LINE...     send control lines to a running mock and print\n"
		"                             the answers (exit 1 if any answer is an error)\n"
		"  -v, --verbose              log librdkafka's mock cluster debug lines\n"
		"\n"
		"Control lines: down all|ID, up all|ID, rtt all|ID MS,\n"
		"  error APIKEY ERR[,ERR...], clear APIKEY, topic NAME P [RF],\n"
		"  leader TOPIC PARTITION ID, bootstrap, ping.\n"
		"Signals: SIGTERM/SIGINT stop, SIGUSR1 all brokers down, SIGUSR2 all up.\n");
}

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

/* NAME[:PARTITIONS[:RF]]; modifies arg in place. */
static int parse_topic(char *arg, int default_partitions, mock_topic_t *t)
{
	char *p = strchr(arg, ':'), *rf;

	t->name = arg;
	t->partitions = default_partitions;
	t->replication = -1;
	if (p == NULL)
		return *arg != '\0' ? 0 : -EINVAL;
	*p++ = '\0';
	rf = strchr(p, ':');
	if (rf != NULL)
		*rf++ = '\0';
	if (*arg == '\0' || parse_int(p, 1, 100000, &t->partitions) != 0)
		return -EINVAL;
	if (rf != NULL && parse_int(rf, 1, 1000, &t->replication) != 0)
		return -EINVAL;
	return 0;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "gcb-kafka-mock: control path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int err = errno;

		fprintf(stderr, "gcb-kafka-mock: connect(%s) failed: %s\n", path, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

/* Client mode: one line per argument, one answer line each. */
static int ctl_client(const char *path, int argc, char **argv)
{
	char buf[MOCK_LINE_MAX];
	int fd, failed = 0;
	FILE *in;

	fd = ctl_connect(path);
	if (fd < 0)
		return 1;
	in = fdopen(fd, "r");
	if (in == NULL) {
		close(fd);
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (n + 1 >= sizeof(buf)) {
			fprintf(stderr, "gcb-kafka-mock: control line too long\n");
			failed = 1;
			break;
		}
		memcpy(buf, argv[i], n);
		buf[n++] = '\n';
		if (write(fd, buf, n) != (ssize_t)n) {
			fprintf(stderr, "gcb-kafka-mock: write() failed: %s\n", strerror(errno));
			failed = 1;
			break;
		}
		if (fgets(buf, sizeof(buf), in) == NULL) {
			fprintf(stderr, "gcb-kafka-mock: no answer from %s\n", path);
			failed = 1;
			break;
		}
		fputs(buf, stdout);
		if (strncmp(buf, "ok", 2) != 0)
			failed = 1;
	}
	fclose(in);
	return failed;
}

static int ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "gcb-kafka-mock: control path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	(void)unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 8) != 0) {
		int err = errno;

		fprintf(stderr, "gcb-kafka-mock: bind(%s) failed: %s\n", path, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

static int write_bootstrap_file(const char *file, const char *bootstraps)
{
	char tmp[4096];
	FILE *f;

	/* Write-then-rename: a test polling for the file never reads half of it. */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", file, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "gcb-kafka-mock: fopen(%s) failed: %s\n", tmp, strerror(errno));
		return -errno;
	}
	fprintf(f, "%s\n", bootstraps);
	if (fclose(f) != 0 || rename(tmp, file) != 0) {
		fprintf(stderr, "gcb-kafka-mock: writing %s failed: %s\n", file, strerror(errno));
		(void)unlink(tmp);
		return -EIO;
	}
	return 0;
}

static void client_serve(rd_kafka_mock_cluster_t *mc, mock_client_t *c)
{
	char answer[MOCK_LINE_MAX + 64], shown[MOCK_LINE_MAX];
	ssize_t n;
	char *nl;

	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n')) != NULL) {
		size_t used = (size_t)(nl - c->buf) + 1;

		*nl = '\0';
		snprintf(shown, sizeof(shown), "%s", c->buf);
		gcb_kafka_mock_ctl_exec(mc, c->buf, answer, sizeof(answer));
		fprintf(stderr, "gcb-kafka-mock: control \"%s\": %s", shown, answer);
		if (write(c->fd, answer, strlen(answer)) < 0) {
			close(c->fd);
			c->fd = -1;
			return;
		}
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		c->buf[c->len] = '\0';
	}
	if (c->len == sizeof(c->buf) - 1) {
		/* A line longer than the buffer: refuse it and drop the client. */
		(void)!write(c->fd, "err line too long\n", 18);
		close(c->fd);
		c->fd = -1;
	}
}

static int serve(rd_kafka_mock_cluster_t *mc, int sfd, int lfd)
{
	mock_client_t clients[MOCK_MAX_CLIENTS];
	struct pollfd pfd[2 + MOCK_MAX_CLIENTS];
	int map[2 + MOCK_MAX_CLIENTS];

	for (unsigned i = 0; i < MOCK_MAX_CLIENTS; i++)
		clients[i].fd = -1;
	for (;;) {
		nfds_t n = 0;

		pfd[n].fd = sfd;
		pfd[n++].events = POLLIN;
		if (lfd >= 0) {
			pfd[n].fd = lfd;
			pfd[n++].events = POLLIN;
		}
		for (int i = 0; i < MOCK_MAX_CLIENTS; i++) {
			if (clients[i].fd < 0)
				continue;
			map[n] = i;
			pfd[n].fd = clients[i].fd;
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "gcb-kafka-mock: poll() failed: %s\n", strerror(errno));
			return -errno;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					return 0;
				if (si.ssi_signo == SIGUSR1)
					rd_kafka_mock_broker_set_down(mc, -1);
				else if (si.ssi_signo == SIGUSR2)
					rd_kafka_mock_broker_set_up(mc, -1);
				fprintf(stderr, "gcb-kafka-mock: %s: all brokers %s\n",
					strsignal((int)si.ssi_signo),
					si.ssi_signo == SIGUSR1 ? "down" : "up");
			}
		}
		for (nfds_t k = 1; k < n; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (lfd >= 0 && pfd[k].fd == lfd) {
				int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
				int slot = -1;

				if (cfd < 0)
					continue;
				for (int i = 0; i < MOCK_MAX_CLIENTS && slot < 0; i++)
					if (clients[i].fd < 0)
						slot = i;
				if (slot < 0) {
					(void)!write(cfd, "err too many clients\n", 21);
					close(cfd);
					continue;
				}
				clients[slot].fd = cfd;
				clients[slot].len = 0;
				continue;
			}
			client_serve(mc, &clients[map[k]]);
		}
	}
}

static int parse_args(int argc, char **argv, mock_opts_t *o)
{
	static const struct option longopts[] = {
	    {"brokers", required_argument, NULL, 'b'},
	    {"partitions", required_argument, NULL, 'p'},
	    {"topic", required_argument, NULL, 't'},
	    {"bootstrap-file", required_argument, NULL, 'f'},
	    {"control", required_argument, NULL, 'c'},
	    {"ctl", required_argument, NULL, 'C'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *topic_args[MOCK_MAX_TOPICS];
	unsigned ntopic_args = 0;
	int c;

	memset(o, 0, sizeof(*o));
	o->brokers = 3;
	o->partitions = 4;
	while ((c = getopt_long(argc, argv, "+b:p:t:f:c:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_int(optarg, 1, 64, &o->brokers) != 0) {
				fprintf(stderr, "gcb-kafka-mock: bad --brokers: %s\n", optarg);
				return -EINVAL;
			}
			break;
		case 'p':
			if (parse_int(optarg, 1, 100000, &o->partitions) != 0) {
				fprintf(stderr, "gcb-kafka-mock: bad --partitions: %s\n", optarg);
				return -EINVAL;
			}
			break;
		case 't':
			if (ntopic_args == MOCK_MAX_TOPICS) {
				fprintf(stderr, "gcb-kafka-mock: at most %d topics\n",
					MOCK_MAX_TOPICS);
				return -EINVAL;
			}
			topic_args[ntopic_args++] = optarg;
			break;
		case 'f':
			o->bootstrap_file = optarg;
			break;
		case 'c':
			o->control_path = optarg;
			break;
		case 'C':
			o->ctl_path = optarg;
			return 0;
		case 'v':
			o->verbose = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "gcb-kafka-mock: unexpected argument: %s\n", argv[optind]);
		return -EINVAL;
	}
	/* Topics after the loop so --partitions applies wherever it appears. */
	for (unsigned i = 0; i < ntopic_args; i++) {
		if (parse_topic(topic_args[i], o->partitions, &o->topics[o->ntopics]) != 0) {
			fprintf(stderr, "gcb-kafka-mock: bad --topic: %s\n", topic_args[i]);
			return -EINVAL;
		}
		if (o->topics[o->ntopics].replication < 0)
			o->topics[o->ntopics].replication = o->brokers < 3 ? o->brokers : 3;
		o->ntopics++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char errstr[512];
	rd_kafka_mock_cluster_t *mc = NULL;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk = NULL;
	const char *bootstraps;
	mock_opts_t o;
	sigset_t mask;
	int sfd = -1, lfd = -1, rc = 1;

	if (parse_args(argc, argv, &o) != 0)
		return 2;
	if (o.ctl_path != NULL)
		return ctl_client(o.ctl_path, argc - optind, argv + optind);

	/* Signals are taken through signalfd in the main loop; block them before
	 * librdkafka starts its threads so they inherit the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigaddset(&mask, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		return 1;
	sigdelset(&mask, SIGPIPE);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		fprintf(stderr, "gcb-kafka-mock: signalfd() failed: %s\n", strerror(errno));
		return 1;
	}

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "log_level", o.verbose ? "7" : "3", errstr, sizeof(errstr)) !=
		RD_KAFKA_CONF_OK ||
	    (o.verbose && rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof(errstr)) !=
			      RD_KAFKA_CONF_OK)) {
		fprintf(stderr, "gcb-kafka-mock: rd_kafka_conf_set() failed: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	/* The handle only hosts the cluster; it never connects anywhere. */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		fprintf(stderr, "gcb-kafka-mock: rd_kafka_new() failed: %s\n", errstr);
		rd_kafka_conf_destroy(conf);
		goto fail;
	}
	mc = rd_kafka_mock_cluster_new(rk, o.brokers);
	if (mc == NULL) {
		fprintf(stderr, "gcb-kafka-mock: rd_kafka_mock_cluster_new() failed\n");
		goto fail;
	}
	for (unsigned i = 0; i < o.ntopics; i++) {
		rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
		    mc, o.topics[i].name, o.topics[i].partitions, o.topics[i].replication);

		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr,
				"gcb-kafka-mock: rd_kafka_mock_topic_create(%s) failed: %s\n",
				o.topics[i].name, rd_kafka_err2str(err));
			goto fail;
		}
	}
	if (o.control_path != NULL) {
		lfd = ctl_listen(o.control_path);
		if (lfd < 0)
			goto fail;
	}
	bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
	if (o.bootstrap_file != NULL && write_bootstrap_file(o.bootstrap_file, bootstraps) != 0)
		goto fail;
	printf("%s\n", bootstraps);
	fflush(stdout);
	fprintf(stderr, "gcb-kafka-mock: %d brokers at %s, %u topics\n", o.brokers, bootstraps,
		o.ntopics);

	rc = serve(mc, sfd, lfd) == 0 ? 0 : 1;
	fprintf(stderr, "gcb-kafka-mock: stopping\n");
fail:
	if (lfd >= 0) {
		close(lfd);
		(void)unlink(o.control_path);
	}
	if (mc != NULL)
		rd_kafka_mock_cluster_destroy(mc);
	if (rk != NULL)
		rd_kafka_destroy(rk);
	if (sfd >= 0)
		close(sfd);
	return rc;
}

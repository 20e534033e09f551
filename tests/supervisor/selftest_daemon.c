/*
 * gcb-selftestd: the real supervisor running the self-test stages, for the
 * lifecycle tests (tests/supervisor/supervisor_*.sh).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stages/selftest/gcb_selftest.h"
#include "lib/gcb_log.h"
#include "supervisor/gcb_supervisor.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: gcb-selftestd --instance NAME --sink FILE [--total N] [--batch N]\n"
		"         [--rate EV_PER_S] [--validators N] [--ring-size BYTES]\n"
		"         [--watchdog-ms MS] [--grace-ms MS] [--drain-ms MS]\n"
		"         [--restart-min-ms MS] [--restart-max-ms MS] [--stable-ms MS]\n"
		"         [--fatal-file PATH] [--debug]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"instance", required_argument, NULL, 'i'},
		{"sink", required_argument, NULL, 's'},
		{"total", required_argument, NULL, 't'},
		{"batch", required_argument, NULL, 'b'},
		{"rate", required_argument, NULL, 'r'},
		{"validators", required_argument, NULL, 'v'},
		{"ring-size", required_argument, NULL, 'R'},
		{"watchdog-ms", required_argument, NULL, 'w'},
		{"grace-ms", required_argument, NULL, 'g'},
		{"drain-ms", required_argument, NULL, 'd'},
		{"restart-min-ms", required_argument, NULL, 'm'},
		{"restart-max-ms", required_argument, NULL, 'M'},
		{"stable-ms", required_argument, NULL, 'S'},
		{"fatal-file", required_argument, NULL, 'f'},
		{"debug", no_argument, NULL, 'D'},
		{NULL, 0, NULL, 0},
	};
	gcb_selftest_conf_t st = {.total = 100000, .batch = 100};
	gcb_supervisor_conf_t conf = {
		.instance = NULL,
		.validators = 2,
		.ring_size = 1u << 20,
		.restart_min_ms = 1000,
		.restart_max_ms = 30000,
		.restart_stable_ms = 10000,
		.watchdog_ms = 10000,
		.kill_grace_ms = 5000,
		.drain_timeout_ms = 30000,
		.fetcher = gcb_selftest_source_main,
		.validator = gcb_selftest_relay_main,
		.producer = gcb_selftest_sink_main,
	};
	gcb_log_level_t level = GCB_LOG_INFO;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'i': conf.instance = optarg; break;
		case 's': st.sink_path = optarg; break;
		case 't': st.total = strtoull(optarg, NULL, 10); break;
		case 'b': st.batch = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'r': st.rate = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'v': conf.validators = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'R': conf.ring_size = strtoull(optarg, NULL, 10); break;
		case 'w': conf.watchdog_ms = strtoull(optarg, NULL, 10); break;
		case 'g': conf.kill_grace_ms = strtoull(optarg, NULL, 10); break;
		case 'd': conf.drain_timeout_ms = strtoull(optarg, NULL, 10); break;
		case 'm': conf.restart_min_ms = strtoull(optarg, NULL, 10); break;
		case 'M': conf.restart_max_ms = strtoull(optarg, NULL, 10); break;
		case 'S': conf.restart_stable_ms = strtoull(optarg, NULL, 10); break;
		case 'f': st.fatal_path = optarg; break;
		case 'D': level = GCB_LOG_DEBUG; break;
		default: usage(); return 2;
		}
	}
	if (conf.instance == NULL || st.sink_path == NULL || st.batch == 0) {
		usage();
		return 2;
	}
	conf.stage_arg = &st;
	gcb_log_setup("supervisor", level, GCB_LOG_LOGFMT);
	return gcb_supervisor_run(&conf);
}

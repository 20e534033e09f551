/*
 * gcbridge --preflight: checks, with the real configuration and the real
 * org, what a start of the notification source would meet (token,
 * transports, org size against the channel budget, permissions per topic
 * template, the analytics watermark) and prints a report an operator can act
 * on. Returns the exit status: 0 nothing found, 1 problems that lose data
 * without stopping a start, 2 a start would be refused.
 */
#ifndef GCB_PREFLIGHT_H
#define GCB_PREFLIGHT_H

#include <stdio.h>

#include "stages/source/gcb_source_conf.h"

int gcb_preflight_run(const gcb_source_conf_t *conf, FILE *out);

#endif

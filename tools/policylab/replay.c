/*
 * policylab-replay: replays a trace (format in lab.h) for a list of frame
 * counts through every policy, exact LRU and OPT, and prints faults and
 * disk writes per (policy, frames).
 *
 * Usage: policylab-replay [-m textbook|guest] [-t TICK] [-f F1,F2,...]
 *                         [-n WORKLOAD] [-j] TRACE|-
 *   -m  the model (lab.h), default guest
 *   -t  textbook model: a pol_tick every TICK references (default 1)
 *   -f  frame counts, default 4,8,16,32,64
 *   -n  the workload's name in the output, default the file's name
 *   -j  one JSON object per line (workload, model, policy, frames,
 *       faults, disk_writes) instead of the table
 * Exit: 0, 1 on a bad trace or a failed run, 2 usage.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/policylab/lab.h"

#define MAX_FRAMES 64

static void usage(void)
{
	fprintf(stderr, "usage: policylab-replay [-m textbook|guest] [-t TICK] "
			"[-f F1,F2,...] [-n WORKLOAD] [-j] TRACE|-\n");
	exit(2);
}

static int parse_frames(const char *s, uint32_t *f)
{
	int n = 0;
	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0 || v > POL_CAP_MAX || n == MAX_FRAMES)
			return -1;
		f[n++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

int main(int argc, char **argv)
{
	uint32_t frames[MAX_FRAMES] = { 4, 8, 16, 32, 64 }, tick = 1;
	int nframes = 5, model = LAB_GUEST, c;
	bool json = false;
	const char *name = 0;
	while ((c = getopt(argc, argv, "m:t:f:n:j")) != -1) {
		switch (c) {
		case 'm':
			if ((model = lab_model_by_name(optarg)) < 0)
				usage();
			break;
		case 't':
			tick = (uint32_t)strtoul(optarg, 0, 10);
			break;
		case 'f':
			if ((nframes = parse_frames(optarg, frames)) <= 0)
				usage();
			break;
		case 'n':
			name = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	const char *path = argv[optind];
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (!f) {
		perror(path);
		return 1;
	}
	struct lab_trace t = { 0 };
	if (lab_trace_read(&t, f, path) < 0 || lab_trace_finish(&t) < 0)
		return 1;
	if (!name)
		name = path;
	const char *mname = model == LAB_GUEST ? "guest" : "textbook";
	if (!json) {
		printf("# %s: %zu references, %lu pages, model %s; faults/disk writes\n", name,
		       t.n, (unsigned long)t.npages, mname);
		printf("%-14s", "policy");
		for (int i = 0; i < nframes; i++)
			printf(" %13u", frames[i]);
		printf("\n");
	}
	for (int a = 0; a < LAB_NALGOS; a++) {
		if (!json)
			printf("%-14s", lab_algo_name(a));
		for (int i = 0; i < nframes; i++) {
			struct lab_result r;
			int err = lab_run(&t, a, frames[i], model, tick, &r);
			if (err) {
				fprintf(stderr, "%s: %s with %u frames failed: %d\n", name,
					lab_algo_name(a), frames[i], err);
				return 1;
			}
			if (json)
				printf("{\"workload\": \"%s\", \"model\": \"%s\", \"policy\": \"%s\", "
				       "\"frames\": %u, \"faults\": %lu, \"disk_writes\": %lu}\n",
				       name, mname, lab_algo_name(a), frames[i],
				       (unsigned long)r.faults, (unsigned long)r.writes);
			else
				printf(" %7lu/%-5lu", (unsigned long)r.faults, (unsigned long)r.writes);
		}
		if (!json)
			printf("\n");
	}
	lab_trace_free(&t);
	return 0;
}

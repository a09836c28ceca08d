/*
 * pagerctl: the swap pager's controls from the shell, over its control
 * protocol (pagers/swap/swap_proto.h) on the endpoint init publishes as
 * "pager.swap".
 *
 * A pagerctl command, step by step:
 *   1. find the form (status, stats, policy, cluster, ...) and check all
 *      its arguments here, so a typo costs no IPC and changes nothing;
 *   2. look up "pager.swap" in the name server (none: the machine was
 *      booted without a swap disk, and every form says so), or the name
 *      given with -n (a second swap pager, or a stand-in that speaks the
 *      protocol: tests/qemu/fakeswap.c);
 *   3. send the one request, print the answer or the error's name.
 * pagerctl() returns 0 on success and 1 otherwise, for a caller that
 * keeps a status (the shell's table takes none).
 */
#include <stdio.h>
#include <string.h>

#include "libipc/server.h"
#include "libipc/vm.h"
#include "libipc/ulib.h"
#include "pagers/mm/policy/policy.h"
#include "pagers/swap/swap_proto.h"
#include "pagers/swap/swapmap.h"
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"
#include "servers/shell/shell.h"

#define SWAP_PAGER_NAME "pager.swap" /* published by init */

/* Long enough for a rebind, whose old pager has its deadline to hand
 * the pages back; a wedged pager must not wedge the shell. */
#define PAGERCTL_TIMEOUT_NS (15ull * 1000 * 1000 * 1000)

/* One parsed request. */
struct pctl_req {
	uint32_t label;
	uint64_t w[3];
	uint32_t nwords;
	bool compact; /* stats: the counters only */
};

struct pctl_form {
	const char *name;
	int nargs;
	const char *usage;
	bool (*parse)(char **args, struct pctl_req *req); /* prints why not */
};

/* A whole decimal number in [lo, hi] (0x hex allowed for addresses). */
static bool parse_num(const char *what, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	const char *p = s;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	bool ok = *p != 0;
	for (; *p && ok; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
			d = (unsigned)((*p | 0x20) - 'a' + 10);
		else
			ok = false;
		if (ok && v > (UINT64_MAX - d) / base)
			ok = false;
		if (ok)
			v = v * base + d;
	}
	if (!ok || v < lo || v > hi) {
		printf("pagerctl: %s '%s' is not a number in %lu..%lu\n", what, s,
		       (unsigned long)lo, (unsigned long)hi);
		return false;
	}
	*out = v;
	return true;
}

static bool parse_none(char **args, struct pctl_req *req)
{
	req->label = SWAP_STATUS;
	return true;
}

static bool parse_stats(char **args, struct pctl_req *req)
{
	req->label = SWAP_STATUS;
	req->compact = true;
	return true;
}

static bool parse_policy(char **args, struct pctl_req *req)
{
	int k = pol_kind_by_name(args[0]);
	if (k < 0) {
		printf("pagerctl: unknown policy '%s'; one of:", args[0]);
		for (int i = 0; i < POL_NKINDS; i++)
			printf(" %s", pol_name((enum pol_kind)i));
		printf("\n");
		return false;
	}
	*req = (struct pctl_req){ .label = SWAP_POLICY, .w = { (uint64_t)k }, .nwords = 1 };
	return true;
}

static bool parse_cluster(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_CLUSTER, .nwords = 1 };
	return parse_num("cluster", args[0], 1, SWAP_CLUSTER_MAX, &req->w[0]);
}

static bool parse_watermarks(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_WATERMARKS, .nwords = 3 };
	static const char *const what[3] = { "min", "low", "high" };
	for (int i = 0; i < 3; i++)
		if (!parse_num(what[i], args[i], 1, UINT32_MAX, &req->w[i]))
			return false;
	if (!(req->w[0] < req->w[1] && req->w[1] < req->w[2])) {
		printf("pagerctl: watermarks must rise: min < low < high\n");
		return false;
	}
	return true;
}

static bool parse_map(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_MAP_MODE, .nwords = 1 };
	if (strcmp(args[0], "static") == 0)
		req->w[0] = SWAP_STATIC;
	else if (strcmp(args[0], "dynamic") == 0)
		req->w[0] = SWAP_DYNAMIC;
	else {
		printf("pagerctl: map mode '%s' is neither static nor dynamic\n", args[0]);
		return false;
	}
	return true;
}

static bool parse_limit(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_LIMIT, .nwords = 2 };
	return parse_num("task id", args[0], 1, UINT32_MAX, &req->w[0]) &&
	       parse_num("pages", args[1], 0, UINT32_MAX, &req->w[1]);
}

static bool parse_tau(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_TAU, .nwords = 1 };
	return parse_num("tau (ms)", args[0], 1, UINT32_MAX, &req->w[0]);
}

static bool parse_seed(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_SEED, .nwords = 1 };
	return parse_num("seed", args[0], 0, UINT64_MAX, &req->w[0]);
}

/* SWAP_ADOPT (ZERO_ADOPT) takes the object itself: the one mapped at
 * ADDR in a job of this shell (SYS_VM_OBJECT on its task handle); w[0]
 * the task id, w[1] the address until then, w[2] 1 for the zero pager. */
static bool parse_rebind(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_ADOPT };
	if (!parse_num("task id", args[0], 1, UINT32_MAX, &req->w[0]) ||
	    !parse_num("address", args[1], 0, UINT64_MAX, &req->w[1]))
		return false;
	req->w[2] = strcmp(args[2], "zero") == 0;
	if (!req->w[2] && strcmp(args[2], "swap") != 0) {
		printf("pagerctl: pager '%s' is neither swap nor zero\n", args[2]);
		return false;
	}
	return true;
}

/* The object behind the job's address, handed to the swap pager or the
 * zero pager (ep). */
static int rebind(long ep, const struct pctl_req *req)
{
	int task = shell_job_task((uint32_t)req->w[0]);
	if (task < 0) {
		printf("pagerctl: task %lu is not a job of this shell (see jobs)\n",
		       (unsigned long)req->w[0]);
		return 1;
	}
	long vmo = vm_object_at(task, req->w[1]);
	if (vmo < 0) {
		printf("pagerctl: nothing mapped at %#lx in task %lu: %s\n", (unsigned long)req->w[1],
		       (unsigned long)req->w[0], err_name(vmo));
		return 1;
	}
	int32_t hs[1] = { (int32_t)vmo };
	uint32_t rights[1] = { R_CONTROL | R_READ };
	uint64_t epoch = 0;
	uint32_t got = 0;
	ipc_buffer_setup(&shell_buf);
	long err = ipc_request_timed((int)ep, &shell_buf, req->w[2] ? ZERO_ADOPT : SWAP_ADOPT, 0, 0,
				     hs, rights, 1, &epoch, 1, &got, PAGERCTL_TIMEOUT_NS);
	sys_handle_close((int)vmo);
	if (err) {
		printf("pagerctl: rebind refused: %s\n", err_name(err));
		return 1;
	}
	printf("pagerctl: the object at %#lx of task %lu is the %s pager's (epoch %lu)\n",
	       (unsigned long)req->w[1], (unsigned long)req->w[0], req->w[2] ? "zero" : "swap",
	       (unsigned long)epoch);
	return 0;
}

/* record TASK-ID ADDR on|off: lab mode with one frame and the RECORD
 * flag for the object at ADDR of a job: the manager prints its page
 * references as lab-trace lines (swap_proto.h SWAP_LAB). w[2] 1: on. */
static bool parse_record(char **args, struct pctl_req *req)
{
	*req = (struct pctl_req){ .label = SWAP_LAB };
	if (!parse_num("task id", args[0], 1, UINT32_MAX, &req->w[0]) ||
	    !parse_num("address", args[1], 0, UINT64_MAX, &req->w[1]))
		return false;
	if (strcmp(args[2], "on") != 0 && strcmp(args[2], "off") != 0) {
		printf("pagerctl: record wants on or off, not '%s'\n", args[2]);
		return false;
	}
	req->w[2] = strcmp(args[2], "on") == 0;
	return true;
}

static int record(long ep, const struct pctl_req *req)
{
	int task = shell_job_task((uint32_t)req->w[0]);
	long vmo = task < 0 ? task : vm_object_at(task, req->w[1]);
	struct vmo_info info;
	long err = vmo < 0 ? vmo : vmo_info((int)vmo, &info);
	if (vmo >= 0)
		sys_handle_close((int)vmo);
	if (err) {
		printf("pagerctl: no object at %#lx of job %lu: %s\n", (unsigned long)req->w[1],
		       (unsigned long)req->w[0], err_name(err));
		return 1;
	}
	uint64_t w[3] = { info.id, req->w[2] ? 1 : 0, req->w[2] ? SWAP_LAB_RECORD : 0 };
	uint64_t out[3] = { 0 };
	uint32_t got = 0;
	ipc_buffer_setup(&shell_buf);
	err = ipc_request_timed((int)ep, &shell_buf, SWAP_LAB, w, 3, 0, 0, 0, out, 3, &got,
				PAGERCTL_TIMEOUT_NS);
	if (err) {
		printf("pagerctl: record refused: %s\n", err_name(err));
		return 1;
	}
	if (req->w[2])
		printf("pagerctl: recording object %lu (one frame; lab-trace lines)\n",
		       (unsigned long)info.id);
	else
		printf("pagerctl: recorded object %lu: %lu references\n", (unsigned long)info.id,
		       (unsigned long)out[0]);
	return 0;
}

static const struct pctl_form forms[] = {
	{ "record", 3, "pagerctl record TASK-ID ADDR on|off", parse_record },
	{ "stats", 0, "pagerctl stats", parse_stats },
	{ "policy", 1, "pagerctl policy NAME", parse_policy },
	{ "cluster", 1, "pagerctl cluster PAGES", parse_cluster },
	{ "watermarks", 3, "pagerctl watermarks MIN LOW HIGH", parse_watermarks },
	{ "map", 1, "pagerctl map static|dynamic", parse_map },
	{ "limit", 2, "pagerctl limit TASK-ID PAGES", parse_limit },
	{ "tau", 1, "pagerctl tau MS", parse_tau },
	{ "seed", 1, "pagerctl seed N", parse_seed },
	{ "rebind", 3, "pagerctl rebind TASK-ID ADDR swap|zero", parse_rebind },
};
#define NFORMS (sizeof(forms) / sizeof(forms[0]))

static void usage(void)
{
	printf("usage: pagerctl [-n NAME]       the swap pager's settings and counters\n");
	for (size_t i = 0; i < NFORMS; i++)
		printf("       %s\n", forms[i].usage);
	printf("-n NAME: the pager published as NAME, not %s\n", SWAP_PAGER_NAME);
}

/* --- printing the status --------------------------------------------------------- */

static const char *mode_name(uint64_t m)
{
	return m == SWAP_DYNAMIC ? "dynamic" : m == SWAP_STATIC ? "static" : "?";
}

/* pages as MiB with one decimal */
static void mib(char *out, size_t size, uint64_t pages)
{
	snprintf(out, size, "%lu.%lu MiB", (unsigned long)(pages / 256),
		 (unsigned long)(pages % 256 * 10 / 256));
}

static void print_status(const struct swap_status *s)
{
	char used[24], total[24];
	mib(used, sizeof(used), s->slots_used);
	mib(total, sizeof(total), s->slots);
	printf("policy             %s (%lu switches)\n", pol_name((enum pol_kind)s->policy),
	       (unsigned long)s->switches);
	printf("cluster            %lu pages\n", (unsigned long)s->cluster);
	printf("map mode           %s (for new objects)\n", mode_name(s->map_mode));
	printf("watermarks         min %lu, low %lu, high %lu frames\n", (unsigned long)s->wm_min,
	       (unsigned long)s->wm_low, (unsigned long)s->wm_high);
	printf("frames             %lu free of %lu\n", (unsigned long)s->free_frames,
	       (unsigned long)s->total_frames);
	printf("swap               %lu of %lu pages used (%s of %s), %lu bad\n",
	       (unsigned long)s->slots_used, (unsigned long)s->slots, used, total,
	       (unsigned long)s->slots_bad);
	printf("objects on swap    %lu\n", (unsigned long)s->objects);
	printf("swap-ins           %lu pages\n", (unsigned long)s->swap_ins);
	printf("swap-outs          %lu pages\n", (unsigned long)s->swap_outs);
	printf("clean drops        %lu pages (no write: the swap copy was good)\n",
	       (unsigned long)s->clean_drops);
	printf("zero fills         %lu pages\n", (unsigned long)s->zero_fills);
	printf("disk requests      %lu reads, %lu writes, %lu errors\n",
	       (unsigned long)s->disk_reads, (unsigned long)s->disk_writes,
	       (unsigned long)s->io_errors);
	printf("swap full          %lu pages found no slot\n", (unsigned long)s->full);
	printf("manager            %lu low signals, %lu harvests, %lu evicted (%lu for limits)\n",
	       (unsigned long)s->low_signals, (unsigned long)s->harvests,
	       (unsigned long)s->evicted, (unsigned long)s->limit_evictions);
	printf("policy tracks      %lu pages\n", (unsigned long)s->tracked);
	printf("policy counters    %lu picks, %lu scanned, %lu second chances\n",
	       (unsigned long)s->picks, (unsigned long)s->scanned,
	       (unsigned long)s->second_chances);
	printf("wsclock tau        %lu ms\n", (unsigned long)s->tau_ms);
}

static void print_stats(const struct swap_status *s)
{
	printf("%s: in %lu out %lu clean %lu zero %lu | disk r %lu w %lu err %lu full %lu | "
	       "evicted %lu picks %lu scanned %lu | swap %lu/%lu free %lu/%lu\n",
	       pol_name((enum pol_kind)s->policy), (unsigned long)s->swap_ins,
	       (unsigned long)s->swap_outs, (unsigned long)s->clean_drops,
	       (unsigned long)s->zero_fills, (unsigned long)s->disk_reads,
	       (unsigned long)s->disk_writes, (unsigned long)s->io_errors, (unsigned long)s->full,
	       (unsigned long)s->evicted, (unsigned long)s->picks, (unsigned long)s->scanned,
	       (unsigned long)s->slots_used, (unsigned long)s->slots,
	       (unsigned long)s->free_frames, (unsigned long)s->total_frames);
}

/* What a setting request changed, once the pager took it. */
static void print_done(const struct pctl_req *req)
{
	switch (req->label) {
	case SWAP_POLICY:
		printf("pagerctl: policy %s\n", pol_name((enum pol_kind)req->w[0]));
		break;
	case SWAP_CLUSTER:
		printf("pagerctl: cluster %lu pages\n", (unsigned long)req->w[0]);
		break;
	case SWAP_WATERMARKS:
		printf("pagerctl: watermarks min %lu, low %lu, high %lu frames\n",
		       (unsigned long)req->w[0], (unsigned long)req->w[1], (unsigned long)req->w[2]);
		break;
	case SWAP_MAP_MODE:
		printf("pagerctl: map mode %s for new objects\n", mode_name(req->w[0]));
		break;
	case SWAP_LIMIT:
		if (req->w[1])
			printf("pagerctl: task %lu limited to %lu resident pages\n",
			       (unsigned long)req->w[0], (unsigned long)req->w[1]);
		else
			printf("pagerctl: task %lu has no resident limit\n", (unsigned long)req->w[0]);
		break;
	case SWAP_TAU:
		printf("pagerctl: wsclock tau %lu ms\n", (unsigned long)req->w[0]);
		break;
	case SWAP_SEED:
		printf("pagerctl: random seed %lu (from the next switch to random)\n",
		       (unsigned long)req->w[0]);
		break;
	}
}

/* --- the command ----------------------------------------------------------------- */

/* The endpoint published as name, or -1 after saying why there is none. */
static long swap_pager(const char *name)
{
	long ep = handle_is(H_NAME, OBJ_ENDPOINT, R_SEND) ? name_lookup(H_NAME, &shell_buf, name)
							   : -E_NOENT;
	if (ep == -E_NOENT && strcmp(name, SWAP_PAGER_NAME) == 0)
		printf("pagerctl: no swap pager (boot with a swap disk)\n");
	else if (ep == -E_NOENT)
		printf("pagerctl: nothing is published as %s\n", name);
	else if (ep < 0)
		printf("pagerctl: cannot look up %s: %s\n", name, err_name(ep));
	return ep < 0 ? -1 : ep;
}

static int pctl_send(long ep, const struct pctl_req *req)
{
	uint64_t out[SWAP_STATUS_WORDS];
	uint32_t got = 0;
	long err = ipc_request_timed((int)ep, &shell_buf, req->label, req->w, req->nwords, 0, 0, 0,
				     out, SWAP_STATUS_WORDS, &got, PAGERCTL_TIMEOUT_NS);
	if (err < 0) {
		printf("pagerctl: the swap pager refused: %s%s\n", err_name(err),
		       err == -E_RANGE ? " (a value out of range)" : "");
		return 1;
	}
	if (req->label != SWAP_STATUS) {
		print_done(req);
		return 0;
	}
	if (got < SWAP_STATUS_WORDS) {
		printf("pagerctl: the status came with %u words, not %u\n", got,
		       (unsigned)SWAP_STATUS_WORDS);
		return 1;
	}
	struct swap_status st;
	memcpy(&st, out, sizeof(st));
	if (req->compact)
		print_stats(&st);
	else
		print_status(&st);
	return 0;
}

int pagerctl(int argc, char **argv)
{
	const struct pctl_form *f = 0;
	struct pctl_req req = { 0 };
	const char *name = SWAP_PAGER_NAME;
	if (argc >= 3 && strcmp(argv[1], "-n") == 0) {
		name = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc == 1) {
		parse_none(0, &req);
	} else {
		for (size_t i = 0; i < NFORMS && !f; i++)
			if (strcmp(argv[1], forms[i].name) == 0)
				f = &forms[i];
		if (!f || argc - 2 != f->nargs) {
			if (!f)
				printf("pagerctl: unknown form '%s'\n", argv[1]);
			usage();
			return 1;
		}
		if (!f->parse(&argv[2], &req))
			return 1;
	}
	if (req.label == SWAP_ADOPT && req.w[2])
		name = "pager.zero";
	long ep = swap_pager(name);
	if (ep < 0)
		return 1;
	int rc;
	if (req.label == SWAP_ADOPT) {
		rc = rebind(ep, &req);
	} else if (req.label == SWAP_LAB) {
		rc = record(ep, &req);
	} else {
		rc = pctl_send(ep, &req);
	}
	sys_handle_close((int)ep);
	return rc;
}

void cmd_pagerctl(int argc, char **argv)
{
	pagerctl(argc, argv);
}

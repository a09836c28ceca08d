/*
 * The system call fuzzer's child: sets up its areas, then makes the
 * batch's calls one by one, each noted on the progress page before it
 * enters the kernel (tests/fuzz/guest/sysfuzz.h has the whole batch).
 *
 * Every result must be a value >= 0 or a code of the closed set in
 * uapi/errors.h, and a number with no call must answer E_NOSYS; anything
 * else is counted on the progress page for the parent to report.
 */
#include "tests/fuzz/guest/sysfuzz.h"

#include "libipc/ulib.h"
#include "libipc/vm.h"

static volatile struct sysfuzz_progress *const prog =
	(volatile struct sysfuzz_progress *)PROGRESS_VA;
static struct sysgen gen;

/* Threads the fuzzer starts: a few short receives on the handle they
 * were given (answering what comes), then the stack goes back. */
void sysgen_thread(void *arg)
{
	uint64_t a = (uint64_t)(uintptr_t)arg;
	int slot = (int)(a & 0xff), h = (int)(a >> 8);
	for (int i = 0; i < 3; i++) {
		struct ipc_msg m;
		if (ipc_recv(h, &m, 2 * FUZZ_MS) == 0) {
			m.tag = IPC_TAG(0, 1, 0);
			ipc_reply(&m);
		}
	}
	gen.stack_busy[slot] = 0;
}

static bool wire(uint64_t va, uint64_t pages)
{
	return mem_wire(va, pages * FUZZ_PAGE, VM_R | VM_W) == 0;
}

/* Maps the progress page and wires the scratch areas; fills the text. */
static bool setup(void)
{
	if (vm_map(SLOT_PROGRESS, PROGRESS_VA, FUZZ_PAGE, 0, VM_R | VM_W | VM_SHARED))
		return false;
	if (!wire(STACKS_VA, NSTACKS * STACK_PAGES) || !wire(SCRATCH_VA, SCRATCH_PAGES) ||
	    !wire(TEXT_VA, TEXT_PAGES) || !wire(BUILD_VA, 1) || !wire(IPCBUF_VA, 1))
		return false;
	static const char line[] = "sysfuzz: debug_write text\n";
	char *t = (char *)TEXT_VA;
	for (uint64_t i = 0; i < TEXT_PAGES * FUZZ_PAGE; i++)
		t[i] = line[i % (sizeof(line) - 1)];
	if (ipc_buffer_setup((struct ipc_buffer *)IPCBUF_VA))
		return false;
	__asm__("mv %0, tp" : "=r"(gen.tp));
	return true;
}

/* Notes a handle the call made, for later calls to use. */
static void remember(const struct sys_call *c, long r)
{
	bool makes = c->nr == SYS_ENDPOINT_CREATE || c->nr == SYS_NOTIFY_CREATE ||
		     c->nr == SYS_HANDLE_COPY || c->nr == SYS_HANDLE_MINT ||
		     c->nr == SYS_VMO_CREATE || c->nr == SYS_TASK_CREATE ||
		     c->nr == SYS_THREAD_CREATE;
	if (!makes || r < 0)
		return;
	struct handle_info hi = { 0 };
	sys_handle_info((int)r, &hi); /* no effect on anything: replays stay the same */
	int n = gen.nknown < 16 ? gen.nknown++ : 15;
	memmove(&gen.known[1], &gen.known[0], (size_t)n * sizeof(gen.known[0]));
	gen.known[0].h = (int32_t)r;
	gen.known[0].type = hi.type;
}

static bool result_ok(const struct sys_call *c, long r)
{
	char tmp[16];
	bool known = strncmp(sysgen_name(c->nr, tmp, sizeof(tmp)), "nr_", 3) != 0;
	if (!known)
		return r == -E_NOSYS;
	return r >= 0 || r > -E_NCODES;
}

static void print_call(uint64_t i, const struct sys_call *c)
{
	char tmp[16];
	uprintf("sysfuzz: #%lu %s(0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx)\n",
		(unsigned long)i, sysgen_name(c->nr, tmp, sizeof(tmp)), (unsigned long)c->a[0],
		(unsigned long)c->a[1], (unsigned long)c->a[2], (unsigned long)c->a[3],
		(unsigned long)c->a[4], (unsigned long)c->a[5], (unsigned long)c->a[6]);
}

/* A load, or a store of what is there already; a bad address ends the
 * child, as it should. */
static uint64_t touch(uint64_t va, bool store)
{
	volatile uint64_t *p = (volatile uint64_t *)(va & ~7ul);
	uint64_t v = *p;
	if (store)
		*p = v;
	return 0;
}

/* One call: noted, made, checked. */
static void run_call(uint64_t i, bool verbose)
{
	struct sys_call c;
	sysgen_make(&gen, &c);
	if (verbose)
		print_call(i, &c);
	prog->nr = (uint64_t)c.nr;
	for (int k = 0; k < 7; k++)
		prog->a[k] = c.a[k];
	prog->in_call = 1;
	prog->started = i + 1;
	uint64_t regs[7];
	memcpy(regs, c.a, sizeof(regs));
	if (c.nr == SYSGEN_TOUCH)
		regs[0] = touch(c.a[0], c.a[1] != 0);
	else
		sys_ecall(c.nr, regs);
	long r = (long)regs[0];
	prog->in_call = 0;
	if (verbose)
		uprintf("sysfuzz: #%lu -> %ld (%s)\n", (unsigned long)i, r,
			r < 0 ? err_name(r) : "ok");
	if (c.nr == SYS_THREAD_CREATE && r < 0) /* the stack it was given is free again */
		for (int s = 0; s < NSTACKS; s++)
			if (c.a[1] > STACKS_VA + (uint64_t)s * STACK_PAGES * FUZZ_PAGE &&
			    c.a[1] <= STACKS_VA + (uint64_t)(s + 1) * STACK_PAGES * FUZZ_PAGE)
				gen.stack_busy[s] = 0;
	if (!result_ok(&c, r) && prog->bad++ == 0) {
		prog->bad_call = i;
		prog->bad_result = r;
	}
	remember(&c, r);
	sysgen_track_maps(&gen, &c, r);
}

int sysgen_child(int argc, char **argv)
{
	struct fuzz_opt opts[] = {
		{ "seed", 1, false }, { "batch", 0, false }, { "calls", 1000, false },
		{ "verbose", 0, false },
	};
	int nopts = sizeof(opts) / sizeof(opts[0]);
	if (!fuzz_args_parse("sysfuzz child", argc, argv, 2, opts, nopts))
		return 2;
	if (!setup()) {
		uprintf("sysfuzz child: setup failed\n");
		return 3;
	}
	prog->magic = PROGRESS_MAGIC;
	rng_seed(&gen.rng, fuzz_opt(opts, nopts, "seed"), fuzz_opt(opts, nopts, "batch"));
	uint64_t n = fuzz_opt(opts, nopts, "calls");
	bool verbose = fuzz_opt(opts, nopts, "verbose") != 0;
	for (uint64_t i = 0; i < n; i++)
		run_call(i, verbose);
	prog->finished = 1;
	return 0;
}

/*
 * Helper program the QEMU test runner spawns to misbehave on purpose.
 * argv[1] picks the behaviour:
 *   exit N   exit with status N
 *   spin     loop forever without yielding
 *   segv     load from an unmapped address
 *   wrtext   store into its own (read-only) text
 *   priv     execute a privileged instruction (csrr sstatus)
 *   fpu N    floating-point work that checks its own registers, N rounds
 *   sleep    sleep until killed
 *   datamark N  (the user-space loader's mapping, tests/qemu/loader_tests.c)
 *            checks that its initialised data holds LOADER_MARK and that
 *            its .bss (from the page where the data's file bytes end) is
 *            zero, then
 *            writes LOADER_MARK ^ N over the data and reads it back; exit
 *            0 if all held
 * IPC modes use the endpoint handed to it at slot 1:
 *   echo     serve: label 1 add one to w0; 2 reverse a long message; 3
 *            describe the handle received; 4 report the badge; 9 exit
 *   echodl MS  echo, but its first receive has a deadline MS ms away (0:
 *            none); label 5 is answered after 2*MS ms, label 6 with w0
 *            times 1.5 (worked out in floating point); 9 exit. An exit
 *            of 10 or more: a receive failed
 *   silent   receive one message and never answer
 *   recvexit receive one message, then exit without answering
 *   client N [slow]  N calls with a running sequence number, checking
 *            each reply; exit 0 if all were right
 *   names N  (slot 1: the name server) register an endpoint of its own
 *            as gone.0 .. gone.N-1, exit with how many were taken
 *   fakeswap (slot 1: the name server) a stand-in swap pager's control
 *            endpoint, published as swap.fake (tests/qemu/fakeswap.h)
 * Tasks that page themselves (regressions of kernel panics):
 *   selfpage  one thread touches an object whose pager is the task's own
 *             endpoint, which never answers: the deadline kills the task
 *   selffail  two threads touch pages 0 and 1 of such an object, a third
 *             fails both requests (pager_fail): the task dies
 * For the gdb test (tests/gdb/run-gdb-test), started by init:
 *   zerotouch  map one page of a zero-pager object at ZERO_TOUCH_VA and
 *             write it from touch_zero_page: the fault goes to the zero
 *             pager; exit 0 if the write reads back
 * Disk clients (slot 1: the name server; tests/qemu/blk_tests.c):
 *   blkio S   four async writes at sectors S, S+64, ... then four async
 *             reads back; exit 0 if the checksums match
 *   blkdie    eight async 128 KiB reads, then wait to be killed
 *   blksync S 40 synchronous 4 KiB writes near sector S, each read back
 *   privrace  (slot 1: an object paged by the runner) maps it private,
 *             one thread writes page 0 while another reads it; exits 0 if
 *             the write is seen and the page can be written again
 */
#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/vm.h"
#include "libipc/ulib.h"
#include "pagers/zero/zero_proto.h"
#include "servers/blk/libblk.h"
#include "servers/name/name_proto.h"
#include "tests/qemu/blk_pattern.h"
#include "tests/qemu/fakeswap.h"
#include "tests/qemu/loader_mark.h"

#define EP 1

static struct ipc_buffer buf;

static void echo_reply(struct ipc_msg *m)
{
	uint32_t label = IPC_TAG_LABEL(m->tag);
	uint32_t words = IPC_TAG_WORDS(m->tag);
	if (label == 1) {
		m->w[0]++;
		m->tag = IPC_TAG(1, words, 0);
	} else if (label == 2) {
		uint64_t all[IPC_MAX_WORDS];
		for (uint32_t i = 0; i < words; i++)
			all[i] = i < IPC_REG_WORDS ? m->w[i] : buf.mr[i];
		for (uint32_t i = 0; i < words; i++) {
			uint64_t v = all[words - 1 - i];
			if (i < IPC_REG_WORDS)
				m->w[i] = v;
			else
				buf.mr[i] = v;
		}
		m->tag = IPC_TAG(2, words, 0);
	} else if (label == 3) {
		struct handle_info hi = { 0 };
		long err = IPC_TAG_HANDLES(m->tag) == 1 ? sys_handle_info(buf.handles[0], &hi) : -1;
		m->w[0] = (uint64_t)err;
		m->w[1] = hi.type;
		m->w[2] = hi.rights;
		m->w[3] = (uint64_t)buf.handles[0];
		m->tag = IPC_TAG(3, 4, 0);
	} else if (label == 4) {
		m->w[0] = m->badge;
		m->tag = IPC_TAG(4, 1, 0);
	}
}

static int echo(void)
{
	ipc_buffer_setup(&buf);
	struct ipc_msg m;
	long err = ipc_recv(EP, &m, 0);
	for (;;) {
		if (err)
			return 10;
		if (IPC_TAG_LABEL(m.tag) == 9) {
			m.tag = 0;
			ipc_reply(&m);
			return 0;
		}
		echo_reply(&m);
		err = ipc_reply_recv(EP, &m, 0);
	}
}

/* The IPC fast paths hand messages to partners that wait with a
 * deadline, or hold the FPU (tests/qemu/ipc_tests.c). */
static int echo_deadline(long ms)
{
	struct ipc_msg m;
	long err = ipc_recv(EP, &m, (uint64_t)ms * 1000000);
	volatile double k = 1.5;
	for (;;) {
		if (err)
			return 10 + (int)(-err & 0x7f);
		uint32_t label = IPC_TAG_LABEL(m.tag);
		if (label == 9) {
			m.tag = 0;
			ipc_reply(&m);
			return 0;
		}
		if (label == 5)
			sys_sleep((uint64_t)ms * 2000000);
		if (label == 6)
			m.w[0] = (uint64_t)((double)m.w[0] * k);
		m.tag = IPC_TAG(label, 1, 0);
		err = ipc_reply_recv(EP, &m, 0);
	}
}

static int client(long n, bool slow)
{
	for (long i = 0; i < n; i++) {
		struct ipc_msg m = { .tag = IPC_TAG(1, 2, 0) | (slow ? IPC_TAG_SLOW : 0),
				     .w = { (uint64_t)i, 0xc0ffee } };
		long err = ipc_call(EP, &m, 0);
		if (err || m.w[0] != (uint64_t)i + 1 || m.w[1] != 0xc0ffee)
			return 1;
	}
	return 0;
}

/* Publishes one endpoint under n names; the endpoint dies when we exit. */
static int register_names(long n)
{
	ipc_buffer_setup(&buf);
	long ep = sys_endpoint_create();
	int taken = 0;
	for (long i = 0; ep > 0 && i < n; i++) {
		char name[NAME_MAX_LEN + 1];
		uint64_t w[NAME_WORDS];
		fmt_snprintf(name, sizeof(name), "gone.%ld", i);
		int32_t hs[1] = { (int32_t)ep };
		uint32_t rs[1] = { R_SEND | R_GRANT };
		if (name_pack(name, w) &&
		    ipc_request(EP, &buf, NAME_REGISTER, w, NAME_WORDS, hs, rs, 1, 0, 0, 0) == 0)
			taken++;
	}
	return taken;
}

static long parse_num(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

/* Keeps values in FP registers across many instructions (and so across
 * preemptions) and checks they are what the arithmetic says. */
static int fpu_rounds(long rounds)
{
	for (long r = 0; r < rounds; r++) {
		volatile double seed = (double)(r + 1);
		double a = seed, b = seed * 2.0, c = seed * 3.0, d = 0.0;
		for (int i = 0; i < 20000; i++) {
			d += a + b - c; /* always zero */
			a += 1.0, b += 2.0, c += 3.0;
		}
		if (d != 0.0 || a != seed + 20000.0)
			return 1;
	}
	return 0;
}

#define SELF_AREA 0x3000000000ul
#define SELF_STACKS 0x3800000000ul

struct touch {
	volatile uint64_t *addr;
	bool write;
	volatile int done;
};

static void touch_fn(void *arg)
{
	struct touch *t = arg;
	if (t->write)
		*t->addr = 0x1234;
	else
		(void)*t->addr;
	t->done = 1;
	for (;;)
		sys_sleep(1000000000ull);
}

static int start_touch(struct touch *t, int i)
{
	uint64_t stack = SELF_STACKS + (uint64_t)i * 0x10000;
	if (mem_wire(stack, 0x4000, VM_R | VM_W))
		return -1;
	return thread_spawn(touch_fn, t, (void *)stack, 0x4000, PRIO_DEFAULT);
}

/* An object of npages paged by this task's own endpoint, mapped at SELF_AREA. */
static long self_paged(uint64_t npages, uint64_t deadline_ms)
{
	long ep = sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(npages * 4096, (int)ep, 1);
	if (ep < 0 || vmo < 0 || vmo_set((int)vmo, -1, 0, deadline_ms) ||
	    vm_map((int)vmo, SELF_AREA, npages * 4096, 0, VM_R | VM_W | VM_SHARED))
		return -1;
	return vmo;
}

static int self_modes(const char *cmd)
{
	if (strcmp(cmd, "selfpage") == 0) {
		if (self_paged(1, 50) < 0)
			return 200;
		return (int)*(volatile uint64_t *)SELF_AREA; /* the deadline kills us here */
	}
	if (strcmp(cmd, "selffail") == 0) {
		long vmo = self_paged(2, 5000);
		struct touch t[2] = { { (volatile uint64_t *)SELF_AREA, false, 0 },
				      { (volatile uint64_t *)(SELF_AREA + 4096), false, 0 } };
		if (vmo < 0 || start_touch(&t[0], 0) < 0 || start_touch(&t[1], 1) < 0)
			return 200;
		sys_sleep(50000000ull); /* both wait on their requests */
		pager_fail((int)vmo, 0, 2, -E_DEAD, PAGER_EPOCH_FIRST);
		return 201; /* not reached: failing them killed this task */
	}
	if (strcmp(cmd, "privrace") == 0) {
		volatile uint64_t *p = (volatile uint64_t *)SELF_AREA;
		if (vm_map(EP, SELF_AREA, 4096, 0, VM_R | VM_W | VM_PRIVATE))
			return 200;
		struct touch w = { p, true, 0 }, r = { p, false, 0 };
		if (start_touch(&w, 0) < 0)
			return 201;
		sys_sleep(20000000ull); /* the writer's fault is first */
		if (start_touch(&r, 1) < 0)
			return 202;
		while (!w.done || !r.done)
			sys_sleep(1000000ull);
		if (p[0] != 0x1234)
			return 203;
		p[0] = 0x5678; /* the private copy again, not the object's page */
		return p[0] == 0x5678 ? 0 : 204;
	}
	return -1;
}

#define BLK_VA 0x3000000000ul

static int blk_modes(const char *cmd, uint64_t base)
{
	struct blk_dev d;
	ipc_buffer_setup(&buf);
	if (blk_open_name(&d, EP, "blk0", 1u << 20, BLK_VA, &buf))
		return 210;
	unsigned tags[8];
	if (strcmp(cmd, "blkdie") == 0) {
		for (unsigned i = 0; i < 8; i++)
			blk_submit(&d, BLK_OP_READ, i * 256, 256, i * 131072, &tags[i]);
		for (;;)
			sys_sleep(1000000000ull);
	}
	if (strcmp(cmd, "blksync") == 0) {
		/* Synchronous writes and reads back, 40 rounds. */
		int bad = 0;
		for (unsigned i = 0; i < 40; i++) {
			uint64_t sector = base + (i % 8) * 8;
			blk_pat_fill(d.buf, sector * 512, 4096, 0x5500 + i);
			bad += blk_write(&d, sector, 8, 0) != BLK_OK;
			bad += blk_read(&d, sector, 8, 8192) != BLK_OK;
			bad += !blk_pat_check(d.buf + 8192, sector * 512, 4096, 0x5500 + i);
		}
		blk_close(&d);
		return bad;
	}
	uint64_t sums[4];
	for (unsigned i = 0; i < 4; i++) {
		blk_pat_fill(d.buf + i * 32768, (base + i * 64) * 512, 32768, 0x99 + i);
		sums[i] = blk_sum(d.buf + i * 32768, 32768);
		if (blk_submit(&d, BLK_OP_WRITE, base + i * 64, 64, i * 32768, &tags[i]))
			return 211;
	}
	for (unsigned i = 0; i < 4; i++)
		if (blk_wait(&d, tags[i]))
			return 212;
	for (unsigned i = 0; i < 4; i++)
		if (blk_submit(&d, BLK_OP_READ, base + i * 64, 64, 524288 + i * 32768, &tags[i]))
			return 213;
	int bad = 0;
	for (unsigned i = 0; i < 4; i++) {
		unsigned t;
		bad += blk_wait_any(&d, &t) != BLK_OK;
	}
	for (unsigned i = 0; i < 4; i++)
		bad += blk_sum(d.buf + 524288 + i * 32768, 32768) != sums[i];
	blk_close(&d);
	return bad;
}

/* In .data (the loader maps it private): the runner looks for it in the
 * module's own bytes after this program wrote over it. */
static volatile uint64_t data_mark = LOADER_MARK;
/* In .bss, first of this program's: in the page where the file bytes of
 * the data segment end (checked), so it shows the loader zeroed that
 * page past them. musl writes its own .bss before main: not looked at. */
static volatile uint8_t bss_probe[6000];

static int datamark(uint64_t n)
{
	extern char __bss_start[];
	if (data_mark != LOADER_MARK)
		return 3;
	if ((uintptr_t)bss_probe >> 12 != (uintptr_t)__bss_start >> 12)
		return 6;
	for (size_t i = 0; i < sizeof(bss_probe); i++)
		if (bss_probe[i])
			return 4;
	data_mark = LOADER_MARK ^ n;
	return data_mark == (LOADER_MARK ^ n) ? 0 : 5;
}

#define ZERO_TOUCH_VA 0x3000000000ul /* tests/gdb/run-gdb-test breaks on this address */

/* Out of line and not cloned, so the faulting store is in a function of
 * this name (the gdb test looks for it). */
__attribute__((noipa)) void touch_zero_page(volatile uint64_t *p, uint64_t v)
{
	*p = v;
}

static int zerotouch(void)
{
	ipc_buffer_setup(&buf);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	if (zp < 0)
		return 200;
	uint64_t w[1] = { 4096 };
	long err = ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0);
	if (err || vm_map(buf.handles[0], ZERO_TOUCH_VA, 4096, 0, VM_R | VM_W | VM_SHARED))
		return 201;
	volatile uint64_t *p = (volatile uint64_t *)ZERO_TOUCH_VA;
	touch_zero_page(p, 0x5a5a);
	return *p == 0x5a5a ? 0 : 202;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	const char *cmd = argv[1];
	long n = argc > 2 ? parse_num(argv[2]) : 0;
	if (strcmp(cmd, "exit") == 0)
		return (int)n;
	if (strcmp(cmd, "spin") == 0)
		for (;;)
			__asm__ volatile("");
	if (strcmp(cmd, "segv") == 0)
		return *(volatile int *)0x7000;
	if (strcmp(cmd, "wrtext") == 0) {
		*(volatile int *)(void *)main = 0;
		return 0;
	}
	if (strcmp(cmd, "priv") == 0) {
		uint64_t v;
		__asm__ volatile("csrr %0, sstatus" : "=r"(v));
		return (int)v;
	}
	if (strcmp(cmd, "fpu") == 0)
		return fpu_rounds(n);
	if (strcmp(cmd, "sleep") == 0)
		for (;;)
			sys_sleep(1000000000ull);
	if (strcmp(cmd, "datamark") == 0)
		return datamark((uint64_t)n);
	if (strcmp(cmd, "echo") == 0)
		return echo();
	if (strcmp(cmd, "echodl") == 0)
		return echo_deadline(n);
	if (strcmp(cmd, "silent") == 0 || strcmp(cmd, "recvexit") == 0) {
		struct ipc_msg m;
		ipc_recv(EP, &m, 0);
		if (cmd[0] == 'r')
			return 0;
		for (;;)
			sys_sleep(1000000000ull);
	}
	if (strcmp(cmd, "zerotouch") == 0)
		return zerotouch();
	if (strcmp(cmd, "touchvmo") == 0) {
		/* slot 1: a memory object; read word 0, write word 1 = word 0 + 1 */
		volatile uint64_t *p = (volatile uint64_t *)0x3000000000ul;
		if (vm_map(EP, (uint64_t)p, 4096, 0, VM_R | VM_W | VM_SHARED))
			return 200;
		uint64_t v = p[0];
		p[1] = v + 1;
		return (int)(v & 0xff);
	}
	if (strcmp(cmd, "vmoread") == 0) {
		/* slot 1: a memory object; read 16 bytes at page n + 8 with the
		 * kernel's copy call, exit with the first byte */
		uint8_t b[16];
		long r = vmo_read(EP, (uint64_t)n * 4096 + 8, b, sizeof(b));
		return r == (long)sizeof(b) ? b[0] : 200 + (int)(r < 0 ? -r : 0);
	}
	if (strcmp(cmd, "touchpages") == 0) {
		/* Touch n pages of anonymous memory, then check them. */
		uint64_t size = (uint64_t)n * 4096;
		long vmo = vmo_create(size, VMO_KERNEL_ZERO, 0);
		if (vmo < 0 || vm_map((int)vmo, 0x3000000000ul, size, 0, VM_R | VM_W | VM_SHARED))
			return 202;
		for (uint64_t off = 0; off < size; off += 4096)
			*(volatile uint64_t *)(0x3000000000ul + off) = off + 1;
		for (uint64_t off = 0; off < size; off += 4096)
			if (*(volatile uint64_t *)(0x3000000000ul + off) != off + 1)
				return 203;
		return 0;
	}
	if (strcmp(cmd, "eatmem") == 0) {
		/* Touch more anonymous memory than the machine has. */
		uint64_t size = 1ul << 30;
		long vmo = vmo_create(size, VMO_KERNEL_ZERO, 0);
		if (vmo < 0 || vm_map((int)vmo, 0x3000000000ul, size, 0, VM_R | VM_W | VM_SHARED))
			return 202;
		for (uint64_t off = 0; off < size; off += 4096)
			*(volatile uint64_t *)(0x3000000000ul + off) = off;
		return 0;
	}
	if (strcmp(cmd, "pagerdie") == 0) {
		/* Make a pager endpoint, hand it over on slot 1, take one
		 * message on it and exit without answering. */
		ipc_buffer_setup(&buf);
		long pep = sys0(SYS_ENDPOINT_CREATE);
		buf.handles[0] = (int32_t)pep;
		buf.rights[0] = R_SEND | R_RECV | R_GRANT; /* binding needs R_RECV */
		struct ipc_msg m = { .tag = IPC_TAG(1, 0, 1) };
		if (ipc_call(EP, &m, 0))
			return 201;
		ipc_recv((int)pep, &m, 0);
		return 0;
	}
	int self = self_modes(cmd);
	if (self >= 0)
		return self;
	if (strncmp(cmd, "blk", 3) == 0)
		return blk_modes(cmd, (uint64_t)n);
	if (strcmp(cmd, "names") == 0)
		return register_names(n);
	if (strcmp(cmd, "fakeswap") == 0)
		return fakeswap(EP);
	if (strcmp(cmd, "client") == 0)
		return client(n, argc > 3 && strcmp(argv[3], "slow") == 0);
	return 3;
}

/*
 * init: the root task. The kernel starts it with handles to itself
 * (H_SELF), the system object (H_SYSTEM), every boot module and the
 * devices (device memory and interrupt of the UART and the virtio slots);
 * argv[1] holds the kernel's bootargs, whole.
 *
 * Boot steps:
 *   1. create the name server's endpoint and start the name server with
 *      the receive side (its H_NAME); reserve the names of init's
 *      services (init_names) before any other program runs, so that only
 *      init can ever publish them;
 *   2. start the zero-fill pager and publish it as "pager.zero";
 *   3. start the console server with its endpoint (receive side, and an
 *      unbadged send side it mints client badges from), the UART's
 *      registers and its interrupt; publish it as "console";
 *   3b. start one virtio-blk driver per disk (servers/blk) with the
 *      disk's registers, interrupt and the DMA right, and publish them as
 *      blk0, blk1, ... in command-line order;
 *   3c. start the file system server (servers/fs: ext2 on blk0, or no
 *      files), publish it as "fs" and wait until it serves;
 *   3d. with a second disk, start the swap pager on blk1 (pagers/swap:
 *      the default pager and the memory manager) and publish it as
 *      "pager.swap";
 *   4. start the programs named in bootargs (separate several with ";",
 *      a word of its own or not: "a;b", "a ; b" and "a ;b" alike; words
 *      are quoted as in the shell, lib/words.h: 'a b' and "a b"; a
 *      leading "console=binary" puts the console in binary mode first),
 *      each with the standard handles (libipc/ulib.h spawn_std): the name
 *      endpoint minted with a badge of its own (H_NAME: the name server
 *      tells its clients apart by it; init's own handle is the only
 *      unbadged one), the system object read-only (H_SYSINFO; the
 *      program named `shell` may also power off), the console endpoint
 *      minted with a badge of its own (H_CONSOLE), every boot module;
 *   5. wait for those programs, have the file system server write
 *      everything back (FS_SYNC), and power the machine off with the
 *      first non-zero exit code (0 if all succeeded): a program's exit
 *      status, or for one killed 0x80 | scause (a fault), 0xfd (out of
 *      memory), 0xfe (its pager failed), 0xff (killed by request).
 */
#include "lib/words.h"
#include "libipc/ipc.h"
#include "libipc/server.h"
#include "libipc/ulib.h"
#include "pagers/common/pager.h"
#include "servers/blk/blk_proto.h"
#include "servers/blk/virtio_mmio.h"
#include "servers/console/console_proto.h"
#include "servers/fs/fs_proto.h"
#include "servers/name/name_proto.h"

#define MAX_PROGS 8
#define MAX_SLOTS 128

static int name_ep = -1;    /* unbadged (NAME_BADGE_INIT): init mints one badge per program */
static uint64_t name_badge; /* the last badge minted */
static int console_ep = -1; /* unbadged: init mints one badge per program */
static uint64_t console_badge; /* the last badge minted */

/* Names only init may register ('.' at the end: every name it begins). */
static const char *const init_names[] = { "console", "pager.", "fs" };

static void start_name_server(void)
{
	long ep = sys_endpoint_create();
	char *argv[] = { "name", 0 };
	int32_t hs[1] = { (int32_t)ep };
	uint32_t rights[1] = { R_RECV };
	int h = ep < 0 ? (int)ep : spawn((const char *const *)argv, hs, rights, 1);
	if (h < 0) {
		uprintf("init: no name server: %s\n", err_name(h));
		return;
	}
	name_ep = (int)ep;
	uprintf("init: started name server\n");
}

static struct ipc_buffer buf;

/* Publishes a copy of handle h (R_SEND | R_GRANT) under name. */
static long publish(const char *name, int h)
{
	uint64_t w[NAME_WORDS];
	int32_t send[1] = { h };
	uint32_t send_rights[1] = { R_SEND | R_GRANT };
	if (name_ep < 0)
		return -E_NOENT;
	if (!name_pack(name, w))
		return -E_INVAL;
	return ipc_request(name_ep, &buf, NAME_REGISTER, w, NAME_WORDS, send, send_rights, 1, 0,
			   0, 0);
}

static void reserve(const char *name)
{
	uint64_t w[NAME_WORDS];
	long err = name_pack(name, w)
			   ? ipc_request(name_ep, &buf, NAME_RESERVE, w, NAME_WORDS, 0, 0, 0, 0, 0, 0)
			   : -E_INVAL;
	if (err < 0)
		uprintf("init: cannot reserve %s: %s\n", name, err_name(err));
}

/* The rest of step 1: nobody can squat the names of init's services,
 * even those that fail to start or are still to come. */
static void reserve_names(void)
{
	for (size_t i = 0; i < sizeof(init_names) / sizeof(init_names[0]); i++)
		reserve(init_names[i]);
}

/* Starts a pager and returns its endpoint's send side. The pager makes
 * that endpoint itself, so that it owns it (frames the memory manager
 * returns land in the owner): it gets a one-off endpoint of ours
 * (R_SEND, slot 1; `more` after it) and hands the send side back over it
 * (pagers/common/pager.h pager_endpoint_handoff), or no handle if it
 * cannot start. */
static long pager_handoff(const char *prog, const int32_t *more, const uint32_t *more_rights,
			  uint32_t nmore)
{
	long boot = sys_endpoint_create();
	char *argv[] = { (char *)prog, 0 };
	int32_t hs[4] = { (int32_t)boot };
	uint32_t rights[4] = { R_SEND };
	for (uint32_t i = 0; i < nmore && i < 3; i++) {
		hs[1 + i] = more[i];
		rights[1 + i] = more_rights[i];
	}
	long err = boot < 0 ? boot : spawn((const char *const *)argv, hs, rights, 1 + nmore);
	struct ipc_msg m;
	if (err >= 0)
		err = ipc_recv((int)boot, &m, 10000ull * 1000 * 1000);
	if (err >= 0 && IPC_TAG_LABEL(m.tag) == PAGER_HANDOFF && IPC_TAG_HANDLES(m.tag) == 0) {
		m = (struct ipc_msg){ .tag = IPC_TAG(0, 0, 0) };
		ipc_reply(&m); /* it could not start (it said why): let it end */
		err = -E_DEAD;
	}
	if (err >= 0 && (IPC_TAG_LABEL(m.tag) != PAGER_HANDOFF || IPC_TAG_HANDLES(m.tag) != 1))
		err = -E_INVAL;
	int ep = err >= 0 ? buf.handles[0] : -1;
	if (err >= 0) {
		m = (struct ipc_msg){ .tag = IPC_TAG(0, 0, 0) };
		ipc_reply(&m);
	}
	if (boot >= 0)
		sys_handle_close((int)boot);
	return err < 0 ? err : ep;
}

/* Starts a pager (pager_handoff) and publishes its endpoint as name. */
static void start_pager(const char *prog, const char *name, const int32_t *more,
			const uint32_t *more_rights, uint32_t nmore)
{
	long ep = pager_handoff(prog, more, more_rights, nmore);
	long err = ep < 0 ? ep : publish(name, (int)ep);
	if (ep >= 0)
		sys_handle_close((int)ep); /* the name server holds its copy */
	if (err < 0)
		uprintf("init: no %s: %s\n", name, err_name(err));
	else
		uprintf("init: started %s as %s\n", prog, name);
}

/* The slot of the device object of the given type named dev, or -E_NOENT. */
static int device_handle(uint32_t type, const char *dev)
{
	for (int h = 0; h < MAX_SLOTS; h++) {
		struct dev_info di;
		if (handle_is(h, type, R_GRANT) && sys_dev_info(h, &di) == 0 &&
		    strcmp(di.name, dev) == 0)
			return h;
	}
	return -E_NOENT;
}

/* The console's send side with badge CONS_BADGE_SHARED, as "console". */
static long publish_console(int ep)
{
	long shared = sys_handle_mint(ep, R_SEND | R_GRANT, CONS_BADGE_SHARED);
	if (shared < 0)
		return shared;
	long err = publish("console", (int)shared);
	sys_handle_close((int)shared); /* the name server holds its copy */
	return err;
}

/* Step 3; on any failure programs fall back to the kernel log. */
static void start_console(void)
{
	_Static_assert(CONS_H_EP == 1 && CONS_H_UART == 2 && CONS_H_IRQ == 3, "slot order");
	int uart = device_handle(OBJ_DEVMEM, "uart"), irq = device_handle(OBJ_IRQ, "uart");
	if (uart < 0 || irq < 0) {
		uprintf("init: no console: the uart is not among my handles\n");
		return;
	}
	long ep = sys_endpoint_create();
	char *argv[] = { "console", 0 };
	int32_t hs[3] = { (int32_t)ep, uart, irq };
	uint32_t rights[3] = { R_RECV | R_SEND | R_GRANT, R_READ | R_MAP, R_READ | R_CONTROL };
	long err = ep < 0 ? ep : spawn((const char *const *)argv, hs, rights, 3);
	if (err >= 0)
		err = publish_console((int)ep);
	if (err < 0) {
		uprintf("init: no console: %s\n", err_name(err));
		return;
	}
	console_ep = (int)ep;
	uprintf("init: started console\n");
}

/* --- disks (step 3b) --- */

#define PROBE_VA 0x2800000000ul /* virtio slots mapped here to read their ids */
#define MAX_DISKS 8

struct disk_slot {
	int regs, irq;
	uint64_t base;
};

/* The virtio-mmio slots that hold a block device, highest address first:
 * QEMU plugs the first -device into the highest free slot, so blk0 is
 * the first disk on the command line. */
static int find_disks(struct disk_slot *out)
{
	int n = 0;
	for (int h = 0; h < MAX_SLOTS; h++) {
		struct dev_info di;
		if (!handle_is(h, OBJ_DEVMEM, R_MAP) || sys_dev_info(h, &di) ||
		    strncmp(di.name, "virtio", 6) != 0)
			continue;
		uint64_t va = PROBE_VA + (uint64_t)h * 0x10000;
		if (sys_dev_map(h, va))
			continue;
		uint32_t id = vmmio_probe((volatile void *)va);
		sys2(SYS_MEM_UNMAP, va, di.size);
		if (id != VIRTIO_DEV_BLOCK)
			continue;
		int irq = device_handle(OBJ_IRQ, di.name);
		if (irq < 0 || n == MAX_DISKS)
			continue;
		int i = n++;
		for (; i > 0 && out[i - 1].base < di.base; i--)
			out[i] = out[i - 1];
		out[i] = (struct disk_slot){ h, irq, di.base };
	}
	return n;
}

static int dma_handle(void)
{
	for (int h = 0; h < MAX_SLOTS; h++)
		if (handle_is(h, OBJ_DMA, R_CONTROL | R_GRANT))
			return h;
	return -E_NOENT;
}

/* One driver per disk, published as blk0, blk1, ... (badge
 * BLK_BADGE_PUBLIC); only drivers get the DMA right. Returns how many. */
static int start_disks(void)
{
	struct disk_slot d[MAX_DISKS];
	int n = find_disks(d), dma = dma_handle();
	if (n && dma < 0)
		uprintf("init: no DMA right among my handles: no disks\n");
	for (int i = 0; i < n && dma >= 0; i++) {
		char name[8] = "blk0";
		name[3] = (char)('0' + i);
		reserve(name);
		long ep = sys_endpoint_create();
		char *argv[] = { "blk", name, 0 };
		int32_t hs[4] = { (int32_t)ep, d[i].regs, d[i].irq, dma };
		uint32_t rights[4] = { R_RECV | R_SEND | R_GRANT, R_READ | R_MAP,
				       R_READ | R_CONTROL, R_READ | R_CONTROL };
		long err = ep < 0 ? ep : spawn((const char *const *)argv, hs, rights, 4);
		long pub = err < 0 ? err : sys_handle_mint((int)ep, R_SEND | R_GRANT, BLK_BADGE_PUBLIC);
		err = pub < 0 ? pub : publish(name, (int)pub);
		if (pub >= 0)
			sys_handle_close((int)pub);
		if (err < 0)
			uprintf("init: no %s: %s\n", name, err_name(err));
		else
			uprintf("init: started blk as %s\n", name);
	}
	return dma >= 0 ? n : 0;
}

/* --- the file system (step 3c) --- */

#define FS_START_NS 10000000000ull /* mounting reads a few blocks: far less */
#define FS_SYNC_NS 10000000000ull

static int fs_ep = -1; /* send side, to sync before power-off */

/* Starts the file system server, a pager (pager_handoff; slot 2 a
 * name-server handle, to find blk0), publishes it as "fs" and waits until
 * it serves (it has mounted blk0 or given up), so the programs started
 * next find their files. */
static void start_fs(void)
{
	long ns = sys_handle_mint(name_ep, R_SEND | R_GRANT, ++name_badge);
	int32_t hs[1] = { (int32_t)ns };
	uint32_t rights[1] = { R_SEND | R_GRANT };
	long ep = ns < 0 ? ns : pager_handoff("fs", hs, rights, 1);
	if (ns >= 0)
		sys_handle_close((int)ns);
	long err = ep;
	if (err >= 0)
		err = publish("fs", (int)ep);
	if (err >= 0)
		err = ipc_request_timed((int)ep, &buf, FS_STATFS, 0, 0, 0, 0, 0, 0, 0, 0,
					FS_START_NS);
	if (err < 0) {
		uprintf("init: no fs: %s\n", err_name(err));
		return;
	}
	fs_ep = (int)ep;
	uprintf("init: started fs\n");
}

/* Before power-off: the files' dirty pages and the file system to disk. */
static void sync_fs(void)
{
	if (fs_ep >= 0)
		ipc_request_timed(fs_ep, &buf, FS_SYNC, 0, 0, 0, 0, 0, 0, 0, 0, FS_SYNC_NS);
}

/* The memory manager's capability: to the program init starts (the
 * shell or the test runner), until a memory manager server exists. */
static int mm_handle(void)
{
	for (int h = 0; h < MAX_SLOTS; h++)
		if (handle_is(h, OBJ_MM, R_CONTROL | R_GRANT))
			return h;
	return -1;
}

/* The swap pager on blk1 (pagers/swap): the default pager and the
 * memory manager. Besides the hand-off endpoint it gets a name-server
 * handle (to find blk1), the system object (R_CONTROL: to become the
 * default pager) and the manager capability. */
static void start_swap(void)
{
	long ns = sys_handle_mint(name_ep, R_SEND | R_GRANT, ++name_badge);
	int mm = mm_handle();
	if (ns < 0 || mm < 0) {
		uprintf("init: no swap pager: %s\n", ns < 0 ? err_name(ns) : "no manager capability");
		return;
	}
	int32_t hs[3] = { (int32_t)ns, H_SYSTEM, mm };
	uint32_t rights[3] = { R_SEND | R_GRANT, R_READ | R_CONTROL, R_CONTROL };
	start_pager("swap", "pager.swap", hs, rights, 3);
	sys_handle_close((int)ns);
}

/* H_SYSTEM can be handed on only with R_GRANT. */
static bool system_grantable(void)
{
	static int known; /* 0: not asked yet, 1 yes, -1 no */
	if (!known) {
		known = handle_is(H_SYSTEM, OBJ_SYSTEM, R_GRANT) ? 1 : -1;
		if (known < 0)
			uprintf("init: the system handle lacks R_GRANT; programs get none\n");
	}
	return known > 0;
}

static int start(char **argv)
{
	bool shell = strcmp(argv[0], "shell") == 0;
	long con = console_ep < 0 ? -1
		: sys_handle_mint(console_ep, R_SEND | R_GRANT, ++console_badge);
	long ns = name_ep < 0 ? -1 : sys_handle_mint(name_ep, R_SEND | R_GRANT, ++name_badge);
	struct std_handles sh = {
		.name = (int32_t)ns,
		.sys = system_grantable() ? H_SYSTEM : -1,
		.sys_rights = shell ? R_READ | R_CONTROL | R_GRANT : R_READ,
		.console = (int32_t)con,
		.mm = mm_handle(),
	};
	int h = spawn_std((const char *const *)argv, &sh);
	if (con >= 0)
		sys_handle_close((int)con);
	if (ns >= 0)
		sys_handle_close((int)ns);
	if (h < 0)
		uprintf("init: cannot start %s: %s\n", argv[0], err_name(h));
	else
		uprintf("init: started %s\n", argv[0]);
	return h;
}

static int exit_code(long status)
{
	if (status < 0)
		return 1;
	long cause = status & 0xff;
	if ((status & TASK_STATUS_KILLED) && cause < TASK_KILLED_OOM)
		return (int)(0x80 | cause);
	return (int)cause;
}

static const char *fault_name(long scause)
{
	static const char *const names[] = {
		[0] = "instruction address misaligned", [1] = "instruction access fault",
		[2] = "illegal instruction",            [3] = "breakpoint",
		[4] = "load address misaligned",        [5] = "load access fault",
		[6] = "store address misaligned",       [7] = "store access fault",
		[8] = "environment call",               [12] = "instruction page fault",
		[13] = "load page fault",               [15] = "store page fault",
	};
	size_t n = sizeof(names) / sizeof(names[0]);
	return scause >= 0 && (size_t)scause < n && names[scause] ? names[scause] : "fault";
}

/* "exited with status 3", "killed by a fault (load page fault, scause 13)" */
static void report_end(const char *name, long status)
{
	long cause = status & 0xff;
	if (status < 0)
		uprintf("init: %s cannot be waited for: %s\n", name, err_name(status));
	else if (!(status & TASK_STATUS_KILLED))
		uprintf("init: %s exited with status %ld\n", name, status);
	else if (cause == TASK_KILLED_BY_REQUEST)
		uprintf("init: %s killed\n", name);
	else if (cause == TASK_KILLED_PAGER)
		uprintf("init: %s killed: its pager failed\n", name);
	else if (cause == TASK_KILLED_OOM)
		uprintf("init: %s killed: out of memory\n", name);
	else
		uprintf("init: %s killed by a fault (%s, scause %ld)\n", name, fault_name(cause),
			cause);
}

#define MAX_WORDS 256

/* The programs in bootargs (the kernel hands them over whole, as argv[1]):
 * words as the shell splits them (lib/words.h), with an unquoted ";"
 * between programs, as a NULL in words[]. Returns the count of entries,
 * or -1 after saying what is wrong. */
static int split_programs(int argc, char **argv, char **words)
{
	if (argc < 2) {
		words[0] = 0;
		return 0;
	}
	int n = words_split(argv[1], words, MAX_WORDS, WORDS_SEMICOLON);
	if (n == WORDS_UNTERMINATED)
		uprintf("init: bootargs: a quote is not closed; nothing run\n");
	else if (n == WORDS_TOO_MANY)
		uprintf("init: bootargs: more than %d words; nothing run\n", MAX_WORDS);
	return n < 0 ? -1 : n;
}

/* Leading words "console=binary" (or "=cooked") set the console's mode
 * before any program starts: for a host that pipes binary data through
 * the serial line (docs/DESIGN.md: binary mode). Returns how many words
 * were settings. */
static int console_settings(char **words, int nwords)
{
	int n = 0;
	for (; n < nwords && words[n] && strncmp(words[n], "console=", 8) == 0; n++) {
		const char *mode = words[n] + 8;
		uint64_t w[1] = { strcmp(mode, "binary") == 0 ? CONS_MODE_BINARY : CONS_MODE_COOKED };
		if (strcmp(mode, "binary") != 0 && strcmp(mode, "cooked") != 0)
			uprintf("init: %s: the console's modes are binary and cooked\n", words[n]);
		else if (console_ep >= 0)
			ipc_request(console_ep, &buf, CONS_MODE, w, 1, 0, 0, 0, 0, 0, 0);
	}
	return n;
}

int main(int argc, char **argv)
{
	int tasks[MAX_PROGS], ntasks = 0, code = 0;
	int first;
	ipc_buffer_setup(&buf);
	start_name_server();
	if (name_ep >= 0) {
		reserve_names();
		start_pager("zero", "pager.zero", 0, 0, 0);
	}
	start_console();
	if (name_ep >= 0 && start_disks() >= 2)
		start_fs(), start_swap();
	else if (name_ep >= 0)
		start_fs();
	static char *words[MAX_WORDS + 1];
	int nwords = split_programs(argc, argv, words);
	if (nwords < 0)
		code = 1, nwords = 0;
	first = console_settings(words, nwords);
	for (int i = 0; i <= nwords; i++) {
		if (i < nwords && words[i])
			continue;
		words[i] = 0; /* terminate this program's argv */
		if (i > first && ntasks < MAX_PROGS) {
			int h = start(&words[first]);
			if (h >= 0)
				tasks[ntasks++] = h;
			else
				code = 1;
		}
		first = i + 1;
	}
	if (ntasks == 0 && code == 0)
		uprintf("init: no program named in bootargs; nothing to run\n");
	for (int i = 0; i < ntasks; i++) {
		long status = sys_task_wait(tasks[i]);
		struct task_info ti;
		sys_task_info(tasks[i], &ti);
		report_end(ti.name, status);
		if (code == 0)
			code = exit_code(status);
	}
	sync_fs();
	sys_poweroff(H_SYSTEM, code);
	return code;
}

/*
 * In-guest test runner: init starts it when bootargs name it. Each
 * scenario prints "PASS name" or "FAIL name: why"; the run ends with
 * "N passed, N failed" and the runner's exit status is the failure
 * count, which init turns into QEMU's exit code. `testrunner NAME...`
 * runs only the scenarios named.
 */
#include "tests/qemu/runner.h"
#include "libipc/spawn.h"
#include "uapi/dev.h"
#include "uapi/vm.h"

int npass, nfail;
const char *cur;
bool cur_failed;
static int only_n;
static char **only; /* scenario names given as arguments: run just those */

static void run_if(const char *name, void (*fn)(void), bool by_default)
{
	bool wanted = only_n == 0 && by_default;
	for (int i = 0; i < only_n && !wanted; i++)
		wanted = strcmp(only[i], name) == 0;
	if (!wanted)
		return;
	cur = name;
	cur_failed = false;
	fn();
	if (cur_failed) {
		nfail++;
	} else {
		npass++;
		uprintf("PASS %s\n", name);
	}
}

static void run(const char *name, void (*fn)(void))
{
	run_if(name, fn, true);
}

int helper(const char *a1, const char *a2)
{
	const char *argv[] = { "uhelper", a1, a2, 0 };
	return spawn(argv, 0, 0, 0);
}

uint64_t free_frames(void)
{
	struct sysinfo si;
	sys_sysinfo(&si);
	return si.frames_free;
}

uint64_t free_frames_settled(void)
{
	sys_sleep(20 * 1000 * 1000); /* the hart idles: the doorbells ring */
	return free_frames();
}

static void task_exits_with_its_code(void)
{
	int h = helper("exit", "42");
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), 42);
	struct task_info ti;
	CHECK_EQ(sys_task_info(h, &ti), 0);
	CHECK_EQ(ti.state, TASK_DEAD);
	CHECK(strcmp(ti.name, "uhelper") == 0);
	CHECK_EQ(sys_handle_close(h), 0);
}

static void two_spinning_tasks_are_preempted(void)
{
	int a = helper("spin", 0), b = helper("spin", 0);
	CHECK(a > 0 && b > 0);
	/* Neither spinner yields: the runner (same priority) and both
	 * spinners all get the CPU only if the timer preempts. */
	struct task_info ta, tb;
	for (int i = 0; i < 100; i++) {
		sys_sleep(20 * 1000 * 1000);
		sys_task_info(a, &ta);
		sys_task_info(b, &tb);
		if (ta.ticks >= 2 && tb.ticks >= 2)
			break;
	}
	CHECK(ta.ticks >= 2 && tb.ticks >= 2);
	CHECK_EQ(sys_task_kill(a), 0);
	CHECK_EQ(sys_task_kill(b), 0);
	CHECK_EQ(sys_task_wait(a), TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	CHECK_EQ(sys_task_wait(b), TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	sys_handle_close(a);
	sys_handle_close(b);
}

static void bad_user_pointers_get_efault(void)
{
	CHECK_EQ(sys_debug_write((void *)0x1, 10), -E_FAULT);
	CHECK_EQ(sys_debug_write((void *)0xffffffc080200000ul, 16), -E_FAULT);
	CHECK_EQ(sys_debug_write((void *)0x3ffffffff0ul, 64), -E_FAULT); /* runs off the top */
	CHECK_EQ(sys_sysinfo(0), -E_FAULT);
	/* Output into read-only text must fail too, and change nothing. */
	CHECK_EQ(sys_sysinfo((struct sysinfo *)(void *)bad_user_pointers_get_efault), -E_FAULT);
	struct task_info ti;
	CHECK_EQ(sys_task_info(H_SELF, (struct task_info *)0x10), -E_FAULT);
	CHECK_EQ(sys_task_info(H_SELF, &ti), 0);
}

static void unknown_syscall_gets_enosys(void)
{
	CHECK_EQ(sys0(SYS_NCALLS), -E_NOSYS);
	CHECK_EQ(sys0(-1), -E_NOSYS);
	CHECK_EQ(sys0(1000000), -E_NOSYS);
}

static void unmapped_access_kills_only_that_task(void)
{
	int h = helper("segv", 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | 13); /* load page fault */
	sys_handle_close(h);
	h = helper("wrtext", 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | 15); /* store page fault */
	sys_handle_close(h);
	/* The system still runs programs afterwards. */
	h = helper("exit", "7");
	CHECK_EQ(sys_task_wait(h), 7);
	sys_handle_close(h);
}

static void privileged_instruction_kills_task(void)
{
	int h = helper("priv", 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | 2); /* illegal instruction */
	sys_handle_close(h);
}

static void exited_task_releases_all_frames(void)
{
	/* Warm up once so lazily created kernel structures exist. */
	int h = helper("exit", "0");
	sys_task_wait(h);
	sys_handle_close(h);
	uint64_t before = free_frames();
	for (int i = 0; i < 20; i++) {
		h = helper(i % 2 ? "segv" : "exit", "1");
		CHECK(h > 0);
		sys_task_wait(h);
		CHECK_EQ(sys_handle_close(h), 0);
	}
	CHECK_EQ(free_frames(), before);
}

static void killed_spinner_releases_frames(void)
{
	uint64_t before = free_frames();
	int h = helper("spin", 0);
	CHECK(h > 0);
	CHECK(free_frames() < before);
	sys_yield();
	CHECK_EQ(sys_task_kill(h), 0);
	sys_handle_close(h);
	CHECK_EQ(free_frames(), before);
}

static void handle_rights_only_shrink(void)
{
	long ro = sys_handle_copy(H_SELF, R_READ);
	CHECK(ro > 0);
	struct handle_info hi;
	CHECK_EQ(sys_handle_info(ro, &hi), 0);
	CHECK_EQ(hi.type, OBJ_TASK);
	CHECK_EQ(hi.rights, R_READ);
	/* Asking for more rights than the source has yields only the source's. */
	long again = sys_handle_copy(ro, R_ALL);
	CHECK(again > 0);
	CHECK_EQ(sys_handle_info(again, &hi), 0);
	CHECK_EQ(hi.rights, R_READ);
	/* A read-only task handle cannot kill. */
	CHECK_EQ(sys_task_kill(ro), -E_PERM);
	int child = helper("spin", 0);
	long weak = sys_handle_copy(child, R_READ);
	CHECK_EQ(sys_task_kill(weak), -E_PERM);
	CHECK_EQ(sys_task_kill(child), 0);
	sys_task_wait(weak);
	CHECK_EQ(sys_handle_close(weak), 0);
	CHECK_EQ(sys_handle_close(child), 0);
	CHECK_EQ(sys_handle_close(again), 0);
	CHECK_EQ(sys_handle_close(ro), 0);
}

static void bad_handles_are_rejected(void)
{
	struct handle_info hi;
	CHECK_EQ(sys_handle_info(-1, &hi), -E_BADH);
	CHECK_EQ(sys_handle_info(128, &hi), -E_BADH);
	CHECK_EQ(sys_handle_info(1 << 30, &hi), -E_BADH);
	CHECK_EQ(sys_handle_close(100), -E_BADH);
	CHECK_EQ(sys_task_wait(100), -E_BADH);
	CHECK_EQ(sys_handle_close(H_SELF), -E_INVAL);
	/* A module handle is not a task handle. */
	int m = module_lookup("uhelper");
	CHECK(m > 0);
	CHECK_EQ(sys_task_kill(m), -E_BADH);
	long h = sys_handle_copy(H_SELF, R_READ);
	CHECK_EQ(sys_handle_close(h), 0);
	CHECK_EQ(sys_handle_close(h), -E_BADH);
}

/* The user-space loader checks what it is given before it makes a task,
 * and a refused spawn leaves nothing behind. */
static void spawn_checks_its_arguments(void)
{
	int m = module_lookup("uhelper");
	char argv[] = "uhelper\0exit\0" "5";
	int h = spawn_module(m, argv, sizeof(argv), 0, 0, 0, PRIO_DEFAULT);
	CHECK(h > 0); /* the first spawn may make the scratch window's tables */
	CHECK_EQ(sys_task_wait(h), 5);
	sys_handle_close(h);
	uint64_t before = free_frames();
	/* last string not terminated */
	CHECK_EQ(spawn_module(m, argv, sizeof(argv) - 1, 0, 0, 0, PRIO_DEFAULT), -E_INVAL);
	CHECK_EQ(spawn_module(m, argv, 0, 0, 0, 0, PRIO_DEFAULT), -E_INVAL);
	CHECK_EQ(spawn_module(m, argv, sizeof(argv), 0, 0, 0, PRIO_MAX + 1), -E_INVAL);
	int32_t many[SPAWN_MAX_HANDLES + 1] = { 0 };
	CHECK_EQ(spawn_module(m, argv, sizeof(argv), many, 0, SPAWN_MAX_HANDLES + 1, PRIO_DEFAULT),
		 -E_INVAL);
	int32_t hs[1] = { H_SELF }; /* H_SELF lacks R_GRANT */
	CHECK_EQ(spawn_module(m, argv, sizeof(argv), hs, 0, 1, PRIO_DEFAULT), -E_PERM);
	CHECK_EQ(spawn_module(H_SELF, argv, sizeof(argv), 0, 0, 0, PRIO_DEFAULT), -E_BADH);
	CHECK_EQ(free_frames(), before);
	h = spawn_module(m, argv, sizeof(argv), 0, 0, 0, PRIO_DEFAULT);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), 5);
	sys_handle_close(h);
}

static void spawn_rejects_non_elf_module(void)
{
	const char *argv[] = { "notelf", 0 };
	/* The first spawn ever may make the page tables of the loader's
	 * scratch window (libipc/spawn.h), which stay: count from the second. */
	CHECK_EQ(spawn(argv, 0, 0, 0), -E_FORMAT);
	uint64_t before = free_frames();
	CHECK_EQ(spawn(argv, 0, 0, 0), -E_FORMAT);
	const char *missing[] = { "no-such-program", 0 };
	CHECK_EQ(spawn(missing, 0, 0, 0), -E_NOENT);
	CHECK_EQ(free_frames(), before);
}

static void fpu_state_survives_preemption(void)
{
	int a = helper("fpu", "40"), b = helper("fpu", "40");
	CHECK(a > 0 && b > 0);
	CHECK_EQ(sys_task_wait(a), 0);
	CHECK_EQ(sys_task_wait(b), 0);
	sys_handle_close(a);
	sys_handle_close(b);
}

static void handed_handles_arrive_with_masked_rights(void)
{
	/* The runner itself was handed the boot modules by init with
	 * R_READ | R_GRANT only. */
	int m = module_lookup("uhelper");
	struct handle_info hi;
	CHECK_EQ(sys_handle_info(m, &hi), 0);
	CHECK_EQ(hi.type, OBJ_MODULE);
	CHECK_EQ(hi.rights, R_READ | R_GRANT);
	/* The runner holds no system handle: it cannot power off. */
	CHECK(sys_poweroff(H_SYSTEM, 0) < 0);
}

static void wired_memory_maps_zeroed_frames_and_unmaps(void)
{
	uint64_t va = 0x2000000000ul, len = 16 * 4096;
	/* Page-table pages stay until the task ends: warm them up first. */
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, len, VM_R), 0);
	CHECK_EQ(sys2(SYS_MEM_UNMAP, va, len), 0);
	uint64_t before = free_frames();
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, len, VM_R | VM_W), 0);
	CHECK_EQ(free_frames() <= before - 16, 1);
	volatile uint64_t *p = (volatile uint64_t *)va;
	for (uint64_t i = 0; i < len / 8; i++)
		CHECK_EQ(p[i], 0);
	for (uint64_t i = 0; i < len / 8; i++)
		p[i] = i * 3;
	for (uint64_t i = 0; i < len / 8; i++)
		CHECK_EQ(p[i], i * 3);
	CHECK_EQ(sys3(SYS_MEM_WIRE, va + 4096, 4096, VM_R), -E_BUSY); /* overlap */
	CHECK_EQ(sys2(SYS_MEM_UNMAP, va, len), 0);
	CHECK_EQ(free_frames(), before);
	/* Bad arguments change nothing. */
	CHECK_EQ(sys3(SYS_MEM_WIRE, va + 1, 4096, VM_R), -E_INVAL);
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, 4095, VM_R), -E_INVAL);
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, 4096, 0), -E_INVAL);
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, 4096, 8), -E_INVAL);
	CHECK_EQ(sys3(SYS_MEM_WIRE, 0, 4096, VM_R), -E_RANGE);
	CHECK_EQ(sys3(SYS_MEM_WIRE, VM_USER_HI - 4096, 8192, VM_R), -E_RANGE);
	CHECK_EQ(sys3(SYS_MEM_WIRE, 0xffffffc000000000ul, 4096, VM_R), -E_RANGE);
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, 1ul << 40, VM_R), -E_RANGE);
	CHECK_EQ(sys3(SYS_MEM_WIRE, va, 1ul << 36, VM_R), -E_NOMEM);
	CHECK_EQ(free_frames(), before);
	/* Unmapped memory faults again: a helper touching it is killed. */
	int h = helper("segv", 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | 13);
	sys_handle_close(h);
}

/* The C library works as programs use it: libctest runs its own checks
 * (printed as it goes) and exits with the number that failed. */
static void libc_program_passes(void)
{
	const char *argv[] = { "libctest", 0 };
	int h = spawn(argv, 0, 0, 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), 0);
	sys_handle_close(h);
}

static void out_of_memory_kills_only_the_greedy_task(void)
{
	/* A first round grows what stays (kernel caches, the loader's
	 * scratch tables): count from the second. */
	int h = helper("eatmem", 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_OOM);
	sys_handle_close(h);
	uint64_t before = free_frames();
	h = helper("eatmem", 0);
	CHECK(h > 0);
	/* Below min its fault waits; nothing frees memory (no manager), so
	 * after MM_OOM_WAIT_MS it is killed, the biggest waiter. */
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_OOM);
	sys_handle_close(h);
	CHECK_EQ(free_frames(), before); /* all of it came back */
	/* The system still works: another task runs fine. */
	h = helper("exit", "9");
	CHECK_EQ(sys_task_wait(h), 9);
	sys_handle_close(h);
}

static void device_and_system_calls_check_their_handles(void)
{
	int m = module_lookup("uhelper");
	struct dev_info di;
	CHECK_EQ(sys2(SYS_DEV_INFO, m, &di), -E_BADH);       /* a module is no device */
	CHECK_EQ(sys2(SYS_DEV_MAP, m, 0x2800000000ul), -E_BADH);
	CHECK_EQ(sys3(SYS_IRQ_BIND, m, m, 1), -E_BADH);
	CHECK_EQ(sys1(SYS_IRQ_ACK, 99), -E_BADH);
	/* The read-only system handle lists tasks but cannot power off. */
	struct task_info ti;
	long next = sys3(SYS_TASK_ENUM, H_SYSINFO, 0, &ti);
	CHECK(next > 0);
	CHECK_EQ(ti.id, 1);
	CHECK(strcmp(ti.name, "init") == 0);
	CHECK_EQ(sys3(SYS_TASK_ENUM, H_SYSINFO, 1ul << 40, &ti), -E_INVAL);
	CHECK_EQ(sys3(SYS_TASK_ENUM, H_SYSINFO, 100000, &ti), -E_NOENT);
	CHECK_EQ(sys3(SYS_TASK_ENUM, H_SYSINFO, 0, (void *)0x10), -E_FAULT);
	CHECK_EQ(sys3(SYS_TASK_ENUM, H_SELF, 0, &ti), -E_BADH);
	CHECK_EQ(sys_poweroff(H_SYSINFO, 0), -E_PERM);
	struct vm_stats st;
	CHECK_EQ(sys1(SYS_VM_STATS, &st), 0);
	CHECK(st.frames_total > 0 && st.frames_free <= st.frames_total);
	CHECK_EQ(sys1(SYS_VM_STATS, 0), -E_FAULT);
}

int mm_cap(void)
{
	for (int h = 0; h < 64; h++)
		if (handle_is(h, OBJ_MM, R_CONTROL))
			return h;
	return -1;
}

int main(int argc, char **argv)
{
	uprintf("testrunner: starting\n");
	only_n = argc - 1;
	only = argv + 1;
	run("task_exits_with_its_code", task_exits_with_its_code);
	run("two_spinning_tasks_are_preempted", two_spinning_tasks_are_preempted);
	run("bad_user_pointers_get_efault", bad_user_pointers_get_efault);
	run("unknown_syscall_gets_enosys", unknown_syscall_gets_enosys);
	run("unmapped_access_kills_only_that_task", unmapped_access_kills_only_that_task);
	run("privileged_instruction_kills_task", privileged_instruction_kills_task);
	run("exited_task_releases_all_frames", exited_task_releases_all_frames);
	run("killed_spinner_releases_frames", killed_spinner_releases_frames);
	run("handle_rights_only_shrink", handle_rights_only_shrink);
	run("bad_handles_are_rejected", bad_handles_are_rejected);
	run("spawn_checks_its_arguments", spawn_checks_its_arguments);
	run("spawn_rejects_non_elf_module", spawn_rejects_non_elf_module);
	run("fpu_state_survives_preemption", fpu_state_survives_preemption);
	run("handed_handles_arrive_with_masked_rights", handed_handles_arrive_with_masked_rights);
	run("wired_memory_maps_zeroed_frames_and_unmaps", wired_memory_maps_zeroed_frames_and_unmaps);
	run("out_of_memory_kills_only_the_greedy_task", out_of_memory_kills_only_the_greedy_task);
	run("device_and_system_calls_check_their_handles",
	    device_and_system_calls_check_their_handles);
	run("libc_program_passes", libc_program_passes);
	for (size_t i = 0; i < n_ipc_tests; i++)
		run(ipc_tests[i].name, ipc_tests[i].fn);
	for (size_t i = 0; i < n_vm_tests; i++)
		run(vm_tests[i].name, vm_tests[i].fn);
	for (size_t i = 0; i < n_vm_shadow_tests; i++)
		run(vm_shadow_tests[i].name, vm_shadow_tests[i].fn);
	for (size_t i = 0; i < n_vm_robust_tests; i++)
		run(vm_robust_tests[i].name, vm_robust_tests[i].fn);
	for (size_t i = 0; i < n_pager_v2_tests; i++)
		run(pager_v2_tests[i].name, pager_v2_tests[i].fn);
	for (size_t i = 0; i < n_mm_tests; i++)
		run(mm_tests[i].name, mm_tests[i].fn);
	for (size_t i = 0; i < n_name_tests; i++)
		run(name_tests[i].name, name_tests[i].fn);
	for (size_t i = 0; i < n_loader_tests; i++)
		run(loader_tests[i].name, loader_tests[i].fn);
	for (size_t i = 0; i < n_dma_tests; i++)
		run(dma_tests[i].name, dma_tests[i].fn);
	for (size_t i = 0; i < n_swapstress_tests; i++)
		run(swapstress_tests[i].name, swapstress_tests[i].fn);
	for (size_t i = 0; i < n_blk_tests; i++)
		run_if(blk_tests[i].name, blk_tests[i].fn, false);
	for (size_t i = 0; i < n_fs_tests; i++)
		run_if(fs_tests[i].name, fs_tests[i].fn, false);
	for (size_t i = 0; i < n_swap_tests; i++)
		run_if(swap_tests[i].name, swap_tests[i].fn, false);
	uprintf("%d passed, %d failed\n", npass, nfail);
	return nfail;
}

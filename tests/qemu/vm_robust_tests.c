/*
 * Memory scenarios that once brought the kernel down or lost data (found
 * by an outside fuzzing campaign): tasks that page themselves and die by
 * it, a private page written and read at once, forged pager messages,
 * system call buffers in memory not yet touched. Each failed before its
 * fix.
 */
#include "tests/qemu/vm_helpers.h" /* first: libipc/server.h before name_proto.h */
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"

/* F6: a task holding only SEND on a pager's endpoint can neither bind
 * objects to it nor pass for the kernel: FAULT and TERMINATE sent under
 * every badge are client requests to the pager (and refused), and the
 * objects of others stay served. */
static void forged_pager_messages_change_no_object(void)
{
	static struct ipc_buffer buf;
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	CHECK(zp > 0);
	CHECK_EQ(vmo_create(PG, (int)zp, 1), -E_PERM); /* binding needs R_RECV */
	uint64_t w[4] = { PG };
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), 0);
	int vmo = buf.handles[0];
	for (uint64_t badge = 1; badge <= 64; badge++) {
		long h = sys_handle_mint((int)zp, R_SEND, badge);
		CHECK(h > 0);
		uint64_t fw[4] = { 0, VM_W, badge, PG };
		CHECK_EQ(ipc_request((int)h, &buf, PAGER_TERMINATE, fw, 1, 0, 0, 0, 0, 0, 0),
			 -E_NOSYS);
		CHECK_EQ(ipc_request((int)h, &buf, PAGER_FAULT, fw, 4, 0, 0, 0, 0, 0, 0), -E_NOSYS);
		sys_handle_close((int)h);
	}
	/* The object's first fault still reaches a pager that knows it. */
	int t = touch_in_task(vmo, "touchvmo");
	CHECK(t > 0);
	CHECK_EQ(sys_task_wait(t), 0);
	sys_handle_close(t);
	sys_handle_close(vmo);
	sys_handle_close((int)zp);
}

/* F10: a system call's output buffer in mapped memory that was never
 * touched (a page the pager has not supplied yet) or only read (a private
 * page) is faulted in as the task's own store would be. */
static void syscall_buffers_in_untouched_memory_are_faulted_in(void)
{
	static struct ipc_buffer buf;
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	CHECK(zp > 0);
	uint64_t w[4] = { 2 * PG };
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), 0);
	int vmo = buf.handles[0];
	CHECK_EQ(vm_map(vmo, AREA, 2 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	struct sysinfo *si = (struct sysinfo *)AREA;
	CHECK_EQ(sys_sysinfo(si), 0); /* through the zero pager, then restarted */
	CHECK(si->frames_total > 0);
	long kz = vmo_create(PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vm_map((int)kz, AREA + 4 * PG, PG, 0, VM_R | VM_W | VM_PRIVATE), 0);
	volatile uint64_t *ro = (volatile uint64_t *)(AREA + 4 * PG);
	CHECK_EQ(ro[0], 0); /* mapped read-only so far */
	CHECK_EQ(sys_sysinfo((struct sysinfo *)(AREA + 4 * PG)), 0);
	CHECK(ro[0] > 0);
	CHECK_EQ(vm_unmap(AREA, 5 * PG), 0);
	sys_handle_close((int)kz);
	sys_handle_close(vmo);
	sys_handle_close((int)zp);
}

/* F1: the task is its own pager and dies through its own fault. */
static void self_paging_task_dies_alone_by_its_own_fault(void)
{
	const char *argv[] = { "uhelper", "selfpage", 0 };
	int h = spawn(argv, 0, 0, 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_PAGER);
	sys_handle_close(h);
}

/* F2: pager_fail on requests the caller's own threads wait on. */
static void pager_fail_on_its_own_threads_kills_only_that_task(void)
{
	const char *argv[] = { "uhelper", "selffail", 0 };
	int h = spawn(argv, 0, 0, 0);
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_PAGER);
	sys_handle_close(h);
}

/* F3: a write and a read of one missing page of a private mapping, one
 * supply: the writer keeps its copy and the object its page. */
static void private_write_and_read_race_keeps_copy_and_object_page(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep, 3);
	int h = touch_in_task(vmo, "privrace");
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 1000 * MS), 0);
	CHECK_EQ(m.w[0], 0);
	CHECK_EQ(ipc_recv(ep, &m, 100 * MS), -E_TIMEOUT); /* the reader waits on the same request */
	uint64_t *src = src_page(0, 0);
	src[0] = 77;
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(sys_task_wait(h), 0);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_SHARED), 0);
	CHECK_EQ(*(volatile uint64_t *)AREA, 77); /* the object never saw the private writes */
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	sys_handle_close(h);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

const struct qtest vm_robust_tests[] = {
	{ "forged_pager_messages_change_no_object", forged_pager_messages_change_no_object },
	{ "syscall_buffers_in_untouched_memory_are_faulted_in", syscall_buffers_in_untouched_memory_are_faulted_in },
	{ "self_paging_task_dies_alone_by_its_own_fault", self_paging_task_dies_alone_by_its_own_fault },
	{ "pager_fail_on_its_own_threads_kills_only_that_task", pager_fail_on_its_own_threads_kills_only_that_task },
	{ "private_write_and_read_race_keeps_copy_and_object_page", private_write_and_read_race_keeps_copy_and_object_page },
};
const size_t n_vm_robust_tests = sizeof(vm_robust_tests) / sizeof(vm_robust_tests[0]);

/*
 * Pager protocol v2 (uapi/pager.h): unlock faults, authority, epochs,
 * per-request deadlines and rebinding, each driven by hand: the runner is
 * the pager (or both pagers of a rebind) and plays the order out.
 */
#include "tests/qemu/vm_helpers.h"

#include "libipc/spawn.h"

#define DATA_W1(access, epoch) PAGER_W1(access, FAULT_DATA, epoch)

/* A task that maps page 0 of the object, reads word 0 and writes word 1;
 * it exits with word 0's low byte (uhelper touchvmo). */
static int toucher(long vmo)
{
	return touch_in_task(vmo, "touchvmo");
}

/* Receives one message on ep within ms; its label, or a negative error. */
static long recv_label(int ep, struct ipc_msg *m, uint64_t ms)
{
	long r = ipc_recv(ep, m, ms * MS);
	return r ? r : (long)IPC_TAG_LABEL(m->tag);
}

/* P1: a write to a page supplied read-only reaches the pager as an UNLOCK
 * fault, and either answer lets the writer go on: a supply with VM_W of
 * the page that is already there (the answer the old kernel skipped, so
 * the writer hung), or LOCK_UNLOCK. */
static void write_to_locked_page_unlocks(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep, 3);
	/* Our own mapping keeps the object in use between the touchers (no
	 * TERMINATE); we never touch it. */
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_SHARED), 0);
	for (int round = 0; round < 2; round++) {
		uint64_t *src = src_page(0, 40 + (uint64_t)round);
		CHECK(src != 0);
		int h = toucher(vmo);
		struct ipc_msg m;
		CHECK_EQ(recv_label(ep, &m, 1000), PAGER_FAULT);
		CHECK_EQ(PAGER_KIND(m.w[1]), FAULT_DATA);
		CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R, PAGER_EPOCH_FIRST), 1);
		/* The toucher read word 0; its write to word 1 is an UNLOCK. */
		CHECK_EQ(recv_label(ep, &m, 1000), PAGER_FAULT);
		CHECK_EQ(m.w[0], 0);
		CHECK_EQ(m.w[1], PAGER_W1(VM_W, FAULT_UNLOCK, PAGER_EPOCH_FIRST));
		if (round == 0) {
			uint64_t *again = src_page(1, 0);
			CHECK(again != 0);
			CHECK_EQ(pager_supply((int)vmo, 0, again, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 0);
			CHECK_EQ(vm_unmap((uint64_t)again, PG), 0); /* it stayed with us */
		} else {
			CHECK_EQ(pager_lock((int)vmo, 0, 1, LOCK_UNLOCK, PAGER_EPOCH_FIRST), 0);
		}
		CHECK_EQ(sys_task_wait(h), 40 + round);
		sys_handle_close(h);
		struct vmo_info info;
		CHECK_EQ(vmo_info((int)vmo, &info), 0);
		CHECK_EQ(info.pending, 0);
		CHECK_EQ(pager_lock((int)vmo, 0, 1, LOCK_FLUSH, PAGER_EPOCH_FIRST), 0);
	}
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

/* P2: a task holding only SEND on a pager's endpoint cannot bind objects
 * to it under any badge, by any of the calls that bind. */
static void forged_badge_refused(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long legit = vmo_create(PG, ep, 1);
	int send_only = (int)sys_handle_copy(ep, R_SEND);
	CHECK(legit > 0 && send_only > 0);
	CHECK_EQ(vmo_create(PG, send_only, 1), -E_PERM);
	CHECK_EQ(sys6(SYS_VMO_ANON, PG, -1, 0, send_only, 1, 0), -E_PERM);
	long mine = vmo_create(PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vmo_set((int)mine, send_only, 1, 1000), -E_PERM);
	CHECK_EQ(vmo_rebind((int)mine, send_only, 1), -E_PERM);
	/* Nothing reached the pager. */
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 50 * MS), -E_TIMEOUT);
	sys_handle_close((int)mine);
	sys_handle_close(send_only);
	sys_handle_close((int)legit);
	sys_handle_close(ep);
}

/* Rebinds vmo from old (the runner's) to new_ep, answering the RELEASE
 * on old; the new epoch is old_epoch + 1. */
static void rebind_now(long vmo, int old, int new_ep, uint64_t badge, uint32_t old_epoch)
{
	long epoch = vmo_rebind((int)vmo, new_ep, badge);
	CHECK_EQ(epoch, (long)old_epoch + 1);
	struct ipc_msg m;
	CHECK_EQ(recv_label(old, &m, 1000), PAGER_RELEASE);
	CHECK(m.tag & IPC_TAG_KERNEL);
	CHECK_EQ(m.w[1], old_epoch);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_RELEASED, 0, 0, 0, old_epoch), 0);
}

/* After a rebind the old epoch is refused by every call that names it;
 * the fault in flight is sent again to the new pager with the new one. */
static void stale_epoch_supply_refused(void)
{
	int ep1 = (int)sys0(SYS_ENDPOINT_CREATE), ep2 = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep1, 1);
	int h = toucher(vmo);
	struct ipc_msg m;
	CHECK_EQ(recv_label(ep1, &m, 1000), PAGER_FAULT);
	CHECK_EQ(PAGER_EPOCH(m.w[1]), PAGER_EPOCH_FIRST);
	rebind_now(vmo, ep1, ep2, 2, PAGER_EPOCH_FIRST);
	uint32_t e2 = PAGER_EPOCH_FIRST + 1;
	uint64_t *src = src_page(0, 90);
	uint64_t before = free_frames();
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), -E_STALE);
	CHECK_EQ(pager_fail((int)vmo, 0, 1, -E_RANGE, PAGER_EPOCH_FIRST), -E_STALE);
	CHECK_EQ(pager_lock((int)vmo, 0, 1, LOCK_FLUSH, PAGER_EPOCH_FIRST), -E_STALE);
	uint8_t st[1];
	CHECK_EQ(pager_evict((int)vmo, 0, 1, (void *)(SRC + 8 * PG), st, PAGER_EPOCH_FIRST),
		 -E_STALE);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_EXTEND, 0, 1, 100, PAGER_EPOCH_FIRST), -E_STALE);
	CHECK_EQ(free_frames(), before);
	CHECK_EQ(*src, 90); /* the page stayed with us */
	CHECK_EQ(recv_label(ep2, &m, 1000), PAGER_FAULT);
	CHECK_EQ(m.badge, 2);
	CHECK_EQ(m.w[1], DATA_W1(VM_R, e2));
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, e2), 1);
	CHECK_EQ(sys_task_wait(h), 90);
	sys_handle_close(h);
	sys_handle_close((int)vmo);
	sys_handle_close(ep1);
	sys_handle_close(ep2);
}

/* A missed deadline fails that request alone: the object goes on, and
 * the next fault is served. A pager that needs longer extends it. */
static void deadline_fails_one_request(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep, 5);
	CHECK_EQ(vmo_set((int)vmo, -1, 0, 100), 0);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_SHARED), 0); /* in use throughout */
	int h = toucher(vmo);
	struct ipc_msg m;
	CHECK_EQ(recv_label(ep, &m, 1000), PAGER_FAULT); /* received, never answered */
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_PAGER);
	sys_handle_close(h);
	h = toucher(vmo);
	CHECK_EQ(recv_label(ep, &m, 1000), PAGER_FAULT);
	/* 100 ms is not enough this time: ask for 2 s more, then take 300. */
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_EXTEND, 0, 1, 2000, PAGER_EPOCH_FIRST), 1);
	sys_sleep(300 * MS);
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 21), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(sys_task_wait(h), 21);
	sys_handle_close(h);
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.epoch, PAGER_EPOCH_FIRST);
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

/* A fault in flight at the old pager and one made during the rebind both
 * reach the new pager once the old one has released the object. */
static void rebind_with_fault_in_flight(void)
{
	int ep1 = (int)sys0(SYS_ENDPOINT_CREATE), ep2 = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep1, 1);
	int h1 = toucher(vmo);
	struct ipc_msg m;
	CHECK_EQ(recv_label(ep1, &m, 1000), PAGER_FAULT); /* in flight */
	CHECK_EQ(vmo_rebind((int)vmo, ep2, 7), PAGER_EPOCH_FIRST + 1);
	CHECK_EQ(vmo_rebind((int)vmo, ep2, 7), -E_BUSY); /* one at a time */
	CHECK_EQ(recv_label(ep1, &m, 1000), PAGER_RELEASE);
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.rebinding, 1);
	/* A second faulter waits on the same page: nothing is sent while
	 * the rebind is under way. */
	int h2 = toucher(vmo);
	CHECK_EQ(ipc_recv(ep1, &m, 100 * MS), -E_TIMEOUT);
	CHECK_EQ(ipc_recv(ep2, &m, 100 * MS), -E_TIMEOUT);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_RELEASED, 0, 0, 0, PAGER_EPOCH_FIRST), 0);
	CHECK_EQ(recv_label(ep2, &m, 1000), PAGER_FAULT);
	CHECK_EQ(m.badge, 7);
	CHECK_EQ(PAGER_EPOCH(m.w[1]), PAGER_EPOCH_FIRST + 1);
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 33), 1, VM_R | VM_W, PAGER_EPOCH_FIRST + 1),
		 1);
	CHECK_EQ(sys_task_wait(h1), 33);
	CHECK_EQ(sys_task_wait(h2), 33);
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.rebinding, 0);
	CHECK_EQ(info.epoch, PAGER_EPOCH_FIRST + 1);
	CHECK_EQ(ipc_recv(ep1, &m, 50 * MS), -E_TIMEOUT); /* the old pager hears no more */
	sys_handle_close(h1);
	sys_handle_close(h2);
	sys_handle_close((int)vmo);
	sys_handle_close(ep1);
	sys_handle_close(ep2);
}

/* The old pager dies with the RELEASE unanswered: the rebind completes
 * with what the kernel holds (the resident page keeps its data) and the
 * object's next fault goes to the new pager. */
static void rebind_old_pager_dies_during_release(void)
{
	int ctl = (int)sys0(SYS_ENDPOINT_CREATE), pep;
	struct ipc_msg m;
	int pager = dying_pager(ctl, &pep, &m);
	CHECK(pager > 0);
	long vmo = vmo_create(2 * PG, pep, 8);
	CHECK(vmo > 0);
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 61), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(ipc_reply(&m), 0); /* the helper now waits for one message */
	int ep2 = (int)sys0(SYS_ENDPOINT_CREATE);
	CHECK_EQ(vmo_rebind((int)vmo, ep2, 9), PAGER_EPOCH_FIRST + 1);
	CHECK_EQ(sys_task_wait(pager), 0); /* it took the RELEASE and left */
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.rebinding, 0);
	CHECK_EQ(info.epoch, PAGER_EPOCH_FIRST + 1);
	CHECK_EQ(info.resident, 1);
	CHECK_EQ(vm_map((int)vmo, AREA, 2 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	CHECK_EQ(*(volatile uint64_t *)AREA, 61);
	/* Page 1 goes to the new pager. */
	long view = sys6(SYS_VMO_ANON, PG, vmo, PG, -1, 0, 0); /* page 1, seen through a shadow */
	CHECK(view > 0);
	CHECK_EQ(vm_unmap(AREA, 2 * PG), 0);
	int h = toucher(view);
	CHECK_EQ(recv_label(ep2, &m, 1000), PAGER_FAULT);
	CHECK_EQ(m.w[0], PG);
	CHECK_EQ(m.badge, 9);
	uint64_t *src = src_page(1, 62);
	CHECK(src != 0);
	CHECK_EQ(pager_supply((int)vmo, PG, src, 1, VM_R, PAGER_EPOCH_FIRST + 1), 1);
	CHECK_EQ(sys_task_wait(h), 62);
	sys_handle_close(h);
	sys_handle_close((int)view);
	sys_handle_close(pager);
	sys_handle_close((int)vmo);
	sys_handle_close(pep);
	sys_handle_close(ep2);
	sys_handle_close(ctl);
}

/* Resident and dirty pages stay through a rebind; the new pager evicts
 * the dirty one and gets its frame with the data written before. */
static void rebind_keeps_dirty_pages(void)
{
	int ep1 = (int)sys0(SYS_ENDPOINT_CREATE), ep2 = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep1, 1);
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 0), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_W | VM_SHARED), 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	p[5] = 0xd1a7;
	rebind_now(vmo, ep1, ep2, 2, PAGER_EPOCH_FIRST);
	uint32_t e2 = PAGER_EPOCH_FIRST + 1;
	uint8_t st[1];
	CHECK_EQ(pager_query((int)vmo, 0, 1, st, 0), 0);
	CHECK_EQ(st[0] & (PAGE_RESIDENT | PAGE_DIRTY), PAGE_RESIDENT | PAGE_DIRTY);
	CHECK_EQ(p[5], 0xd1a7);
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	void *dst = (void *)(SRC + 16 * PG);
	CHECK_EQ(pager_evict((int)vmo, 0, 1, dst, st, e2), 1);
	CHECK_EQ(st[0], PAGE_RESIDENT | PAGE_DIRTY);
	CHECK_EQ(((volatile uint64_t *)dst)[5], 0xd1a7);
	CHECK_EQ(vm_unmap((uint64_t)dst, PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close(ep1);
	sys_handle_close(ep2);
}

/* Every new call checks its arguments first and changes nothing. */
static void rebind_checks_its_arguments(void)
{
	int ep1 = (int)sys0(SYS_ENDPOINT_CREATE), ep2 = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep1, 1);
	int weak = (int)sys_handle_copy((int)vmo, R_READ | R_MAP | R_PAGER);
	CHECK_EQ(vmo_rebind(weak, ep2, 1), -E_PERM);     /* no CONTROL */
	CHECK_EQ(vmo_rebind((int)vmo, ep1, 1), -E_INVAL); /* its pager already */
	CHECK_EQ(vmo_rebind((int)vmo, 999, 1), -E_BADH);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_RELEASED, 0, 0, 0, PAGER_EPOCH_FIRST), -E_BUSY);
	CHECK_EQ(pager_ctl((int)vmo, 9, 0, 1, 10, PAGER_EPOCH_FIRST), -E_INVAL);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_EXTEND, 0, 1, 0, PAGER_EPOCH_FIRST), -E_INVAL);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_EXTEND, PG, 1, 10, PAGER_EPOCH_FIRST), -E_RANGE);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_EXTEND, 0, 1, 10, 0), -E_STALE);
	CHECK_EQ(pager_ctl((int)vmo, PAGER_CTL_EXTEND, 0, 1, 10, PAGER_EPOCH_FIRST), 0);
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.rebinding, 0);
	CHECK_EQ(info.epoch, PAGER_EPOCH_FIRST);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep1, &m, 50 * MS), -E_TIMEOUT);
	sys_handle_close(weak);
	sys_handle_close((int)vmo);
	sys_handle_close(ep1);
	sys_handle_close(ep2);
}

/* An object whose pager died (no fallback) is not failed for good: once
 * rebound, its faults are served again. */
static void dead_pagers_object_is_rebound(void)
{
	int ctl = (int)sys0(SYS_ENDPOINT_CREATE), pep;
	struct ipc_msg m;
	int pager = dying_pager(ctl, &pep, &m);
	CHECK(pager > 0);
	long vmo = vmo_create(PG, pep, 8);
	CHECK_EQ(ipc_reply(&m), 0);
	int h = toucher(vmo);
	CHECK_EQ(sys_task_wait(pager), 0); /* took the FAULT and left */
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_PAGER);
	sys_handle_close(h);
	int ep2 = (int)sys0(SYS_ENDPOINT_CREATE);
	CHECK_EQ(vmo_rebind((int)vmo, ep2, 4), PAGER_EPOCH_FIRST + 1); /* at once: nobody to ask */
	h = toucher(vmo);
	CHECK_EQ(recv_label(ep2, &m, 1000), PAGER_FAULT);
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 14), 1, VM_R | VM_W, PAGER_EPOCH_FIRST + 1),
		 1);
	CHECK_EQ(sys_task_wait(h), 14);
	sys_handle_close(h);
	sys_handle_close(pager);
	sys_handle_close((int)vmo);
	sys_handle_close(pep);
	sys_handle_close(ep2);
	sys_handle_close(ctl);
}

/* The kernel's copy call asks the pager for a page that is not resident
 * and waits like a fault; bad calls change nothing. */
static void vmo_read_waits_for_the_pager(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(2 * PG, ep, 4);
	CHECK_EQ(vm_map((int)vmo, AREA, 2 * PG, 0, VM_R | VM_SHARED), 0); /* in use throughout */
	const char *argv[] = { "uhelper", "vmoread", "1", 0 };
	int32_t hs[1] = { (int32_t)vmo };
	uint32_t rs[1] = { R_READ };
	int h = spawn(argv, hs, rs, 1);
	struct ipc_msg m;
	CHECK_EQ(recv_label(ep, &m, 1000), PAGER_FAULT);
	CHECK_EQ(m.w[0], PG);
	CHECK_EQ(m.w[1], DATA_W1(VM_R, PAGER_EPOCH_FIRST));
	uint8_t *src = src_page(0, 0);
	CHECK(src != 0);
	src[8] = 0x5a;
	CHECK_EQ(pager_supply((int)vmo, PG, src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(sys_task_wait(h), 0x5a);
	sys_handle_close(h);
	/* Resident now: the runner reads and writes it itself. */
	uint8_t b[4] = { 1, 2, 3, 4 };
	CHECK_EQ(vmo_write((int)vmo, PG + 4094, b, 4), 2); /* only to the object's end */
	CHECK_EQ(vmo_read((int)vmo, PG + 8, b, 1), 1);
	CHECK_EQ(b[0], 0x5a);
	uint8_t st[1];
	CHECK_EQ(pager_query((int)vmo, PG, 1, st, 0), 0);
	CHECK(st[0] & PAGE_DIRTY);
	CHECK_EQ(vmo_read((int)vmo, 2 * PG, b, 1), 0);
	CHECK_EQ(vmo_read((int)vmo, 2 * PG + 1, b, 1), -E_RANGE);
	CHECK_EQ(vmo_read(999, 0, b, 1), -E_BADH);
	long anon = vmo_create(PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vmo_read((int)anon, 0, b, 1), -E_INVAL);
	int ro = (int)sys_handle_copy((int)vmo, R_READ);
	CHECK_EQ(vmo_write(ro, PG, b, 1), -E_PERM);
	CHECK_EQ(vmo_read((int)vmo, PG, (void *)8, 1), -E_FAULT);
	sys_handle_close(ro);
	sys_handle_close((int)anon);
	CHECK_EQ(vm_unmap(AREA, 2 * PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

/* Supply by copy (the pager's page stays its own) and by taking (the
 * frame of a kernel zero-fill object's page moves, the page reads as
 * zeros again), and their refusals, which change nothing. */
static void supply_by_copy_and_take(void)
{
	const uint64_t BUF = 0x3400000000ul;
	uint32_t e = PAGER_EPOCH_FIRST;
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(4 * PG, ep, 1);
	long bo = vmo_create(2 * PG, VMO_KERNEL_ZERO, 0);
	CHECK(vmo > 0 && bo > 0);
	CHECK_EQ(vm_map((int)bo, BUF, 2 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	for (uint64_t i = 0; i < 2 * PG / 8; i++)
		((volatile uint64_t *)BUF)[i] = 500 + i;
	uint64_t *src = src_page(0, 70);
	CHECK(src);
	/* Refused, nothing moves. */
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | PAGER_SUPPLY_TAKE, e), -E_FAULT); /* wired */
	CHECK_EQ(pager_supply((int)vmo, 0, 0, 1, VM_R | PAGER_SUPPLY_TAKE, e), -E_INVAL);
	CHECK_EQ(pager_supply((int)vmo, 0, (void *)BUF, 1,
			      VM_R | PAGER_SUPPLY_TAKE | PAGER_SUPPLY_COPY, e), -E_INVAL);
	CHECK_EQ(pager_supply((int)vmo, 0, (void *)(BUF + 8 * PG), 1, VM_R | PAGER_SUPPLY_COPY, e),
		 -E_FAULT); /* nothing mapped there */
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.resident, 0);
	/* Copy: page 0 gets src's bytes, src stays ours. */
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W | PAGER_SUPPLY_COPY, e), 1);
	CHECK_EQ(src[0], 70);
	/* Take: pages 1 and 2 get the buffer's frames, the buffer reads zeros. */
	CHECK_EQ(pager_supply((int)vmo, PG, (void *)BUF, 2, VM_R | VM_W | PAGER_SUPPLY_TAKE, e), 2);
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.resident, 3);
	CHECK_EQ(((volatile uint64_t *)BUF)[0], 0);
	CHECK_EQ(((volatile uint64_t *)BUF)[PG / 8], 0);
	CHECK_EQ(vm_map((int)vmo, AREA, 4 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	volatile uint64_t *obj = (volatile uint64_t *)AREA;
	CHECK_EQ(obj[0], 70);
	CHECK_EQ(obj[PG / 8], 500);
	CHECK_EQ(obj[2 * PG / 8 + 1], 500 + PG / 8 + 1);
	/* Taking from the object itself is refused. */
	CHECK_EQ(pager_supply((int)vmo, 3 * PG, (void *)AREA, 1, VM_R | PAGER_SUPPLY_TAKE, e),
		 -E_FAULT);
	CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
	CHECK_EQ(vm_unmap(BUF, 2 * PG), 0);
	CHECK_EQ(vm_unmap(SRC, PG), 0);
	sys_handle_close((int)bo);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

/* LOCK_DISCARD: an anonymous page its pager holds (evicted to it) reads
 * as zero again after a discard, with no fault to the pager (libc frees
 * memory this way). A plain flush keeps the pager's copy; a discard on a
 * paged (non-anonymous) object is refused. */
static void discard_forgets_paged_copies(void)
{
	const uint64_t DST = 0x3500000000ul;
	uint32_t e = PAGER_EPOCH_FIRST;
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = sys6(SYS_VMO_ANON, PG, -1, 0, ep, 1, 0);
	long paged = vmo_create(PG, ep, 2);
	CHECK(vmo > 0 && paged > 0);
	CHECK_EQ(pager_lock((int)paged, 0, 1, LOCK_DISCARD, e), -E_INVAL);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_W | VM_SHARED), 0);
	((volatile uint64_t *)AREA)[0] = 0x55; /* zero-filled by the kernel, then written */
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	uint8_t st = 0;
	CHECK_EQ(pager_evict((int)vmo, 0, 1, (void *)DST, &st, e), 1); /* now the pager's */
	CHECK_EQ(((volatile uint64_t *)DST)[0], 0x55);
	CHECK_EQ(sys2(SYS_MEM_UNMAP, DST, PG), 0);
	CHECK_EQ(pager_lock((int)vmo, 0, 1, LOCK_DISCARD, e), 0);
	/* A toucher reads word 0: zero, and no FAULT comes. Polled, so a
	 * kernel that still asks us fails here instead of hanging. */
	int h = toucher(vmo);
	CHECK(h > 0);
	struct ipc_msg m;
	struct task_info ti = { 0 };
	bool faulted = false;
	while (!faulted && sys_task_info(h, &ti) == 0 && ti.state != TASK_DEAD) {
		long r = recv_label(ep, &m, 50);
		faulted = r == PAGER_FAULT;
		if (faulted) { /* let it go on, with a mark that fails the check below */
			uint64_t *src = src_page(0, 99);
			pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, e);
			vm_unmap(SRC, PG);
		}
	}
	CHECK(!faulted);
	CHECK_EQ(sys_task_wait(h), 0);
	sys_handle_close(h);
	sys_handle_close((int)paged);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

const struct qtest pager_v2_tests[] = {
	{ "discard_forgets_paged_copies", discard_forgets_paged_copies },
	{ "supply_by_copy_and_take", supply_by_copy_and_take },
	{ "write_to_locked_page_unlocks", write_to_locked_page_unlocks },
	{ "forged_badge_refused", forged_badge_refused },
	{ "stale_epoch_supply_refused", stale_epoch_supply_refused },
	{ "deadline_fails_one_request", deadline_fails_one_request },
	{ "rebind_with_fault_in_flight", rebind_with_fault_in_flight },
	{ "rebind_old_pager_dies_during_release", rebind_old_pager_dies_during_release },
	{ "rebind_keeps_dirty_pages", rebind_keeps_dirty_pages },
	{ "rebind_checks_its_arguments", rebind_checks_its_arguments },
	{ "dead_pagers_object_is_rebound", dead_pagers_object_is_rebound },
	{ "vmo_read_waits_for_the_pager", vmo_read_waits_for_the_pager },
};
const size_t n_pager_v2_tests = sizeof(pager_v2_tests) / sizeof(pager_v2_tests[0]);

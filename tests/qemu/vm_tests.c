/*
 * Memory object and pager scenarios. Most drive the pager protocol by
 * hand: the runner itself is the pager (it creates the endpoint and the
 * object), a thread or a helper task faults, and the runner receives the
 * FAULT and supplies, so races are played out in a fixed order.
 */
#include "tests/qemu/vm_helpers.h" /* first: libipc/server.h before name_proto.h */
#include "pagers/common/pager.h"
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"

static uint64_t next_stack = STACKS;

struct toucher {
	volatile uint64_t *addr;
	uint64_t value;  /* written if write */
	bool write;
	volatile uint64_t seen;
	int note;
};

static void touch_thread(void *arg)
{
	struct toucher *tc = arg;
	if (tc->write)
		*tc->addr = tc->value;
	tc->seen = *tc->addr;
	notify_signal(tc->note, 1);
}

/* Starts a thread that reads (or writes then reads) *addr. */
static int start_toucher(struct toucher *tc)
{
	uint64_t stack = next_stack;
	next_stack += 4 * PG;
	if (mem_wire(stack, 2 * PG, VM_R | VM_W))
		return -1;
	tc->note = (int)sys0(SYS_NOTIFY_CREATE);
	tc->seen = 0xdead;
	return thread_spawn(touch_thread, tc, (void *)stack, 2 * PG, PRIO_DEFAULT);
}

/* Whether the toucher finished within ms. */
static bool toucher_done(struct toucher *tc, uint64_t ms)
{
	uint64_t bits;
	return notify_wait(tc->note, &bits, ms * MS) == 0;
}

struct hand_pager {
	int ep, vmo;
	uint64_t base;
};

/* An object of npages paged by the runner, mapped shared at base. */
static int hand_pager_setup(struct hand_pager *hp, uint64_t npages, uint64_t base)
{
	hp->ep = (int)sys0(SYS_ENDPOINT_CREATE);
	hp->vmo = (int)vmo_create(npages * PG, hp->ep, 77);
	hp->base = base;
	if (hp->ep < 0 || hp->vmo < 0)
		return -1;
	return (int)vm_map(hp->vmo, base, npages * PG, 0, VM_R | VM_W | VM_SHARED);
}

static void hand_pager_done(struct hand_pager *hp, uint64_t npages)
{
	vm_unmap(hp->base, npages * PG);
	sys_handle_close(hp->vmo);
	sys_handle_close(hp->ep);
}

static void kernel_zero_object_reads_zeros_and_keeps_writes(void)
{
	long vmo = vmo_create(1000 * PG, VMO_KERNEL_ZERO, 0);
	CHECK(vmo > 0);
	CHECK_EQ(vm_map((int)vmo, AREA, 1000 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	for (uint64_t i = 0; i < 1000 * PG / 8; i += 64)
		CHECK_EQ(p[i], 0);
	for (uint64_t pg = 0; pg < 1000; pg++)
		p[pg * PG / 8] = pg * 31 + 7;
	CHECK_EQ(vm_unmap(AREA, 1000 * PG), 0);
	/* Remapped elsewhere, the object still holds what was written. */
	CHECK_EQ(vm_map((int)vmo, AREA + 0x10000000, 1000 * PG, 0, VM_R | VM_SHARED), 0);
	p = (volatile uint64_t *)(AREA + 0x10000000);
	for (uint64_t pg = 0; pg < 1000; pg++)
		CHECK_EQ(p[pg * PG / 8], pg * 31 + 7);
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.resident, 1000);
	CHECK_EQ(vm_unmap(AREA + 0x10000000, 1000 * PG), 0);
	sys_handle_close((int)vmo);
}

static void hand_driven_pager_supplies_a_fault(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 16, AREA), 0);
	struct toucher tc = { .addr = (volatile uint64_t *)(AREA + 5 * PG + 8) };
	CHECK(start_toucher(&tc) > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 1000 * MS), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), PAGER_FAULT);
	CHECK_EQ(m.w[0], 5 * PG);
	CHECK_EQ(m.w[1], PAGER_W1(VM_R, FAULT_DATA, PAGER_EPOCH_FIRST));
	CHECK_EQ(m.w[3], 16 * PG);
	CHECK_EQ(m.badge, 77);
	CHECK(!toucher_done(&tc, 20)); /* still waiting for the page */
	void *src = src_page(0, 1000);
	CHECK_EQ(pager_supply(hp.vmo, 5 * PG, src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK(toucher_done(&tc, 1000));
	CHECK_EQ(tc.seen, 1001);
	/* The frame left the runner: its slot is free to wire again. */
	CHECK_EQ(mem_wire(SRC, PG, VM_R), 0);
	CHECK_EQ(vm_unmap(SRC, PG), 0);
	/* The trace holds this fault with every stage stamped in order. */
	struct trace_record recs[64];
	long n = 0;
	for (uint64_t first = 0;; first += (uint64_t)n) {
		long got = trace_read(first, recs, 64);
		if (got <= 0)
			break;
		n = got;
	}
	CHECK(n > 0);
	struct trace_record *r = &recs[n - 1];
	CHECK(r->fault_id > 0 && r->pager > 0);
	for (int s = 1; s < TRACE_NSTAGES; s++)
		CHECK(r->stamp[s] >= r->stamp[s - 1] && r->stamp[s] > 0);
	hand_pager_done(&hp, 16);
}

static void two_threads_on_one_page_make_one_request(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 4, AREA), 0);
	struct toucher a = { .addr = (volatile uint64_t *)(AREA + PG) };
	struct toucher b = { .addr = (volatile uint64_t *)(AREA + PG + 64) };
	CHECK(start_toucher(&a) > 0 && start_toucher(&b) > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 1000 * MS), 0);
	CHECK_EQ(m.w[0], PG);
	sys_sleep(20 * MS); /* both are blocked by now */
	CHECK_EQ(ipc_recv(hp.ep, &m, 30 * MS), -E_TIMEOUT); /* no second FAULT */
	struct vmo_info info;
	CHECK_EQ(vmo_info(hp.vmo, &info), 0);
	CHECK_EQ(info.faults, 1);
	CHECK_EQ(info.pending, 1);
	CHECK_EQ(pager_supply(hp.vmo, PG, src_page(1, 500), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK(toucher_done(&a, 1000) && toucher_done(&b, 1000));
	CHECK_EQ(a.seen, 500);
	CHECK_EQ(b.seen, 508);
	hand_pager_done(&hp, 4);
}

static void early_and_extra_supplies_are_accepted(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 8, AREA), 0);
	for (int i = 0; i < 4; i++)
		CHECK(src_page((uint64_t)i, (uint64_t)i * 100) != 0);
	/* Prefetch: four pages nobody asked for. */
	CHECK_EQ(pager_supply(hp.vmo, 0, (void *)SRC, 4, VM_R | VM_W, PAGER_EPOCH_FIRST), 4);
	struct toucher tc = { .addr = (volatile uint64_t *)(AREA + 2 * PG) };
	CHECK(start_toucher(&tc) > 0);
	CHECK(toucher_done(&tc, 1000));
	CHECK_EQ(tc.seen, 200);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 20 * MS), -E_TIMEOUT); /* no FAULT was needed */
	/* A page that is already resident: accepted, but nothing moves. */
	uint64_t *again = src_page(9, 900);
	CHECK_EQ(pager_supply(hp.vmo, 2 * PG, again, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 0);
	CHECK_EQ(again[0], 900); /* still ours */
	CHECK_EQ(*(volatile uint64_t *)(AREA + 2 * PG), 200);
	vm_unmap(SRC + 9 * PG, PG);
	hand_pager_done(&hp, 8);
}

static void bad_supply_is_refused_and_faulter_keeps_waiting(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 8, AREA), 0);
	struct toucher tc = { .addr = (volatile uint64_t *)(AREA + 7 * PG) };
	CHECK(start_toucher(&tc) > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 1000 * MS), 0);
	uint64_t free_before = free_frames();
	void *good = src_page(0, 70);
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, (void *)(SRC + 50 * PG), 1, VM_R, PAGER_EPOCH_FIRST), -E_FAULT);
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG + 8, good, 1, VM_R, PAGER_EPOCH_FIRST), -E_INVAL);
	CHECK_EQ(pager_supply(hp.vmo, 8 * PG, good, 1, VM_R, PAGER_EPOCH_FIRST), -E_RANGE);
	CHECK_EQ(pager_supply(hp.vmo, 6 * PG, good, 3, VM_R, PAGER_EPOCH_FIRST), -E_RANGE);
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, good, 0, VM_R, PAGER_EPOCH_FIRST), -E_INVAL);
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, good, 1, VM_W, PAGER_EPOCH_FIRST), -E_INVAL);
	/* A receive that cannot happen (no such endpoint) refuses the supply too. */
	struct ipc_msg nm;
	CHECK_EQ(pager_supply_recv(hp.vmo, 7 * PG, good, 1, VM_R, PAGER_EPOCH_FIRST, 99, &nm), -E_BADH);
	CHECK_EQ(pager_supply_recv(hp.vmo, 7 * PG, good, 1, VM_R, PAGER_EPOCH_FIRST, hp.vmo, &nm), -E_BADH);
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, (void *)0xffffffc080200000ul, 1, VM_R, PAGER_EPOCH_FIRST), -E_FAULT);
	/* A page of an object mapping is not the pager's own memory. */
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, (void *)AREA, 1, VM_R, PAGER_EPOCH_FIRST), -E_FAULT);
	/* Nor is a read-only one, or a page shared with another mapping. */
	CHECK_EQ(mem_wire(SRC + PG, PG, VM_R), 0);
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, (void *)(SRC + PG), 1, VM_R, PAGER_EPOCH_FIRST), -E_FAULT);
	/* Two pages where the second is not ours: nothing moves. */
	CHECK_EQ(pager_supply(hp.vmo, 6 * PG, (void *)(SRC - PG), 2, VM_R, PAGER_EPOCH_FIRST), -E_FAULT);
	long weak = sys_handle_copy(hp.vmo, R_MAP | R_READ);
	CHECK_EQ(pager_supply((int)weak, 7 * PG, good, 1, VM_R, PAGER_EPOCH_FIRST), -E_PERM);
	CHECK(!toucher_done(&tc, 20));
	CHECK_EQ(((uint64_t *)good)[0], 70); /* the page never left */
	CHECK_EQ(pager_supply(hp.vmo, 7 * PG, good, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK(toucher_done(&tc, 1000));
	CHECK_EQ(tc.seen, 70);
	vm_unmap(SRC + PG, PG);
	sys_handle_close((int)weak);
	hand_pager_done(&hp, 8);
	CHECK(free_frames() >= free_before - 8);
}

static void query_reports_accessed_and_dirty(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 4, AREA), 0);
	for (int i = 0; i < 3; i++)
		src_page((uint64_t)i, 0);
	CHECK_EQ(pager_supply(hp.vmo, 0, (void *)SRC, 3, VM_R | VM_W, PAGER_EPOCH_FIRST), 3);
	uint8_t st[4];
	CHECK_EQ(pager_query(hp.vmo, 0, 4, st, 0), 0);
	CHECK_EQ(st[0], PAGE_RESIDENT); /* supplied, never touched */
	CHECK_EQ(st[3], 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	(void)p[0];                /* read page 0 */
	p[PG / 8] = 5;             /* write page 1 */
	CHECK_EQ(pager_query(hp.vmo, 0, 4, st, QUERY_CLEAR_ACCESSED), 0);
	CHECK_EQ(st[0], PAGE_RESIDENT | PAGE_ACCESSED);
	CHECK_EQ(st[1], PAGE_RESIDENT | PAGE_ACCESSED | PAGE_DIRTY);
	CHECK_EQ(st[2], PAGE_RESIDENT);
	CHECK_EQ(pager_query(hp.vmo, 0, 4, st, 0), 0);
	CHECK_EQ(st[0], PAGE_RESIDENT); /* accessed was cleared */
	CHECK_EQ(st[1], PAGE_RESIDENT | PAGE_DIRTY); /* dirty stays until cleaned */
	(void)p[0];
	CHECK_EQ(pager_query(hp.vmo, 0, 1, st, 0), 0);
	CHECK_EQ(st[0], PAGE_RESIDENT | PAGE_ACCESSED); /* seen again */
	CHECK_EQ(pager_lock(hp.vmo, PG, 1, LOCK_CLEAN, PAGER_EPOCH_FIRST), 0);
	CHECK_EQ(pager_query(hp.vmo, PG, 1, st, 0), 0);
	CHECK_EQ(st[0] & PAGE_DIRTY, 0);
	p[PG / 8] = 6;
	CHECK_EQ(pager_query(hp.vmo, PG, 1, st, 0), 0);
	CHECK_EQ(st[0] & PAGE_DIRTY, PAGE_DIRTY);
	CHECK_EQ(pager_query(hp.vmo, 0, 5, st, 0), -E_RANGE);
	CHECK_EQ(pager_query(hp.vmo, 0, 1, (uint8_t *)0x10, 0), -E_FAULT);
	hand_pager_done(&hp, 4);
}

static void evict_then_touch_brings_data_back(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 2, AREA), 0);
	src_page(0, 10);
	src_page(1, 20);
	CHECK_EQ(pager_supply(hp.vmo, 0, (void *)SRC, 2, VM_R | VM_W, PAGER_EPOCH_FIRST), 2);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	p[3] = 4242; /* page 0 dirty, page 1 clean */
	(void)p[PG / 8];
	uint8_t st[2];
	uint64_t dst = SRC + 16 * PG;
	CHECK_EQ(pager_evict(hp.vmo, 0, 2, (void *)dst, st, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(st[0], PAGE_RESIDENT | PAGE_DIRTY);
	CHECK_EQ(st[1], PAGE_RESIDENT);
	CHECK_EQ(((uint64_t *)dst)[3], 4242); /* the dirty frame came back to us */
	CHECK_EQ(((uint64_t *)dst)[4], 14);
	struct vmo_info info;
	CHECK_EQ(vmo_info(hp.vmo, &info), 0);
	CHECK_EQ(info.resident, 0);
	/* Touching it again asks the pager, which hands the same data back. */
	struct toucher tc = { .addr = (volatile uint64_t *)(AREA + 24) };
	CHECK(start_toucher(&tc) > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 1000 * MS), 0);
	CHECK_EQ(m.w[0], 0);
	CHECK_EQ(pager_supply(hp.vmo, 0, (void *)dst, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK(toucher_done(&tc, 1000));
	CHECK_EQ(tc.seen, 4242);
	/* Evicting into occupied memory is refused. */
	void *busy = src_page(20, 0);
	CHECK_EQ(pager_evict(hp.vmo, 0, 1, busy, st, PAGER_EPOCH_FIRST), -E_BUSY);
	vm_unmap((uint64_t)busy, PG);
	hand_pager_done(&hp, 2);
}

static void write_protect_sends_writes_to_the_pager(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 1, AREA), 0);
	CHECK_EQ(pager_supply(hp.vmo, 0, src_page(0, 1), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	p[0] = 11;
	CHECK_EQ(pager_lock(hp.vmo, 0, 1, LOCK_WRITE_PROTECT, PAGER_EPOCH_FIRST), 0);
	CHECK_EQ(p[0], 11); /* reads still fine */
	struct toucher tc = { .addr = p, .value = 12, .write = true };
	CHECK(start_toucher(&tc) > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 1000 * MS), 0);
	CHECK_EQ(m.w[0], 0);
	CHECK_EQ(m.w[1], PAGER_W1(VM_W, FAULT_UNLOCK, PAGER_EPOCH_FIRST));
	CHECK(!toucher_done(&tc, 20));
	CHECK_EQ(pager_lock(hp.vmo, 0, 1, LOCK_UNLOCK, PAGER_EPOCH_FIRST), 0);
	CHECK(toucher_done(&tc, 1000));
	CHECK_EQ(p[0], 12);
	CHECK_EQ(pager_lock(hp.vmo, 0, 1, 99, PAGER_EPOCH_FIRST), -E_INVAL);
	hand_pager_done(&hp, 1);
}

static void private_mapping_copies_on_write(void)
{
	long vmo = vmo_create(PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_W | VM_SHARED), 0);
	CHECK_EQ(vm_map((int)vmo, AREA + PG, PG, 0, VM_R | VM_W | VM_PRIVATE), 0);
	volatile uint64_t *shared = (volatile uint64_t *)AREA;
	volatile uint64_t *priv = (volatile uint64_t *)(AREA + PG);
	shared[0] = 1;
	CHECK_EQ(priv[0], 1);  /* reads see the object */
	priv[0] = 2;           /* the write makes a private copy */
	CHECK_EQ(shared[0], 1);
	CHECK_EQ(priv[0], 2);
	shared[1] = 3;         /* later object writes do not reach the copy */
	CHECK_EQ(priv[1], 0);
	CHECK_EQ(vm_unmap(AREA, 2 * PG), 0);
	sys_handle_close((int)vmo);
}

static void two_tasks_share_an_object(void)
{
	long vmo = vmo_create(4 * PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vm_map((int)vmo, AREA, 4 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	*(volatile uint64_t *)AREA = 99;
	int h = touch_in_task(vmo, "touchvmo");
	CHECK(h > 0);
	CHECK_EQ(sys_task_wait(h), 99);
	CHECK_EQ(*(volatile uint64_t *)(AREA + 8), 100); /* its write reached us */
	sys_handle_close(h);
	CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
	sys_handle_close((int)vmo);
}

static void late_pager_hands_over_to_fallback(void)
{
	int slow = (int)sys0(SYS_ENDPOINT_CREATE);
	int fb = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, slow, 5);
	CHECK_EQ(vmo_set((int)vmo, fb, 6, 50), 0);
	int h = touch_in_task(vmo, "touchvmo");
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(slow, &m, 1000 * MS), 0);
	CHECK_EQ(ipc_recv(fb, &m, 2000 * MS), 0); /* re-sent to the fallback */
	CHECK_EQ(IPC_TAG_LABEL(m.tag), PAGER_FAULT);
	CHECK_EQ(m.badge, 6);
	uint64_t *src = src_page(0, 0);
	src[0] = 55;
	CHECK_EQ(PAGER_EPOCH(m.w[1]), PAGER_EPOCH_FIRST + 1); /* the switch is a new binding */
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), -E_STALE);
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, PAGER_EPOCH(m.w[1])), 1);
	CHECK_EQ(sys_task_wait(h), 55);
	sys_handle_close(h);
	sys_handle_close((int)vmo);
	sys_handle_close(slow);
	sys_handle_close(fb);
}

static void dead_pager_hands_over_to_fallback(void)
{
	/* The helper creates (and so owns) the pager endpoint, passes it to
	 * us, takes the first FAULT and dies with it unanswered. */
	int ctl = (int)sys0(SYS_ENDPOINT_CREATE), pep;
	struct ipc_msg m;
	int pager = dying_pager(ctl, &pep, &m);
	CHECK(pager > 0);
	int fb = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, pep, 8);
	CHECK(vmo > 0);
	CHECK_EQ(vmo_set((int)vmo, fb, 9, 5000), 0);
	CHECK_EQ(ipc_reply(&m), 0); /* now the helper waits for the FAULT */
	int h = touch_in_task(vmo, "touchvmo");
	CHECK_EQ(sys_task_wait(pager), 0);
	CHECK_EQ(ipc_recv(fb, &m, 2000 * MS), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), PAGER_FAULT);
	CHECK_EQ(m.badge, 9);
	uint64_t *src = src_page(0, 0);
	src[0] = 66;
	CHECK_EQ(pager_supply((int)vmo, 0, src, 1, VM_R | VM_W, PAGER_EPOCH(m.w[1])), 1);
	CHECK_EQ(sys_task_wait(h), 66);
	sys_handle_close(h);
	sys_handle_close(pager);
	sys_handle_close((int)vmo);
	sys_handle_close(pep);
	sys_handle_close(fb);
	sys_handle_close(ctl);
}

static void task_exit_while_blocked_on_a_fault(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep, 1);
	int h = touch_in_task(vmo, "touchvmo");
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 1000 * MS), 0);
	uint64_t before = free_frames();
	CHECK_EQ(sys_task_kill(h), 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
	sys_handle_close(h);
	CHECK(free_frames() > before); /* its memory came back */
	/* A supply for the abandoned request still lands in the object. */
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 3), 1, VM_R, PAGER_EPOCH_FIRST), 1);
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.pending, 0);
	CHECK_EQ(info.resident, 1);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

static void pager_fail_kills_the_faulting_task(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(PG, ep, 1);
	int h = touch_in_task(vmo, "touchvmo");
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 1000 * MS), 0);
	CHECK_EQ(pager_fail((int)vmo, 0, 1, -E_RANGE, PAGER_EPOCH_FIRST), 0);
	CHECK_EQ(sys_task_wait(h), TASK_STATUS_KILLED | TASK_KILLED_PAGER);
	sys_handle_close(h);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

static void bad_vm_arguments_are_refused(void)
{
	long vmo = vmo_create(4 * PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vmo_create(0, VMO_KERNEL_ZERO, 0), -E_INVAL);
	CHECK_EQ(vmo_create(PG + 1, VMO_KERNEL_ZERO, 0), -E_INVAL);
	CHECK_EQ(vmo_create(PG, H_SELF, 0), -E_BADH); /* not an endpoint */
	CHECK_EQ(vm_map((int)vmo, AREA + 1, PG, 0, VM_R | VM_SHARED), -E_INVAL);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R), -E_INVAL); /* no SHARED/PRIVATE */
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_SHARED), -E_INVAL);
	CHECK_EQ(vm_map((int)vmo, AREA, 5 * PG, 0, VM_R | VM_SHARED), -E_RANGE);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 4 * PG, VM_R | VM_SHARED), -E_RANGE);
	CHECK_EQ(vm_map((int)vmo, 0xffffffc000000000ul, PG, 0, VM_R | VM_SHARED), -E_RANGE);
	CHECK_EQ(vm_map(H_SELF, AREA, PG, 0, VM_R | VM_SHARED), -E_BADH);
	CHECK_EQ(vm_map((int)vmo, AREA, 4 * PG, 0, VM_R | VM_SHARED), 0);
	CHECK_EQ(vm_map((int)vmo, AREA + PG, PG, 0, VM_R | VM_SHARED), -E_BUSY);
	CHECK_EQ(vm_protect(AREA, PG, VM_R), -E_INVAL);
	CHECK_EQ(vm_protect(AREA, 4 * PG, VM_R | VM_W), 0);
	*(volatile uint64_t *)AREA = 1;
	CHECK_EQ(vm_protect(AREA, 4 * PG, VM_R), 0);
	CHECK_EQ(*(volatile uint64_t *)AREA, 1);
	CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
	sys_handle_close((int)vmo);
}

static void zero_supply_fills_zeros_and_maps_around(void)
{
	struct hand_pager hp;
	CHECK_EQ(hand_pager_setup(&hp, 8, AREA), 0);
	struct toucher tc = { .addr = (volatile uint64_t *)(AREA + 2 * PG + 16) };
	CHECK(start_toucher(&tc) > 0);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(hp.ep, &m, 1000 * MS), 0);
	CHECK_EQ(m.w[0], 2 * PG);
	uint64_t before = free_frames();
	/* No data: the kernel zero-fills four pages from the faulting one. */
	CHECK_EQ(pager_supply(hp.vmo, 2 * PG, 0, 4, VM_R | VM_W, PAGER_EPOCH_FIRST), 4);
	CHECK(toucher_done(&tc, 1000));
	CHECK_EQ(tc.seen, 0);
	CHECK(free_frames() <= before - 4);
	struct vmo_info info;
	CHECK_EQ(vmo_info(hp.vmo, &info), 0);
	CHECK_EQ(info.resident, 4);
	/* The read-ahead pages were mapped with the faulting one: touching
	 * them takes no fault at all, not even a minor one. */
	uint64_t minor = info.minor;
	for (int pg = 3; pg < 6; pg++)
		CHECK_EQ(*(volatile uint64_t *)(AREA + (uint64_t)pg * PG), 0);
	CHECK_EQ(vmo_info(hp.vmo, &info), 0);
	CHECK_EQ(info.minor, minor);
	CHECK_EQ(pager_supply(hp.vmo, 6 * PG, 0, 3, VM_R, PAGER_EPOCH_FIRST), -E_RANGE);
	hand_pager_done(&hp, 8);
}

static void zero_pager_fills_1000_pages_with_zeros(void)
{
	static struct ipc_buffer buf;
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	CHECK(zp > 0);
	uint64_t w[4] = { 1000 * PG };
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), 0);
	int vmo = buf.handles[0];
	struct handle_info hi;
	CHECK_EQ(sys_handle_info(vmo, &hi), 0);
	CHECK_EQ(hi.type, OBJ_VMO);
	CHECK_EQ(hi.rights & R_PAGER, 0); /* clients do not get the pager's right */
	CHECK_EQ(vm_map(vmo, AREA, 1000 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	for (uint64_t pg = 0; pg < 1000; pg++)
		for (uint64_t i = 0; i < PG / 8; i += 127)
			CHECK_EQ(p[pg * PG / 8 + i], 0);
	for (uint64_t pg = 0; pg < 1000; pg++)
		p[pg * PG / 8 + 5] = pg ^ 0x5a5a;
	for (uint64_t pg = 0; pg < 1000; pg++)
		CHECK_EQ(p[pg * PG / 8 + 5], pg ^ 0x5a5a);
	uint64_t stats[4];
	uint32_t nw = 0;
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_STATS, w, 0, 0, 0, 0, stats, 4, &nw), 0);
	CHECK_EQ(nw, 5);
	CHECK(stats[0] >= 1000); /* every page came through the pager */
	CHECK_EQ(vm_unmap(AREA, 1000 * PG), 0);
	CHECK_EQ(sys_handle_close(vmo), 0);
	/* Bad requests get errors and the pager keeps serving. */
	w[0] = 4095;
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), -E_INVAL);
	CHECK_EQ(ipc_request((int)zp, &buf, 999, w, 1, 0, 0, 0, 0, 0, 0), -E_NOSYS);
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_STATS, w, 0, 0, 0, 0, stats, 4, &nw), 0);
	sys_handle_close((int)zp);
}

/* The zero pager's refill thread runs only while the hart would idle,
 * woken by its idle doorbell (uapi/ipc.h), which the loop arms with a
 * store when the pool runs low: after faults that drain the pool and a
 * pause, it has wired pages again. (Were the doorbell never rung, the
 * thread would sleep on and the count would not move.) */
static void zero_pager_refills_its_pool_while_idle(void)
{
	static struct ipc_buffer buf;
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	long zp = name_lookup(H_NAME, &buf, "pager.zero");
	CHECK(zp > 0);
	uint64_t w[1] = { 512 * PG }, st[5];
	uint32_t nw = 0;
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_STATS, 0, 0, 0, 0, 0, st, 5, &nw), 0);
	CHECK_EQ(nw, 5);
	uint64_t wired0 = st[4];
	CHECK_EQ(ipc_request((int)zp, &buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), 0);
	int vmo = buf.handles[0];
	CHECK_EQ(vm_map(vmo, AREA, 512 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	for (uint64_t pg = 0; pg < 512; pg++) /* far more than the pool holds */
		*(volatile uint64_t *)(AREA + pg * PG) = pg;
	uint64_t wired = wired0;
	for (int i = 0; i < 100 && wired == wired0; i++) {
		sys_sleep(1000 * 1000);
		CHECK_EQ(ipc_request((int)zp, &buf, ZERO_STATS, 0, 0, 0, 0, 0, st, 5, &nw), 0);
		wired = st[4];
	}
	CHECK(wired > wired0);
	CHECK(st[2] > 0); /* pages ready again */
	CHECK_EQ(vm_unmap(AREA, 512 * PG), 0);
	CHECK_EQ(sys_handle_close(vmo), 0);
	sys_handle_close((int)zp);
}

static struct ipc_buffer zbuf;

/* The number of objects the zero pager keeps (ZERO_STATS w3), or < 0. */
static long zero_objects(int zp)
{
	uint64_t st[4];
	uint32_t nw = 0;
	long err = ipc_request(zp, &zbuf, ZERO_STATS, 0, 0, 0, 0, 0, st, 4, &nw);
	return err ? err : nw == 5 ? (long)st[3] : -E_FORMAT;
}

/* A ZERO_CREATE through a raw call, so the caller may lack a buffer. */
static long zero_create_raw(int zp)
{
	struct ipc_msg m = { .tag = IPC_TAG(ZERO_CREATE, 1, 0), .w = { 4096 } };
	return ipc_call(zp, &m, 0);
}

/* Fills this task's handle table with copies of H_SELF; returns how many. */
static int fill_handle_table(int32_t *out, int max)
{
	int n = 0;
	for (long h; n < max && (h = sys_handle_copy(H_SELF, R_READ)) >= 0;)
		out[n++] = (int32_t)h;
	return n;
}

/*
 * A create whose reply cannot be delivered (the caller has no IPC buffer
 * to take the handle, or no free slot) must not leave the object behind:
 * more of them than the pager's table holds would lock every later
 * client out with E_FULL.
 */
static void zero_pager_forgets_objects_it_could_not_hand_over(void)
{
	CHECK_EQ(ipc_buffer_setup(&zbuf), 0);
	long zp = name_lookup(H_NAME, &zbuf, "pager.zero");
	CHECK(zp > 0);
	long before = zero_objects((int)zp);
	CHECK(before >= 0);
	CHECK_EQ(ipc_buffer_setup(0), 0);
	long err = 0;
	for (int i = 0; i < PAGER_MAX_OBJECTS + 8 && !err; i++)
		err = zero_create_raw((int)zp) == -E_RANGE ? 0 : i + 1;
	CHECK_EQ(ipc_buffer_setup(&zbuf), 0);
	CHECK_EQ(err, 0); /* each of them refused for want of a buffer */
	CHECK_EQ(zero_objects((int)zp), before);
	static int32_t fill[128];
	int nfill = fill_handle_table(fill, 128);
	long full[4];
	for (int i = 0; i < 4; i++)
		full[i] = zero_create_raw((int)zp);
	for (int i = 0; i < nfill; i++)
		sys_handle_close(fill[i]);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(full[i], -E_FULL);
	CHECK_EQ(zero_objects((int)zp), before);
	/* And the pager still creates objects for a client that can take them. */
	uint64_t w[1] = { 4096 };
	CHECK_EQ(ipc_request((int)zp, &zbuf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0), 0);
	int vmo = zbuf.handles[0];
	CHECK_EQ(zero_objects((int)zp), before + 1);
	CHECK_EQ(sys_handle_close(vmo), 0);
	sys_handle_close((int)zp);
}

static void partial_unmap_trims_and_splits_mappings(void)
{
	long vmo = vmo_create(4 * PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vm_map((int)vmo, AREA, 4 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	for (uint64_t pg = 0; pg < 4; pg++)
		*(volatile uint64_t *)(AREA + pg * PG) = 100 + pg;
	CHECK_EQ(vm_unmap(AREA + PG, PG), 0); /* splits the mapping in two */
	CHECK_EQ(*(volatile uint64_t *)AREA, 100);
	CHECK_EQ(*(volatile uint64_t *)(AREA + 2 * PG), 102);
	CHECK_EQ(*(volatile uint64_t *)(AREA + 3 * PG), 103);
	/* The hole is free again; mapping the same page there again brings
	 * back its data (it stayed in the object). */
	CHECK_EQ(vm_map((int)vmo, AREA + PG, PG, PG, VM_R | VM_W | VM_SHARED), 0);
	CHECK_EQ(*(volatile uint64_t *)(AREA + PG), 101);
	CHECK_EQ(vm_unmap(AREA + 3 * PG, PG), 0); /* trims a tail */
	CHECK_EQ(vm_unmap(AREA, PG), 0);          /* trims a head */
	CHECK_EQ(*(volatile uint64_t *)(AREA + 2 * PG), 102);
	CHECK_EQ(vm_map((int)vmo, AREA, PG, 0, VM_R | VM_SHARED), 0);
	CHECK_EQ(*(volatile uint64_t *)AREA, 100);
	CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
	/* Growing a mapping page by page (a heap) keeps one region. */
	for (uint64_t pg = 0; pg < 4; pg++)
		CHECK_EQ(vm_map((int)vmo, AREA + pg * PG, PG, pg * PG, VM_R | VM_W | VM_SHARED), 0);
	CHECK_EQ(vm_protect(AREA, 4 * PG, VM_R), 0); /* one region covers all four */
	CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
	sys_handle_close((int)vmo);
}

/* 1,024 regions, each a page apart so that none extends another: data
 * stays where it was put while half of them go and come back, a map over
 * one in the middle is refused, and an empty gigabyte maps and unmaps. */
static void thousand_regions_keep_their_pages(void)
{
	enum { NR = 1024 };
	const uint64_t gib = 1ul << 30, gib_area = 0x2000000000ul;
	long vmo = vmo_create(NR * PG, VMO_KERNEL_ZERO, 0);
	CHECK(vmo >= 0);
	for (uint64_t i = 0; i < NR; i++) {
		CHECK_EQ(vm_map((int)vmo, AREA + 2 * i * PG, PG, i * PG, VM_R | VM_W | VM_SHARED), 0);
		*(volatile uint64_t *)(AREA + 2 * i * PG) = 1000 + i;
	}
	CHECK_EQ(vm_map((int)vmo, AREA + 1000 * PG, PG, 0, VM_R | VM_SHARED), -E_BUSY);
	CHECK_EQ(vm_map((int)vmo, AREA + 1001 * PG, PG, 0, VM_R | VM_SHARED), 0); /* a gap */
	CHECK_EQ(*(volatile uint64_t *)(AREA + 1001 * PG), 1000);
	CHECK_EQ(vm_unmap(AREA + 1001 * PG, PG), 0);
	for (uint64_t i = 1; i < NR; i += 2)
		CHECK_EQ(vm_unmap(AREA + 2 * i * PG, PG), 0);
	for (uint64_t i = 0; i < NR; i += 2)
		CHECK_EQ(*(volatile uint64_t *)(AREA + 2 * i * PG), 1000 + i);
	for (uint64_t i = 1; i < NR; i += 2) { /* back, with their data */
		CHECK_EQ(vm_map((int)vmo, AREA + 2 * i * PG, PG, i * PG, VM_R | VM_SHARED), 0);
		CHECK_EQ(*(volatile uint64_t *)(AREA + 2 * i * PG), 1000 + i);
	}
	CHECK_EQ(vm_unmap(AREA, 2 * NR * PG), 0); /* one unmap for all */
	long big = vmo_create(gib, VMO_KERNEL_ZERO, 0);
	CHECK(big >= 0);
	CHECK_EQ(vm_map((int)big, gib_area, gib, 0, VM_R | VM_W | VM_SHARED), 0);
	*(volatile uint64_t *)(gib_area + gib - PG) = 7;
	CHECK_EQ(vm_unmap(gib_area, gib), 0);
	CHECK_EQ(vm_map((int)big, gib_area, gib, 0, VM_R | VM_SHARED), 0);
	CHECK_EQ(*(volatile uint64_t *)(gib_area + gib - PG), 7);
	CHECK_EQ(vm_unmap(gib_area, gib), 0);
	sys_handle_close((int)big);
	sys_handle_close((int)vmo);
}

const struct qtest vm_tests[] = {
	{ "partial_unmap_trims_and_splits_mappings", partial_unmap_trims_and_splits_mappings },
	{ "thousand_regions_keep_their_pages", thousand_regions_keep_their_pages },
	{ "zero_supply_fills_zeros_and_maps_around", zero_supply_fills_zeros_and_maps_around },
	{ "zero_pager_fills_1000_pages_with_zeros", zero_pager_fills_1000_pages_with_zeros },
	{ "zero_pager_forgets_objects_it_could_not_hand_over",
	  zero_pager_forgets_objects_it_could_not_hand_over },
	{ "kernel_zero_object_reads_zeros_and_keeps_writes",
	  kernel_zero_object_reads_zeros_and_keeps_writes },
	{ "hand_driven_pager_supplies_a_fault", hand_driven_pager_supplies_a_fault },
	{ "two_threads_on_one_page_make_one_request", two_threads_on_one_page_make_one_request },
	{ "early_and_extra_supplies_are_accepted", early_and_extra_supplies_are_accepted },
	{ "bad_supply_is_refused_and_faulter_keeps_waiting",
	  bad_supply_is_refused_and_faulter_keeps_waiting },
	{ "query_reports_accessed_and_dirty", query_reports_accessed_and_dirty },
	{ "evict_then_touch_brings_data_back", evict_then_touch_brings_data_back },
	{ "write_protect_sends_writes_to_the_pager", write_protect_sends_writes_to_the_pager },
	{ "private_mapping_copies_on_write", private_mapping_copies_on_write },
	{ "two_tasks_share_an_object", two_tasks_share_an_object },
	{ "late_pager_hands_over_to_fallback", late_pager_hands_over_to_fallback },
	{ "dead_pager_hands_over_to_fallback", dead_pager_hands_over_to_fallback },
	{ "task_exit_while_blocked_on_a_fault", task_exit_while_blocked_on_a_fault },
	{ "pager_fail_kills_the_faulting_task", pager_fail_kills_the_faulting_task },
	{ "bad_vm_arguments_are_refused", bad_vm_arguments_are_refused },
	{ "zero_pager_refills_its_pool_while_idle", zero_pager_refills_its_pool_while_idle },
};
const size_t n_vm_tests = sizeof(vm_tests) / sizeof(vm_tests[0]);

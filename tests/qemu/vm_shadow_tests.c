/*
 * Anonymous and shadow objects: every page a program can touch belongs
 * to an object, private copies included, so they are queried and evicted
 * like any page; shadow chains stay short; anonymous pages never paged
 * out cost no IPC on first touch.
 */
#include "tests/qemu/vm_helpers.h" /* first: libipc/server.h before the rest */

/* An anonymous object of npages with word 0 of page i = fill + i. */
static long anon_filled(uint64_t npages, uint64_t fill)
{
	long o = vmo_anon(npages * PG, -1, 0, -1, 0);
	if (o < 0 || vm_map((int)o, AREA, npages * PG, 0, VM_R | VM_W | VM_SHARED))
		return -1;
	for (uint64_t i = 0; i < npages; i++)
		*(volatile uint64_t *)(AREA + i * PG) = fill + i;
	vm_unmap(AREA, npages * PG);
	return o;
}

static void cow_copy_is_pageable(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long base = anon_filled(1, 10);
	CHECK(base > 0);
	long s = vmo_anon(PG, (int)base, 0, ep, 5); /* a shadow we page */
	CHECK(s > 0);
	volatile uint64_t *p = (volatile uint64_t *)(AREA + 16 * PG);
	CHECK_EQ(vm_map((int)s, (uint64_t)p, PG, 0, VM_R | VM_W | VM_SHARED), 0);
	CHECK_EQ(p[0], 10); /* read through to the page below */
	p[0] = 42;          /* copied up into the shadow */
	CHECK_EQ(vm_map((int)base, AREA, PG, 0, VM_R | VM_SHARED), 0);
	CHECK_EQ(*(volatile uint64_t *)AREA, 10); /* the object below is untouched */
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	uint8_t st[1];
	CHECK_EQ(pager_query((int)s, 0, 1, st, 0), 0);
	CHECK_EQ(st[0] & (PAGE_RESIDENT | PAGE_DIRTY), PAGE_RESIDENT | PAGE_DIRTY);
	CHECK_EQ(pager_evict((int)s, 0, 1, (void *)SRC, st, PAGER_EPOCH_FIRST), 1); /* the copy comes to us */
	CHECK_EQ(*(volatile uint64_t *)SRC, 42);
	/* Touched again, the page is asked of its pager (it was paged out). */
	int h = touch_in_task(s, "touchvmo");
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 1000 * MS), 0);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), PAGER_FAULT);
	CHECK_EQ(m.badge, 5);
	CHECK_EQ(m.w[0], 0);
	CHECK_EQ(pager_supply((int)s, 0, (void *)SRC, 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(sys_task_wait(h), 42);
	CHECK_EQ(p[0], 42);
	CHECK_EQ(vm_unmap((uint64_t)p, PG), 0);
	sys_handle_close(h);
	sys_handle_close((int)s);
	sys_handle_close((int)base);
	sys_handle_close(ep);
}

static void shadow_chain_collapses(void)
{
	long prev = anon_filled(4, 1000);
	CHECK(prev > 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	for (uint64_t level = 1; level <= 100; level++) {
		long next = vmo_anon(4 * PG, (int)prev, 0, -1, 0);
		CHECK(next > 0);
		sys_handle_close((int)prev); /* only next uses it now */
		CHECK_EQ(vm_map((int)next, AREA, 4 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
		p[(level % 4) * PG / 8 + level] = 5000 + level;
		CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
		prev = next;
	}
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)prev, &info), 0);
	CHECK(info.depth <= 1);
	CHECK_EQ(vm_map((int)prev, AREA, 4 * PG, 0, VM_R | VM_SHARED), 0);
	for (uint64_t pg = 0; pg < 4; pg++)
		CHECK_EQ(p[pg * PG / 8], 1000 + pg); /* the first level's */
	for (uint64_t level = 1; level <= 100; level++)
		CHECK_EQ(p[(level % 4) * PG / 8 + level], 5000 + level);
	CHECK_EQ(vm_unmap(AREA, 4 * PG), 0);
	sys_handle_close((int)prev);
}

static void anon_first_touch_no_ipc(void)
{
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long a = vmo_anon(8 * PG, -1, 0, ep, 3);
	CHECK(a > 0);
	CHECK_EQ(vm_map((int)a, AREA, 8 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	for (uint64_t pg = 0; pg < 8; pg++) {
		CHECK_EQ(p[pg * PG / 8 + 3], 0);
		p[pg * PG / 8] = pg + 1;
	}
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 20 * MS), -E_TIMEOUT); /* the pager heard nothing */
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)a, &info), 0);
	CHECK_EQ(info.faults, 0);
	CHECK_EQ(info.resident, 8);
	CHECK_EQ(vm_unmap(AREA, 8 * PG), 0);
	sys_handle_close((int)a);
	sys_handle_close(ep);
}

/* Bad input: a shadow of an object the caller cannot read, or beyond it. */
static void anon_and_shadow_arguments_are_checked(void)
{
	long base = vmo_anon(2 * PG, -1, 0, -1, 0);
	CHECK(base > 0);
	long ro = sys_handle_copy((int)base, R_MAP);
	CHECK(ro > 0);
	CHECK_EQ(vmo_anon(PG, (int)ro, 0, -1, 0), -E_PERM);
	CHECK_EQ(vmo_anon(PG, (int)base, 2 * PG, -1, 0), -E_RANGE);
	CHECK_EQ(vmo_anon(3 * PG, (int)base, 0, -1, 0), -E_RANGE);
	CHECK_EQ(vmo_anon(PG + 1, -1, 0, -1, 0), -E_INVAL);
	CHECK_EQ(vmo_anon(PG, -1, 0, H_SELF, 0), -E_BADH); /* no endpoint */
	CHECK_EQ(sys3(SYS_DEFAULT_PAGER, H_SYSINFO, -1, 0), -E_PERM); /* needs CONTROL */
	sys_handle_close((int)ro);
	sys_handle_close((int)base);
}

const struct qtest vm_shadow_tests[] = {
	{ "cow_copy_is_pageable", cow_copy_is_pageable },
	{ "shadow_chain_collapses", shadow_chain_collapses },
	{ "anon_first_touch_no_ipc", anon_first_touch_no_ipc },
	{ "anon_and_shadow_arguments_are_checked", anon_and_shadow_arguments_are_checked },
};
const size_t n_vm_shadow_tests = sizeof(vm_shadow_tests) / sizeof(vm_shadow_tests[0]);

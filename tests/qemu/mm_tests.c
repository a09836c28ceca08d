/*
 * The memory manager's hooks (uapi/mm.h): watermarks, faults waiting for
 * frames below min, RETURN of dirty frames to the object's pager, and
 * what the manager capability cannot reach. The runner holds the
 * capability (init hands it over) and plays the manager.
 */
#include "tests/qemu/vm_helpers.h"

#include "libipc/spawn.h"
#include "pagers/zero/zero_proto.h"
#include "servers/name/name_proto.h"

#define RET_AREA 0x3a00000000ul /* the runner's return area, as a pager */

/* Puts the default watermarks back (and lets waiters go). */
static void restore(int mm, const struct mm_state *was)
{
	CHECK_EQ(mm_watermarks(mm, was->min, was->low, was->high, 0), 0);
}

/* Whether task h is still running after ms. */
static bool still_running(int h, uint64_t ms)
{
	sys_sleep(ms * MS);
	struct task_info ti;
	return sys_task_info(h, &ti) == 0 && ti.state == TASK_ALIVE;
}

static void low_memory_notifies_manager(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	struct mm_state was, st;
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &was), 0);
	int note = (int)sys_notify_create();
	CHECK_EQ(mm_register(mm, note, 4), 0);
	CHECK_EQ(mm_register(mm, note, 4), 0); /* again: still ours */
	uint64_t bits;
	CHECK_EQ(notify_wait(note, &bits, 20 * MS), -E_TIMEOUT); /* plenty free */
	/* low 64 frames under what is free now: 128 pages touched cross it. */
	uint64_t free = free_frames();
	CHECK(free > was.min + 200);
	CHECK_EQ(mm_watermarks(mm, was.min, free - 64, free + 64, 0), 0);
	int h = helper("touchpages", "128");
	CHECK_EQ(notify_wait(note, &bits, 2000 * MS), 0);
	CHECK_EQ(bits, 4);
	CHECK_EQ(sys_task_wait(h), 0);
	sys_handle_close(h);
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &st), 0);
	CHECK(st.low_signals > was.low_signals);
	restore(mm, &was);
	CHECK_EQ(mm_register(mm, -1, 0), 0);
	sys_handle_close(note);
}

static void allocation_waits_below_min(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	struct mm_state was, st;
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &was), 0);
	/* min 32 frames under what is free: the toucher needs more than that. */
	uint64_t free = free_frames();
	CHECK_EQ(mm_watermarks(mm, free - 32, free - 16, free + 64, 0), 0);
	int h = helper("touchpages", "256");
	CHECK(still_running(h, 300)); /* waiting, not killed */
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &st), 0);
	CHECK(st.waiting >= 1);
	CHECK_EQ(st.oom_kills, was.oom_kills);
	restore(mm, &was); /* frames again: it goes on */
	CHECK_EQ(sys_task_wait(h), 0);
	sys_handle_close(h);
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &st), 0);
	CHECK_EQ(st.waiting, 0);
}

/* Nothing freed in time: the waiting task holding the most frames goes,
 * with a log line, and the other waiters go on. */
static void out_of_memory_kills_the_biggest_waiting_task(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	struct mm_state was, st;
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &was), 0);
	uint64_t free = free_frames();
	CHECK_EQ(mm_watermarks(mm, free - 64, free - 48, free + 64, 0), 0);
	int big = helper("touchpages", "512");
	CHECK(still_running(big, 200)); /* it took what was left and waits */
	int small = helper("touchpages", "4");
	CHECK(small > 0);
	CHECK_EQ(sys_task_wait(big), TASK_STATUS_KILLED | TASK_KILLED_OOM);
	CHECK_EQ(sys_task_wait(small), 0); /* what big held was enough */
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &st), 0);
	CHECK_EQ(st.oom_kills, was.oom_kills + 1);
	restore(mm, &was);
	sys_handle_close(big);
	sys_handle_close(small);
}

static void return_delivers_dirty_frames(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	long vmo = vmo_create(2 * PG, ep, 12);
	CHECK_EQ(pager_return_area(ep, RET_AREA, 4), 0);
	CHECK_EQ(pager_supply((int)vmo, 0, src_page(0, 0), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	CHECK_EQ(pager_supply((int)vmo, PG, src_page(1, 0), 1, VM_R | VM_W, PAGER_EPOCH_FIRST), 1);
	/* Supplied pages are the pager's to write out: clean them, then dirty
	 * page 0 through a mapping. */
	CHECK_EQ(pager_lock((int)vmo, 0, 2, LOCK_CLEAN, PAGER_EPOCH_FIRST), 0);
	CHECK_EQ(vm_map((int)vmo, AREA, 2 * PG, 0, VM_R | VM_W | VM_SHARED), 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	p[3] = 0xfeed;
	(void)p[PG / 8]; /* page 1 read only */
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	uint8_t st[2];
	CHECK_EQ(mm_query(mm, info.id, 0, 2, st, 0), 0);
	CHECK_EQ(st[0] & PAGE_DIRTY, PAGE_DIRTY);
	CHECK_EQ(st[1] & PAGE_DIRTY, 0);
	CHECK_EQ(mm_evict(mm, info.id, 0, 2, st), 2);
	CHECK_EQ(st[0], PAGE_RESIDENT | PAGE_DIRTY);
	CHECK_EQ(st[1], PAGE_RESIDENT);
	struct ipc_msg m;
	CHECK_EQ(ipc_recv(ep, &m, 1000 * MS), 0);
	CHECK(m.tag & IPC_TAG_KERNEL);
	CHECK_EQ(IPC_TAG_LABEL(m.tag), PAGER_RETURN);
	CHECK_EQ(m.badge, 12);
	CHECK_EQ(m.w[0], 0);
	CHECK_EQ(m.w[1], PAGER_EPOCH_FIRST);
	CHECK(m.w[2] >= RET_AREA && m.w[2] < RET_AREA + 4 * PG);
	uint64_t slot = m.w[2];
	CHECK_EQ(((volatile uint64_t *)slot)[3], 0xfeed);
	CHECK_EQ(ipc_recv(ep, &m, 50 * MS), -E_TIMEOUT); /* the clean one was dropped */
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	CHECK_EQ(info.resident, 0);
	CHECK_EQ(vm_unmap(slot, PG), 0); /* written out: the pager frees it */
	CHECK_EQ(vm_unmap(AREA, 2 * PG), 0);
	sys_handle_close((int)vmo);
	sys_handle_close(ep);
}

/* A zero-pager object of npages mapped at AREA (shared, writable); its
 * handle, or < 0. */
static int zero_object(struct ipc_buffer *buf, uint64_t npages)
{
	long zp = name_lookup(H_NAME, buf, "pager.zero");
	if (zp < 0)
		return (int)zp;
	uint64_t w[1] = { npages * PG };
	long err = ipc_request((int)zp, buf, ZERO_CREATE, w, 1, 0, 0, 0, 0, 0, 0);
	sys_handle_close((int)zp);
	if (err)
		return (int)err;
	int vmo = buf->handles[0];
	err = vm_map(vmo, AREA, npages * PG, 0, VM_R | VM_W | VM_SHARED);
	return err ? (int)err : vmo;
}

static uint64_t pattern(uint64_t page, uint64_t word, uint64_t round)
{
	return (page << 32) ^ (word * 0x9e3779b97f4a7c15ul) ^ round;
}

/* The zero pager has no store: a dirty page the manager evicts comes back
 * into its return area, and it keeps the frame and supplies a copy at the
 * page's next faults. Clean pages are dropped (zeros again). Twice, the
 * second RETURN of a page replacing the first; then with more dirty pages
 * than its 256, where the rest stay resident; evicted again, the copies
 * it supplied (clean) are dropped and read back from its frames once
 * more; then an object closed while the pager keeps its pages (they are
 * freed, and the return area takes 256 again). */
static void zero_pager_keeps_returned_pages(void)
{
	static struct ipc_buffer buf;
	CHECK_EQ(ipc_buffer_setup(&buf), 0);
	int mm = mm_cap();
	CHECK(mm >= 0);
	enum { N = 300, KEPT = 256 };
	int vmo = zero_object(&buf, N);
	CHECK(vmo >= 0);
	volatile uint64_t *p = (volatile uint64_t *)AREA;
	struct vmo_info info;
	CHECK_EQ(vmo_info(vmo, &info), 0);
	uint8_t st[N];
	for (uint64_t round = 1; round <= 2; round++) {
		for (uint64_t w = 0; w < PG / 8; w++) { /* pages 0 and 2 dirty, 1 read */
			p[w] = pattern(0, w, round);
			p[2 * PG / 8 + w] = pattern(2, w, round);
		}
		CHECK_EQ(p[PG / 8 + 7], 0);
		CHECK_EQ(mm_evict(mm, info.id, 0, 4, st), 3);
		CHECK_EQ(st[0], PAGE_RESIDENT | PAGE_DIRTY);
		CHECK_EQ(st[1], PAGE_RESIDENT);
		CHECK_EQ(st[2], PAGE_RESIDENT | PAGE_DIRTY);
		CHECK_EQ(st[3], 0);
		CHECK_EQ(vmo_info(vmo, &info), 0);
		CHECK_EQ(info.resident, 0);
		for (uint64_t w = 0; w < PG / 8; w++) {
			CHECK_EQ(p[w], pattern(0, w, round));
			CHECK_EQ(p[2 * PG / 8 + w], pattern(2, w, round));
			CHECK_EQ(p[PG / 8 + w], 0);
		}
	}
	/* A fresh object (the pager frees what it kept of the old one), every
	 * page dirty: 256 go to the pager, the others stay. */
	CHECK_EQ(vm_unmap(AREA, N * PG), 0);
	CHECK_EQ(sys_handle_close(vmo), 0);
	vmo = zero_object(&buf, N);
	CHECK(vmo >= 0);
	CHECK_EQ(vmo_info(vmo, &info), 0);
	for (uint64_t pg = 0; pg < N; pg++)
		p[pg * PG / 8 + pg % (PG / 8)] = pattern(pg, 0, 3);
	CHECK_EQ(mm_evict(mm, info.id, 0, N, st), KEPT);
	CHECK_EQ(vmo_info(vmo, &info), 0);
	CHECK_EQ(info.resident, N - KEPT);
	for (uint64_t pg = 0; pg < N; pg++) {
		CHECK_EQ(p[pg * PG / 8 + pg % (PG / 8)], pattern(pg, 0, 3));
		CHECK_EQ(p[pg * PG / 8 + (pg + 1) % (PG / 8)], 0);
	}
	/* Again: the 256 pages supplied from kept frames are clean and are
	 * dropped, the others still find no room; all read back. */
	CHECK_EQ(mm_evict(mm, info.id, 0, N, st), KEPT);
	CHECK_EQ(vmo_info(vmo, &info), 0);
	CHECK_EQ(info.resident, N - KEPT);
	for (uint64_t pg = 0; pg < N; pg++)
		CHECK_EQ(p[pg * PG / 8 + pg % (PG / 8)], pattern(pg, 0, 3));
	/* The object goes: the kept frames are freed and a new object's
	 * pages read as zeros. */
	CHECK_EQ(vm_unmap(AREA, N * PG), 0);
	CHECK_EQ(sys_handle_close(vmo), 0);
	vmo = zero_object(&buf, N);
	CHECK(vmo >= 0);
	for (uint64_t pg = 0; pg < N; pg++)
		CHECK_EQ(p[pg * PG / 8 + pg % (PG / 8)], 0);
	CHECK_EQ(vmo_info(vmo, &info), 0);
	for (uint64_t pg = 0; pg < N; pg++)
		p[pg * PG / 8] = pg + 1;
	CHECK_EQ(mm_evict(mm, info.id, 0, N, st), KEPT); /* the return area is free again */
	CHECK_EQ(vm_unmap(AREA, N * PG), 0);
	CHECK_EQ(sys_handle_close(vmo), 0);
}

/* What the capability cannot reach: memory no pager could give back
 * (wired memory is in no object; kernel zero-fill objects and boot modules
 * have no pager), a bad id, and a holder without CONTROL. */
static void manager_cannot_touch_wired_memory(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	uint64_t *wired = src_page(2, 500);
	CHECK(wired != 0);
	long anon = vmo_create(PG, VMO_KERNEL_ZERO, 0);
	CHECK_EQ(vm_map((int)anon, AREA, PG, 0, VM_R | VM_W | VM_SHARED), 0);
	*(volatile uint64_t *)AREA = 77;
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)anon, &info), 0);
	uint8_t st[1];
	CHECK_EQ(mm_evict(mm, info.id, 0, 1, st), -E_PERM);
	CHECK_EQ(mm_query(mm, info.id, 0, 1, st, 0), -E_PERM);
	long mod = sys_module_object(module_lookup("uhelper"));
	CHECK(mod > 0);
	CHECK_EQ(vmo_info((int)mod, &info), 0);
	CHECK_EQ(mm_evict(mm, info.id, 0, 1, st), -E_PERM);
	CHECK_EQ(mm_evict(mm, 1ul << 40, 0, 1, st), -E_NOENT);
	int weak = (int)sys_handle_copy(mm, R_READ);
	struct mm_object_info oi;
	CHECK_EQ(mm_objects(weak, 0, &oi), -E_PERM);
	/* Evict everything the manager can see: the system goes on, and
	 * what it could not see is untouched. */
	uint8_t many[64];
	for (long next = mm_objects(mm, 0, &oi); next > 0; next = mm_objects(mm, (uint64_t)next, &oi))
		for (uint64_t off = 0; off < oi.size; off += sizeof(many) * PG) {
			uint64_t n = (oi.size - off) / PG;
			mm_evict(mm, oi.id, off, n < sizeof(many) ? n : sizeof(many), many);
		}
	CHECK_EQ(*(volatile uint64_t *)AREA, 77);
	CHECK_EQ(wired[0], 500);
	int h = helper("exit", "9");
	CHECK_EQ(sys_task_wait(h), 9);
	sys_handle_close(h);
	CHECK_EQ(vm_unmap(AREA, PG), 0);
	CHECK_EQ(vm_unmap((uint64_t)wired, PG), 0);
	sys_handle_close(weak);
	sys_handle_close((int)mod);
	sys_handle_close((int)anon);
}

/* Bad input to the new calls: an error, nothing changed. */
static void manager_calls_check_their_arguments(void)
{
	int mm = mm_cap();
	CHECK(mm >= 0);
	struct mm_state was, st;
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &was), 0);
	CHECK_EQ(mm_watermarks(mm, 100, 50, 200, 0), -E_INVAL);  /* out of order */
	CHECK_EQ(mm_watermarks(mm, 100, 100, 200, 0), -E_INVAL);
	CHECK_EQ(mm_watermarks(mm, 0, 50, 200, 0), -E_INVAL);
	CHECK_EQ(mm_watermarks(mm, 10, 20, was.total + 1, 0), -E_INVAL);
	CHECK_EQ(mm_watermarks(mm, 10, 20, 30, (struct mm_state *)8), -E_FAULT);
	CHECK_EQ(mm_watermarks(mm, 0, 0, 0, &st), 0);
	CHECK(st.min == was.min && st.low == was.low && st.high == was.high);
	CHECK_EQ(mm_register(mm, H_SELF, 1), -E_BADH); /* not a notification */
	CHECK_EQ(mm_register(mm, -1, 0), -E_INVAL);     /* not the manager */
	int ep = (int)sys0(SYS_ENDPOINT_CREATE);
	int send_only = (int)sys_handle_copy(ep, R_SEND);
	CHECK_EQ(pager_return_area(send_only, RET_AREA, 4), -E_PERM);
	CHECK_EQ(pager_return_area(ep, RET_AREA + 8, 4), -E_INVAL);
	CHECK_EQ(pager_return_area(ep, RET_AREA, 1ul << 20), -E_INVAL);
	CHECK_EQ(pager_return_area(ep, RET_AREA, 0), 0); /* none */
	long vmo = vmo_create(PG, ep, 1);
	struct vmo_info info;
	CHECK_EQ(vmo_info((int)vmo, &info), 0);
	uint8_t b[1];
	CHECK_EQ(mm_query(mm, info.id, PG, 1, b, 0), -E_RANGE);
	CHECK_EQ(mm_query(mm, info.id, 1, 1, b, 0), -E_INVAL);
	CHECK_EQ(mm_query(mm, info.id, 0, 1, b, 9), -E_INVAL);
	CHECK_EQ(mm_evict(mm, info.id, 0, 1, (uint8_t *)8), -E_FAULT);
	sys_handle_close((int)vmo);
	sys_handle_close(send_only);
	sys_handle_close(ep);
}

const struct qtest mm_tests[] = {
	{ "low_memory_notifies_manager", low_memory_notifies_manager },
	{ "allocation_waits_below_min", allocation_waits_below_min },
	{ "out_of_memory_kills_the_biggest_waiting_task", out_of_memory_kills_the_biggest_waiting_task },
	{ "return_delivers_dirty_frames", return_delivers_dirty_frames },
	{ "zero_pager_keeps_returned_pages", zero_pager_keeps_returned_pages },
	{ "manager_cannot_touch_wired_memory", manager_cannot_touch_wired_memory },
	{ "manager_calls_check_their_arguments", manager_calls_check_their_arguments },
};
const size_t n_mm_tests = sizeof(mm_tests) / sizeof(mm_tests[0]);

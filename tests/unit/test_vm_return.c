/*
 * Host tests of the memory manager's eviction of dirty pages to their
 * pager (SYS_MM_EVICT, kern/vm/vm_reclaim.c): each dirty page's frame
 * lands in the pager's return area with a PAGER_RETURN; a pager that
 * asked for runs (PAGER_RETURN_RUNS) gets one message for consecutive
 * pages whose frames landed on consecutive return-area pages, and a run
 * breaks where either sequence does.
 */
#include "vm_scene.h"

#include "kern/vm/vm_reclaim.h"
#include "uapi/mm.h"

#define RET 0x3b00000000ul /* the pager's return area */
#define OUT 0x3c00000000ul /* the manager's status bytes */

struct manager {
    struct task *task;
    struct thread *th;
    int mm_h;
};

static void manager_new(struct manager *m)
{
    m->task = new_task("mm");
    m->th = new_thread(m->task);
    m->mm_h = handle_install(m->task->handles, &mm_obj, R_CONTROL, 0);
    assert_true(m->mm_h >= 0);
    assert_int_equal(vm_wire(m->task, OUT, PG, VM_R | VM_W), 0);
}

static int64_t return_area(struct scene *s, uint64_t npages, uint64_t flags)
{
    run(s->p.th);
    uint64_t a[6] = { (uint64_t)s->p.ep_h, RET, npages, flags };
    return sys_pager_return_area(s->p.th, a);
}

static int64_t evict(struct manager *m, struct vm_object *o, uint64_t first, uint64_t n)
{
    run(m->th);
    uint64_t a[6] = { (uint64_t)m->mm_h, o->id, first * PG, n, OUT };
    return sys_mm_evict(m->th, a);
}

static uint8_t status_of(struct manager *m, uint64_t i)
{
    return *(uint8_t *)pa_to_kva(frame_at(m->task, OUT) + i);
}

/* Pages [0, n) supplied; those in `written` (a bit a page) written by
 * the client (dirty), the others read (clean). Their frames in f[]. */
static void resident(struct scene *s, uint64_t n, uint64_t written, paddr_t *f)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t src = src_page(s->p.task, i, i << 16);
        f[i] = frame_at(s->p.task, src);
        assert_int_equal(supply(s, i * PG, src, 1, VM_R | VM_W), 1);
        bool w = (written >> i) & 1;
        assert_int_equal(fault(s->faulter, AREA + i * PG, w ? VM_W : VM_R), FAULT_RESOLVED);
        if (w) /* the store, as the MMU marks it */
            *sv39_walk(s->client->pt_root, AREA + i * PG, false) |= PTE_A | PTE_D;
    }
}

static struct ipc_kmsg *nth_queued(struct endpoint *ep, int n)
{
    list_for_each(pos, &ep->kmsgs)
        if (n-- == 0)
            return list_entry(pos, struct ipc_kmsg, link);
    fail();
    return 0;
}

static void test_consecutive_dirty_pages_return_in_one_message(void **state)
{
    struct scene s;
    struct manager m;
    scene_new(&s, 8);
    manager_new(&m);
    assert_int_equal(return_area(&s, 8, PAGER_RETURN_RUNS), 0);
    paddr_t f[5];
    resident(&s, 5, 0x1b, f); /* 0, 1, 3, 4 written; 2 read */
    assert_int_equal(evict(&m, s.obj, 0, 5), 5);
    assert_int_equal(queued(s.p.ep), 2);
    struct ipc_kmsg *a = nth_queued(s.p.ep, 0), *b = nth_queued(s.p.ep, 1);
    assert_int_equal(IPC_TAG_LABEL(a->tag), PAGER_RETURN);
    assert_int_equal(a->w[0], 0);
    assert_int_equal(PAGER_RETURN_PAGES(a->w[1]), 2);
    assert_int_equal((uint32_t)a->w[1], PAGER_EPOCH_FIRST);
    assert_int_equal(a->w[2], RET);
    assert_int_equal(a->w[3], 8 * PG);
    assert_int_equal(b->w[0], 3 * PG);
    assert_int_equal(PAGER_RETURN_PAGES(b->w[1]), 2);
    assert_int_equal(b->w[2], RET + 2 * PG);
    /* The frames themselves, in order, in the return area. */
    assert_int_equal(frame_at(s.p.task, RET), f[0]);
    assert_int_equal(frame_at(s.p.task, RET + PG), f[1]);
    assert_int_equal(frame_at(s.p.task, RET + 2 * PG), f[3]);
    assert_int_equal(frame_at(s.p.task, RET + 3 * PG), f[4]);
    for (uint64_t i = 0; i < 5; i++)
        assert_int_equal(status_of(&m, i), PAGE_RESIDENT | (i == 2 ? 0 : PAGE_DIRTY));
    /* A supply's read-ahead sees every page of a queued run. */
    assert_true(vm_return_queued(s.obj, 1));
    assert_true(vm_return_queued(s.obj, 4));
    assert_false(vm_return_queued(s.obj, 2));
}

static void test_a_run_breaks_where_the_return_area_is_taken(void **state)
{
    struct scene s;
    struct manager m;
    scene_new(&s, 8);
    manager_new(&m);
    assert_int_equal(return_area(&s, 8, PAGER_RETURN_RUNS), 0);
    assert_int_equal(vm_wire(s.p.task, RET + PG, PG, VM_R | VM_W), 0); /* still the pager's */
    paddr_t f[3];
    resident(&s, 3, 0x7, f);
    assert_int_equal(evict(&m, s.obj, 0, 3), 3);
    assert_int_equal(queued(s.p.ep), 2);
    struct ipc_kmsg *a = nth_queued(s.p.ep, 0), *b = nth_queued(s.p.ep, 1);
    assert_int_equal(PAGER_RETURN_PAGES(a->w[1]), 1);
    assert_int_equal(a->w[2], RET);
    assert_int_equal(b->w[0], PG);
    assert_int_equal(PAGER_RETURN_PAGES(b->w[1]), 2);
    assert_int_equal(b->w[2], RET + 2 * PG);
    assert_int_equal(frame_at(s.p.task, RET + 3 * PG), f[2]);
}

static void test_without_runs_every_page_has_its_message(void **state)
{
    struct scene s;
    struct manager m;
    scene_new(&s, 8);
    manager_new(&m);
    assert_int_equal(return_area(&s, 8, 0), 0);
    paddr_t f[3];
    resident(&s, 3, 0x7, f);
    assert_int_equal(evict(&m, s.obj, 0, 3), 3);
    assert_int_equal(queued(s.p.ep), 3);
    for (int i = 0; i < 3; i++) {
        struct ipc_kmsg *k = nth_queued(s.p.ep, i);
        assert_int_equal(k->w[0], (uint64_t)i * PG);
        assert_int_equal(k->w[1], PAGER_EPOCH_FIRST); /* one page: w1 is the epoch alone */
        assert_int_equal(frame_at(s.p.task, k->w[2]), f[i]);
    }
    /* Unknown flags are refused, and change nothing. */
    assert_int_equal(return_area(&s, 8, 2), -E_INVAL);
    assert_false(s.p.ep->return_runs);
}

static void test_a_full_return_area_leaves_the_rest_resident(void **state)
{
    struct scene s;
    struct manager m;
    scene_new(&s, 8);
    manager_new(&m);
    assert_int_equal(return_area(&s, 2, PAGER_RETURN_RUNS), 0);
    paddr_t f[3];
    resident(&s, 3, 0x7, f);
    assert_int_equal(evict(&m, s.obj, 0, 3), 2);
    assert_int_equal(queued(s.p.ep), 1);
    assert_int_equal(PAGER_RETURN_PAGES(first_queued(s.p.ep)->w[1]), 2);
    assert_int_equal(status_of(&m, 2), PAGE_RESIDENT | PAGE_DIRTY | PAGE_STAYED);
    assert_int_equal(PAGE_DOWN(vmo_lookup(s.obj, 2)), f[2]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_consecutive_dirty_pages_return_in_one_message),
        T(test_a_run_breaks_where_the_return_area_is_taken),
        T(test_without_runs_every_page_has_its_message),
        T(test_a_full_return_area_leaves_the_rest_resident),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Host tests of SYS_VMO_MOVE (kern/vm/vm_move.c) against the real kernel:
 * a wired frame moves into a kernel zero-fill object and back out with
 * no copy, the object's old frame is freed and unmapped, pinned pages
 * never move, and every refusal changes nothing.
 */
#include "vm_scene.h"

#include "kern/dma.h"
#include "kern/vm/vm_move.h"
#include "uapi/dma.h"

#define OUT 0x3a00000000ul /* where frames move out to */

static int64_t move(struct thread *t, int vmo_h, uint64_t offset, uint64_t addr, uint64_t n,
                    uint64_t dir)
{
    run(t);
    uint64_t a[6] = { (uint64_t)vmo_h, offset, addr, n, dir, 0 };
    return sys_vmo_move(t, a);
}


static void test_move_in_replaces_the_object_frame_without_a_copy(void **state)
{
    struct task *k = new_task("swap");
    struct thread *t = new_thread(k);
    int h = zero_object(t, 4);
    struct vm_object *o = object_of(k, h);
    assert_int_equal(vm_map(k, o, AREA, 4 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    assert_int_equal(fault(t, AREA + PG, VM_W), FAULT_RESOLVED); /* page 1: a frame, mapped */
    paddr_t old = PAGE_DOWN(vmo_lookup(o, 1));
    uint64_t src = src_page(k, 0, 100), src2 = src_page(k, 1, 200);
    paddr_t f = frame_at(k, src), f2 = frame_at(k, src2);
    uint64_t frames = k->frames, free = pmm_free_count();
    assert_int_equal(move(t, h, PG, src, 2, VMO_MOVE_IN), 2);
    assert_int_equal(PAGE_DOWN(vmo_lookup(o, 1)), f); /* the very frames */
    assert_int_equal(PAGE_DOWN(vmo_lookup(o, 2)), f2);
    assert_true(vmo_lookup(o, 1) & VPE_DIRTY);
    assert_int_equal(frame_at(k, src), 0); /* gone from the source */
    assert_int_equal(frame_at(k, src2), 0);
    assert_int_equal(frame_at(k, AREA + PG), 0); /* the old mapping went with the old frame */
    assert_int_equal(o->resident, 2);
    /* Two frames changed hands, the old one was freed (and its mapping). */
    assert_int_equal(k->frames, frames - 3);
    assert_int_equal(pmm_free_count(), free + 1);
    (void)old;
    /* The mapping sees the moved data. */
    assert_int_equal(fault(t, AREA + PG, VM_R), FAULT_RESOLVED);
    assert_int_equal(word_at(k, AREA + PG + 8), 101);
    assert_int_equal(fault(t, AREA + 2 * PG, VM_R), FAULT_RESOLVED);
    assert_int_equal(word_at(k, AREA + 2 * PG), 200);
}

static void test_move_out_gives_the_frame_back_and_the_page_reads_zero(void **state)
{
    struct task *k = new_task("swap");
    struct thread *t = new_thread(k);
    int h = zero_object(t, 2);
    struct vm_object *o = object_of(k, h);
    uint64_t src = src_page(k, 0, 7);
    paddr_t f = frame_at(k, src);
    assert_int_equal(move(t, h, 0, src, 1, VMO_MOVE_IN), 1);
    uint64_t frames = k->frames;
    assert_int_equal(move(t, h, 0, OUT, 1, VMO_MOVE_OUT), 1);
    assert_int_equal(frame_at(k, OUT), f);
    assert_int_equal(word_at(k, OUT + 8), 8);
    assert_int_equal(k->frames, frames + 1);
    assert_false(vmo_lookup(o, 0) & VPE_PRESENT);
    assert_int_equal(o->resident, 0);
    /* Out again: nothing there now. */
    assert_int_equal(move(t, h, 0, OUT + PG, 1, VMO_MOVE_OUT), -E_NOENT);
    /* The frame is plain own memory: it moves in again, and unmaps. */
    assert_int_equal(move(t, h, PG, OUT, 1, VMO_MOVE_IN), 1);
    assert_int_equal(PAGE_DOWN(vmo_lookup(o, 1)), f);
}

static void test_pinned_pages_never_move(void **state)
{
    dma_init();
    struct task *k = new_task("swap");
    struct thread *t = new_thread(k);
    int h = zero_object(t, 2);
    struct vm_object *o = object_of(k, h);
    uint64_t src = src_page(k, 0, 1);
    assert_int_equal(move(t, h, 0, src, 1, VMO_MOVE_IN), 1);
    struct task *d = new_task("blk");
    struct thread *dt = new_thread(d);
    int dma_h = handle_install(d->handles, &dma_obj, R_CONTROL, 0);
    int dh = handle_copy(k->handles, h, d->handles, R_READ | R_MAP);
    assert_true(dma_h >= 0 && dh >= 0);
    run(dt);
    uint64_t a[6] = { (uint64_t)dma_h, (uint64_t)dh, 0, 1, 0, 0 };
    int64_t pin = sys_dma_pin(dt, a);
    assert_true(pin >= 0);
    paddr_t f = PAGE_DOWN(vmo_lookup(o, 0));
    uint64_t src2 = src_page(k, 1, 2);
    assert_int_equal(move(t, h, 0, src2, 1, VMO_MOVE_IN), -E_BUSY);
    assert_int_equal(move(t, h, 0, OUT, 1, VMO_MOVE_OUT), -E_BUSY);
    assert_int_equal(PAGE_DOWN(vmo_lookup(o, 0)), f);
    assert_int_not_equal(frame_at(k, src2), 0);
    assert_int_equal(frame_at(k, OUT), 0);
    assert_int_equal(handle_close(d->handles, (int)pin), 0);
    assert_int_equal(move(t, h, 0, OUT, 1, VMO_MOVE_OUT), 1);
    assert_int_equal(frame_at(k, OUT), f);
}

static void test_move_checks_everything_before_it_commits(void **state)
{
    struct scene s;
    scene_new(&s, 4); /* an object with a pager: never */
    struct task *k = s.p.task;
    struct thread *t = s.p.th;
    int h = zero_object(t, 4);
    struct vm_object *o = object_of(k, h);
    uint64_t src = src_page(k, 0, 1);
    paddr_t f = frame_at(k, src);
    assert_int_equal(move(t, s.vmo_h, 0, src, 1, VMO_MOVE_IN), -E_PERM);
    assert_int_equal(move(t, 999, 0, src, 1, VMO_MOVE_IN), -E_BADH);
    int ro = handle_copy(k->handles, h, k->handles, R_READ);
    assert_true(ro >= 0);
    assert_int_equal(move(t, ro, 0, src, 1, VMO_MOVE_IN), -E_PERM); /* no R_MAP */
    assert_int_equal(move(t, h, 1, src, 1, VMO_MOVE_IN), -E_INVAL);  /* unaligned */
    assert_int_equal(move(t, h, 0, src, 0, VMO_MOVE_IN), -E_INVAL);
    assert_int_equal(move(t, h, 0, src, VMO_MOVE_MAX + 1, VMO_MOVE_IN), -E_INVAL);
    assert_int_equal(move(t, h, 0, src, 1, 2), -E_INVAL);            /* no such direction */
    assert_int_equal(move(t, h, 4 * PG, src, 1, VMO_MOVE_IN), -E_RANGE);
    assert_int_equal(move(t, h, 3 * PG, src, 2, VMO_MOVE_IN), -E_RANGE);
    assert_int_equal(move(t, h, 0, VM_USER_HI, 1, VMO_MOVE_IN), -E_INVAL);
    /* The second source page is not own memory: the first stays too. */
    assert_int_equal(move(t, h, 0, src, 2, VMO_MOVE_IN), -E_FAULT);
    assert_int_equal(frame_at(k, src), f);
    assert_false(vmo_lookup(o, 0) & VPE_PRESENT);
    /* A page of a mapping is not own memory either. */
    assert_int_equal(vm_map(k, o, AREA, 4 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    assert_int_equal(fault(t, AREA, VM_W), FAULT_RESOLVED);
    assert_int_equal(move(t, h, PG, AREA, 1, VMO_MOVE_IN), -E_FAULT);
    /* Out: onto a page in use, into a region, or from an empty page. */
    assert_int_equal(move(t, h, 0, src, 1, VMO_MOVE_OUT), -E_BUSY);
    assert_int_equal(move(t, h, 0, AREA + PG, 1, VMO_MOVE_OUT), -E_BUSY);
    assert_int_equal(move(t, h, 2 * PG, OUT, 1, VMO_MOVE_OUT), -E_NOENT);
    assert_int_equal(frame_at(k, OUT), 0);
    assert_int_equal(frame_at(k, src), f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_move_in_replaces_the_object_frame_without_a_copy),
        T(test_move_out_gives_the_frame_back_and_the_page_reads_zero),
        T(test_pinned_pages_never_move),
        T(test_move_checks_everything_before_it_commits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

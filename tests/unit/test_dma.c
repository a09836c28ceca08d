/*
 * Host tests of DMA pinning (kern/dma.c) against the real kernel: the
 * pin's frame and object references, pinned pages that evict and flush
 * leave alone, a client that unmaps and closes its buffer mid-transfer,
 * a driver that dies with pins, and the checks before the commit.
 */
#include "vm_scene.h"

#include "kern/dma.h"
#include "uapi/dma.h"

#define OUT 0x3a00000000ul /* the driver's page for address arrays */

struct driver {
    struct task *task;
    struct thread *th;
    int dma_h;
};

static void driver_new(struct driver *d)
{
    d->task = new_task("blk");
    d->th = new_thread(d->task);
    d->dma_h = handle_install(d->task->handles, &dma_obj, R_CONTROL, 0);
    assert_true(d->dma_h >= 0);
}

static int64_t pin(struct driver *d, int vmo_h, uint64_t offset, uint64_t n, uint32_t flags,
                   uint64_t out)
{
    run(d->th);
    uint64_t *a = &d->th->tf.x[REG_A0];
    a[0] = (uint64_t)d->dma_h;
    a[1] = (uint64_t)vmo_h;
    a[2] = offset;
    a[3] = n;
    a[4] = flags;
    a[5] = out;
    return sys_dma_pin(d->th, a);
}


/* A client task with a kernel zero-fill object of npages, copied to the
 * driver with R_READ | R_MAP: the driver's handle in *dh. */
static struct vm_object *client_buffer(struct driver *d, uint64_t npages, int *dh)
{
    struct task *c = new_task("client");
    struct thread *ct = new_thread(c);
    int h = zero_object(ct, npages);
    *dh = handle_copy(c->handles, h, d->task->handles, R_READ | R_MAP);
    assert_true(*dh >= 0);
    return object_of(c, h);
}

static void test_pin_fills_pins_and_returns_addresses_in_registers(void **state)
{
    struct driver d;
    driver_new(&d);
    int dh;
    struct vm_object *o = client_buffer(&d, 4, &dh);
    int64_t p = pin(&d, dh, PG, 2, DMA_DEVICE_WRITES, 0);
    assert_true(p >= 0);
    for (uint64_t i = 0; i < 2; i++) {
        uint64_t e = vmo_lookup(o, 1 + i);
        assert_true(e & VPE_PRESENT);
        assert_int_equal(d.th->tf.x[REG_A0 + 1 + i], PAGE_DOWN(e));
        assert_int_equal(dma_pin_count(o, 1 + i), 1);
        assert_int_equal(pmm_refcount(PAGE_DOWN(e)), 2); /* the cache and the pin */
    }
    assert_int_equal(vmo_lookup(o, 0), 0); /* outside the range: untouched */
    /* A second pin of an overlapping range counts twice. */
    int64_t p2 = pin(&d, dh, 2 * PG, 1, 0, 0);
    assert_true(p2 >= 0);
    assert_int_equal(dma_pin_count(o, 2), 2);
    assert_int_equal(handle_close(d.task->handles, p), 0);
    assert_int_equal(dma_pin_count(o, 1), 0);
    assert_int_equal(dma_pin_count(o, 2), 1);
    assert_true(vmo_lookup(o, 1) & VPE_DIRTY); /* the device wrote them */
    assert_true(vmo_lookup(o, 2) & VPE_DIRTY);
    assert_int_equal(handle_close(d.task->handles, p2), 0);
    assert_int_equal(dma_pin_count(o, 2), 0);
    /* A pin the device only reads leaves the page clean. */
    int64_t p3 = pin(&d, dh, 3 * PG, 1, 0, 0);
    assert_true(p3 >= 0);
    assert_int_equal(handle_close(d.task->handles, p3), 0);
    assert_false(vmo_lookup(o, 3) & VPE_DIRTY);
}

static void test_pin_writes_an_address_array_for_many_pages(void **state)
{
    struct driver d;
    driver_new(&d);
    int h = zero_object(d.th, 16);
    assert_int_equal(vm_wire(d.task, OUT, PG, VM_R | VM_W), 0);
    int64_t p = pin(&d, h, 0, 16, 0, OUT);
    assert_true(p >= 0);
    const uint64_t *out = pa_to_kva(frame_at(d.task, OUT));
    for (uint64_t i = 0; i < 16; i++)
        assert_int_equal(out[i], PAGE_DOWN(vmo_lookup(object_of(d.task, h), i)));
    /* More pages than registers hold need the array. */
    assert_int_equal(pin(&d, h, 0, DMA_PIN_REGS + 1, 0, 0), -E_INVAL);
}

static void test_pinned_frames_outlive_unmap_and_close(void **state)
{
    struct driver d;
    driver_new(&d);
    struct task *c = new_task("client");
    struct thread *ct = new_thread(c);
    uint64_t before = pmm_free_count();
    int h = zero_object(ct, 2);
    struct vm_object *o = object_of(c, h);
    assert_int_equal(vm_map(c, o, AREA, 2 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    int dh = handle_copy(c->handles, h, d.task->handles, R_READ | R_MAP);
    int64_t p = pin(&d, dh, 0, 2, DMA_DEVICE_WRITES, 0);
    assert_true(p >= 0);
    paddr_t f0 = d.th->tf.x[REG_A0 + 1];
    /* The client unmaps and closes; the driver drops its copy too. */
    assert_int_equal(vm_unmap_regions(c, AREA, 2 * PG), 0);
    assert_int_equal(handle_close(c->handles, h), 0);
    assert_int_equal(handle_close(d.task->handles, dh), 0);
    assert_int_equal(vm_objects_live, 1);        /* the pin holds the object */
    assert_int_equal(pmm_refcount(f0), 2);       /* and its frames */
    assert_true(pmm_free_count() < before);
    assert_int_equal(handle_close(d.task->handles, p), 0);
    assert_int_equal(vm_objects_live, 0);        /* the last pin took it along */
}

static void test_evict_and_flush_leave_pinned_pages(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct driver d;
    driver_new(&d);
    supply(&s, 0, src_page(s.p.task, 0, 100), 1, VM_R | VM_W);
    supply(&s, PG, src_page(s.p.task, 1, 200), 1, VM_R | VM_W);
    int dh = handle_copy(s.p.task->handles, s.vmo_h, d.task->handles, R_READ);
    int64_t p = pin(&d, dh, 0, 1, 0, 0);
    assert_true(p >= 0);
    paddr_t f0 = d.th->tf.x[REG_A0 + 1];
    /* Evict both: page 0 stays (reported pinned), page 1 goes. */
    assert_int_equal(vm_wire(s.p.task, INFO, PG, VM_R | VM_W), 0);
    run(s.p.th);
    uint64_t ev[6] = { (uint64_t)s.vmo_h, 0, 2, SRC + 8 * PG, INFO, PAGER_EPOCH_FIRST };
    assert_true(sys_pager_evict(s.p.th, ev) >= 0);
    const uint8_t *st = pa_to_kva(frame_at(s.p.task, INFO));
    assert_int_equal(st[0], PAGE_RESIDENT | PAGE_PINNED);
    assert_int_equal(PAGE_DOWN(vmo_lookup(s.obj, 0)), f0);
    assert_false(vmo_lookup(s.obj, 1) & VPE_PRESENT);
    /* Flush leaves it as well; query reports the pin. */
    uint64_t fl[6] = { (uint64_t)s.vmo_h, 0, 1, LOCK_FLUSH, PAGER_EPOCH_FIRST };
    assert_int_equal(sys_pager_lock(s.p.th, fl), 0);
    assert_int_equal(PAGE_DOWN(vmo_lookup(s.obj, 0)), f0);
    uint64_t q[6] = { (uint64_t)s.vmo_h, 0, 1, INFO + 64, 0 };
    assert_int_equal(sys_pager_query(s.p.th, q), 0);
    assert_true(st[64] & PAGE_PINNED);
    /* Unpinned, the flush takes it. */
    assert_int_equal(handle_close(d.task->handles, p), 0);
    assert_int_equal(sys_pager_lock(s.p.th, fl), 0);
    assert_false(vmo_lookup(s.obj, 0) & VPE_PRESENT);
}

static void test_pin_checks_everything_before_it_commits(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct driver d;
    driver_new(&d);
    int ro = handle_copy(s.p.task->handles, s.vmo_h, d.task->handles, R_READ);
    int rw = handle_copy(s.p.task->handles, s.vmo_h, d.task->handles, R_READ | R_MAP);
    supply(&s, 0, src_page(s.p.task, 0, 1), 1, VM_R | VM_W);
    assert_int_equal(pin(&d, ro, 0, 1, DMA_DEVICE_WRITES, 0), -E_PERM); /* needs R_MAP */
    assert_int_equal(pin(&d, rw, 1, 1, 0, 0), -E_INVAL);                /* unaligned */
    assert_int_equal(pin(&d, rw, 0, 0, 0, 0), -E_INVAL);
    assert_int_equal(pin(&d, rw, 0, DMA_PIN_MAX + 1, 0, OUT), -E_INVAL);
    assert_int_equal(pin(&d, rw, 0, 1, 0x80, 0), -E_INVAL);              /* unknown flag */
    assert_int_equal(pin(&d, rw, 4 * PG, 1, 0, 0), -E_RANGE);
    assert_int_equal(pin(&d, rw, 3 * PG, 2, 0, 0), -E_RANGE);
    assert_int_equal(pin(&d, rw, 0, 1, 0, OUT), -E_FAULT);              /* no array there */
    /* Page 1 is not resident and only the pager can bring it: refused,
     * page 0 (resident, first in the range) keeps no pin. */
    assert_int_equal(pin(&d, rw, 0, 2, 0, 0), -E_AGAIN);
    assert_int_equal(dma_pin_count(s.obj, 0), 0);
    /* Without the DMA right: a vmo handle in its place, or none. */
    int saved = d.dma_h;
    d.dma_h = rw;
    assert_int_equal(pin(&d, rw, 0, 1, 0, 0), -E_BADH);
    d.dma_h = saved;
    handle_close(d.task->handles, saved);
    assert_int_equal(pin(&d, rw, 0, 1, 0, 0), -E_BADH);
    assert_int_equal(dma_pin_count(s.obj, 0), 0);
}

/* An ordinary client's buffer is anonymous memory bound to the default
 * pager: a page it never touched (and so never paged out) is zeros the
 * kernel makes for the pin; a page paged out is the pager's to bring. */
static void test_pin_fills_an_anonymous_page_never_paged_out(void **state)
{
    struct pager sw;
    pager_new(&sw, "swap");
    vmo_set_default_pager(sw.ep);
    struct driver d;
    driver_new(&d);
    int dh;
    struct vm_object *o = client_buffer(&d, 4, &dh);
    assert_true(o->anon && o->pager == sw.ep);
    int64_t p = pin(&d, dh, 0, 1, DMA_DEVICE_WRITES, 0);
    assert_true(p >= 0);
    assert_true(vmo_lookup(o, 0) & VPE_PRESENT);
    assert_int_equal(dma_pin_count(o, 0), 1);
    *vmo_slot(o, 1, true) = VPE_PAGED; /* at the pager: not the kernel's to make */
    assert_int_equal(pin(&d, dh, PG, 1, DMA_DEVICE_WRITES, 0), -E_AGAIN);
    assert_int_equal(vmo_lookup(o, 1), VPE_PAGED);
    *vmo_slot(o, 1, false) = 0;
    vmo_set_default_pager(NULL);
}

static void test_full_handle_table_leaves_nothing_pinned(void **state)
{
    struct driver d;
    driver_new(&d);
    int h = zero_object(d.th, 2);
    /* A first pin makes the object's table leaf, which stays. */
    int64_t p = pin(&d, h, PG, 1, 0, 0);
    assert_true(p >= 0);
    assert_int_equal(handle_close(d.task->handles, p), 0);
    uint64_t before = pmm_free_count();
    int n = 0;
    while (handle_copy(d.task->handles, h, d.task->handles, R_READ) >= 0)
        n++;
    assert_true(n > 0);
    assert_int_equal(pin(&d, h, 0, 2, 0, 0), -E_FULL);
    assert_int_equal(vmo_lookup(object_of(d.task, h), 0), 0); /* no page filled */
    assert_int_equal(pmm_free_count(), before);
}

static void test_dying_driver_releases_its_pins(void **state)
{
    struct driver d;
    driver_new(&d);
    int dh;
    struct vm_object *o = client_buffer(&d, 2, &dh);
    assert_true(pin(&d, dh, 0, 2, DMA_DEVICE_WRITES, 0) >= 0);
    assert_true(pin(&d, dh, 0, 1, 0, 0) >= 0);
    paddr_t f0 = PAGE_DOWN(vmo_lookup(o, 0));
    assert_int_equal(dma_pin_count(o, 0), 2);
    task_exit(d.task, 0);
    assert_int_equal(dma_pin_count(o, 0), 0);
    assert_int_equal(dma_pin_count(o, 1), 0);
    assert_int_equal(pmm_refcount(f0), 1); /* the cache's alone */
}

static int64_t unpin(struct driver *d, int64_t pin_h, uint64_t ok)
{
    run(d->th);
    uint64_t *a = &d->th->tf.x[REG_A0];
    a[0] = (uint64_t)pin_h;
    a[1] = ok;
    return sys_dma_unpin(d->th, a);
}

/* DMA_DEVICE_FILLS: a missing page's frame is the pin's alone (the page
 * stays missing, nobody can read the unzeroed frame) until an unpin that
 * says the device wrote it; an unpin without that, or a plain close,
 * frees the frame. A page resident already is pinned as usual. */
static void test_device_fills_pages_only_after_a_good_unpin(void **state)
{
    struct driver d;
    driver_new(&d);
    int h = zero_object(d.th, 4);
    struct vm_object *o = object_of(d.task, h);
    uint64_t before = pmm_free_count();
    assert_int_equal(pin(&d, h, 0, 1, DMA_DEVICE_FILLS, 0), -E_INVAL); /* needs WRITES */
    int64_t p = pin(&d, h, 0, 2, DMA_DEVICE_WRITES | DMA_DEVICE_FILLS, 0);
    assert_true(p >= 0);
    paddr_t f0 = d.th->tf.x[REG_A0 + 1];
    assert_true(f0 != 0);
    assert_false(vmo_lookup(o, 0) & VPE_PRESENT); /* not readable yet */
    assert_int_equal(pmm_refcount(f0), 1);       /* the pin's alone */
    assert_true(pmm_free_count() <= before - 2); /* its two frames (and tables) */
    assert_int_equal(unpin(&d, p, 2), -E_INVAL);
    assert_int_equal(unpin(&d, p, 1), 0);
    uint64_t e = vmo_lookup(o, 0);
    assert_true(e & VPE_PRESENT);
    assert_true(e & VPE_DIRTY);
    assert_int_equal(PAGE_DOWN(e), f0);           /* the device's frame, no copy */
    assert_int_equal(pmm_refcount(f0), 1);        /* the object's now */
    assert_int_equal(dma_pin_count(o, 0), 0);
    assert_int_equal(o->resident, 2);
    /* A failed transfer: the frames go, the pages stay missing. */
    p = pin(&d, h, 2 * PG, 2, DMA_DEVICE_WRITES | DMA_DEVICE_FILLS, 0);
    assert_true(p >= 0);
    uint64_t free_pinned = pmm_free_count();
    assert_int_equal(unpin(&d, p, 0), 0);
    assert_true(pmm_free_count() >= free_pinned + 2); /* (and the pin's memory) */
    assert_false(vmo_lookup(o, 2) & VPE_PRESENT);
    /* Closed without a word (a driver that died): the same. */
    p = pin(&d, h, 2 * PG, 1, DMA_DEVICE_WRITES | DMA_DEVICE_FILLS, 0);
    assert_true(p >= 0);
    assert_int_equal(handle_close(d.task->handles, p), 0);
    assert_false(vmo_lookup(o, 2) & VPE_PRESENT);
    /* A resident page is pinned in place, counted, kept either way. */
    p = pin(&d, h, 0, 1, DMA_DEVICE_WRITES | DMA_DEVICE_FILLS, 0);
    assert_true(p >= 0);
    assert_int_equal(d.th->tf.x[REG_A0 + 1], f0);
    assert_int_equal(dma_pin_count(o, 0), 1);
    assert_int_equal(unpin(&d, p, 0), 0);
    assert_int_equal(PAGE_DOWN(vmo_lookup(o, 0)), f0);
    assert_int_equal(dma_pin_count(o, 0), 0);
    /* Not a pin handle. */
    assert_int_equal(unpin(&d, h, 1), -E_BADH);
}

static int dma_setup(void **state)
{
    setup(state);
    dma_init();
    return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, dma_setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_pin_fills_pins_and_returns_addresses_in_registers),
        T(test_pin_writes_an_address_array_for_many_pages),
        T(test_pinned_frames_outlive_unmap_and_close),
        T(test_evict_and_flush_leave_pinned_pages),
        T(test_pin_checks_everything_before_it_commits),
        T(test_pin_fills_an_anonymous_page_never_paged_out),
        T(test_full_handle_table_leaves_nothing_pinned),
        T(test_dying_driver_releases_its_pins),
        T(test_device_fills_pages_only_after_a_good_unpin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

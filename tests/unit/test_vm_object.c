/*
 * Host unit tests for the memory object page cache (kern/vm/vm_object.c)
 * over fake RAM, with the real frame allocator, page tables, kmem and
 * kobj underneath.
 *
 * Mappings are built by hand: a fake task is a zeroed struct task with
 * its own Sv39 root, and a struct vm_region linked on the object points
 * at it. Each installed PTE holds a frame reference and counts in
 * task->frames, as vm_map_page does in the kernel.
 *
 * The pager side (kern/vm/vm_fault.c) and the TLB are stubbed here and
 * record their calls. Every test must release all it made: the teardown
 * checks that kmem is empty and every frame is back on the free list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "arch/riscv/sv39.h"
#include "fake_phys.h"
#include "kern/arch.h"
#include "kern/ipc.h"
#include "kern/kmem.h"
#include "kern/kobj.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/task.h"
#include "kern/vm/vm_fault.h"
#include "kern/vm/vm_object.h"
#include "uapi/errors.h"
#include "uapi/pager.h"
#include "uapi/vm.h"

#define RAM_FRAMES 512u
#define NPAGES 4096u /* eight leaves */
#define FAR_PAGE (VMO_LEAF_ENTRIES * 3 + 7)
#define URW (PTE_R | PTE_W | PTE_U)

/* --- stubs for what vm_object.c needs outside the linked files ---------- */

uint64_t vm_objects_live;

static int terminate_calls, bind_calls, unbind_calls, tlb_flushes;
static struct vm_object *terminated;

void vm_pager_died(struct endpoint *ep)
{
}

void ipc_on_endpoint_death(void (*fn)(struct endpoint *ep))
{
}

/* Objects made here have no payer: the accounting is never reached. */
int task_kmem_charge(struct task *t, uint64_t bytes)
{
    fail();
    return 0;
}

void task_kmem_uncharge(struct task *t, uint64_t bytes)
{
    fail();
}

void vm_pager_terminate(struct vm_object *o)
{
    terminate_calls++;
    terminated = o;
}

/* Like the real one, minus the pager's object list: the tests' endpoint
 * is a bare struct that nothing else looks at. */
void vm_object_bind(struct vm_object *o, struct endpoint *pager, uint64_t badge)
{
    bind_calls++;
    o->pager = pager;
    o->pager_badge = badge;
}

void vm_object_unbind(struct vm_object *o)
{
    unbind_calls++;
    o->pager = 0;
}

void arch_tlb_flush_page(uint32_t asid, uint64_t va)
{
    tlb_flushes++;
}

uint64_t arch_timebase_hz(void)
{
    return 10000000;
}

/* --- fixtures ------------------------------------------------------------ */

static struct task tasks[2];
static struct endpoint fake_pager;
static uint64_t free0;

static int setup(void **state)
{
    fake_phys_init(RAM_FRAMES * PAGE_SIZE);
    pmm_init(FAKE_PHYS_BASE, fake_phys_end());
    pmm_free_range(FAKE_PHYS_BASE, fake_phys_end());
    vmo_init();
    free0 = pmm_free_count();
    memset(tasks, 0, sizeof(tasks));
    for (int i = 0; i < 2; i++) {
        tasks[i].pt_root = sv39_new_root(0);
        assert_int_not_equal(tasks[i].pt_root, 0);
        tasks[i].asid = (uint32_t)i + 1;
    }
    memset(&fake_pager, 0, sizeof(fake_pager));
    terminate_calls = bind_calls = unbind_calls = tlb_flushes = 0;
    terminated = 0;
    vm_objects_live = 0;
    return 0;
}

static void drop_leaf(paddr_t pa, void *ctx)
{
    pmm_unref(pa);
}

static int teardown(void **state)
{
    for (int i = 0; i < 2; i++)
        sv39_destroy_user(tasks[i].pt_root, drop_leaf, 0);
    assert_int_equal(vm_objects_live, 0);
    assert_int_equal(kmem_bytes_in_use(), 0);
    assert_int_equal(pmm_free_count(), free0);
    fake_phys_free();
    return 0;
}

static struct vm_object *new_object(uint64_t npages)
{
    struct vm_object *o = vmo_create(npages, 0, 0, NULL);
    assert_non_null(o);
    return o;
}

/* A region of t mapping pages [offset, offset + npages) of o at start
 * (on the object's list only: vm_object.c never looks at the task's map). */
static void region_link(struct vm_region *r, struct task *t, uint64_t start,
                        struct vm_object *o, uint64_t offset, uint64_t npages)
{
    memset(r, 0, sizeof(*r));
    r->task = t;
    r->start = start;
    r->end = start + npages * PAGE_SIZE;
    r->obj = o;
    r->offset = offset;
    r->prot = VM_R | VM_W;
    r->flags = VM_SHARED;
    list_add_tail(&o->regions, &r->obj_link);
    kobj_get(&o->obj);
    vmo_user(o, true);
}

static void region_unlink(struct vm_region *r)
{
    list_del(&r->obj_link);
    vmo_user(r->obj, false);
    kobj_put(&r->obj->obj);
}

static uint64_t region_va(struct vm_region *r, uint64_t page)
{
    return r->start + (page - r->offset) * PAGE_SIZE;
}

/* Installs a PTE for page in r's task naming frame, with its reference. */
static pte_t *map_page(struct vm_region *r, uint64_t page, paddr_t frame,
                       uint64_t pte_flags)
{
    uint64_t va = region_va(r, page);
    assert_int_equal(sv39_map(r->task->pt_root, va, frame, pte_flags), 0);
    pmm_ref(frame);
    r->task->frames++;
    return sv39_walk(r->task->pt_root, va, false);
}

/* Inserts a fresh frame at page; returns it (the cache holds its only
 * reference). */
static paddr_t insert_new(struct vm_object *o, uint64_t page, uint64_t flags)
{
    paddr_t f = pmm_alloc();
    assert_int_not_equal(f, 0);
    assert_int_equal(vmo_insert(o, page, f, flags), 0);
    return f;
}

/* Empties the cache so the object can be destroyed with no leak check
 * hiding a double free. */
static void drop_all(struct vm_object *o)
{
    for (uint64_t p = 0; p < o->npages; p++) {
        uint64_t e = vmo_remove(o, p);
        if (e)
            pmm_unref(PAGE_DOWN(e));
    }
    assert_int_equal(o->resident, 0);
}

/* --- create -------------------------------------------------------------- */

static void test_vmo_create_refuses_empty_and_oversized(void **state)
{
    assert_null(vmo_create(0, 0, 0, NULL));
    assert_null(vmo_create(VMO_MAX_PAGES + 1, 0, 0, NULL));
    assert_null(vmo_create(UINT64_MAX, 0, 0, NULL));
    assert_int_equal(bind_calls, 0);
    assert_int_equal(vm_objects_live, 0);
    assert_int_equal(kmem_bytes_in_use(), 0);

    struct vm_object *o = vmo_create(VMO_MAX_PAGES, 0, 0, NULL);
    assert_non_null(o);
    assert_int_equal(o->npages, VMO_MAX_PAGES);
    kobj_put(&o->obj);
}

static void test_vmo_fresh_object_is_empty(void **state)
{
    struct vm_object *o = vmo_create(NPAGES, &fake_pager, 42, NULL);
    assert_non_null(o);
    assert_int_equal(o->obj.type, OBJ_VMO);
    assert_int_equal(o->obj.refs, 1);
    assert_int_equal(o->resident, 0);
    assert_int_equal(o->users, 0);
    assert_false(o->failed);
    assert_ptr_equal(o->pager, &fake_pager);
    assert_int_equal(o->pager_badge, 42);
    assert_int_equal(bind_calls, 1);
    assert_int_equal(vm_objects_live, 1);
    assert_int_equal(o->deadline_ticks, 5 * 10000000ull);
    assert_true(list_empty(&o->regions));
    assert_false(vmo_has_requests(o));
    for (unsigned d = 0; d < VMO_LEAF_ENTRIES; d++)
        assert_null(o->dir[d]);
    assert_null(vmo_find_request(o, 0));

    struct vm_object *o2 = new_object(1);
    assert_true(o2->id > o->id);
    kobj_put(&o2->obj);
    kobj_put(&o->obj);
    assert_int_equal(unbind_calls, 2);
}

static void test_vmo_lookup_of_missing_page_allocates_nothing(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    uint64_t frames = pmm_free_count(), bytes = kmem_bytes_in_use();
    static const uint64_t pages[] = { 0, 1, 511, 512, FAR_PAGE, NPAGES - 1 };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        assert_int_equal(vmo_lookup(o, pages[i]), 0);
        assert_null(vmo_slot(o, pages[i], false));
    }
    assert_int_equal(pmm_free_count(), frames);
    assert_int_equal(kmem_bytes_in_use(), bytes);
    for (unsigned d = 0; d < VMO_LEAF_ENTRIES; d++)
        assert_null(o->dir[d]);
    /* Past the end is a caller bug. */
    expect_assert_failure(vmo_lookup(o, NPAGES));
    kobj_put(&o->obj);
}

/* --- insert and lookup --------------------------------------------------- */

static void test_vmo_insert_then_lookup_finds_frame_and_flags(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    paddr_t f = insert_new(o, 5, VPE_NOEXEC);
    uint64_t e = vmo_lookup(o, 5);
    assert_int_equal(PAGE_DOWN(e), f);
    assert_int_equal(e & VPE_FLAGS, VPE_PRESENT | VPE_NOEXEC);
    assert_int_equal(o->resident, 1);
    /* The cache took over the caller's reference; it added none. */
    assert_int_equal(pmm_refcount(f), 1);
    /* Bits above the flag field are not taken as flags. */
    paddr_t g = pmm_alloc();
    assert_int_equal(vmo_insert(o, 6, g, VPE_DIRTY | (1ul << 12)), 0);
    assert_int_equal(vmo_lookup(o, 6), g | VPE_PRESENT | VPE_DIRTY);
    assert_int_equal(o->resident, 2);
    /* Neighbours stay empty. */
    assert_int_equal(vmo_lookup(o, 4), 0);
    assert_int_equal(vmo_lookup(o, 7), 0);
    drop_all(o);
    kobj_put(&o->obj);
}

static void test_vmo_pages_in_different_leaves(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    uint64_t frames = pmm_free_count();
    paddr_t a = insert_new(o, 0, 0);
    /* One frame for the page, one for its leaf. */
    assert_int_equal(pmm_free_count(), frames - 2);
    paddr_t b = insert_new(o, FAR_PAGE, VPE_DIRTY);
    assert_int_equal(pmm_free_count(), frames - 4);
    assert_non_null(o->dir[0]);
    assert_non_null(o->dir[3]);
    assert_null(o->dir[1]);
    assert_null(o->dir[2]);
    assert_int_equal(vmo_lookup(o, 0), a | VPE_PRESENT);
    assert_int_equal(vmo_lookup(o, FAR_PAGE), b | VPE_PRESENT | VPE_DIRTY);
    assert_ptr_equal(vmo_slot(o, FAR_PAGE, false), &o->dir[3][7]);
    assert_int_equal(vmo_lookup(o, 7), 0);
    assert_int_equal(vmo_lookup(o, VMO_LEAF_ENTRIES * 3), 0);
    assert_int_equal(o->resident, 2);
    drop_all(o);
    kobj_put(&o->obj);
}

static void test_vmo_insert_into_occupied_slot_panics(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    paddr_t f = insert_new(o, 9, 0);
    paddr_t g = pmm_alloc();
    expect_assert_failure(vmo_insert(o, 9, g, 0));
    /* The first frame is still the one cached. */
    assert_int_equal(PAGE_DOWN(vmo_lookup(o, 9)), f);
    assert_int_equal(o->resident, 1);
    pmm_unref(g);
    drop_all(o);
    kobj_put(&o->obj);
}

static void test_vmo_slot_out_of_memory_returns_null(void **state)
{
    static paddr_t held[RAM_FRAMES];
    struct vm_object *o = new_object(NPAGES);
    paddr_t f = pmm_alloc();
    int n = 0;
    paddr_t pa;
    while ((pa = pmm_alloc()) != 0)
        held[n++] = pa;
    assert_null(vmo_slot(o, 100, true));
    assert_int_equal(vmo_insert(o, 100, f, 0), -E_NOMEM);
    assert_int_equal(o->resident, 0);
    assert_null(o->dir[0]);
    assert_int_equal(pmm_refcount(f), 1);
    /* With a frame back the leaf can be made. */
    pmm_unref(held[--n]);
    assert_non_null(vmo_slot(o, 100, true));
    assert_int_equal(vmo_insert(o, 100, f, 0), 0);
    while (n > 0)
        pmm_unref(held[--n]);
    drop_all(o);
    kobj_put(&o->obj);
}

/* --- remove -------------------------------------------------------------- */

static void test_vmo_remove_unmaps_from_every_region(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region ra, rb;
    /* Page 3 is at 0x13000 in task 0 and at 0x401000 in task 1. */
    region_link(&ra, &tasks[0], 0x10000, o, 0, 8);
    region_link(&rb, &tasks[1], 0x400000, o, 2, 4);
    paddr_t f = insert_new(o, 3, 0);
    pte_t *ea = map_page(&ra, 3, f, URW | PTE_A | PTE_D);
    pte_t *eb = map_page(&rb, 3, f, PTE_R | PTE_U | PTE_A);
    assert_int_equal(pmm_refcount(f), 3);

    uint64_t e = vmo_remove(o, 3);
    assert_int_equal(PAGE_DOWN(e), f);
    assert_true(e & VPE_PRESENT);
    assert_true(e & VPE_DIRTY);
    assert_true(e & VPE_ACCESSED);
    assert_int_equal(*ea, 0);
    assert_int_equal(*eb, 0);
    /* Only the cache's reference is left, and the caller owns it. */
    assert_int_equal(pmm_refcount(f), 1);
    assert_int_equal(tasks[0].frames, 0);
    assert_int_equal(tasks[1].frames, 0);
    assert_int_equal(tlb_flushes, 2);
    assert_int_equal(o->resident, 0);
    assert_int_equal(vmo_lookup(o, 3), 0);
    assert_int_equal(vmo_remove(o, 3), 0);
    /* A page that was never there, in a leaf that was never made. */
    assert_int_equal(vmo_remove(o, FAR_PAGE), 0);
    assert_int_equal(tlb_flushes, 2);

    pmm_unref(f);
    region_unlink(&ra);
    region_unlink(&rb);
    kobj_put(&o->obj);
}

static void test_vmo_remove_of_clean_page_is_not_dirty(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region r;
    region_link(&r, &tasks[0], 0x10000, o, 0, 8);
    paddr_t f = insert_new(o, 1, 0);
    map_page(&r, 1, f, PTE_R | PTE_U);
    uint64_t e = vmo_remove(o, 1);
    assert_int_equal(e, f | VPE_PRESENT);
    assert_int_equal(tasks[0].frames, 0);
    pmm_unref(f);
    region_unlink(&r);
    kobj_put(&o->obj);
}

static void test_vmo_remove_leaves_private_copy_alone(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region shared, priv;
    region_link(&shared, &tasks[0], 0x10000, o, 0, 8);
    region_link(&priv, &tasks[1], 0x20000, o, 0, 8);
    paddr_t f = insert_new(o, 2, 0);
    paddr_t copy = pmm_alloc();
    pte_t *es = map_page(&shared, 2, f, URW | PTE_A);
    pte_t *ep = map_page(&priv, 2, copy, URW | PTE_A | PTE_D);
    pmm_unref(copy); /* the mapping holds the copy's only reference */
    pte_t before = *ep;

    uint64_t e = vmo_remove(o, 2);
    assert_int_equal(PAGE_DOWN(e), f);
    /* The copy's D bit is not the cached page's. */
    assert_false(e & VPE_DIRTY);
    assert_int_equal(*es, 0);
    assert_int_equal(*ep, before);
    assert_int_equal(pmm_refcount(copy), 1);
    assert_int_equal(tasks[0].frames, 0);
    assert_int_equal(tasks[1].frames, 1);
    assert_int_equal(tlb_flushes, 1);

    pmm_unref(f);
    region_unlink(&shared);
    region_unlink(&priv);
    kobj_put(&o->obj);
}

/* --- harvest, write protect, clean --------------------------------------- */

static void test_vmo_harvest_reports_accessed_and_dirty(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region ra, rb;
    region_link(&ra, &tasks[0], 0x10000, o, 0, 8);
    region_link(&rb, &tasks[1], 0x30000, o, 0, 8);
    paddr_t f = insert_new(o, 4, 0);
    pte_t *ea = map_page(&ra, 4, f, URW | PTE_A | PTE_D);
    pte_t *eb = map_page(&rb, 4, f, PTE_R | PTE_U | PTE_A);

    /* Looking does not change the page tables. */
    pte_t a0 = *ea, b0 = *eb;
    uint64_t e = vmo_harvest(o, 4, false);
    assert_int_equal(PAGE_DOWN(e), f);
    assert_int_equal(e & VPE_FLAGS, VPE_PRESENT | VPE_ACCESSED | VPE_DIRTY);
    assert_int_equal(*ea, a0);
    assert_int_equal(*eb, b0);
    assert_int_equal(tlb_flushes, 0);

    /* Clearing starts the accessed state over in both tasks. */
    e = vmo_harvest(o, 4, true);
    assert_int_equal(e & VPE_FLAGS, VPE_PRESENT | VPE_ACCESSED | VPE_DIRTY);
    assert_int_equal(*ea, a0 & ~PTE_A);
    assert_int_equal(*eb, b0 & ~PTE_A);
    assert_int_equal(tlb_flushes, 2);
    assert_false(vmo_lookup(o, 4) & VPE_ACCESSED);

    /* No new access: not accessed, still dirty. */
    e = vmo_harvest(o, 4, true);
    assert_int_equal(e & VPE_FLAGS, VPE_PRESENT | VPE_DIRTY);
    assert_int_equal(tlb_flushes, 2);

    /* Dirty is sticky in the entry even once no PTE says so. */
    *ea &= ~PTE_D;
    e = vmo_harvest(o, 4, false);
    assert_int_equal(e & VPE_FLAGS, VPE_PRESENT | VPE_DIRTY);

    /* A new access shows again. */
    *eb |= PTE_A;
    e = vmo_harvest(o, 4, false);
    assert_int_equal(e & VPE_FLAGS, VPE_PRESENT | VPE_ACCESSED | VPE_DIRTY);

    drop_all(o);
    region_unlink(&ra);
    region_unlink(&rb);
    kobj_put(&o->obj);
}

static void test_vmo_harvest_of_missing_page_is_zero(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    insert_new(o, 0, 0);
    uint64_t frames = pmm_free_count();
    assert_int_equal(vmo_harvest(o, 1, false), 0);        /* leaf exists */
    assert_int_equal(vmo_harvest(o, 1, true), 0);
    assert_int_equal(vmo_harvest(o, FAR_PAGE, true), 0);  /* no leaf */
    assert_int_equal(vmo_lookup(o, 1), 0);
    assert_int_equal(pmm_free_count(), frames);
    /* Write protect and clean of a missing page change nothing. */
    vmo_write_protect(o, 1);
    vmo_clean(o, FAR_PAGE);
    assert_int_equal(vmo_lookup(o, 1), 0);
    assert_null(o->dir[3]);
    drop_all(o);
    kobj_put(&o->obj);
}

static void test_vmo_write_protect_then_clean(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region ra, rb;
    region_link(&ra, &tasks[0], 0x10000, o, 0, 8);
    region_link(&rb, &tasks[1], 0x50000, o, 0, 8);
    paddr_t f = insert_new(o, 6, 0);
    pte_t *ea = map_page(&ra, 6, f, URW | PTE_A | PTE_D);
    pte_t *eb = map_page(&rb, 6, f, PTE_R | PTE_U | PTE_A);

    vmo_write_protect(o, 6);
    assert_int_equal(*ea, pte_make(f, PTE_V | PTE_R | PTE_U | PTE_A | PTE_D));
    assert_int_equal(*eb, pte_make(f, PTE_V | PTE_R | PTE_U | PTE_A));
    /* Only the mapping that lost W needed a flush. */
    assert_int_equal(tlb_flushes, 1);
    uint64_t e = vmo_lookup(o, 6);
    assert_true(e & VPE_NOWRITE);
    /* The D bit of the writable mapping is kept in the entry. */
    assert_true(e & VPE_DIRTY);

    vmo_clean(o, 6);
    assert_int_equal(*ea, pte_make(f, PTE_V | PTE_R | PTE_U | PTE_A));
    assert_int_equal(*eb, pte_make(f, PTE_V | PTE_R | PTE_U | PTE_A));
    assert_int_equal(tlb_flushes, 2);
    e = vmo_lookup(o, 6);
    assert_false(e & VPE_DIRTY);
    assert_true(e & VPE_NOWRITE);
    assert_int_equal(PAGE_DOWN(e), f);
    assert_false(vmo_harvest(o, 6, false) & VPE_DIRTY);

    drop_all(o);
    region_unlink(&ra);
    region_unlink(&rb);
    kobj_put(&o->obj);
}

/* --- users and destroy --------------------------------------------------- */

static void test_vmo_last_user_terminates_pager(void **state)
{
    struct vm_object *o = vmo_create(NPAGES, &fake_pager, 1, NULL);
    assert_non_null(o);
    vmo_user(o, true);
    vmo_user(o, true);
    vmo_user(o, false);
    assert_int_equal(terminate_calls, 0);
    vmo_user(o, false);
    assert_int_equal(terminate_calls, 1);
    assert_ptr_equal(terminated, o);
    assert_int_equal(o->users, 0);
    /* One more drop than adds is a bug. */
    expect_assert_failure(vmo_user(o, false));
    assert_int_equal(terminate_calls, 1);
    kobj_put(&o->obj);
    assert_int_equal(terminate_calls, 1);
}

static void test_vmo_zero_fill_object_has_no_pager_to_terminate(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region r;
    region_link(&r, &tasks[0], 0x10000, o, 0, 8);
    vmo_user(o, true);
    vmo_user(o, false);
    region_unlink(&r);
    assert_int_equal(o->users, 0);
    assert_int_equal(terminate_calls, 0);
    kobj_put(&o->obj);
    assert_int_equal(terminate_calls, 0);
}

static void test_vmo_pager_handles_are_not_users(void **state)
{
    struct vm_object *o = vmo_create(NPAGES, &fake_pager, 1, NULL);
    assert_non_null(o);
    kobj_handle_event(&o->obj, R_PAGER | R_READ, true);
    assert_int_equal(o->users, 0);
    kobj_handle_event(&o->obj, R_READ, true);
    assert_int_equal(o->users, 1);
    kobj_handle_event(&o->obj, R_PAGER | R_READ, false);
    assert_int_equal(o->users, 1);
    assert_int_equal(terminate_calls, 0);
    kobj_handle_event(&o->obj, R_READ, false);
    assert_int_equal(o->users, 0);
    assert_int_equal(terminate_calls, 1);
    kobj_put(&o->obj);
}

static void test_vmo_last_reference_frees_frames_and_leaves(void **state)
{
    uint64_t frames = pmm_free_count(), bytes = kmem_bytes_in_use();
    struct vm_object *o = vmo_create(NPAGES, &fake_pager, 3, NULL);
    assert_non_null(o);
    static const uint64_t pages[] = { 0, 1, 511, 512, FAR_PAGE, NPAGES - 1 };
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        insert_new(o, pages[i], VPE_DIRTY);
    /* A frame someone else also holds survives with their reference. */
    paddr_t kept = insert_new(o, 100, 0);
    pmm_ref(kept);
    assert_int_equal(o->resident, 7);
    assert_true(pmm_free_count() < frames - 7);
    assert_int_equal(vm_objects_live, 1);

    kobj_get(&o->obj);
    kobj_put(&o->obj);
    assert_int_equal(unbind_calls, 0);
    kobj_put(&o->obj);
    assert_int_equal(unbind_calls, 1);
    assert_int_equal(vm_objects_live, 0);
    assert_int_equal(pmm_refcount(kept), 1);
    assert_int_equal(pmm_free_count(), frames - 1);
    assert_int_equal(kmem_bytes_in_use(), bytes);
    pmm_unref(kept);
    assert_int_equal(pmm_free_count(), frames);
}

static void test_vmo_destroy_with_regions_panics(void **state)
{
    struct vm_object *o = new_object(NPAGES);
    struct vm_region r;
    region_link(&r, &tasks[0], 0x10000, o, 0, 8);
    /* Drop the region's reference without unlinking it: a kernel bug. */
    kobj_put(&o->obj);
    expect_assert_failure(kobj_put(&o->obj));
    /* Nothing was freed; undo the poison and destroy it properly. */
    assert_int_equal(vm_objects_live, 1);
    list_del(&r.obj_link);
    o->obj.type = OBJ_VMO;
    o->obj.refs = 1;
    kobj_put(&o->obj);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_vmo_create_refuses_empty_and_oversized),
        T(test_vmo_fresh_object_is_empty),
        T(test_vmo_lookup_of_missing_page_allocates_nothing),
        T(test_vmo_insert_then_lookup_finds_frame_and_flags),
        T(test_vmo_pages_in_different_leaves),
        T(test_vmo_insert_into_occupied_slot_panics),
        T(test_vmo_slot_out_of_memory_returns_null),
        T(test_vmo_remove_unmaps_from_every_region),
        T(test_vmo_remove_of_clean_page_is_not_dirty),
        T(test_vmo_remove_leaves_private_copy_alone),
        T(test_vmo_harvest_reports_accessed_and_dirty),
        T(test_vmo_harvest_of_missing_page_is_zero),
        T(test_vmo_write_protect_then_clean),
        T(test_vmo_last_user_terminates_pager),
        T(test_vmo_zero_fill_object_has_no_pager_to_terminate),
        T(test_vmo_pager_handles_are_not_users),
        T(test_vmo_last_reference_frees_frames_and_leaves),
        T(test_vmo_destroy_with_regions_panics),
    };
    return cmocka_run_group_tests_name("vm_object", tests, NULL, NULL);
}

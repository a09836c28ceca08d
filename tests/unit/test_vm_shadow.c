/*
 * Host tests of anonymous and shadow objects: the fault's walk down a
 * shadow chain, copy-up on write, views of a page below unmapped when
 * it goes, collapse, and the existence map (first touch without IPC, a
 * page paged out goes back to the pager).
 */
#include "tests/unit/vm_scene.h"

/* An anonymous object of npages whose page i holds word 0 = fill + i. */
static struct vm_object *anon_with_pages(struct task *k, uint64_t npages, uint64_t fill)
{
    struct vm_object *o = vmo_create_anon(npages, k);
    assert_non_null(o);
    for (uint64_t i = 0; i < npages; i++) {
        paddr_t f = pmm_alloc();
        assert_int_not_equal(f, 0);
        *(uint64_t *)pa_to_kva(f) = fill + i;
        assert_int_equal(vmo_insert(o, i, f, VPE_DIRTY), 0);
    }
    return o;
}

static pte_t pte_of(struct task *k, uint64_t va)
{
    pte_t *e = sv39_walk(k->pt_root, va, false);
    return e ? *e : 0;
}

static void test_read_through_shadow_maps_the_page_below_read_only(void **state)
{
    struct task *k = new_task("reader");
    struct thread *t = new_thread(k);
    struct vm_object *base = anon_with_pages(k, 2, 100);
    assert_int_equal(vm_map(k, base, AREA, 2 * PG, 0, VM_R | VM_W, VM_PRIVATE), 0);
    assert_int_equal(fault(t, AREA + PG, VM_R), FAULT_RESOLVED);
    assert_int_equal(frame_at(k, AREA + PG), PAGE_DOWN(vmo_lookup(base, 1)));
    assert_int_equal(pte_of(k, AREA + PG) & PTE_W, 0);
    struct vm_region *r = vm_region_find(k, AREA);
    assert_ptr_equal(r->obj->backing, base);
    assert_int_equal(r->obj->resident, 0);
    kobj_put(&base->obj);
}

static void test_write_copies_the_page_up_and_leaves_the_one_below(void **state)
{
    struct task *k = new_task("writer");
    struct thread *t = new_thread(k);
    struct vm_object *base = anon_with_pages(k, 2, 100);
    assert_int_equal(vm_map(k, base, AREA, 2 * PG, 0, VM_R | VM_W, VM_PRIVATE), 0);
    assert_int_equal(fault(t, AREA, VM_R), FAULT_RESOLVED); /* read-only view first */
    assert_int_equal(fault(t, AREA, VM_W), FAULT_RESOLVED);
    struct vm_object *s = vm_region_find(k, AREA)->obj;
    uint64_t e = vmo_lookup(s, 0);
    assert_true(e & VPE_PRESENT);
    assert_true(e & VPE_DIRTY); /* the copy exists nowhere else */
    assert_int_equal(frame_at(k, AREA), PAGE_DOWN(e));
    assert_true(pte_of(k, AREA) & PTE_W);
    assert_int_equal(word_at(k, AREA), 100);
    assert_int_not_equal(PAGE_DOWN(e), PAGE_DOWN(vmo_lookup(base, 0)));
    assert_int_equal(pmm_refcount(PAGE_DOWN(vmo_lookup(base, 0))), 1); /* no view left */
    kobj_put(&base->obj);
}

static void test_evicting_the_page_below_unmaps_its_views_through_shadows(void **state)
{
    struct scene s;
    scene_new(&s, 2);
    uint64_t src = src_page(s.p.task, 0, 7);
    assert_int_equal(supply(&s, 0, src, 1, VM_R | VM_W), 1);
    assert_int_equal(vm_map(s.client, s.obj, AREA + 0x100000, 2 * PG, 0, VM_R | VM_W,
                            VM_PRIVATE), 0);
    assert_int_equal(fault(s.faulter, AREA + 0x100000, VM_R), FAULT_RESOLVED);
    assert_int_not_equal(frame_at(s.client, AREA + 0x100000), 0);
    uint64_t e = vmo_remove(s.obj, 0);
    assert_int_equal(e & VPE_PRESENT, VPE_PRESENT);
    assert_int_equal(frame_at(s.client, AREA + 0x100000), 0);
    pmm_unref(PAGE_DOWN(e)); /* the cache's reference, now ours */
}

static void test_collapse_merges_an_object_only_the_shadow_uses(void **state)
{
    struct task *k = new_task("chain");
    struct thread *t = new_thread(k);
    struct vm_object *prev = anon_with_pages(k, 4, 1000);
    for (uint64_t level = 1; level <= 100; level++) {
        struct vm_object *next = vmo_create_shadow(prev, 0, 4, k);
        assert_non_null(next);
        kobj_put(&prev->obj); /* only next uses it now */
        assert_int_equal(vm_map(k, next, AREA, 4 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
        assert_int_equal(fault(t, AREA + (level % 4) * PG, VM_W), FAULT_RESOLVED);
        *(uint64_t *)pa_to_kva(frame_at(k, AREA + (level % 4) * PG) + 8 * level) = level;
        assert_int_equal(vm_unmap_regions(k, AREA, 4 * PG), 0);
        prev = next;
    }
    int depth = 0;
    for (struct vm_object *b = prev->backing; b; b = b->backing)
        depth++;
    assert_true(depth <= 1);
    assert_int_equal(vm_map(k, prev, AREA, 4 * PG, 0, VM_R, VM_SHARED), 0);
    for (uint64_t pg = 0; pg < 4; pg++) {
        assert_int_equal(fault(t, AREA + pg * PG, VM_R), FAULT_RESOLVED);
        assert_int_equal(word_at(k, AREA + pg * PG), 1000 + pg);
    }
    for (uint64_t level = 1; level <= 100; level++)
        assert_int_equal(word_at(k, AREA + (level % 4) * PG + 8 * level), level);
    kobj_put(&prev->obj);
}

static void test_existence_map_zero_fills_without_ipc_until_paged_out(void **state)
{
    struct pager p;
    pager_new(&p, "default");
    struct task *k = new_task("user");
    struct thread *t = new_thread(k);
    struct vm_object *o = vmo_create_anon(4, k);
    vm_object_bind(o, p.ep, 9);
    assert_int_equal(vm_map(k, o, AREA, 4 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    assert_int_equal(fault(t, AREA, VM_W), FAULT_RESOLVED); /* zeros, no request */
    assert_int_equal(outstanding_requests(), 0);
    assert_int_equal(queued(p.ep), 0);
    /* Paged out with data: the entry keeps VPE_PAGED, the next touch asks. */
    uint64_t e = vmo_remove(o, 0);
    assert_true(e & VPE_PRESENT);
    pmm_unref(PAGE_DOWN(e));
    *vmo_slot(o, 0, false) = VPE_PAGED;
    assert_int_equal(fault(t, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(outstanding_requests(), 1);
    assert_int_equal(pager_recv(&p), 0);
    struct msg m = received(p.th);
    assert_int_equal(m.label, PAGER_FAULT);
    assert_int_equal(m.badge, 9);
    task_exit(k, 0);
    kobj_put(&o->obj);
}

/* A private mapping reads through to the object: the object's pager is
 * not told it has no users while the mapping's shadow stands on it. */
static void test_shadow_keeps_its_object_in_use(void **state)
{
    struct scene s;
    scene_new(&s, 2); /* the client maps it shared; the pager holds its own handle */
    assert_int_equal(vm_map(s.client, s.obj, AREA + 0x100000, 2 * PG, 0, VM_R | VM_W,
                            VM_PRIVATE), 0);
    assert_int_equal(vm_unmap_regions(s.client, AREA, 2 * PG), 0); /* the shared map goes */
    assert_int_equal(queued(s.p.ep), 0); /* no TERMINATE: the shadow still uses it */
    assert_int_equal(fault(s.faulter, AREA + 0x100000 + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(vm_unmap_regions(s.client, AREA + 0x100000, 2 * PG), 0);
    /* The last user is gone with the shadow: now the pager hears of it. */
    bool terminate = false;
    list_for_each(pos, &s.p.ep->kmsgs)
        terminate |= IPC_TAG_LABEL(list_entry(pos, struct ipc_kmsg, link)->tag) == PAGER_TERMINATE;
    assert_true(terminate);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_read_through_shadow_maps_the_page_below_read_only),
		T(test_write_copies_the_page_up_and_leaves_the_one_below),
		T(test_evicting_the_page_below_unmaps_its_views_through_shadows),
		T(test_collapse_merges_an_object_only_the_shadow_uses),
		T(test_existence_map_zero_fills_without_ipc_until_paged_out),
		T(test_shadow_keeps_its_object_in_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

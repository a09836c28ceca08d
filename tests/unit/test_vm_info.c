/*
 * Host tests of the VM's read-only views (kern/vm/vm_info.c): a task's
 * regions (SYS_VM_REGIONS) and the memory objects (SYS_VM_OBJECTS), as
 * the shell's maps, objects and pagers read them. Every argument the
 * calls take is tried wrong once; a right call must report what the
 * scene holds and change nothing (no A/D bit folded into an entry).
 */
#include "tests/unit/vm_scene.h"

#include "kern/handle.h"
#include "kern/vm/vm_info.h"

static struct kobj system_view = { OBJ_SYSTEM, 1 }; /* static: never destroyed */

/* A system handle with `rights` in the pager's table. */
static int system_handle(struct scene *s, uint32_t rights)
{
    int h = handle_install(s->p.task->handles, &system_view, rights, 0);
    assert_true(h >= 0);
    return h;
}

/* The pager's page INFO, where the calls write their record. */
static void *out_page(struct scene *s)
{
    if (!frame_at(s->p.task, INFO))
        assert_int_equal(vm_wire(s->p.task, INFO, PG, VM_R | VM_W), 0);
    return pa_to_kva(frame_at(s->p.task, INFO));
}

static int64_t regions(struct scene *s, int64_t sys, uint64_t task_id, uint64_t from,
                       uint64_t out)
{
    run(s->p.th);
    uint64_t a[6] = { (uint64_t)sys, task_id, from, out };
    return sys_vm_regions(s->p.th, a);
}

static int64_t objects(struct scene *s, int64_t sys, uint64_t from, uint64_t out, int64_t ep)
{
    run(s->p.th);
    uint64_t a[6] = { (uint64_t)sys, from, out, (uint64_t)ep };
    return sys_vm_objects(s->p.th, a);
}

static int64_t objects(struct scene *s, int64_t sys, uint64_t from, uint64_t out, int64_t ep);

static void test_regions_lists_the_mapping_and_its_resident_pages(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    int sys = system_handle(&s, R_READ);
    struct vm_region_info *ri = out_page(&s);
    assert_int_equal(supply(&s, 2 * PG, src_page(s.p.task, 0, 1), 1, VM_R | VM_W), 1);
    /* Resident in the object, but the client never touched it. */
    assert_int_equal(regions(&s, sys, s.client->id, 0, INFO), (int64_t)(AREA + 4 * PG));
    assert_int_equal(ri->resident, 0);
    assert_int_equal(fault(s.faulter, AREA + 2 * PG, VM_R), FAULT_RESOLVED);
    assert_int_equal(regions(&s, sys, s.client->id, 0, INFO), (int64_t)(AREA + 4 * PG));
    assert_int_equal(ri->start, AREA);
    assert_int_equal(ri->end, AREA + 4 * PG);
    assert_int_equal(ri->offset, 0);
    assert_int_equal(ri->object, s.obj->id);
    assert_int_equal(ri->resident, 1);
    assert_int_equal(ri->prot, VM_R | VM_W);
    assert_int_equal(ri->flags, VM_SHARED);
    /* A second mapping of the object's upper half, private and read-only:
     * a shadow of its own (nothing resident in it yet) stands on it. */
    assert_int_equal(vm_map(s.client, s.obj, AREA + 0x100000, 2 * PG, 2 * PG, VM_R, VM_PRIVATE),
                     0);
    assert_int_equal(regions(&s, sys, s.client->id, AREA + 4 * PG, INFO),
                     (int64_t)(AREA + 0x100000 + 2 * PG));
    assert_int_equal(ri->start, AREA + 0x100000);
    assert_int_not_equal(ri->object, s.obj->id);
    assert_int_equal(ri->resident, 0);
    assert_int_equal(ri->prot, VM_R);
    assert_int_equal(ri->flags, VM_PRIVATE);
    uint64_t shadow = ri->object;
    struct vm_object_info *oi = (void *)ri;
    assert_int_equal(objects(&s, sys, shadow, INFO, -1), (int64_t)shadow + 1);
    assert_int_equal(oi->id, shadow);
    assert_int_equal(oi->backing, s.obj->id);
    assert_int_equal(oi->anon, 1);
    assert_int_equal(oi->size, 2 * PG);
    assert_int_equal(regions(&s, sys, s.client->id, AREA + 0x100000 + 2 * PG, INFO), -E_NOENT);
    /* The pager task has no region (its pages are wired). */
    assert_int_equal(regions(&s, sys, s.p.task->id, 0, INFO), -E_NOENT);
}

static void test_regions_refuses_bad_arguments(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    int sys = system_handle(&s, R_READ), blind = system_handle(&s, R_CONTROL);
    (void)out_page(&s);
    assert_int_equal(regions(&s, s.p.ep_h, s.client->id, 0, INFO), -E_BADH);
    assert_int_equal(regions(&s, 999, s.client->id, 0, INFO), -E_BADH);
    assert_int_equal(regions(&s, -1, s.client->id, 0, INFO), -E_BADH);
    assert_int_equal(regions(&s, blind, s.client->id, 0, INFO), -E_PERM);
    assert_int_equal(regions(&s, sys, 0, 0, INFO), -E_INVAL);
    assert_int_equal(regions(&s, sys, 1ull << 32, 0, INFO), -E_INVAL);
    assert_int_equal(regions(&s, sys, s.client->id, VM_USER_HI, INFO), -E_NOENT);
    assert_int_equal(regions(&s, sys, s.client->id, VM_USER_HI + 1, INFO), -E_INVAL);
    assert_int_equal(regions(&s, sys, s.client->id, ~0ull, INFO), -E_INVAL);
    assert_int_equal(regions(&s, sys, 4000000, 0, INFO), -E_NOENT);
    assert_int_equal(regions(&s, sys, s.client->id, 0, VM_USER_HI), -E_FAULT);
    assert_int_equal(regions(&s, sys, s.client->id, 0, INFO + PG - 8), -E_FAULT);
}

static void test_objects_reports_counts_and_pager_without_changing_entries(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    int sys = system_handle(&s, R_READ);
    struct vm_object_info *oi = out_page(&s);
    assert_int_equal(supply(&s, 0, src_page(s.p.task, 0, 1), 1, VM_R | VM_W), 1);
    assert_int_equal(supply(&s, PG, src_page(s.p.task, 1, 1), 1, VM_R | VM_W), 1);
    assert_int_equal(fault(s.faulter, AREA, VM_W), FAULT_RESOLVED);
    assert_int_equal(fault(s.faulter, AREA + 3 * PG, VM_R), FAULT_BLOCKED);
    /* The hart wrote page 0: its PTE says so, its entry not yet. */
    pte_t *e = sv39_walk(s.client->pt_root, AREA, false);
    assert_non_null(e);
    *e |= PTE_A | PTE_D;
    uint64_t entry = vmo_lookup(s.obj, 0);
    assert_false(entry & VPE_DIRTY);

    assert_int_equal(objects(&s, sys, 0, INFO, s.p.ep_h), (int64_t)s.obj->id + 1);
    assert_int_equal(oi->id, s.obj->id);
    assert_int_equal(oi->size, 4 * PG);
    assert_int_equal(oi->resident, 2);
    assert_int_equal(oi->dirty, 1);
    assert_int_equal(oi->faults, 1);
    assert_int_equal(oi->minor, 1);
    assert_int_equal(oi->supplies, 2);
    assert_int_equal(oi->pending, 1);
    assert_int_equal(oi->pager, s.p.ep->id);
    assert_int_equal(oi->pager_task, s.p.task->id);
    assert_int_equal(oi->task, s.client->id);
    assert_int_equal(oi->mappings, 1);
    assert_int_equal(oi->backing, 0);
    assert_int_equal(oi->anon, 0);
    assert_int_equal(vmo_lookup(s.obj, 0), entry); /* looking changed nothing */
    /* Past it, the endpoint pages nothing more: its identity alone. */
    memset(oi, 0xa5, sizeof(*oi));
    assert_int_equal(objects(&s, sys, s.obj->id + 1, INFO, s.p.ep_h), 0);
    assert_int_equal(oi->id, 0);
    assert_int_equal(oi->pager, s.p.ep->id);
    assert_int_equal(oi->pager_task, s.p.task->id);
    assert_int_equal(oi->resident, 0);
    /* Unfiltered, the object is among all of them, in id order. */
    int64_t next = 0;
    bool seen = false;
    while ((next = objects(&s, sys, (uint64_t)next, INFO, -1)) > 0)
        seen |= oi->id == s.obj->id;
    assert_int_equal(next, -E_NOENT);
    assert_true(seen);
}

static void test_objects_refuses_bad_arguments(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    int sys = system_handle(&s, R_READ), blind = system_handle(&s, R_CONTROL);
    (void)out_page(&s);
    assert_int_equal(objects(&s, s.p.ep_h, 0, INFO, -1), -E_BADH);
    assert_int_equal(objects(&s, blind, 0, INFO, -1), -E_PERM);
    assert_int_equal(objects(&s, sys, 0, INFO, sys), -E_BADH);    /* no endpoint */
    assert_int_equal(objects(&s, sys, 0, INFO, 999), -E_BADH);
    assert_int_equal(objects(&s, sys, 0, INFO, s.vmo_h), -E_BADH);
    assert_int_equal(objects(&s, sys, 0, VM_USER_HI, -1), -E_FAULT);
    assert_int_equal(objects(&s, sys, ~0ull, INFO, -1), -E_NOENT);
    /* Another pager's endpoint pages none of them. */
    struct pager other;
    pager_new(&other, "other");
    int h = (int)handle_copy(other.task->handles, other.ep_h, s.p.task->handles, R_SEND);
    assert_true(h >= 0);
    struct vm_object_info *oi = out_page(&s);
    assert_int_equal(objects(&s, sys, 0, INFO, h), 0);
    assert_int_equal(oi->id, 0);
    assert_int_equal(oi->pager, other.ep->id);
    assert_int_equal(oi->pager_task, other.task->id);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_regions_lists_the_mapping_and_its_resident_pages),
        T(test_regions_refuses_bad_arguments),
        T(test_objects_reports_counts_and_pager_without_changing_entries),
        T(test_objects_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

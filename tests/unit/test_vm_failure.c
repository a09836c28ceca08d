/* Host tests of the fault state machine: pager failure, deadlines, fallbacks, references and memory. */
#include "tests/unit/vm_scene.h"
#include "kern/vm/vm_reclaim.h"
#include "uapi/mm.h"

/* --- failure ---------------------------------------------------------------------- */

static void test_pager_fail_kills_the_waiting_task(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    struct thread *second = new_thread(s.client);
    assert_int_equal(fault(s.faulter, AREA + 4 * PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(fault(second, AREA + 4 * PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    run(s.p.th);
    uint64_t a[5] = { (uint64_t)s.vmo_h, 4 * PG, 1, (uint64_t)-E_FORMAT, PAGER_EPOCH_FIRST };
    assert_int_equal(sys_pager_fail(s.p.th, a), 0);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(s.client->status, TASK_STATUS_KILLED | TASK_KILLED_PAGER);
    assert_int_equal(s.client->frames, 0);
    assert_int_equal(s.client->nthreads, 0);
    assert_int_equal(outstanding_requests(), 0);
    assert_false(vmo_has_requests(s.obj));
    /* The object itself is fine: only that request failed. */
    assert_false(s.obj->failed);
    /* The client's mapping was the last user: the pager hears of it. */
    assert_int_equal(queued(s.p.ep), 1);
    assert_int_equal(pager_recv(&s.p), 0);
    struct msg got = received(s.p.th);
    assert_int_equal(got.label, PAGER_TERMINATE);
    assert_int_equal(got.w[0], 8 * PG);
    assert_int_equal(got.badge, BADGE);

    /* Outside the object, or a range without requests. */
    uint64_t bad[5] = { (uint64_t)s.vmo_h, 8 * PG, 1, (uint64_t)-E_DEAD, PAGER_EPOCH_FIRST };
    assert_int_equal(sys_pager_fail(s.p.th, bad), -E_RANGE);
    uint64_t none[5] = { (uint64_t)s.vmo_h, 0, 8, (uint64_t)-E_DEAD, PAGER_EPOCH_FIRST };
    assert_int_equal(sys_pager_fail(s.p.th, none), 0);
}

/* The error a task is told comes from a closed set (uapi/pager.h): any
 * other code is refused and the request goes on waiting. */
static void test_pager_fail_refuses_codes_outside_the_set(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    run(s.p.th);
    const uint64_t bad[] = { 0, 1, (uint64_t)-E_NOENT, (uint64_t)-E_STALE, (uint64_t)-E_INVAL,
                             (uint64_t)E_DEAD, (uint64_t)-1000, 1ull << 40 | (uint32_t)-E_DEAD,
                             (uint64_t)INT64_MIN };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t a[5] = { (uint64_t)s.vmo_h, 0, 1, bad[i], PAGER_EPOCH_FIRST };
        assert_int_equal(sys_pager_fail(s.p.th, a), -E_INVAL);
        assert_int_equal(outstanding_requests(), 1);
        assert_int_equal(s.client->state, TASK_ALIVE);
    }
    const long good[] = { -E_NOMEM, -E_RANGE, -E_FORMAT, -E_DEAD };
    for (unsigned i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint64_t a[5] = { (uint64_t)s.vmo_h, 4 * PG, 1, (uint64_t)good[i], PAGER_EPOCH_FIRST };
        assert_int_equal(sys_pager_fail(s.p.th, a), 0); /* no request there: nothing happens */
    }
    assert_int_equal(s.client->state, TASK_ALIVE);
    uint64_t a[5] = { (uint64_t)s.vmo_h, 0, 1, (uint64_t)-E_RANGE, PAGER_EPOCH_FIRST };
    assert_int_equal(sys_pager_fail(s.p.th, a), 0);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(outstanding_requests(), 0);
}

static void test_missed_deadline_without_fallback_fails_that_request_alone(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    now_ticks = 5000;
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0); /* received, never answered */

    now_ticks = 5000 + DEADLINE - 1;
    vm_tick(now_ticks);
    assert_int_equal(s.client->state, TASK_ALIVE);
    assert_int_equal(s.faulter->state, TH_BLOCKED);

    now_ticks = 5000 + DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(s.client->status, TASK_STATUS_KILLED | TASK_KILLED_PAGER);
    assert_false(s.obj->failed);
    assert_ptr_equal(s.obj->pager, s.p.ep);
    assert_int_equal(outstanding_requests(), 0);
    /* The object goes on: a later fault goes to the pager and is served. */
    struct task *late = new_task("late");
    struct thread *lt = new_thread(late);
    assert_int_equal(vm_map(late, s.obj, AREA, 4 * PG, 0, VM_R, VM_SHARED), 0);
    assert_int_equal(fault(lt, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(outstanding_requests(), 1);
    assert_int_equal(supply(&s, PG, 0, 1, VM_R), 1);
    assert_int_equal(lt->state, TH_READY);
}

static void test_missed_deadline_goes_to_the_fallback_pager(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct pager fb;
    pager_new(&fb, "fallback");
    vm_set_fallback(s.obj, fb.ep, 6);
    assert_int_equal(info_of(&s).has_fallback, 1);
    assert_int_equal(fault(s.faulter, AREA + 3 * PG, VM_R), FAULT_BLOCKED);
    uint64_t fault_id = s.faulter->fault_req->fault_id;
    /* The first pager never even receives it. */
    assert_int_equal(queued(s.p.ep), 1);

    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(s.client->state, TASK_ALIVE);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    assert_false(s.obj->failed);
    assert_ptr_equal(s.obj->pager, fb.ep);
    assert_int_equal(s.obj->pager_badge, 6);
    assert_null(s.obj->fallback);
    assert_int_equal(queued(s.p.ep), 0); /* taken back from the late pager */
    assert_true(list_empty(&s.p.ep->objects));
    /* The request starts a new deadline with the fallback. */
    assert_int_equal(s.faulter->fault_req->deadline, now_ticks + DEADLINE);
    assert_int_equal(pager_recv(&fb), 0);
    struct msg got = received(fb.th);
    assert_int_equal(got.label, PAGER_FAULT);
    assert_int_equal(got.w[0], 3 * PG);
    assert_int_equal(got.w[2], fault_id);
    assert_int_equal(got.badge, 6);

    int h = handle_install(fb.task->handles, &s.obj->obj, R_PAGER, 0);
    assert_true(h >= 0);
    assert_int_equal(s.obj->epoch, PAGER_EPOCH_FIRST + 1);
    uint64_t src = src_page(fb.task, 0, 66);
    assert_int_equal(supply_as(fb.th, h, 3 * PG, src, 1, VM_R, -1), -E_STALE);
    assert_int_equal(supply_epoch(fb.th, h, 3 * PG, src, 1, VM_R, -1, PAGER_EPOCH_FIRST + 1), 1);
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(word_at(s.client, AREA + 3 * PG), 66);
    /* With no fallback left, a second miss fails that request. */
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_false(s.obj->failed);
    assert_int_equal(s.client->state, TASK_DEAD);
}

static void test_dead_pager_hands_its_objects_to_the_fallback(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct pager fb;
    pager_new(&fb, "fallback");
    vm_set_fallback(s.obj, fb.ep, 9);
    assert_int_equal(fault(s.faulter, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    /* The fallback is waiting in receive when the pager dies. */
    assert_int_equal(pager_recv(&fb), SYS_BLOCKED);

    kobj_get(&s.p.ep->obj); /* to look at it once its handle is gone */
    task_exit(s.p.task, 0);
    assert_int_equal(s.p.ep->dead, -E_DEAD);
    assert_true(list_empty(&s.p.ep->objects));
    kobj_put(&s.p.ep->obj);
    assert_ptr_equal(s.obj->pager, fb.ep);
    assert_int_equal(s.obj->pager_badge, 9);
    assert_false(s.obj->failed);
    assert_int_equal(s.client->state, TASK_ALIVE);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    /* The fallback was woken with the FAULT. */
    assert_int_equal(fb.th->state, TH_READY);
    struct msg got = received(fb.th);
    assert_int_equal(got.label, PAGER_FAULT);
    assert_int_equal(got.w[0], PG);
    assert_int_equal(got.badge, 9);

    int h = handle_install(fb.task->handles, &s.obj->obj, R_PAGER, 0);
    assert_true(h >= 0);
    assert_int_equal(supply_epoch(fb.th, h, PG, 0, 1, VM_R | VM_W, -1, PAGER_EPOCH_FIRST + 1), 1);
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(frame_at(s.client, AREA + PG), PAGE_DOWN(vmo_lookup(s.obj, 1)));
}

static void test_dead_endpoint_without_fallback_fails_its_objects(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA + 2 * PG, VM_R), FAULT_BLOCKED);
    ipc_task_exit(s.p.task);
    assert_int_equal(s.p.ep->dead, -E_DEAD);
    assert_null(s.p.ep->owner);
    assert_true(list_empty(&s.p.ep->objects));
    assert_null(s.obj->pager);
    assert_true(s.obj->failed);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(s.client->status, TASK_STATUS_KILLED | TASK_KILLED_PAGER);
    assert_int_equal(outstanding_requests(), 0);
    /* No pager and failed: no kernel zero-fill either. */
    struct task *late = new_task("late");
    struct thread *lt = new_thread(late);
    assert_int_equal(vm_map(late, s.obj, AREA, 4 * PG, 0, VM_R, VM_SHARED), 0);
    assert_int_equal(fault(lt, AREA, VM_R), FAULT_BAD);
}

/* F12: the request goes with its last waiter, not at its deadline; the
 * pager's answer, arriving later, is taken as a prefetch. */
static void test_task_exit_while_blocked_drops_the_request_and_late_supply_prefetches(
    void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    uint64_t before = pmm_free_count();
    task_exit(s.client, TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(s.client->frames, 0);
    assert_true(pmm_free_count() > before); /* its page tables came back */
    assert_false(vmo_has_requests(s.obj));
    assert_int_equal(info_of(&s).pending, 0);
    assert_int_equal(outstanding_requests(), 0);

    uint64_t src = src_page(s.p.task, 0, 3);
    paddr_t f = frame_at(s.p.task, src);
    assert_int_equal(supply(&s, 0, src, 1, VM_R), 1);
    assert_int_equal(PAGE_DOWN(vmo_lookup(s.obj, 0)), f);
    assert_int_equal(pmm_refcount(f), 1); /* nobody maps it */
    struct vmo_info info = info_of(&s);
    assert_int_equal(info.pending, 0);
    assert_int_equal(info.resident, 1);
    assert_int_equal(outstanding_requests(), 0);
}

static void test_last_user_gone_sends_terminate(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    /* The client also holds a handle (no R_PAGER): a second user. */
    int h = handle_install(s.client->handles, &s.obj->obj, R_READ | R_MAP, 0);
    assert_true(h >= 0);
    assert_int_equal(s.obj->users, 2);
    assert_int_equal(vm_unmap_regions(s.client, AREA, 4 * PG), 0);
    assert_int_equal(s.obj->users, 1);
    assert_int_equal(queued(s.p.ep), 0);
    assert_int_equal(handle_close(s.client->handles, h), 0);
    assert_int_equal(s.obj->users, 0);
    assert_int_equal(queued(s.p.ep), 1);
    assert_int_equal(pager_recv(&s.p), 0);
    struct msg got = received(s.p.th);
    assert_int_equal(got.label, PAGER_TERMINATE);
    assert_int_equal(got.w[0], 4 * PG);
    assert_int_equal(got.badge, BADGE);
    /* The pager's own handle is no user: closing it sends nothing more. */
    assert_int_equal(handle_close(s.p.task->handles, s.vmo_h), 0);
    assert_int_equal(queued(s.p.ep), 0);
}

static void test_object_freed_by_its_failed_request_goes_cleanly(void **state)
{
    /* Only the client's mapping and the request hold the object: when
     * the deadline fails the request, the object goes with it. */
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(handle_close(s.p.task->handles, s.vmo_h), 0);
    assert_int_equal(vm_objects_live, 1);
    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(vm_objects_live, 0);
    assert_true(list_empty(&s.p.ep->objects));
    assert_int_equal(outstanding_requests(), 0);
}

static void test_dead_pager_fails_an_object_only_its_request_holds(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(handle_close(s.p.task->handles, s.vmo_h), 0);
    task_exit(s.p.task, 0);
    assert_int_equal(s.client->state, TASK_DEAD);
    assert_int_equal(s.client->status, TASK_STATUS_KILLED | TASK_KILLED_PAGER);
    assert_int_equal(vm_objects_live, 0);
    assert_int_equal(outstanding_requests(), 0);
}

static void test_endpoint_only_its_objects_hold_dies_with_its_task(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    /* The pager keeps its object but lets go of the endpoint. */
    assert_int_equal(handle_close(s.p.task->handles, s.p.ep_h), 0);
    assert_ptr_equal(s.obj->pager, s.p.ep);
    kobj_get(&s.obj->obj); /* to look at it after the pager's handle goes */
    task_exit(s.p.task, 0);
    assert_null(s.obj->pager);
    assert_true(s.obj->failed);
    assert_int_equal(s.client->state, TASK_DEAD);
    kobj_put(&s.obj->obj);
    assert_int_equal(vm_objects_live, 0);
}

/* --- no memory ---------------------------------------------------------------- */

static void test_zero_supply_refused_when_the_leaf_takes_the_last_frame(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA + PG, VM_R), FAULT_BLOCKED);
    /* One free frame: the object's cache leaf needs it, so there is none
     * left for the zero page. */
    int n = hold_frames_but(1);
    int64_t r = supply(&s, PG, 0, 1, VM_R | VM_W);
    uint64_t e = vmo_lookup(s.obj, 1);
    release_frames(n);
    assert_int_equal(r, -E_NOMEM);
    assert_int_equal(e, 0);
    assert_int_equal(s.obj->resident, 0);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    assert_int_equal(supply(&s, PG, 0, 1, VM_R | VM_W), 1);
    assert_int_equal(s.faulter->state, TH_READY);
}

static void test_zero_supply_of_several_pages_keeps_its_frames_from_page_tables(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct thread *second = new_thread(s.client);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(fault(second, AREA + PG, VM_R), FAULT_BLOCKED);
    /* Frames for the leaf and the two pages, none for the client's page
     * tables: mapping the first waiter must not take the second page's. */
    int n = hold_frames_but(3);
    int64_t r = supply(&s, 0, 0, 2, VM_R | VM_W);
    uint64_t e0 = vmo_lookup(s.obj, 0), e1 = vmo_lookup(s.obj, 1);
    release_frames(n);
    assert_int_equal(r, 2);
    assert_true(pmm_owns(PAGE_DOWN(e0)));
    assert_true(pmm_owns(PAGE_DOWN(e1)));
    assert_int_equal(s.obj->resident, 2);
    /* Both wake; with no memory for their mappings they retry (minor). */
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(second->state, TH_READY);
    assert_int_equal(fault(second, AREA + PG, VM_R), FAULT_RESOLVED);
    assert_int_equal(frame_at(s.client, AREA + PG), PAGE_DOWN(e1));
}

static void test_zero_supply_fast_path_leaves_when_tables_take_the_last_frame(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    assert_int_equal(supply(&s, 0, 0, 1, VM_R), 1); /* makes the leaf */
    /* The client's top table exists; the one for AREA's 2 MiB does not. */
    assert_int_equal(vm_wire(s.client, AREA + 0x400000, PG, VM_R), 0);
    assert_int_equal(fault(s.faulter, AREA + 5 * PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    int n = hold_frames_but(1);
    int64_t r = supply_as(s.p.th, s.vmo_h, 5 * PG, 0, 1, VM_R | VM_W, s.p.ep_h);
    uint64_t e = vmo_lookup(s.obj, 5);
    release_frames(n);
    assert_int_equal(r, -E_NOMEM);
    assert_int_equal(e, 0);
    assert_int_equal(s.obj->resident, 1);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    assert_int_equal(s.p.th->state, TH_RUNNING);
    assert_int_equal(supply_as(s.p.th, s.vmo_h, 5 * PG, 0, 1, VM_R | VM_W, s.p.ep_h),
                     SYS_BLOCKED);
    assert_ptr_equal(this_cpu()->cur, s.faulter);
    assert_true(pmm_owns(frame_at(s.client, AREA + 5 * PG)));
}

/* --- rebinding: the request state machine's new transitions ------------- */

/* PENDING requests of a rebinding object: the one at the old pager stays
 * there, a new one is not posted; the RELEASED answer moves both to the
 * new pager with the next epoch, and their deadlines start again. */
static void test_rebind_queues_new_faults_and_moves_every_request_at_release(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct pager np;
    pager_new(&np, "new");
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(queued(s.p.ep), 1);
    assert_int_equal(vm_rebind_start(s.obj, np.ep, 6), 0);
    assert_int_equal(vm_rebind_start(s.obj, np.ep, 6), -E_BUSY);
    assert_int_equal(queued(s.p.ep), 2); /* the FAULT and the RELEASE */
    assert_int_equal(IPC_TAG_LABEL(first_queued(s.p.ep)->tag), PAGER_FAULT);
    struct thread *second = new_thread(s.client);
    assert_int_equal(fault(second, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(queued(s.p.ep), 2);
    assert_int_equal(queued(np.ep), 0);
    assert_int_equal(outstanding_requests(), 2);
    /* Deadlines wait for the rebind. */
    now_ticks += DEADLINE - 1;
    vm_tick(now_ticks);
    assert_int_equal(s.client->state, TASK_ALIVE);
    vm_rebind_finish(s.obj, 0);
    assert_ptr_equal(s.obj->pager, np.ep);
    assert_int_equal(s.obj->pager_badge, 6);
    assert_int_equal(s.obj->epoch, PAGER_EPOCH_FIRST + 1);
    assert_null(s.obj->rebind_to);
    assert_int_equal(queued(s.p.ep), 1); /* the FAULT was taken back; the RELEASE stays */
    assert_int_equal(queued(np.ep), 2);
    assert_int_equal(pager_recv(&np), 0);
    struct msg got = received(np.th);
    assert_int_equal(got.label, PAGER_FAULT);
    assert_int_equal(got.w[1], PAGER_W1(VM_R, FAULT_DATA, PAGER_EPOCH_FIRST + 1));
    now_ticks += 2;
    vm_tick(now_ticks); /* past the old deadlines: new ones run */
    assert_int_equal(s.client->state, TASK_ALIVE);
    int h = handle_install(np.task->handles, &s.obj->obj, R_PAGER, 0);
    assert_int_equal(supply_epoch(np.th, h, 0, 0, 2, VM_R, -1, PAGER_EPOCH_FIRST), -E_STALE);
    assert_int_equal(supply_epoch(np.th, h, 0, 0, 2, VM_R, -1, PAGER_EPOCH_FIRST + 1), 2);
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(second->state, TH_READY);
    assert_int_equal(outstanding_requests(), 0);
}

/* An old pager that never answers RELEASE: the rebind completes at the
 * object's deadline and nobody dies. */
static void test_rebind_completes_at_its_deadline(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct pager np;
    pager_new(&np, "new");
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(vm_rebind_start(s.obj, np.ep, 6), 0);
    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(s.client->state, TASK_ALIVE);
    assert_ptr_equal(s.obj->pager, np.ep);
    assert_int_equal(queued(np.ep), 1);
    assert_true(list_empty(&vm_rebinding));
}

/* The new pager dies first: the rebind is off, the object stays with
 * its pager, and what queued meanwhile goes there. */
static void test_new_pagers_death_calls_the_rebind_off(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct pager np;
    pager_new(&np, "new");
    assert_int_equal(vm_rebind_start(s.obj, np.ep, 6), 0);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(queued(s.p.ep), 1); /* the RELEASE only */
    task_exit(np.task, 0);
    assert_null(s.obj->rebind_to);
    assert_ptr_equal(s.obj->pager, s.p.ep);
    assert_int_equal(s.obj->epoch, PAGER_EPOCH_FIRST);
    assert_int_equal(queued(s.p.ep), 2); /* and now the FAULT */
    assert_int_equal(supply(&s, 0, 0, 1, VM_R), 1);
    assert_int_equal(s.faulter->state, TH_READY);
}

/* An object without a pager (it died, no fallback) is rebound at once and
 * is no longer failed. */
static void test_rebind_of_a_failed_object_is_immediate(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct pager np;
    pager_new(&np, "new");
    kobj_get(&s.obj->obj);
    task_exit(s.p.task, 0);
    assert_true(s.obj->failed);
    assert_null(s.obj->pager);
    assert_int_equal(vm_rebind_start(s.obj, np.ep, 3), 0);
    assert_false(s.obj->failed);
    assert_ptr_equal(s.obj->pager, np.ep);
    assert_int_equal(s.obj->epoch, PAGER_EPOCH_FIRST + 1);
    kobj_put(&s.obj->obj);
}

/* --- frames below min: faults wait, then go on or the task is killed ---- */

/* A client with a kernel zero-fill object of 4 pages mapped at AREA. */
static struct thread *zero_client(struct task **k)
{
    *k = new_task("client");
    struct thread *t = new_thread(*k);
    struct vm_object *o = vmo_create(4, NULL, 0, NULL);
    assert_non_null(o);
    assert_int_equal(vm_map(*k, o, AREA, 4 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    kobj_put(&o->obj);
    return t;
}

static void test_fault_below_min_waits_and_is_retried_when_frames_return(void **state)
{
    struct task *k;
    struct thread *t = zero_client(&k);
    uint64_t min0 = vm_wm_min;
    vm_wm_set_min(pmm_free_count()); /* at min: no frame for an ordinary task */
    assert_int_equal(fault(t, AREA, VM_W), FAULT_BLOCKED);
    assert_int_equal(t->state, TH_BLOCKED);
    vm_reclaim_tick(now_ticks);
    assert_int_equal(t->state, TH_BLOCKED); /* nothing came back */
    vm_wm_set_min(pmm_free_count() - VM_WAIT_SLACK); /* not enough for a leaf besides */
    vm_reclaim_tick(now_ticks);
    assert_int_equal(t->state, TH_BLOCKED);
    vm_wm_set_min(pmm_free_count() - VM_WAIT_SLACK - 1);
    vm_reclaim_tick(now_ticks);
    assert_int_equal(t->state, TH_READY); /* retries the instruction */
    assert_int_equal(fault(t, AREA, VM_W), FAULT_RESOLVED);
    assert_int_equal(k->state, TASK_ALIVE);
    vm_wm_set_min(min0);
}

static void test_nothing_freed_in_time_kills_the_waiting_task(void **state)
{
    struct task *k;
    struct thread *t = zero_client(&k);
    uint64_t min0 = vm_wm_min;
    vm_wm_set_min(pmm_free_count());
    assert_int_equal(fault(t, AREA, VM_W), FAULT_BLOCKED);
    now_ticks += MM_OOM_WAIT_MS * 10000ull - 1; /* 10 MHz timebase */
    vm_reclaim_tick(now_ticks);
    assert_int_equal(k->state, TASK_ALIVE);
    now_ticks += 1;
    vm_reclaim_tick(now_ticks);
    assert_int_equal(k->state, TASK_DEAD);
    assert_int_equal(k->status, TASK_STATUS_KILLED | TASK_KILLED_OOM);
    vm_wm_set_min(min0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pager_fail_kills_the_waiting_task),
		T(test_pager_fail_refuses_codes_outside_the_set),
		T(test_rebind_queues_new_faults_and_moves_every_request_at_release),
		T(test_rebind_completes_at_its_deadline),
		T(test_new_pagers_death_calls_the_rebind_off),
		T(test_rebind_of_a_failed_object_is_immediate),
		T(test_fault_below_min_waits_and_is_retried_when_frames_return),
		T(test_nothing_freed_in_time_kills_the_waiting_task),
		T(test_missed_deadline_without_fallback_fails_that_request_alone),
		T(test_missed_deadline_goes_to_the_fallback_pager),
		T(test_dead_pager_hands_its_objects_to_the_fallback),
		T(test_dead_endpoint_without_fallback_fails_its_objects),
		T(test_task_exit_while_blocked_drops_the_request_and_late_supply_prefetches),
		T(test_last_user_gone_sends_terminate),
		T(test_object_freed_by_its_failed_request_goes_cleanly),
		T(test_dead_pager_fails_an_object_only_its_request_holds),
		T(test_endpoint_only_its_objects_hold_dies_with_its_task),
		T(test_zero_supply_refused_when_the_leaf_takes_the_last_frame),
		T(test_zero_supply_of_several_pages_keeps_its_frames_from_page_tables),
		T(test_zero_supply_fast_path_leaves_when_tables_take_the_last_frame),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

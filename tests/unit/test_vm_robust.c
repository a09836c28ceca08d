/*
 * Host tests of the fault state machine against what an outside fuzzing
 * campaign found: re-entrant failure (a task that pages itself dying
 * through its own fault), two waiters of one private page, accessed and
 * dirty bits lost when mappings go, and kernel writes that left pages
 * clean. Each failed on the kernel before its fix.
 */
#include "kern/usercopy.h"
#include "tests/unit/vm_scene.h"

/* An object of npages paged by p itself, mapped shared at AREA in p's task. */
static struct vm_object *self_paged(struct pager *p, uint64_t npages, int *vmo_h)
{
    run(p->th);
    uint64_t a[6] = { npages * PG, (uint64_t)p->ep_h, 1 };
    int64_t h = sys_vmo_create(p->th, a);
    assert_true(h >= 0);
    *vmo_h = (int)h;
    struct vm_object *o =
        container_of(handle_obj(p->task, (int)h, OBJ_VMO), struct vm_object, obj);
    assert_int_equal(vm_map(p->task, o, AREA, npages * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    return o;
}

/* F1: failing the request kills the task, whose endpoint then dies and
 * fails the object's requests again: the request must be failed once. */
static void test_self_paging_task_dies_once_by_its_own_missed_deadline(void **state)
{
    struct pager p;
    pager_new(&p, "self");
    int vmo_h;
    self_paged(&p, 1, &vmo_h);
    struct thread *t2 = new_thread(p.task);
    assert_int_equal(fault(t2, AREA, VM_R), FAULT_BLOCKED);
    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(p.task->state, TASK_DEAD);
    assert_int_equal(p.task->status, TASK_STATUS_KILLED | TASK_KILLED_PAGER);
    assert_int_equal(outstanding_requests(), 0);
}

/* F1, through a fallback: the object moves to the task's second endpoint,
 * misses that deadline too, and the task dies with both endpoints. */
static void test_self_paging_task_with_its_own_fallback_dies_once(void **state)
{
    struct pager p;
    pager_new(&p, "self");
    int vmo_h;
    struct vm_object *o = self_paged(&p, 1, &vmo_h);
    int ep2 = (int)ipc_endpoint_create(p.th, NULL);
    assert_true(ep2 >= 0);
    uint64_t set[4] = { (uint64_t)vmo_h, (uint64_t)ep2, 2, 5000 };
    assert_int_equal(sys_vmo_set(p.th, set), 0);
    struct thread *t2 = new_thread(p.task);
    assert_int_equal(fault(t2, AREA, VM_R), FAULT_BLOCKED);
    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(p.task->state, TASK_ALIVE); /* moved to the fallback */
    assert_ptr_equal(o->pager, endpoint_of(p.task, ep2));
    now_ticks += DEADLINE;
    vm_tick(now_ticks);
    assert_int_equal(p.task->state, TASK_DEAD);
    assert_int_equal(outstanding_requests(), 0);
}

static void test_pager_cannot_be_its_own_fallback(void **state)
{
    struct pager p;
    pager_new(&p, "self");
    int vmo_h;
    self_paged(&p, 1, &vmo_h);
    uint64_t set[4] = { (uint64_t)vmo_h, (uint64_t)p.ep_h, 2, 5000 };
    assert_int_equal(sys_vmo_set(p.th, set), -E_INVAL);
}

/* F2: pager_fail over requests the caller's own threads wait on kills the
 * caller's task; the walk over the object's requests must survive that. */
static void test_pager_fail_on_its_own_threads_requests_ends_cleanly(void **state)
{
    struct pager p;
    pager_new(&p, "self");
    int vmo_h;
    self_paged(&p, 2, &vmo_h);
    struct thread *t1 = new_thread(p.task), *t2 = new_thread(p.task);
    assert_int_equal(fault(t1, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(fault(t2, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(outstanding_requests(), 2);
    run(p.th);
    uint64_t a[5] = { (uint64_t)vmo_h, 0, 2, (uint64_t)-E_DEAD, PAGER_EPOCH_FIRST };
    sys_pager_fail(p.th, a);
    assert_int_equal(p.task->state, TASK_DEAD);
    assert_int_equal(outstanding_requests(), 0);
}

/* F12: the request goes with its only waiter, not at its deadline. */
static void test_request_goes_with_its_last_waiter(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct thread *second = new_thread(s.client);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(fault(second, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(outstanding_requests(), 1);
    task_exit_thread(s.faulter); /* one waiter left: the request stays */
    assert_int_equal(outstanding_requests(), 1);
    task_exit(s.client, TASK_STATUS_KILLED | TASK_KILLED_BY_REQUEST);
    assert_int_equal(outstanding_requests(), 0);
    /* The unread FAULT was taken back; what waits is the TERMINATE for
     * the client's mapping, the object's last user. */
    assert_int_equal(queued(s.p.ep), 1);
    assert_int_equal(IPC_TAG_LABEL(first_queued(s.p.ep)->tag), PAGER_TERMINATE);
}

/* F3: a write and a read of one missing page of a private mapping wait on
 * one request. The writer's private copy must stay mapped (newer than the
 * object's page) and the object's frame keep its reference. */
static void test_private_write_and_read_of_one_missing_page_keep_the_copy(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    uint64_t priv = AREA + 0x100000;
    assert_int_equal(vm_map(s.client, s.obj, priv, 4 * PG, 0, VM_R | VM_W, VM_PRIVATE), 0);
    struct thread *reader = new_thread(s.client);
    assert_int_equal(fault(s.faulter, priv, VM_W), FAULT_BLOCKED);
    assert_int_equal(fault(reader, priv, VM_R), FAULT_BLOCKED);
    uint64_t src = src_page(s.p.task, 0, 500);
    assert_int_equal(supply(&s, 0, src, 1, VM_R | VM_W), 1);
    /* The region maps a shadow of the object: the waiters retry, the
     * writer copies the page up, the reader finds the copy. */
    assert_int_equal(fault(s.faulter, priv, VM_W), FAULT_RESOLVED);
    assert_int_equal(fault(reader, priv, VM_R), FAULT_RESOLVED);
    paddr_t obj_frame = PAGE_DOWN(vmo_lookup(s.obj, 0));
    paddr_t copy = frame_at(s.client, priv);
    assert_int_not_equal(copy, 0);
    assert_int_not_equal(copy, obj_frame);
    assert_int_equal(pmm_refcount(obj_frame), 1); /* the page cache's only */
    assert_int_equal(word_at(s.client, priv + 8), 501);
    /* The writer's retried store finds its copy. */
    assert_int_equal(fault(s.faulter, priv, VM_W), FAULT_RESOLVED);
    assert_int_equal(frame_at(s.client, priv), copy);
    assert_int_equal(pmm_refcount(obj_frame), 1);
}

/* A page of the scene's object supplied, mapped in the client by a write
 * fault, then written as the hardware would (A and D set in its PTE). */
static void written_page(struct scene *s, uint64_t page)
{
    assert_int_equal(fault(s->faulter, AREA + page * PG, VM_W), FAULT_BLOCKED);
    uint64_t src = src_page(s->p.task, page, page * 100);
    assert_int_equal(supply(s, page * PG, src, 1, VM_R | VM_W), 1);
    pte_t *e = sv39_walk(s->client->pt_root, AREA + page * PG, false);
    assert_non_null(e);
    assert_true(*e & PTE_W);
    assert_int_equal(*e & PTE_D, 0);
    *e |= PTE_A | PTE_D;
}

static bool dirty(struct vm_object *o, uint64_t page)
{
    return vmo_harvest(o, page, false) & VPE_DIRTY;
}

/* F4: unmapping part of a region, changing its protection and the task's
 * exit each drop PTEs; the dirty bits must reach the pages first. */
static void test_dirty_bits_survive_unmap_protect_and_exit(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    for (uint64_t pg = 0; pg < 3; pg++)
        written_page(&s, pg);
    assert_int_equal(vm_unmap_regions(s.client, AREA, PG), 0);
    assert_true(dirty(s.obj, 0));
    assert_int_equal(vm_protect(s.client, AREA + PG, 3 * PG, VM_R), 0);
    assert_true(dirty(s.obj, 1));
    task_exit(s.client, 0);
    assert_true(dirty(s.obj, 2));
    assert_false(dirty(s.obj, 3));
}

/* F5: the kernel writing a system call's output into an object page
 * marks it dirty, as the task's own store would. */
static void test_kernel_write_to_user_page_marks_it_dirty(void **state)
{
    struct scene s;
    scene_new(&s, 2);
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    uint64_t src = src_page(s.p.task, 0, 7);
    assert_int_equal(supply(&s, 0, src, 1, VM_R | VM_W), 1);
    assert_false(dirty(s.obj, 0));
    uint64_t v = 42;
    run(s.faulter);
    assert_int_equal(copy_to_user(s.client, AREA + 16, &v, sizeof(v)), 0);
    assert_true(dirty(s.obj, 0));
    assert_int_equal(word_at(s.client, AREA + 16), 42);
}

/* F10: a system call's buffer in mapped but untouched memory is faulted
 * in like the thread's own access: resolved at once from the page cache
 * or by copy-on-write, or the thread waits for the pager (the call is
 * then restarted). */
static void test_syscall_buffer_in_untouched_memory_is_faulted_in(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    uint64_t v = 9;
    run(s.faulter);
    /* Not resident: the thread waits on a request, the call restarts. */
    assert_int_equal(copy_to_user(s.client, AREA, &v, sizeof(v)), USER_BLOCKED);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    assert_int_equal(outstanding_requests(), 1);
    uint64_t src = src_page(s.p.task, 0, 1);
    assert_int_equal(supply(&s, 0, src, 1, VM_R | VM_W), 1);
    assert_int_equal(s.faulter->state, TH_READY);
    run(s.faulter);
    assert_int_equal(copy_to_user(s.client, AREA, &v, sizeof(v)), 0);
    /* Resident but read-only in a private mapping: copied on write. */
    uint64_t priv = AREA + 0x100000;
    assert_int_equal(vm_map(s.client, s.obj, priv, 4 * PG, 0, VM_R | VM_W, VM_PRIVATE), 0);
    assert_int_equal(fault(s.faulter, priv, VM_R), FAULT_RESOLVED);
    assert_int_equal(copy_to_user(s.client, priv + 8, &v, sizeof(v)), 0);
    assert_int_not_equal(frame_at(s.client, priv), PAGE_DOWN(vmo_lookup(s.obj, 0)));
    /* Outside any region, or another task's memory: still E_FAULT. */
    assert_int_equal(copy_to_user(s.client, AREA + 0x200000, &v, sizeof(v)), -E_FAULT);
    run(s.p.th);
    assert_int_equal(copy_to_user(s.client, AREA + PG, &v, sizeof(v)), -E_FAULT);
}

/* F9: kernel memory a task causes counts against its limit, and an
 * ordinary task cannot take the frames kept for pagers. */
static void test_kernel_memory_a_task_causes_is_charged_and_limited(void **state)
{
    struct task *k = new_task("greedy");
    static struct vm_object *objs[2048];
    int n = 0;
    while (n < 2048 && (objs[n] = vmo_create(1, NULL, 0, k)))
        n++;
    assert_true(n > 0 && n < 2048);
    assert_true(k->kmem <= TASK_KMEM_LIMIT);
    assert_true(k->kmem + VMO_CREATE_KMEM > TASK_KMEM_LIMIT);
    while (n > 0)
        kobj_put(&objs[--n]->obj);
    assert_int_equal(k->kmem, 0);

    int held_n = hold_frames_but(VM_RESERVE_FRAMES + 2);
    assert_null(vmo_create(1, NULL, 0, k)); /* the reserve is the pagers' */
    struct pager p;
    pager_new(&p, "pager");
    struct vm_object *o = vmo_create(1, NULL, 0, p.task);
    assert_non_null(o);
    kobj_put(&o->obj);
    release_frames(held_n);
}

/* F11: the kernel's log lines a task causes, and its console writes,
 * are rate limited per task. */
static void test_log_lines_and_console_writes_are_rate_limited(void **state)
{
    struct task *k = new_task("noisy");
    int shown = 0;
    for (int i = 0; i < 100; i++)
        shown += task_may_log(k);
    assert_int_equal(shown, TASK_LOG_BURST);
    now_ticks += arch_timebase_hz(); /* a second later */
    shown = 0;
    for (int i = 0; i < 100; i++)
        shown += task_may_log(k);
    assert_int_equal(shown, TASK_LOG_PER_SEC);
    assert_int_equal(task_console_room(k), TASK_CONSOLE_BURST + TASK_CONSOLE_PER_SEC / 4);
    assert_int_equal(task_console_charge(k, TASK_CONSOLE_BURST), 0);
    /* Past its share: a quarter second's worth at most, then a sleep. */
    assert_int_equal(task_console_room(k), TASK_CONSOLE_PER_SEC / 4);
    assert_int_equal(task_console_charge(k, TASK_CONSOLE_PER_SEC / 4), arch_timebase_hz() / 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_self_paging_task_dies_once_by_its_own_missed_deadline),
		T(test_self_paging_task_with_its_own_fallback_dies_once),
		T(test_pager_cannot_be_its_own_fallback),
		T(test_pager_fail_on_its_own_threads_requests_ends_cleanly),
		T(test_request_goes_with_its_last_waiter),
		T(test_private_write_and_read_of_one_missing_page_keep_the_copy),
		T(test_dirty_bits_survive_unmap_protect_and_exit),
		T(test_kernel_write_to_user_page_marks_it_dirty),
		T(test_syscall_buffer_in_untouched_memory_is_faulted_in),
		T(test_kernel_memory_a_task_causes_is_charged_and_limited),
		T(test_log_lines_and_console_writes_are_rate_limited),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

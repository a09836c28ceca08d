/*
 * Host tests of the calls the user-space loader is built on
 * (kern/task_build.c): SYS_TASK_CREATE, SYS_VM_MAP_TASK and
 * SYS_THREAD_START check every argument before they change anything, a
 * task handle needs R_MAP to map and R_CONTROL to start, and a task
 * that is never started ends with the last handle naming it; and a boot
 * module's object (kern/module_object.c) hands the same frames to every
 * shared mapping while private writes never reach them. The real
 * kernel runs underneath (tests/unit/vm_scene.h); the teardown checks
 * that no task, object, kernel memory or frame is left.
 */
#include "tests/unit/vm_scene.h"

#include "kern/module_object.h"
#include "kern/task_build.h"

#define REQ 0x3a00000000ul /* the creator's page for requests and names */
#define CHILD_VA 0x200000ul
#define RW_SHARED (VM_R | VM_W | VM_SHARED)

struct builder {
    struct task *task;
    struct thread *th;
    struct task_create_req *req; /* in the creator's page at REQ */
};

static void builder_new(struct builder *b)
{
    task_build_init();
    b->task = new_task("creator");
    b->th = new_thread(b->task);
    assert_int_equal(vm_wire(b->task, REQ, PG, VM_R | VM_W), 0);
    char *page = pa_to_kva(frame_at(b->task, REQ));
    strcpy(page + 0x100, "child");
    b->req = (struct task_create_req *)page;
    *b->req = (struct task_create_req){ .name = REQ + 0x100, .name_len = 5, .prio = PRIO };
}

static int64_t create(struct builder *b)
{
    run(b->th);
    uint64_t a[6] = { REQ };
    return sys_task_create(b->th, a);
}

static int64_t map_task(struct builder *b, int64_t task_h, int64_t vmo_h, uint64_t va,
                        uint64_t len, uint64_t off, uint32_t pf)
{
    run(b->th);
    uint64_t a[6] = { (uint64_t)task_h, (uint64_t)vmo_h, va, len, off, pf };
    return sys_vm_map_task(b->th, a);
}

static int64_t start(struct builder *b, int64_t task_h, uint64_t entry, uint64_t sp)
{
    run(b->th);
    uint64_t a[6] = { (uint64_t)task_h, entry, sp, 7 };
    return sys_thread_start(b->th, a);
}

static int64_t zero_vmo(struct builder *b, uint64_t npages)
{
    run(b->th);
    uint64_t a[6] = { npages * PG, (uint64_t)VMO_KERNEL_ZERO, 0 };
    return sys_vmo_create(b->th, a);
}

static struct task *task_of(struct builder *b, int64_t h)
{
    return container_of(handle_obj(b->task, (int)h, OBJ_TASK), struct task, obj);
}

/* Lets the teardown end and release t like the tasks it made. */
static void adopt(struct task *t)
{
    assert_true(nmade < MAX_TASKS);
    kobj_get(&t->obj);
    made[nmade++] = t;
}

static void test_create_checks_before_it_changes_anything(void **state)
{
    struct builder b;
    builder_new(&b);
    uint64_t tasks = task_count(), kmem = b.task->kmem, frames = pmm_free_count();
    struct task_create_req good = *b.req;
    b.req->name_len = 0;
    assert_int_equal(create(&b), -E_INVAL);
    *b.req = good, b.req->name_len = 32;
    assert_int_equal(create(&b), -E_INVAL);
    *b.req = good, b.req->prio = PRIO_MAX + 1;
    assert_int_equal(create(&b), -E_INVAL);
    *b.req = good, b.req->nhandles = SPAWN_MAX_HANDLES + 1;
    assert_int_equal(create(&b), -E_INVAL);
    *b.req = good, b.req->name = 0x10;
    assert_int_equal(create(&b), -E_FAULT);
    int32_t *hs = (int32_t *)((char *)b.req + 0x200);
    hs[0] = 99;
    *b.req = good, b.req->handles = REQ + 0x200, b.req->nhandles = 1;
    assert_int_equal(create(&b), -E_BADH);
    hs[0] = H_SELF; /* not installed in this scene's creator: an empty slot */
    assert_int_equal(create(&b), -E_BADH);
    *b.req = good, b.req->name = REQ + 0x100, b.req->name_len = 7; /* "child\0\0" */
    assert_int_equal(create(&b), -E_INVAL);
    assert_int_equal(task_count(), tasks);
    assert_int_equal(b.task->kmem, kmem);
    assert_int_equal(pmm_free_count(), frames);
    *b.req = good;
    int64_t h = create(&b);
    assert_true(h >= 0);
    struct task *child = task_of(&b, h);
    assert_true(child->building);
    assert_int_equal(child->nthreads, 0);
    assert_string_equal(child->name, "child");
    assert_int_equal(b.task->handles->slot[h].rights, R_READ | R_MAP | R_CONTROL | R_GRANT);
    assert_null(child->handles->slot[H_SELF].obj); /* H_SELF comes with the start */
    assert_int_equal(b.task->kmem, kmem + TASK_SPAWN_KMEM);
}

static void test_map_into_task_needs_map_right_and_refusals_change_nothing(void **state)
{
    struct builder b;
    builder_new(&b);
    int64_t t = create(&b), o = zero_vmo(&b, 4);
    assert_true(t >= 0 && o >= 0);
    struct task *child = task_of(&b, t);
    int64_t no_map = handle_copy(b.task->handles, t, b.task->handles, R_READ | R_CONTROL);
    int64_t ro_obj = handle_copy(b.task->handles, o, b.task->handles, R_READ);
    assert_int_equal(map_task(&b, t, o, CHILD_VA, PG, 0, RW_SHARED), 0);
    uint64_t kmem = child->kmem, frames = pmm_free_count(), ckmem = b.task->kmem;
    assert_int_equal(map_task(&b, no_map, o, CHILD_VA + PG, PG, 0, RW_SHARED), -E_PERM);
    assert_int_equal(map_task(&b, o, o, CHILD_VA + PG, PG, 0, RW_SHARED), -E_BADH);
    assert_int_equal(map_task(&b, t, ro_obj, CHILD_VA + PG, PG, 0, RW_SHARED), -E_PERM);
    assert_int_equal(map_task(&b, t, o, CHILD_VA + PG, PG, 4 * PG, RW_SHARED), -E_RANGE);
    assert_int_equal(map_task(&b, t, o, CHILD_VA + PG, 4 * PG, PG, RW_SHARED), -E_RANGE);
    assert_int_equal(map_task(&b, t, o, CHILD_VA + PG + 8, PG, 0, RW_SHARED), -E_INVAL);
    assert_int_equal(map_task(&b, t, o, CHILD_VA + PG, PG, 0, VM_R), -E_INVAL);
    assert_int_equal(map_task(&b, t, o, 0x4000000000ul, PG, 0, RW_SHARED), -E_RANGE);
    assert_int_equal(map_task(&b, t, o, CHILD_VA, 2 * PG, 0, RW_SHARED), -E_BUSY);
    assert_int_equal(child->kmem, kmem);
    assert_int_equal(b.task->kmem, ckmem);
    assert_int_equal(pmm_free_count(), frames);
    assert_non_null(vm_region_find(child, CHILD_VA));
    assert_null(vm_region_find(child, CHILD_VA + PG));
    /* A task that has ended takes no mapping. */
    adopt(child);
    task_exit(child, 0);
    assert_int_equal(map_task(&b, t, o, CHILD_VA + PG, PG, 0, RW_SHARED), -E_DEAD);
}

static void test_unstarted_task_ends_with_its_last_handle(void **state)
{
    struct builder b;
    builder_new(&b);
    uint64_t tasks = task_count(), objects = vm_objects_live, kmem = b.task->kmem;
    int64_t t = create(&b), o = zero_vmo(&b, 4);
    int64_t copy = handle_copy(b.task->handles, t, b.task->handles, R_READ);
    assert_int_equal(map_task(&b, t, o, CHILD_VA, 4 * PG, 0, RW_SHARED), 0);
    assert_int_equal(handle_close(b.task->handles, o), 0);
    assert_int_equal(vm_objects_live, objects + 1); /* the child's region holds it */
    assert_int_equal(handle_close(b.task->handles, t), 0);
    assert_int_equal(task_count(), tasks + 1); /* a handle still names it */
    assert_int_equal(task_of(&b, copy)->state, TASK_ALIVE);
    assert_int_equal(handle_close(b.task->handles, copy), 0);
    assert_int_equal(task_count(), tasks);
    assert_int_equal(vm_objects_live, objects);
    assert_int_equal(b.task->kmem, kmem);
}

static void test_thread_start_needs_control_and_starts_once(void **state)
{
    struct builder b;
    builder_new(&b);
    int64_t t = create(&b), o = zero_vmo(&b, 4);
    struct task *child = task_of(&b, t);
    adopt(child);
    assert_int_equal(map_task(&b, t, o, CHILD_VA, 4 * PG, 0, RW_SHARED | VM_X), 0);
    int64_t no_ctl = handle_copy(b.task->handles, t, b.task->handles, R_READ | R_MAP);
    assert_int_equal(start(&b, no_ctl, CHILD_VA, CHILD_VA + 4 * PG), -E_PERM);
    assert_int_equal(start(&b, t, 0, CHILD_VA + 4 * PG), -E_INVAL);
    assert_int_equal(start(&b, t, CHILD_VA, CHILD_VA + 4 * PG - 8), -E_INVAL);
    assert_int_equal(start(&b, t, CHILD_VA, 0x4000001000ul), -E_INVAL);
    assert_int_equal(child->nthreads, 0);
    assert_true(child->building);
    assert_int_equal(start(&b, t, CHILD_VA, CHILD_VA + 4 * PG), 0);
    assert_false(child->building);
    assert_int_equal(child->nthreads, 1);
    struct thread *th = list_entry(child->threads.next, struct thread, task_link);
    assert_int_equal(th->tf.sepc, CHILD_VA);
    assert_int_equal(th->tf.x[REG_SP], CHILD_VA + 4 * PG);
    assert_int_equal(th->tf.x[REG_A0], 7);
    assert_ptr_equal(child->handles->slot[H_SELF].obj, &child->obj);
    assert_int_equal(child->handles->slot[H_SELF].rights, R_READ);
    assert_int_equal(start(&b, t, CHILD_VA, CHILD_VA + 4 * PG), -E_BUSY);
    /* Started, it no longer ends with its handles: it has a thread. */
    assert_int_equal(handle_close(b.task->handles, t), 0);
    assert_int_equal(handle_close(b.task->handles, no_ctl), 0);
    assert_int_equal(child->state, TASK_ALIVE);
}

/* A module's object: its bytes in write-protected resident frames, the
 * last page's tail zero; two tasks mapping it shared see the very same
 * frames (text shared), a private mapping's write gets a copy and leaves
 * the object's frame as it was (data private). */
static void test_module_object_frames_are_shared_and_stay_unwritten(void **state)
{
    static uint8_t bytes[5000];
    for (size_t i = 0; i < sizeof(bytes); i++)
        bytes[i] = (uint8_t)(i * 7 + 1);
    struct module m = { .data = bytes, .size = sizeof(bytes) };
    struct vm_object *o = module_object(&m);
    assert_non_null(o);
    assert_ptr_equal(module_object(&m), o); /* made once */
    assert_int_equal(o->npages, 2);
    assert_int_equal(o->resident, 2);
    assert_null(o->pager);
    uint64_t e0 = vmo_lookup(o, 0), e1 = vmo_lookup(o, 1);
    assert_true((e0 & VPE_PRESENT) && (e0 & VPE_NOWRITE) && (e1 & VPE_NOWRITE));
    const uint8_t *p1 = pa_to_kva(PAGE_DOWN(e1));
    assert_memory_equal(p1, bytes + PG, sizeof(bytes) - PG);
    for (size_t i = sizeof(bytes) - PG; i < PG; i++)
        assert_int_equal(p1[i], 0);
    struct task *a = new_task("copy-a"), *b = new_task("copy-b");
    struct thread *ta = new_thread(a), *tb = new_thread(b);
    assert_int_equal(vm_map(a, o, CHILD_VA, 2 * PG, 0, VM_R | VM_X, VM_SHARED), 0);
    assert_int_equal(vm_map(b, o, CHILD_VA, PG, 0, VM_R | VM_X, VM_SHARED), 0);
    assert_int_equal(vm_map(b, o, CHILD_VA + PG, PG, PG, VM_R | VM_W, VM_PRIVATE), 0);
    assert_int_equal(fault(ta, CHILD_VA, VM_X), FAULT_RESOLVED);
    assert_int_equal(fault(tb, CHILD_VA, VM_X), FAULT_RESOLVED);
    assert_int_equal(frame_at(a, CHILD_VA), PAGE_DOWN(e0));
    assert_int_equal(frame_at(b, CHILD_VA), PAGE_DOWN(e0));
    assert_int_equal(fault(ta, CHILD_VA + PG, VM_R), FAULT_RESOLVED);
    assert_int_equal(fault(tb, CHILD_VA + PG, VM_W), FAULT_RESOLVED);
    assert_int_equal(frame_at(a, CHILD_VA + PG), PAGE_DOWN(e1));
    assert_int_not_equal(frame_at(b, CHILD_VA + PG), PAGE_DOWN(e1));
    *(uint8_t *)pa_to_kva(frame_at(b, CHILD_VA + PG)) = 0xee;
    assert_int_equal(p1[0], bytes[PG]);
    assert_int_equal(o->resident, 2);
    kobj_put(&o->obj); /* the module's reference: the mappings keep it */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_checks_before_it_changes_anything),
        T(test_map_into_task_needs_map_right_and_refusals_change_nothing),
        T(test_unstarted_task_ends_with_its_last_handle),
        T(test_thread_start_needs_control_and_starts_once),
        T(test_module_object_frames_are_shared_and_stay_unwritten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

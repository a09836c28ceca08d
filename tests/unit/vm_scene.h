/*
 * The scene shared by the host tests of the fault state machine
 * (test_vm_fault.c, test_vm_failure.c): arch stubs, fake tasks, a pager
 * driven by hand, fixtures. Included by one test file per binary.
 */
#ifndef TESTS_UNIT_VM_SCENE_H
#define TESTS_UNIT_VM_SCENE_H
/*
 * Host unit tests of the page-fault state machine and the kernel side of
 * the pager protocol (kern/vm/vm_fault.c, kern/vm/vm_pager.c), with a pager
 * driven by hand: the host counterpart of tests/qemu/vm_tests.c.
 *
 * The real kernel runs underneath (objects, regions, IPC, threads, the
 * scheduler's queues, tasks, handles, kmem, the frame allocator and Sv39
 * tables over fake RAM); only the arch_* functions are stubbed here. The
 * test plays the scheduler: run() makes a thread the running one, as the
 * trap exit would, before the kernel function it calls on that thread's
 * behalf. A pager's receive is ipc_recv on its thread; a FAULT it gets
 * is read from that thread's saved a0..a6.
 *
 * Each test gets fresh fake RAM. The teardown ends every task the test
 * made, then checks that nothing is left: no thread, task, object or
 * request, no kernel memory, every frame free.
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
#include "kern/cpu.h"
#include "kern/ipc.h"
#include "kern/kmem.h"
#include "kern/phys.h"
#include "kern/pmm.h"
#include "kern/sched.h"
#include "kern/syscall.h"
#include "kern/task.h"
#include "kern/vm/vm.h"
#include "kern/vm/vm_fault.h"
#include "kern/vm/vm_map.h"
#include "kern/vm/vm_object.h"
#include "kern/vm/vm_pager.h"
#include "uapi/dev.h"
#include "uapi/errors.h"
#include "uapi/ipc.h"
#include "uapi/pager.h"
#include "uapi/vm.h"

#define RAM_FRAMES 2048u
#define PG PAGE_SIZE
#define AREA 0x3000000000ul /* object mappings */
#define SRC 0x3800000000ul  /* the pager's source pages */
#define INFO 0x3900000000ul /* the pager's page for SYS_VMO_INFO */
#define PRIO PRIO_DEFAULT
#define BADGE 77
#define DEADLINE (5 * 10000000ull) /* vmo_create's default: 5 s of timebase */

/* --- arch stubs ------------------------------------------------------------ */

static uint64_t now_ticks; /* arch_time; tests advance it */
static uint64_t instret;

uint64_t arch_time(void)
{
    return now_ticks;
}

uint64_t arch_timebase_hz(void)
{
    return 10000000;
}

uint64_t arch_instret(void)
{
    return ++instret;
}

void arch_tlb_flush_page(uint32_t asid, uint64_t va)
{
}

int arch_as_create(paddr_t *root, uint32_t *asid)
{
    *root = sv39_new_root(0);
    *asid = 0;
    return *root ? 0 : -E_NOMEM;
}

uint64_t arch_as_token(paddr_t root, uint32_t asid)
{
    return root;
}

void arch_as_destroy(paddr_t root, uint32_t asid)
{
}

/* --- the scene --------------------------------------------------------------- */

#define MAX_TASKS 8
static struct task *made[MAX_TASKS]; /* ended and released by the teardown */
static int nmade;
static uint64_t free0;

static inline struct task *new_task(const char *name)
{
    assert_true(nmade < MAX_TASKS);
    struct task *k = task_create(name, PRIO_MAX);
    assert_non_null(k);
    made[nmade++] = k;
    return k;
}

static inline struct thread *new_thread(struct task *k)
{
    struct thread *t = task_add_thread(k, 0x10000, 0, PRIO);
    assert_non_null(t);
    return t;
}

/* Makes t the running thread, as the scheduler would: a running thread it
 * replaces goes back to the run queue. t must not wait on anything. */
static inline void run(struct thread *t)
{
    struct cpu *c = this_cpu();
    if (c->cur == t && t->state == TH_RUNNING)
        return;
    if (c->cur && c->cur->state == TH_RUNNING)
        sched_enqueue(c->cur);
    if (t->state == TH_READY)
        sched_dequeue(t);
    assert_int_not_equal(t->state, TH_DEAD);
    assert_null(t->wq);
    t->state = TH_RUNNING;
    c->need_resched = false;
    sched_set_cur(c, t);
}

static inline struct kobj *handle_obj(struct task *k, int h, uint32_t type)
{
    struct handle *s;
    assert_int_equal(handle_lookup(k->handles, h, type, 0, &s), 0);
    return s->obj;
}

static inline struct endpoint *endpoint_of(struct task *k, int h)
{
    return container_of(handle_obj(k, h, OBJ_ENDPOINT), struct endpoint, obj);
}

static inline struct vm_object *object_of(struct task *k, int h)
{
    return container_of(handle_obj(k, h, OBJ_VMO), struct vm_object, obj);
}

/* A kernel zero-fill object of npages made by t's task. */
static inline int zero_object(struct thread *t, uint64_t npages)
{
    run(t);
    uint64_t a[6] = { npages * PG, (uint64_t)(int64_t)VMO_KERNEL_ZERO, 0 };
    int64_t h = sys_vmo_create(t, a);
    assert_true(h >= 0);
    return (int)h;
}

/* A pager task with its endpoint. */
struct pager {
    struct task *task;
    struct thread *th;
    int ep_h;
    struct endpoint *ep;
};

static inline void pager_new(struct pager *p, const char *name)
{
    p->task = new_task(name);
    p->task->is_pager = true;
    p->th = new_thread(p->task);
    run(p->th);
    p->ep_h = (int)ipc_endpoint_create(p->th, NULL);
    assert_true(p->ep_h >= 0);
    p->ep = endpoint_of(p->task, p->ep_h);
}

/* The usual scene: pager P owns the endpoint and an object of npages
 * (badge BADGE) that client C maps shared, read-write, at AREA. */
struct scene {
    struct pager p;
    int vmo_h; /* the pager's handle: R_PAGER among others */
    struct vm_object *obj;
    struct task *client;
    struct thread *faulter;
};

static inline void scene_new(struct scene *s, uint64_t npages)
{
    pager_new(&s->p, "pager");
    run(s->p.th);
    uint64_t a[6] = { npages * PG, (uint64_t)s->p.ep_h, BADGE };
    int64_t h = sys_vmo_create(s->p.th, a);
    assert_true(h >= 0);
    s->vmo_h = (int)h;
    s->obj = container_of(handle_obj(s->p.task, s->vmo_h, OBJ_VMO), struct vm_object, obj);
    s->client = new_task("client");
    s->faulter = new_thread(s->client);
    assert_int_equal(vm_map(s->client, s->obj, AREA, npages * PG, 0, VM_R | VM_W, VM_SHARED),
                     0);
}

static inline enum vm_fault_result fault(struct thread *t, uint64_t va, uint32_t access)
{
    run(t);
    return vm_fault(t, va, access, 0);
}

/* The pager's receive on its endpoint: 0 with a message in its
 * registers, or SYS_BLOCKED. */
static inline int64_t pager_recv(struct pager *p)
{
    run(p->th);
    p->th->tf.x[REG_A0] = (uint64_t)p->ep_h;
    p->th->tf.x[REG_A6] = 0; /* no timeout */
    return ipc_recv(p->th, &p->th->tf.x[REG_A0]);
}

struct msg {
    uint32_t label;
    uint64_t w[4], badge;
};

/* The message a receive left in t's registers. */
static inline struct msg received(struct thread *t)
{
    const uint64_t *r = &t->tf.x[REG_A0];
    assert_int_equal(r[0], 0);
    return (struct msg){ IPC_TAG_LABEL(r[1]), { r[2], r[3], r[4], r[5] }, r[6] };
}

static inline int queued(struct endpoint *ep)
{
    int n = 0;
    list_for_each(pos, &ep->kmsgs)
        n++;
    return n;
}

static inline struct ipc_kmsg *first_queued(struct endpoint *ep)
{
    assert_false(list_empty(&ep->kmsgs));
    return list_entry(ep->kmsgs.next, struct ipc_kmsg, link);
}

/* SYS_PAGER_SUPPLY from the pager thread (recv: endpoint handle or -1),
 * naming the binding's epoch: the fast path first, then the call, as
 * entry.S does. */
static inline int64_t supply_epoch(struct thread *t, int vmo_h, uint64_t offset, uint64_t src,
                                   uint64_t n, uint32_t prot, int64_t recv, uint32_t epoch)
{
    run(t);
    uint64_t a[7] = { (uint64_t)vmo_h, offset, src, n, prot, (uint64_t)recv, epoch };
    for (int i = 0; i < 7; i++)
        t->tf.x[REG_A0 + i] = a[i];
    if (vm_pager_supply_fast(t, a))
        return SYS_BLOCKED;
    return sys_pager_supply(t, a);
}

/* The same for an object never rebound. */
static inline int64_t supply_as(struct thread *t, int vmo_h, uint64_t offset, uint64_t src, uint64_t n,
                         uint32_t prot, int64_t recv)
{
    return supply_epoch(t, vmo_h, offset, src, n, prot, recv, PAGER_EPOCH_FIRST);
}

static inline int64_t supply(struct scene *s, uint64_t offset, uint64_t src, uint64_t n, uint32_t prot)
{
    return supply_as(s->p.th, s->vmo_h, offset, src, n, prot, -1);
}

/* The frame mapped at va in k, or 0. */
static inline paddr_t frame_at(struct task *k, uint64_t va)
{
    pte_t *e = sv39_walk(k->pt_root, va, false);
    return e && (*e & PTE_V) ? pte_pa(*e) : 0;
}

/* A fresh wired page of k at SRC + slot pages, word i = fill + i. */
static inline uint64_t src_page(struct task *k, uint64_t slot, uint64_t fill)
{
    uint64_t va = SRC + slot * PG;
    assert_int_equal(vm_wire(k, va, PG, VM_R | VM_W), 0);
    uint64_t *w = pa_to_kva(frame_at(k, va));
    for (size_t i = 0; i < PG / 8; i++)
        w[i] = fill + i;
    return va;
}

static inline uint64_t word_at(struct task *k, uint64_t va)
{
    paddr_t f = frame_at(k, va);
    assert_int_not_equal(f, 0);
    return *(uint64_t *)pa_to_kva(f + (va & PAGE_MASK));
}

/* SYS_VMO_INFO through the pager's own memory. */
static inline struct vmo_info info_of(struct scene *s)
{
    if (!frame_at(s->p.task, INFO))
        assert_int_equal(vm_wire(s->p.task, INFO, PG, VM_R | VM_W), 0);
    run(s->p.th);
    uint64_t a[2] = { (uint64_t)s->vmo_h, INFO };
    assert_int_equal(sys_vmo_info(s->p.th, a), 0);
    struct vmo_info info;
    memcpy(&info, pa_to_kva(frame_at(s->p.task, INFO)), sizeof(info));
    return info;
}

static inline uint64_t outstanding_requests(void)
{
    struct vm_stats st = { 0 };
    vm_stats_fill(&st);
    return st.requests;
}

/* Holds every free frame but `leave`; returns how many it took. */
static paddr_t held[RAM_FRAMES];
static inline int hold_frames_but(uint64_t leave)
{
    int n = 0;
    while (pmm_free_count() > leave)
        held[n++] = pmm_alloc();
    return n;
}

static inline void release_frames(int n)
{
    while (n > 0)
        pmm_unref(held[--n]);
}

/* --- fixtures ------------------------------------------------------------------ */

static inline void cpu_reset(void)
{
    struct cpu *c = this_cpu();
    c->cur = c->prev = c->reap = c->fpu_owner = 0;
    c->as_owner = 0;
    c->need_resched = false;
}

static inline int setup(void **state)
{
    fake_phys_init(RAM_FRAMES * PG);
    pmm_init(FAKE_PHYS_BASE, fake_phys_end());
    pmm_free_range(FAKE_PHYS_BASE, fake_phys_end());
    sched_init();
    ipc_init();
    vmo_init();
    cpu_reset();
    nmade = 0;
    now_ticks = 1000;
    free0 = pmm_free_count();
    return 0;
}

/* vm_fault.c keeps freed requests for reuse in kmem memory: with fresh
 * fake RAM per test they must not outlive the test. */
static inline void drain_request_cache(void)
{
    vm_request_cache_drain();
}

static inline int teardown(void **state)
{
    /* Pagers die (their requests fail), then everyone else. */
    for (int i = 0; i < nmade; i++)
        task_exit(made[i], 0);
    drain_request_cache();
    for (int i = 0; i < nmade; i++)
        kobj_put(&made[i]->obj);
    /* Threads that were running are freed at the next kernel entry. */
    this_cpu()->cur = 0;
    sched_entry(this_cpu());
    this_cpu()->prev = 0;
    assert_int_equal(thread_count, 0);
    assert_int_equal(task_count(), 0);
    assert_int_equal(vm_objects_live, 0);
    assert_int_equal(outstanding_requests(), 0);
    assert_int_equal(sched_top_ready(), -1);
    assert_int_equal(kmem_bytes_in_use(), 0);
    assert_int_equal(pmm_free_count(), free0);
    cpu_reset();
    fake_phys_free();
    return 0;
}

#endif

/* Host tests of the fault state machine: faults, requests and supplies. */
#include "tests/unit/vm_scene.h"

/* --- faults and the FAULT message ------------------------------------------- */

static void test_fault_on_missing_page_blocks_and_queues_one_fault(void **state)
{
    struct scene s;
    scene_new(&s, 16);
    assert_int_equal(fault(s.faulter, AREA + 5 * PG + 8, VM_R), FAULT_BLOCKED);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    assert_true(this_cpu()->need_resched);
    assert_non_null(s.faulter->fault_req);
    assert_int_equal(s.faulter->fault_va, AREA + 5 * PG + 8);
    assert_int_equal(s.obj->faults, 1);
    assert_int_equal(s.obj->resident, 0);
    assert_int_equal(frame_at(s.client, AREA + 5 * PG), 0);
    /* Nobody was receiving: the FAULT waits on the endpoint. */
    assert_int_equal(queued(s.p.ep), 1);
    struct ipc_kmsg *m = first_queued(s.p.ep);
    assert_ptr_equal(m, &s.faulter->fault_req->msg);

    assert_int_equal(pager_recv(&s.p), 0);
    struct msg got = received(s.p.th);
    assert_int_equal(got.label, PAGER_FAULT);
    assert_int_equal(got.w[0], 5 * PG);
    assert_int_equal(got.w[1], PAGER_W1(VM_R, FAULT_DATA, PAGER_EPOCH_FIRST));
    assert_int_equal(got.w[2], s.faulter->fault_req->fault_id);
    assert_int_equal(got.w[3], 16 * PG);
    assert_int_equal(got.badge, BADGE);
    assert_int_equal(queued(s.p.ep), 0);
    /* Received, not answered: the request and its waiter stay. */
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    struct vmo_info info = info_of(&s);
    assert_int_equal(info.pending, 1);
    assert_int_equal(info.faults, 1);
    assert_int_equal(info.deadline_ms, 5000);
    assert_int_equal(info.has_pager, 1);
    assert_int_equal(outstanding_requests(), 1);
}

static void test_fault_goes_straight_to_pager_waiting_in_receive(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(pager_recv(&s.p), SYS_BLOCKED);
    assert_int_equal(s.p.th->state, TH_BLOCKED);
    assert_int_equal(s.p.th->ipc_state, IPC_RECV_WAIT);

    assert_int_equal(fault(s.faulter, AREA + 2 * PG, VM_W), FAULT_BLOCKED);
    /* The pager took the hart with the FAULT in its registers. */
    assert_ptr_equal(this_cpu()->cur, s.p.th);
    assert_int_equal(s.p.th->state, TH_RUNNING);
    assert_int_equal(s.p.th->ipc_state, IPC_NONE);
    assert_true(list_empty(&s.p.ep->recvq.head));
    assert_int_equal(queued(s.p.ep), 0);
    struct msg got = received(s.p.th);
    assert_int_equal(got.label, PAGER_FAULT);
    assert_int_equal(got.w[0], 2 * PG);
    assert_int_equal(got.w[1], PAGER_W1(VM_W, FAULT_DATA, PAGER_EPOCH_FIRST));
    assert_int_equal(got.badge, BADGE);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
}

static void test_faults_on_one_page_share_one_request(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    struct thread *second = new_thread(s.client);
    /* Another task maps the same object elsewhere. */
    struct task *other = new_task("other");
    struct thread *third = new_thread(other);
    assert_int_equal(vm_map(other, s.obj, AREA + 64 * PG, 4 * PG, 0, VM_R, VM_SHARED), 0);

    assert_int_equal(fault(s.faulter, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(fault(second, AREA + PG + 8, VM_W), FAULT_BLOCKED);
    assert_int_equal(fault(third, AREA + 65 * PG, VM_R), FAULT_BLOCKED);
    struct vm_request *req = s.faulter->fault_req;
    assert_ptr_equal(second->fault_req, req);
    assert_ptr_equal(third->fault_req, req);
    assert_int_equal(s.obj->faults, 1);
    assert_int_equal(queued(s.p.ep), 1);
    assert_int_equal(info_of(&s).pending, 1);

    uint64_t src = src_page(s.p.task, 0, 500);
    paddr_t f = frame_at(s.p.task, src);
    assert_int_equal(supply(&s, PG, src, 1, VM_R | VM_W), 1);
    /* One supply answers all three, each in its own mapping. */
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(second->state, TH_READY);
    assert_int_equal(third->state, TH_READY);
    assert_null(s.faulter->fault_req);
    assert_int_equal(frame_at(s.client, AREA + PG), f);
    assert_int_equal(frame_at(other, AREA + 65 * PG), f);
    assert_int_equal(pmm_refcount(f), 3); /* the cache and two mappings */
    assert_int_equal(word_at(s.client, AREA + PG + 8), 501);
    assert_int_equal(word_at(other, AREA + 65 * PG), 500);
    assert_int_equal(info_of(&s).pending, 0);
}

/* Requests on many pages of one object: each fault finds (or makes) the
 * request of its own page, and each supply ends exactly that one. */
static void test_faults_on_many_pages_each_find_their_own_request(void **state)
{
    enum { NPAGES = 64, NFAULT = 48 };
    struct scene s;
    scene_new(&s, NPAGES);
    struct thread *t[NFAULT];
    for (int i = 0; i < NFAULT; i++) {
        t[i] = i ? new_thread(s.client) : s.faulter;
        uint64_t page = (uint64_t)(i * 37) % NPAGES;
        assert_int_equal(fault(t[i], AREA + page * PG, VM_R), FAULT_BLOCKED);
        assert_ptr_equal(vmo_find_request(s.obj, page), t[i]->fault_req);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(t[j]->fault_req, t[i]->fault_req);
    }
    assert_int_equal(avl_check(&s.obj->request_tree), NFAULT);
    assert_int_equal(outstanding_requests(), NFAULT);
    for (uint64_t page = 0; page < NPAGES; page++) {
        struct vm_request *req = vmo_find_request(s.obj, page);
        assert_true(!req || req->page == page);
        int i = 0;
        while (i < NFAULT && (uint64_t)(i * 37) % NPAGES != page)
            i++;
        assert_ptr_equal(req, i < NFAULT ? t[i]->fault_req : 0);
    }
    /* Supplies in another order: each wakes its own waiter only. */
    for (int k = 0; k < NFAULT; k++) {
        int i = (k * 29) % NFAULT;
        uint64_t page = (uint64_t)(i * 37) % NPAGES;
        assert_int_equal(t[i]->state, TH_BLOCKED);
        assert_int_equal(supply(&s, page * PG, 0, 1, VM_R | VM_W), 1);
        assert_int_equal(t[i]->state, TH_READY);
        assert_null(vmo_find_request(s.obj, page));
        assert_int_equal(avl_check(&s.obj->request_tree), NFAULT - k - 1);
    }
    assert_null(s.obj->request_tree.root);
    assert_int_equal(outstanding_requests(), 0);
}

/* --- supply ---------------------------------------------------------------------- */

static void test_supply_moves_pager_frame_into_object_and_maps_it(void **state)
{
    struct scene s;
    scene_new(&s, 16);
    assert_int_equal(fault(s.faulter, AREA + 5 * PG + 8, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    uint64_t src = src_page(s.p.task, 0, 1000);
    paddr_t f = frame_at(s.p.task, src);
    uint64_t pager_frames = s.p.task->frames, client_frames = s.client->frames;

    assert_int_equal(supply(&s, 5 * PG, src, 1, VM_R | VM_W), 1);
    /* The frame left the pager... */
    assert_int_equal(frame_at(s.p.task, src), 0);
    assert_int_equal(s.p.task->frames, pager_frames - 1);
    /* ...is the object's page now... */
    assert_int_equal(s.obj->resident, 1);
    assert_int_equal(s.obj->supplies, 1);
    assert_int_equal(PAGE_DOWN(vmo_lookup(s.obj, 5)), f);
    assert_true(vmo_lookup(s.obj, 5) & VPE_PRESENT);
    assert_false(vmo_lookup(s.obj, 5) & VPE_NOWRITE);
    /* ...and is mapped where the thread faulted, so its retry runs. */
    pte_t *e = sv39_walk(s.client->pt_root, AREA + 5 * PG, false);
    assert_non_null(e);
    assert_int_equal(pte_pa(*e), f);
    assert_true((*e & (PTE_V | PTE_U | PTE_R)) == (PTE_V | PTE_U | PTE_R));
    assert_int_equal(s.client->frames, client_frames + 1);
    assert_int_equal(pmm_refcount(f), 2);
    assert_int_equal(word_at(s.client, AREA + 5 * PG + 8), 1001);
    assert_int_equal(s.faulter->state, TH_READY);
    assert_null(s.faulter->fault_req);
    assert_int_equal(sched_top_ready(), PRIO);
    /* The pager, having no receive, keeps running. */
    assert_ptr_equal(this_cpu()->cur, s.p.th);
    assert_int_equal(outstanding_requests(), 0);
    struct vmo_info info = info_of(&s);
    assert_int_equal(info.resident, 1);
    assert_int_equal(info.supplies, 1);
    assert_int_equal(info.pending, 0);
}

static void test_fault_on_resident_page_resolves_without_pager(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    uint64_t src = src_page(s.p.task, 0, 7);
    paddr_t f = frame_at(s.p.task, src);
    /* Supplied before anyone asked. */
    assert_int_equal(supply(&s, 3 * PG, src, 1, VM_R | VM_W), 1);
    assert_int_equal(s.obj->resident, 1);

    assert_int_equal(fault(s.faulter, AREA + 3 * PG + 16, VM_W), FAULT_RESOLVED);
    assert_int_equal(s.faulter->state, TH_RUNNING);
    assert_int_equal(s.obj->minor, 1);
    assert_int_equal(s.obj->faults, 0);
    assert_int_equal(queued(s.p.ep), 0);
    assert_int_equal(outstanding_requests(), 0);
    assert_int_equal(frame_at(s.client, AREA + 3 * PG), f);
    assert_int_equal(word_at(s.client, AREA + 3 * PG + 16), 9);
    /* An access the region does not allow is no fault to resolve. */
    assert_int_equal(fault(s.faulter, AREA + 3 * PG, VM_X), FAULT_BAD);
    /* Nor is an address outside every region. */
    assert_int_equal(fault(s.faulter, AREA + 4 * PG, VM_R), FAULT_BAD);
    assert_int_equal(s.obj->minor, 1);
}

static void test_bad_supply_is_refused_and_changes_nothing(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    assert_int_equal(fault(s.faulter, AREA + 7 * PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    uint64_t good = src_page(s.p.task, 0, 70);
    paddr_t gf = frame_at(s.p.task, good);
    /* A read-only page of the pager's, and a page it maps of the object. */
    assert_int_equal(vm_wire(s.p.task, SRC + PG, PG, VM_R), 0);
    assert_int_equal(vm_map(s.p.task, s.obj, AREA, 8 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    /* A handle on the object without R_PAGER. */
    int weak = handle_install(s.p.task->handles, &s.obj->obj, R_READ | R_MAP, 0);
    assert_true(weak >= 0);
    uint64_t pager_frames = s.p.task->frames, free_frames = pmm_free_count();
    uint32_t rw = VM_R | VM_W;

    static const struct {
        uint64_t offset, src, n;
        uint32_t prot;
        int64_t recv;
        int err;
    } bad[] = {
        { 7 * PG, SRC + 50 * PG, 1, VM_R, -1, -E_FAULT },   /* unmapped */
        { 7 * PG, SRC + PG, 1, VM_R, -1, -E_FAULT },        /* read-only */
        { 7 * PG, AREA, 1, VM_R, -1, -E_FAULT },            /* an object page */
        { 6 * PG, SRC - PG, 2, VM_R, -1, -E_FAULT },        /* half unmapped */
        { 7 * PG, 0xffffffc080200000ul, 1, VM_R, -1, -E_FAULT }, /* kernel */
        { 7 * PG, 0x1000, 1, VM_R, -1, -E_FAULT },          /* below user space */
        { 8 * PG, SRC, 1, VM_R, -1, -E_RANGE },             /* past the end */
        { 6 * PG, SRC, 3, VM_R, -1, -E_RANGE },             /* runs past the end */
        { 7 * PG, SRC, 0, VM_R, -1, -E_INVAL },             /* no pages */
        { 7 * PG + 8, SRC, 1, VM_R, -1, -E_INVAL },         /* offset misaligned */
        { 7 * PG, SRC + 8, 1, VM_R, -1, -E_INVAL },         /* source misaligned */
        { 7 * PG, SRC, 1, VM_W, -1, -E_INVAL },             /* no read */
        { 7 * PG, SRC, 1, VM_R | 8, -1, -E_INVAL },         /* unknown protection */
        { 7 * PG, SRC, PAGER_SUPPLY_MAX + 1, VM_R, -1, -E_RANGE }, /* too many */
        { 7 * PG, SRC, 1, VM_R, 99, -E_BADH },              /* no such endpoint */
        { 7 * PG, SRC, 1, VM_R, 1, -E_BADH },               /* not an endpoint */
    };
    assert_int_equal(s.vmo_h, 1); /* the "not an endpoint" case names it */
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t r = supply_as(s.p.th, s.vmo_h, bad[i].offset, bad[i].src, bad[i].n,
                              bad[i].prot, bad[i].recv);
        if (r != bad[i].err)
            fail_msg("case %zu: got %ld, want %d", i, (long)r, bad[i].err);
    }
    assert_int_equal(supply_as(s.p.th, weak, 7 * PG, good, 1, rw, -1), -E_PERM);
    assert_int_equal(supply_as(s.p.th, s.p.ep_h, 7 * PG, good, 1, rw, -1), -E_BADH);

    assert_int_equal(s.p.task->frames, pager_frames);
    assert_int_equal(frame_at(s.p.task, good), gf);
    assert_int_equal(word_at(s.p.task, good), 70);
    assert_int_equal(pmm_refcount(gf), 1);
    assert_int_equal(s.obj->resident, 0);
    assert_int_equal(s.obj->supplies, 0);
    assert_int_equal(s.faulter->state, TH_BLOCKED);
    assert_non_null(s.faulter->fault_req);
    assert_int_equal(outstanding_requests(), 1);
    /* Leaves may have been made for the checked pages; nothing else. */
    assert_true(pmm_free_count() >= free_frames - 1);

    assert_int_equal(supply(&s, 7 * PG, good, 1, rw), 1);
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(word_at(s.client, AREA + 7 * PG), 70);
}

static void test_supply_without_source_zero_fills(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    assert_int_equal(fault(s.faulter, AREA + 2 * PG, VM_W), FAULT_BLOCKED);
    uint64_t pager_frames = s.p.task->frames;
    assert_int_equal(supply(&s, 2 * PG, 0, 1, VM_R | VM_W), 1);
    assert_int_equal(s.p.task->frames, pager_frames);
    assert_int_equal(s.obj->resident, 1);
    paddr_t f = frame_at(s.client, AREA + 2 * PG);
    assert_int_not_equal(f, 0);
    assert_int_equal(f, PAGE_DOWN(vmo_lookup(s.obj, 2)));
    const uint64_t *w = pa_to_kva(f);
    for (size_t i = 0; i < PG / 8; i++)
        if (w[i])
            fail_msg("word %zu of the zero-filled page is %lx", i, (unsigned long)w[i]);
    assert_int_equal(s.faulter->state, TH_READY);
    /* Supplied read-only: reads resolve, a write goes to the pager. */
    assert_int_equal(supply(&s, 3 * PG, 0, 1, VM_R), 1);
    assert_true(vmo_lookup(s.obj, 3) & VPE_NOWRITE);
    assert_int_equal(fault(s.faulter, AREA + 3 * PG, VM_R), FAULT_RESOLVED);
    pte_t *e = sv39_walk(s.client->pt_root, AREA + 3 * PG, false);
    assert_false(*e & PTE_W);
    assert_int_equal(fault(s.faulter, AREA + 3 * PG, VM_W), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    struct msg got = received(s.p.th);
    assert_int_equal(got.w[0], 3 * PG);
    assert_int_equal(got.w[1], PAGER_W1(VM_W, FAULT_UNLOCK, PAGER_EPOCH_FIRST));
}

static void test_kernel_zero_object_resolves_faults_without_a_pager(void **state)
{
    struct task *k = new_task("client");
    struct thread *t = new_thread(k);
    struct vm_object *o = vmo_create(4, NULL, 0, NULL);
    assert_non_null(o);
    assert_int_equal(vm_map(k, o, AREA, 4 * PG, 0, VM_R | VM_W, VM_SHARED), 0);
    kobj_put(&o->obj); /* the mapping holds it now */
    assert_int_equal(fault(t, AREA + 2 * PG + 8, VM_W), FAULT_RESOLVED);
    assert_int_equal(t->state, TH_RUNNING);
    assert_int_equal(o->resident, 1);
    assert_int_equal(o->minor, 1);
    assert_int_equal(o->faults, 0);
    assert_int_equal(outstanding_requests(), 0);
    paddr_t f = frame_at(k, AREA + 2 * PG);
    assert_int_equal(f, PAGE_DOWN(vmo_lookup(o, 2)));
    assert_int_equal(word_at(k, AREA + 2 * PG + 8), 0);
}

static void test_supply_of_resident_page_leaves_frame_with_pager(void **state)
{
    struct scene s;
    scene_new(&s, 4);
    uint64_t first = src_page(s.p.task, 0, 100);
    paddr_t f = frame_at(s.p.task, first);
    assert_int_equal(supply(&s, 0, first, 1, VM_R | VM_W), 1);
    uint64_t again = src_page(s.p.task, 1, 900);
    paddr_t g = frame_at(s.p.task, again);
    assert_int_equal(supply(&s, 0, again, 1, VM_R | VM_W), 0);
    assert_int_equal(frame_at(s.p.task, again), g);
    assert_int_equal(PAGE_DOWN(vmo_lookup(s.obj, 0)), f);
    assert_int_equal(s.obj->resident, 1);
}

static void test_supply_of_several_pages_maps_them_around_the_fault(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    assert_int_equal(fault(s.faulter, AREA + 2 * PG, VM_R), FAULT_BLOCKED);
    for (uint64_t i = 0; i < 4; i++)
        src_page(s.p.task, i, i * 100);
    assert_int_equal(supply(&s, PG, SRC, 4, VM_R | VM_W), 4);
    assert_int_equal(s.obj->resident, 4);
    assert_int_equal(s.faulter->state, TH_READY);
    /* The faulting page and its neighbours from the same supply. */
    for (uint64_t pg = 1; pg < 5; pg++)
        assert_int_equal(word_at(s.client, AREA + pg * PG), (pg - 1) * 100);
    assert_int_equal(frame_at(s.client, AREA), 0);
    assert_int_equal(frame_at(s.client, AREA + 5 * PG), 0);
    /* A page outside the supply still goes to the pager. */
    assert_int_equal(fault(s.faulter, AREA, VM_R), FAULT_BLOCKED);
    assert_int_equal(s.obj->faults, 2);
}

static void test_supply_and_receive_runs_the_faulter_at_once(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    /* An earlier page makes the cache leaf, which the fast path needs. */
    assert_int_equal(supply(&s, 0, src_page(s.p.task, 0, 1), 1, VM_R), 1);
    assert_int_equal(fault(s.faulter, AREA + 5 * PG, VM_W), FAULT_BLOCKED);
    assert_int_equal(pager_recv(&s.p), 0);
    uint64_t src = src_page(s.p.task, 1, 55);
    paddr_t f = frame_at(s.p.task, src);

    assert_int_equal(supply_as(s.p.th, s.vmo_h, 5 * PG, src, 1, VM_R | VM_W, s.p.ep_h),
                     SYS_BLOCKED);
    /* The pager waits for its next message; the faulter took the hart. */
    assert_int_equal(s.p.th->state, TH_BLOCKED);
    assert_int_equal(s.p.th->ipc_state, IPC_RECV_WAIT);
    assert_ptr_equal(s.p.th->wq, &s.p.ep->recvq);
    assert_ptr_equal(this_cpu()->cur, s.faulter);
    assert_int_equal(s.faulter->state, TH_RUNNING);
    assert_null(s.faulter->fault_req);
    assert_int_equal(sched_top_ready(), -1);
    assert_int_equal(frame_at(s.p.task, src), 0);
    assert_int_equal(frame_at(s.client, AREA + 5 * PG), f);
    pte_t *e = sv39_walk(s.client->pt_root, AREA + 5 * PG, false);
    assert_true(*e & PTE_W);
    assert_int_equal(pmm_refcount(f), 2);
    assert_int_equal(s.obj->resident, 2);
    assert_int_equal(outstanding_requests(), 0);

    /* The next fault goes straight to the waiting pager. */
    assert_int_equal(fault(s.faulter, AREA + 6 * PG, VM_R), FAULT_BLOCKED);
    assert_ptr_equal(this_cpu()->cur, s.p.th);
    assert_int_equal(received(s.p.th).w[0], 6 * PG);
}

static void test_supply_and_receive_delivers_the_next_queued_fault(void **state)
{
    struct scene s;
    scene_new(&s, 8);
    struct thread *second = new_thread(s.client);
    assert_int_equal(fault(s.faulter, AREA + PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(fault(second, AREA + 3 * PG, VM_R), FAULT_BLOCKED);
    assert_int_equal(queued(s.p.ep), 2);
    assert_int_equal(pager_recv(&s.p), 0);
    assert_int_equal(received(s.p.th).w[0], PG);

    uint64_t src = src_page(s.p.task, 0, 11);
    assert_int_equal(supply_as(s.p.th, s.vmo_h, PG, src, 1, VM_R, s.p.ep_h), 0);
    assert_int_equal(s.faulter->state, TH_READY);
    assert_int_equal(word_at(s.client, AREA + PG), 11);
    /* The same call received the second FAULT. */
    assert_int_equal(s.p.th->state, TH_RUNNING);
    struct msg got = received(s.p.th);
    assert_int_equal(got.label, PAGER_FAULT);
    assert_int_equal(got.w[0], 3 * PG);
    assert_int_equal(queued(s.p.ep), 0);
    assert_int_equal(second->state, TH_BLOCKED);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fault_on_missing_page_blocks_and_queues_one_fault),
		T(test_fault_goes_straight_to_pager_waiting_in_receive),
		T(test_faults_on_one_page_share_one_request),
		T(test_faults_on_many_pages_each_find_their_own_request),
		T(test_supply_moves_pager_frame_into_object_and_maps_it),
		T(test_fault_on_resident_page_resolves_without_pager),
		T(test_bad_supply_is_refused_and_changes_nothing),
		T(test_supply_without_source_zero_fills),
		T(test_kernel_zero_object_resolves_faults_without_a_pager),
		T(test_supply_of_resident_page_leaves_frame_with_pager),
		T(test_supply_of_several_pages_maps_them_around_the_fault),
		T(test_supply_and_receive_runs_the_faulter_at_once),
		T(test_supply_and_receive_delivers_the_next_queued_fault),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

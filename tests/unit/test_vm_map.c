/*
 * Host tests of a task's address map (kern/vm/vm_map.c over kern/avl.c):
 * map, unmap (trim, split, whole regions), protect and faults, checked
 * after every step against a reference model that keeps, for each page
 * of a window, which region it belongs to and what its page table says.
 *
 * The model applies the kernel's rules by itself: a map right above a
 * region of the same object, rights and flags at the next offset extends
 * that region; an unmap strictly inside a region splits it (the part
 * above is a new region); any other unmap trims or removes. So the
 * regions the kernel's tree holds must be exactly the model's runs of
 * pages with one region id. The window straddles a 2 MiB boundary (two
 * leaf page tables) and has one wired page that no map may cover.
 */
#include "tests/unit/vm_scene.h"

#define WPAGES 64                           /* pages in the window */
#define WBASE (AREA + (2ul << 20) - 32 * PG) /* 32 pages each side of 2 MiB */
#define WIRED 50                            /* a wired page in the window */
#define OPAGES 64                           /* pages per object */
#define NOBJ 2

enum pte_kind { PTE_NONE, PTE_OBJECT, PTE_COPY };

struct model_page {
    int region;       /* 0: unmapped; else the id of the region holding it */
    int obj;          /* index in objs[] */
    uint64_t objpage; /* page of the object it shows */
    uint32_t prot, flags;
    enum pte_kind pte;
};

static struct model_page model[WPAGES];
static int next_region_id;
static struct vm_object *objs[NOBJ];
static struct task *task;
static struct thread *thread;

static uint64_t va_of(int page)
{
    return WBASE + (uint64_t)page * PG;
}

/* xorshift64: a fixed seed keeps failures reproducible. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void map_scene_new(void)
{
    task = new_task("mapper");
    thread = new_thread(task);
    for (int i = 0; i < NOBJ; i++) {
        objs[i] = vmo_create(OPAGES, NULL, 0, NULL);
        assert_non_null(objs[i]);
    }
    memset(model, 0, sizeof(model));
    next_region_id = 1;
    assert_int_equal(vm_wire(task, va_of(WIRED), PG, VM_R | VM_W), 0);
}

static void map_scene_end(void)
{
    for (int i = 0; i < NOBJ; i++)
        kobj_put(&objs[i]->obj);
}

static int obj_index(struct vm_object *o)
{
    for (int i = 0; i < NOBJ; i++)
        if (objs[i] == o)
            return i;
    fail_msg("a region maps an object the test never made");
    return -1;
}

/* --- the model's rules ---------------------------------------------------------- */

static bool model_map(int page, int n, int obj, uint64_t objpage, uint32_t prot,
                      uint32_t flags)
{
    for (int p = page; p < page + n; p++)
        if (model[p].region || p == WIRED)
            return false;
    if (prot & VM_W)
        prot |= VM_R;
    int id = next_region_id++;
    const struct model_page *below = page > 0 ? &model[page - 1] : 0;
    if (below && below->region && below->obj == obj && below->prot == prot &&
        below->flags == flags && below->objpage + 1 == objpage)
        id = below->region;
    for (int p = page; p < page + n; p++)
        model[p] = (struct model_page){ id, obj, objpage + (uint64_t)(p - page), prot, flags,
                                        PTE_NONE };
    return true;
}

static void model_unmap(int page, int n)
{
    int id = model[page].region;
    bool inside = id && page > 0 && model[page - 1].region == id && page + n < WPAGES &&
                  model[page + n].region == id;
    for (int p = page; p < page + n; p++)
        model[p] = (struct model_page){ 0 };
    if (inside) { /* split: what is above becomes a region of its own */
        int upper = next_region_id++;
        for (int p = page + n; p < WPAGES && model[p].region == id; p++)
            model[p].region = upper;
    }
}

/* --- checks --------------------------------------------------------------------- */

/* The tree is a valid AVL tree of non-overlapping regions in order, and
 * they are exactly the model's runs of one region id; the hint is one of
 * them or NULL. */
static void check_regions(void)
{
    assert_true(avl_check(&task->regions) >= 0);
    bool hint_found = !task->region_hint;
    struct avl_node *n = avl_first(&task->regions);
    int page = 0;
    while (true) {
        while (page < WPAGES && !model[page].region)
            page++;
        if (page == WPAGES)
            break;
        int end = page;
        while (end < WPAGES && model[end].region == model[page].region)
            end++;
        assert_non_null(n);
        struct vm_region *r = container_of(n, struct vm_region, task_node);
        assert_int_equal(r->start, va_of(page));
        assert_int_equal(r->end, va_of(end));
        assert_int_equal(obj_index(r->obj), model[page].obj);
        assert_int_equal(r->offset, model[page].objpage);
        assert_int_equal(r->prot, model[page].prot);
        assert_int_equal(r->flags, model[page].flags);
        assert_ptr_equal(r->task, task);
        hint_found |= r == task->region_hint;
        n = avl_next(n);
        page = end;
    }
    assert_null(n);
    assert_true(hint_found);
}

/* A lookup at every page's first and last byte and just outside the
 * window, in a scattered order so the hint misses as often as it hits. */
static void check_lookups(void)
{
    assert_null(vm_region_find(task, WBASE - 1));
    assert_null(vm_region_find(task, va_of(WPAGES)));
    for (int k = 0; k < WPAGES; k++) {
        int page = (k * 37) % WPAGES;
        for (uint64_t off = 0; off < PG; off += PG - 1) {
            struct vm_region *r = vm_region_find(task, va_of(page) + off);
            if (!model[page].region) {
                assert_null(r);
                continue;
            }
            assert_non_null(r);
            assert_true(r->start <= va_of(page) && va_of(page) < r->end);
            assert_int_equal(r->offset + ((va_of(page) - r->start) >> PAGE_SHIFT),
                             model[page].objpage);
        }
    }
}

/* Page tables: what the model says is mapped is, with the object's own
 * frame or a copy as it says, and the task counts exactly those frames. */
static void check_ptes(void)
{
    uint64_t frames = 1; /* the wired page */
    for (int page = 0; page < WPAGES; page++) {
        if (page == WIRED)
            continue;
        paddr_t f = frame_at(task, va_of(page));
        const struct model_page *m = &model[page];
        if (m->pte == PTE_NONE) {
            assert_int_equal(f, 0);
            continue;
        }
        frames++;
        paddr_t own = PAGE_DOWN(vmo_lookup(objs[m->obj], m->objpage));
        if (m->pte == PTE_OBJECT)
            assert_int_equal(f, own);
        else
            assert_true(f && f != own);
    }
    assert_int_not_equal(frame_at(task, va_of(WIRED)), 0);
    assert_int_equal(task->frames, frames);
}

static void check_all(void)
{
    check_regions();
    check_lookups();
    check_ptes();
}

/* --- operations, on the kernel and the model ----------------------------------- */

static void do_map(int page, int n, int obj, uint64_t objpage, uint32_t prot, uint32_t flags)
{
    int64_t got = vm_map(task, objs[obj], va_of(page), (uint64_t)n * PG, objpage * PG, prot, flags);
    bool ok = model_map(page, n, obj, objpage, prot, flags);
    assert_int_equal(got, ok ? 0 : -E_BUSY);
}

static void do_unmap(int page, int n)
{
    assert_int_equal(vm_unmap_regions(task, va_of(page), (uint64_t)n * PG), 0);
    model_unmap(page, n);
}

static void do_touch(int page, uint32_t access)
{
    struct model_page *m = &model[page];
    bool cow = m->pte == PTE_OBJECT && m->flags == VM_PRIVATE && (access & VM_W);
    if (m->pte != PTE_NONE && !cow)
        return; /* mapped already: the hardware would not fault */
    run(thread);
    enum vm_fault_result res = vm_fault(thread, va_of(page), access, 0);
    if (!m->region || (access & ~m->prot)) {
        assert_int_equal(res, FAULT_BAD);
        return;
    }
    assert_int_equal(res, FAULT_RESOLVED);
    m->pte = m->flags == VM_PRIVATE && (access & VM_W) ? PTE_COPY : PTE_OBJECT;
}

/* vm_protect on a whole region: the object's frames are unmapped (the
 * next access faults them in with the new rights), copies stay. */
static void do_protect(int page, uint32_t prot)
{
    int id = model[page].region;
    if (!id)
        return;
    int lo = page, hi = page;
    while (lo > 0 && model[lo - 1].region == id)
        lo--;
    while (hi < WPAGES && model[hi].region == id)
        hi++;
    assert_int_equal(vm_protect(task, va_of(lo), (uint64_t)(hi - lo) * PG, prot), 0);
    for (int p = lo; p < hi; p++) {
        model[p].prot = prot & VM_W ? prot | VM_R : prot;
        if (model[p].pte == PTE_OBJECT)
            model[p].pte = PTE_NONE;
    }
}

static const uint32_t prots[] = { VM_R, VM_R | VM_W, VM_R | VM_X, VM_R | VM_W | VM_X };

static void random_step(uint64_t *seed)
{
    uint64_t x = rng_next(seed);
    int page = (int)(rng_next(seed) % WPAGES);
    int n = 1 + (int)(rng_next(seed) % 12);
    if (page + n > WPAGES)
        n = WPAGES - page;
    switch (x % 10) {
    case 0:
    case 1:
    case 2: {
        /* Mostly the object and offset that continue the region below,
         * so extensions happen often. */
        int obj = (int)((x >> 8) % NOBJ);
        uint64_t objpage = (x >> 16) % (OPAGES - (uint64_t)n + 1);
        uint32_t prot = prots[(x >> 24) % 2];
        uint32_t flags = VM_SHARED; /* private maps are shadows: tests/unit/test_vm_shadow.c */
        if (page > 0 && model[page - 1].region && (x >> 32) % 3 &&
            model[page - 1].objpage + 1 + (uint64_t)n <= OPAGES) {
            obj = model[page - 1].obj;
            objpage = model[page - 1].objpage + 1;
            prot = model[page - 1].prot;
            flags = model[page - 1].flags;
        }
        do_map(page, n, obj, objpage, prot, flags);
        break;
    }
    case 3:
    case 4:
    case 5:
        do_unmap(page, n);
        break;
    case 6:
        do_protect(page, prots[(x >> 8) % 4]);
        break;
    default:
        /* Mostly a mapped page (the next one up): faults that resolve. */
        for (int k = 0; k < WPAGES && (x >> 40) % 8 && !model[page].region; k++)
            page = (page + 1) % WPAGES;
        do_touch(page, (x >> 8) % 3 ? VM_R : VM_W);
        break;
    }
}

/* --- tests ------------------------------------------------------------------------ */

static void test_map_below_extends_region_and_unmap_inside_splits_it(void **state)
{
    map_scene_new();
    do_map(10, 4, 0, 0, VM_R | VM_W, VM_SHARED);
    do_map(14, 4, 0, 4, VM_R | VM_W, VM_SHARED); /* continues it: one region */
    do_map(18, 2, 0, 9, VM_R | VM_W, VM_SHARED); /* offset jumps: a new one */
    do_map(20, 2, 1, 0, VM_R | VM_W, VM_SHARED); /* another object: new */
    check_all();
    assert_int_equal(avl_check(&task->regions), 3);
    for (int p = 10; p < 22; p++)
        do_touch(p, VM_W);
    check_all();
    do_unmap(12, 3); /* strictly inside [10, 18): split */
    check_all();
    assert_int_equal(avl_check(&task->regions), 4);
    do_unmap(17, 4); /* the tail of one, all of one, the head of one */
    check_all();
    assert_int_equal(avl_check(&task->regions), 3);
    map_scene_end();
}

static void test_map_refuses_overlap_and_wired_pages(void **state)
{
    map_scene_new();
    do_map(20, 8, 0, 0, VM_R, VM_SHARED);
    do_map(16, 5, 1, 0, VM_R, VM_SHARED);  /* its last page overlaps */
    do_map(27, 2, 1, 0, VM_R, VM_SHARED);  /* its first page overlaps */
    do_map(22, 2, 1, 0, VM_R, VM_SHARED);  /* inside */
    do_map(WIRED - 1, 3, 1, 0, VM_R, VM_SHARED); /* over the wired page */
    do_map(16, 4, 1, 0, VM_R, VM_SHARED);  /* right below: fine */
    check_all();
    map_scene_end();
}

static void test_map_across_leaf_table_boundary_unmaps_only_its_pages(void **state)
{
    map_scene_new();
    do_map(24, 16, 0, 0, VM_R | VM_W, VM_SHARED); /* pages 24..39: 2 MiB at 32 */
    for (int p = 24; p < 40; p++)
        do_touch(p, p % 2 ? VM_W : VM_R); /* copies and the object's frames */
    check_all();
    do_protect(30, VM_R);
    check_all();
    do_unmap(31, 2); /* across the boundary: a split */
    check_all();
    do_unmap(0, WPAGES); /* everything but the wired page */
    check_all();
    assert_null(task->regions.root);
    map_scene_end();
}

static void random_run(uint64_t seed, int steps)
{
    map_scene_new();
    for (int i = 0; i < steps; i++) {
        random_step(&seed);
        check_all();
    }
    map_scene_end();
}

static void test_map_random_operations_match_model(void **state)
{
    random_run(0x2545f4914f6cdd1dull, 3000);
}

static void test_map_random_operations_match_model_other_seed(void **state)
{
    random_run(0x9e3779b97f4a7c15ull, 3000);
}

/* Many regions: lookups stay right at every boundary while regions come
 * and go far from the hint. */
static void test_map_thousand_regions_found_at_every_boundary(void **state)
{
    task = new_task("many");
    struct vm_object *o = vmo_create(OPAGES, NULL, 0, NULL);
    assert_non_null(o);
    enum { NR = 1024 };
    for (uint64_t i = 0; i < NR; i++) /* gaps between them: no extension */
        assert_int_equal(vm_map(task, o, AREA + i * 2 * PG, PG, (i % 2) * PG, VM_R, VM_SHARED),
                         0);
    assert_int_equal(avl_check(&task->regions), NR);
    for (uint64_t i = 0; i < 2 * NR; i++) {
        uint64_t j = (i * 613) % (2 * NR); /* scattered */
        struct vm_region *r = vm_region_find(task, AREA + j * PG);
        if (j % 2) {
            assert_null(r);
        } else {
            assert_non_null(r);
            assert_int_equal(r->start, AREA + j * PG);
            assert_ptr_equal(vm_region_find(task, AREA + j * PG + PG - 1), r);
        }
    }
    assert_true(vm_region_overlaps(task, AREA + PG, 2 * PG));
    assert_false(vm_region_overlaps(task, AREA + PG, PG));
    /* Every other region goes; the rest are still found. */
    for (uint64_t i = 0; i < NR; i += 2)
        assert_int_equal(vm_unmap_regions(task, AREA + i * 2 * PG, PG), 0);
    assert_int_equal(avl_check(&task->regions), NR / 2);
    for (uint64_t i = 0; i < NR; i++)
        assert_true((vm_region_find(task, AREA + i * 2 * PG) != 0) == (i % 2 == 1));
    /* One unmap over all of them. */
    assert_int_equal(vm_unmap_regions(task, AREA, 2 * NR * PG), 0);
    assert_null(task->regions.root);
    kobj_put(&o->obj);
}

/* task_pte's one-table cache gives the entry the walk gives, whatever
 * the order of the addresses (within a 2 MiB table, across tables, across
 * 1 GiB), with and without alloc, and the task's end clears it. */
static void test_task_pte_cache_agrees_with_the_walk(void **state)
{
    struct task *k = new_task("walker");
    const uint64_t base[] = { AREA, AREA + (2ul << 20), AREA + (1ul << 30), AREA - PG };
    uint64_t seed = 0x243f6a8885a308d3ull;
    for (int i = 0; i < 2000; i++) {
        uint64_t va = base[rng_next(&seed) % 4] + (rng_next(&seed) % 512) * PG;
        bool alloc = rng_next(&seed) % 2;
        pte_t *walked = sv39_walk(k->pt_root, va, false);
        pte_t *e = task_pte(k, va, alloc);
        if (walked || !alloc)
            assert_ptr_equal(e, walked);
        else /* made now: the walk finds the same entry */
            assert_ptr_equal(e, sv39_walk(k->pt_root, va, false));
        if (e)
            assert_int_equal(k->pte_cache_key, va >> 21);
    }
    assert_ptr_equal(task_pte(k, 1ul << 40, false), NULL); /* not a user address */
    task_exit(k, 0);
    assert_int_equal(k->pte_cache_key, ~0ul);
    assert_null(k->pte_cache_l0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_map_below_extends_region_and_unmap_inside_splits_it),
        T(test_task_pte_cache_agrees_with_the_walk),
        T(test_map_refuses_overlap_and_wired_pages),
        T(test_map_across_leaf_table_boundary_unmaps_only_its_pages),
        T(test_map_random_operations_match_model),
        T(test_map_random_operations_match_model_other_seed),
        T(test_map_thousand_regions_found_at_every_boundary),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}

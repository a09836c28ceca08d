/*
 * Host unit tests for arch/riscv/sv39.c over fake RAM, with the real
 * frame allocator (kern/pmm.c) supplying the tables.
 *
 * Each test gets fresh fake RAM and a fresh allocator; free counts
 * before and after show exactly which tables were created or freed.
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
#include "kern/phys.h"
#include "kern/pmm.h"
#include "uapi/errors.h"

#define RAM_FRAMES 256u
#define KERNEL_VA 0xffffffc000000000ull /* first kernel-half address */
#define USER_TOP (1ull << 38)          /* first address past the user half */
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)

#define URW (PTE_R | PTE_W | PTE_U)

static paddr_t root;

static int setup(void **state)
{
    fake_phys_init(RAM_FRAMES * PAGE_SIZE);
    pmm_init(FAKE_PHYS_BASE, fake_phys_end());
    pmm_free_range(FAKE_PHYS_BASE, fake_phys_end());
    root = sv39_new_root(0);
    assert_int_not_equal(root, 0);
    return 0;
}

static int teardown(void **state)
{
    fake_phys_free();
    return 0;
}

static const pte_t *table(paddr_t pa)
{
    return pa_to_kva(pa);
}

static void test_sv39_new_root_is_empty(void **state)
{
    const pte_t *t = table(root);
    for (int i = 0; i < 512; i++)
        assert_int_equal(t[i], 0);
    assert_int_equal(pmm_refcount(root), 1);
}

static void test_sv39_new_root_copies_kernel_half(void **state)
{
    paddr_t kroot = pmm_alloc();
    pte_t *k = pa_to_kva(kroot);
    for (int i = 0; i < 512; i++)
        k[i] = pte_make(FAKE_PHYS_BASE + (uint64_t)i * GIB, PTE_V | PTE_R) | i;
    paddr_t r = sv39_new_root(kroot);
    assert_int_not_equal(r, 0);
    assert_int_not_equal(r, kroot);
    const pte_t *t = table(r);
    for (int i = 0; i < SV39_USER_ENTRIES; i++)
        assert_int_equal(t[i], 0);
    for (int i = SV39_USER_ENTRIES; i < 512; i++)
        assert_int_equal(t[i], k[i]);
}

static void test_sv39_new_root_fails_without_memory(void **state)
{
    while (pmm_alloc())
        ;
    assert_int_equal(sv39_new_root(0), 0);
}

static void test_sv39_walk_without_alloc_finds_nothing(void **state)
{
    uint64_t free0 = pmm_free_count();
    assert_null(sv39_walk(root, 0x10000, false));
    assert_int_equal(pmm_free_count(), free0);
}

static void test_sv39_walk_with_alloc_creates_two_tables(void **state)
{
    uint64_t free0 = pmm_free_count();
    pte_t *e = sv39_walk(root, 0x10000, true);
    assert_non_null(e);
    assert_int_equal(*e, 0);
    assert_int_equal(pmm_free_count(), free0 - 2);
    /* Intermediate entries are valid non-leaf pointers. */
    pte_t l2 = table(root)[0];
    assert_true(l2 & PTE_V);
    assert_int_equal(l2 & (PTE_R | PTE_W | PTE_X | PTE_U), 0);
    assert_ptr_equal(sv39_walk(root, 0x10000, false), e);
    assert_ptr_equal(&table(pte_pa(table(pte_pa(l2))[0]))[0x10], e);
}

static void test_sv39_map_and_translate(void **state)
{
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x400000, f, URW), 0);
    pte_t *e = sv39_walk(root, 0x400000, false);
    assert_non_null(e);
    assert_int_equal(*e, pte_make(f, URW | PTE_V));
    assert_int_equal(sv39_user_pa(root, 0x400000, PTE_R), f);
    assert_int_equal(sv39_user_pa(root, 0x400abc, PTE_R | PTE_W), f + 0xabc);
    assert_int_equal(sv39_user_pa(root, 0x400fff, 0), f + 0xfff);
    assert_int_equal(sv39_user_pa(root, 0x401000, PTE_R), 0);
    assert_int_equal(sv39_user_pa(root, 0x3ff000, PTE_R), 0);
}

static void test_sv39_neighbour_pages_share_tables(void **state)
{
    uint64_t free0 = pmm_free_count();
    assert_int_equal(sv39_map(root, 0, FAKE_PHYS_BASE, URW), 0);
    assert_int_equal(pmm_free_count(), free0 - 2);
    assert_int_equal(sv39_map(root, MIB2 - PAGE_SIZE, FAKE_PHYS_BASE, URW), 0);
    assert_int_equal(pmm_free_count(), free0 - 2);
    /* The next 2 MiB needs a new last-level table, the next GiB two. */
    assert_int_equal(sv39_map(root, MIB2, FAKE_PHYS_BASE, URW), 0);
    assert_int_equal(pmm_free_count(), free0 - 3);
    assert_int_equal(sv39_map(root, GIB, FAKE_PHYS_BASE, URW), 0);
    assert_int_equal(pmm_free_count(), free0 - 5);
}

static void test_sv39_map_at_top_of_user_half(void **state)
{
    paddr_t f = pmm_alloc();
    uint64_t va = USER_TOP - PAGE_SIZE;
    assert_int_equal(sv39_map(root, va, f, PTE_R | PTE_U), 0);
    assert_int_equal(sv39_user_pa(root, va + 8, PTE_R), f + 8);
    assert_true(table(root)[SV39_USER_ENTRIES - 1] & PTE_V);
    for (int i = SV39_USER_ENTRIES; i < 512; i++)
        assert_int_equal(table(root)[i], 0);
}

static void test_sv39_user_pa_needs_user_bit(void **state)
{
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x5000, f, PTE_R | PTE_W), 0);
    assert_int_equal(sv39_user_pa(root, 0x5000, PTE_R), 0);
    assert_int_equal(sv39_user_pa(root, 0x5000, 0), 0);
}

static void test_sv39_user_pa_checks_permissions(void **state)
{
    paddr_t r = pmm_alloc(), x = pmm_alloc(), rw = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x1000, r, PTE_R | PTE_U), 0);
    assert_int_equal(sv39_map(root, 0x2000, x, PTE_X | PTE_U), 0);
    assert_int_equal(sv39_map(root, 0x3000, rw, URW), 0);

    assert_int_equal(sv39_user_pa(root, 0x1000, PTE_R), r);
    assert_int_equal(sv39_user_pa(root, 0x1000, PTE_W), 0);
    assert_int_equal(sv39_user_pa(root, 0x1000, PTE_X), 0);
    assert_int_equal(sv39_user_pa(root, 0x1000, PTE_R | PTE_W), 0);

    assert_int_equal(sv39_user_pa(root, 0x2000, PTE_X), x);
    assert_int_equal(sv39_user_pa(root, 0x2000, PTE_R), 0);

    assert_int_equal(sv39_user_pa(root, 0x3000, PTE_W), rw);
    assert_int_equal(sv39_user_pa(root, 0x3000, PTE_R | PTE_W), rw);
    assert_int_equal(sv39_user_pa(root, 0x3000, PTE_X), 0);
}

static void test_sv39_user_pa_rejects_kernel_half(void **state)
{
    paddr_t kroot = pmm_alloc();
    pte_t *k = pa_to_kva(kroot);
    /* A kernel gigapage, even one wrongly marked user, is never user. */
    k[SV39_USER_ENTRIES] =
        pte_make(FAKE_PHYS_BASE, PTE_V | PTE_R | PTE_W | PTE_U);
    paddr_t r = sv39_new_root(kroot);
    assert_int_equal(sv39_user_pa(r, KERNEL_VA, PTE_R), 0);
    assert_int_equal(sv39_user_pa(r, USER_TOP, PTE_R), 0);
    assert_int_equal(sv39_user_pa(r, UINT64_MAX, 0), 0);
}

static void test_sv39_map_refuses_bad_flags(void **state)
{
    paddr_t f = pmm_alloc();
    uint64_t free0 = pmm_free_count();
    assert_int_equal(sv39_map(root, 0x1000, f, PTE_W | PTE_U), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f, PTE_W | PTE_X), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f, PTE_U), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f, 0), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f, PTE_V), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f, PTE_R | (1ul << 10)), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f, PTE_R | (1ul << 63)), -E_INVAL);
    /* Nothing was built for the refused requests. */
    assert_int_equal(pmm_free_count(), free0);
    assert_null(sv39_walk(root, 0x1000, false));
}

static void test_sv39_map_accepts_every_legal_permission(void **state)
{
    static const uint64_t ok[] = {
        PTE_R, PTE_X, PTE_R | PTE_X, PTE_R | PTE_W, PTE_R | PTE_W | PTE_X,
    };
    paddr_t f = pmm_alloc();
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t va = (i + 1) * PAGE_SIZE;
        assert_int_equal(sv39_map(root, va, f, ok[i] | PTE_U | PTE_A | PTE_D),
                         0);
        assert_int_equal(*sv39_walk(root, va, false),
                         pte_make(f, ok[i] | PTE_U | PTE_A | PTE_D | PTE_V));
    }
}

static void test_sv39_map_refuses_misaligned(void **state)
{
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x1001, f, URW), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1800, f, URW), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f + 4, URW), -E_INVAL);
    assert_int_equal(sv39_map(root, 0x1000, f + 0x800, URW), -E_INVAL);
    assert_null(sv39_walk(root, 0x1000, false));
}

static void test_sv39_map_refuses_kernel_half(void **state)
{
    paddr_t f = pmm_alloc();
    uint64_t free0 = pmm_free_count();
    assert_int_equal(sv39_map(root, KERNEL_VA, f, URW), -E_INVAL);
    assert_int_equal(sv39_map(root, USER_TOP, f, URW), -E_INVAL);
    assert_int_equal(sv39_map(root, 0xfffffffffffff000ull, f, URW), -E_INVAL);
    assert_int_equal(sv39_map(root, 1ull << 39, f, URW), -E_INVAL);
    assert_null(sv39_walk(root, KERNEL_VA, true));
    assert_int_equal(pmm_free_count(), free0);
    for (int i = 0; i < 512; i++)
        assert_int_equal(table(root)[i], 0);
}

static void test_sv39_double_map_is_busy(void **state)
{
    paddr_t f = pmm_alloc(), g = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x7000, f, URW), 0);
    assert_int_equal(sv39_map(root, 0x7000, g, PTE_R | PTE_U), -E_BUSY);
    assert_int_equal(sv39_user_pa(root, 0x7000, PTE_W), f);
}

static void test_sv39_map_out_of_memory(void **state)
{
    paddr_t f = pmm_alloc();
    while (pmm_alloc())
        ;
    assert_int_equal(sv39_map(root, 0x1000, f, URW), -E_NOMEM);
    assert_null(sv39_walk(root, 0x1000, false));
}

static void test_sv39_unmap_returns_frame_and_clears(void **state)
{
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x9000, f, URW), 0);
    paddr_t got = 0;
    assert_int_equal(sv39_unmap(root, 0x9000, &got), 0);
    assert_int_equal(got, f);
    assert_int_equal(sv39_user_pa(root, 0x9000, PTE_R), 0);
    assert_int_equal(sv39_unmap(root, 0x9000, &got), -E_NOENT);
    /* The slot can be mapped again. */
    assert_int_equal(sv39_map(root, 0x9000, f, PTE_R | PTE_U), 0);
    assert_int_equal(sv39_unmap(root, 0x9000, NULL), 0);
}

static void test_sv39_unmap_of_unmapped_is_noent(void **state)
{
    assert_int_equal(sv39_unmap(root, 0x9000, NULL), -E_NOENT);
    assert_int_equal(sv39_map(root, 0xa000, pmm_alloc(), URW), 0);
    assert_int_equal(sv39_unmap(root, 0x9000, NULL), -E_NOENT);
    assert_int_equal(sv39_unmap(root, KERNEL_VA, NULL), -E_NOENT);
    assert_int_equal(sv39_unmap(root, USER_TOP, NULL), -E_NOENT);
}

struct leaf_log {
    int calls;
    paddr_t seen[16];
};

static void leaf_unref(paddr_t pa, void *ctx)
{
    struct leaf_log *log = ctx;
    assert_true(log->calls < 16);
    log->seen[log->calls++] = pa;
    pmm_unref(pa);
}

static void test_sv39_destroy_frees_every_table_and_frame(void **state)
{
    static const uint64_t vas[] = {
        0x0, 0x1000, MIB2, 5 * MIB2 + 0x3000, GIB, 3 * GIB + 0x7000,
        USER_TOP - PAGE_SIZE,
    };
    enum { N = sizeof(vas) / sizeof(vas[0]) };
    /* Count from before the root so that it must be freed too. */
    sv39_destroy_user(root, NULL, NULL);
    uint64_t free0 = pmm_free_count();
    root = sv39_new_root(0);
    paddr_t frames[N];
    for (int i = 0; i < N; i++) {
        frames[i] = pmm_alloc();
        assert_int_equal(sv39_map(root, vas[i], frames[i], URW), 0);
    }
    /* A cleared slot leaves its tables behind; they must go too. */
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 7 * GIB, f, URW), 0);
    assert_int_equal(sv39_unmap(root, 7 * GIB, NULL), 0);
    pmm_unref(f);
    assert_true(pmm_free_count() < free0 - N);

    struct leaf_log log = { 0 };
    sv39_destroy_user(root, leaf_unref, &log);
    assert_int_equal(log.calls, N);
    for (int i = 0; i < N; i++) {
        int hits = 0;
        for (int j = 0; j < log.calls; j++)
            hits += log.seen[j] == frames[i];
        assert_int_equal(hits, 1);
    }
    assert_int_equal(pmm_free_count(), free0);
}

static void test_sv39_destroy_calls_leaf_once_per_shared_frame(void **state)
{
    /* One frame mapped at two addresses is two mappings: two calls. */
    uint64_t free0 = pmm_free_count();
    paddr_t f = pmm_alloc();
    pmm_ref(f);
    assert_int_equal(sv39_map(root, 0x1000, f, URW), 0);
    assert_int_equal(sv39_map(root, GIB, f, PTE_R | PTE_U), 0);
    struct leaf_log log = { 0 };
    sv39_destroy_user(root, leaf_unref, &log);
    assert_int_equal(log.calls, 2);
    assert_int_equal(log.seen[0], f);
    assert_int_equal(log.seen[1], f);
    assert_int_equal(pmm_free_count(), free0 + 1); /* + the root */
}

static void test_sv39_destroy_leaves_kernel_half(void **state)
{
    paddr_t kroot = pmm_alloc();
    paddr_t ktable = pmm_alloc();
    pte_t *k = pa_to_kva(kroot);
    k[SV39_USER_ENTRIES] = pte_make(ktable, PTE_V);
    k[511] = pte_make(FAKE_PHYS_BASE, PTE_V | PTE_R | PTE_W | PTE_G);
    uint64_t free0 = pmm_free_count();

    paddr_t r = sv39_new_root(kroot);
    assert_int_equal(sv39_map(r, 0x2000, pmm_alloc(), URW), 0);
    struct leaf_log log = { 0 };
    sv39_destroy_user(r, leaf_unref, &log);
    assert_int_equal(log.calls, 1);
    assert_int_equal(pmm_free_count(), free0);
    assert_int_equal(pmm_refcount(ktable), 1);
    assert_int_equal(pmm_refcount(kroot), 1);
    assert_int_equal(k[SV39_USER_ENTRIES], pte_make(ktable, PTE_V));
}

static void test_sv39_destroy_without_callback(void **state)
{
    uint64_t free0 = pmm_free_count();
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 0x1000, f, URW), 0);
    sv39_destroy_user(root, NULL, NULL);
    /* The tables and root are freed; the frame is still the caller's. */
    assert_int_equal(pmm_free_count(), free0);
    assert_int_equal(pmm_refcount(f), 1);
}

/* --- range walks ------------------------------------------------------------- */

/* Every page the range walk finds in [va, end), in order, into out. */
static int walk_range(uint64_t va, uint64_t end, uint64_t *out, int max)
{
    int n = 0;
    pte_t *e;
    while ((e = sv39_next_leaf(root, &va, end))) {
        assert_ptr_equal(e, sv39_walk(root, va, false));
        assert_true(n < max);
        out[n++] = va;
        va += PAGE_SIZE;
    }
    return n;
}

static void test_sv39_next_leaf_finds_nothing_in_empty_space(void **state)
{
    uint64_t va = 0;
    assert_null(sv39_next_leaf(root, &va, USER_TOP));
    /* Tables present, leaves cleared: still nothing. */
    paddr_t f = pmm_alloc();
    assert_int_equal(sv39_map(root, 3 * GIB + 5 * MIB2, f, URW), 0);
    assert_int_equal(sv39_unmap(root, 3 * GIB + 5 * MIB2, NULL), 0);
    va = 0;
    assert_null(sv39_next_leaf(root, &va, USER_TOP));
    /* A range past the user half stops at its end. */
    va = USER_TOP - PAGE_SIZE;
    assert_null(sv39_next_leaf(root, &va, KERNEL_VA));
    pmm_unref(f);
}

/* Pages at the edges of leaf tables and of top-level entries, found in
 * order by the walk over any sub-range, just as a page-by-page scan. */
static void test_sv39_next_leaf_visits_mapped_pages_in_order(void **state)
{
    static const uint64_t pages[] = {
        0x1000, MIB2 - PAGE_SIZE, MIB2, 7 * MIB2 + 0x5000, GIB - PAGE_SIZE, GIB,
        5 * GIB + 0x123000, USER_TOP - PAGE_SIZE,
    };
    enum { NP = sizeof(pages) / sizeof(pages[0]) };
    for (int i = 0; i < NP; i++)
        assert_int_equal(sv39_map(root, pages[i], pmm_alloc(), URW), 0);
    uint64_t got[NP + 1];
    assert_int_equal(walk_range(0, USER_TOP, got, NP), NP);
    for (int i = 0; i < NP; i++)
        assert_int_equal(got[i], pages[i]);
    /* Every sub-range with ends at, just before and just after each page. */
    for (int a = 0; a < NP; a++)
        for (int b = a; b < NP; b++)
            for (int da = -1; da <= 1; da++)
                for (int db = -1; db <= 1; db++) {
                    uint64_t lo = pages[a] + (uint64_t)da * PAGE_SIZE;
                    uint64_t hi = pages[b] + (uint64_t)db * PAGE_SIZE;
                    if (lo > hi)
                        continue;
                    int want = 0;
                    for (int i = 0; i < NP; i++)
                        want += pages[i] >= lo && pages[i] < hi;
                    int n = walk_range(lo, hi, got, NP);
                    assert_int_equal(n, want);
                    for (int i = 0; i < n; i++)
                        assert_true(got[i] >= lo && got[i] < hi);
                }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_sv39_new_root_is_empty),
        T(test_sv39_new_root_copies_kernel_half),
        T(test_sv39_new_root_fails_without_memory),
        T(test_sv39_walk_without_alloc_finds_nothing),
        T(test_sv39_walk_with_alloc_creates_two_tables),
        T(test_sv39_map_and_translate),
        T(test_sv39_neighbour_pages_share_tables),
        T(test_sv39_map_at_top_of_user_half),
        T(test_sv39_user_pa_needs_user_bit),
        T(test_sv39_user_pa_checks_permissions),
        T(test_sv39_user_pa_rejects_kernel_half),
        T(test_sv39_map_refuses_bad_flags),
        T(test_sv39_map_accepts_every_legal_permission),
        T(test_sv39_map_refuses_misaligned),
        T(test_sv39_map_refuses_kernel_half),
        T(test_sv39_double_map_is_busy),
        T(test_sv39_map_out_of_memory),
        T(test_sv39_unmap_returns_frame_and_clears),
        T(test_sv39_unmap_of_unmapped_is_noent),
        T(test_sv39_destroy_frees_every_table_and_frame),
        T(test_sv39_destroy_calls_leaf_once_per_shared_frame),
        T(test_sv39_destroy_leaves_kernel_half),
        T(test_sv39_destroy_without_callback),
        T(test_sv39_next_leaf_finds_nothing_in_empty_space),
        T(test_sv39_next_leaf_visits_mapped_pages_in_order),
    };
    return cmocka_run_group_tests_name("sv39", tests, NULL, NULL);
}
